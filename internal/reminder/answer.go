package reminder

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/notify"
	"clinic/internal/platform/db"
	"clinic/internal/platform/secret"
)

// Answers a patient can give.
const (
	ActionConfirm    = "confirm"
	ActionCancel     = "cancel"
	ActionReschedule = "reschedule"
	ActionAccept     = "accept"
)

// tokenPurpose is the purpose of the patients' links.
const tokenPurpose = "message.answer"

// minLinkLife keeps a link usable for a while even when the appointment
// is near.
const minLinkLife = time.Hour

// link returns the signed link of message m about something at start: it
// works until then (an offer's too: the first patient offered a slot has it
// alone for the policy's OfferMinutes, then it is offered to the next as
// well, and whoever takes it first gets it), and for at least minLinkLife.
func (s *Service) link(m row, start time.Time) (string, error) {
	exp := start
	if exp.Before(s.now().Add(minLinkLife)) {
		exp = s.now().Add(minLinkLife)
	}
	tok, err := s.keys.Sign(tokenPurpose, []byte(m.id), exp)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(s.cfg.BaseURL, "/") + "/m/" + tok, nil
}

// Answerable is what a patient's link shows.
type Answerable struct {
	MessageID    string
	ClinicID     string
	Kind         string
	ClinicName   string
	Address      string
	ClinicPhone  string
	Locale       string
	Zone         *time.Location
	Professional string
	Procedure    string
	StartsAt     time.Time
	EndsAt       time.Time
	// Status is the appointment's status ("" for an offer).
	Status appointment.Status
	// Actions are the answers still possible.
	Actions []string
	// Answered is the answer already given with this link ("" when none).
	Answered string
	// Gone is set for an offer whose slot was taken or closed.
	Gone bool
}

var (
	errBadLink  = apperr.New(apperr.NotFound, "This link is not valid. Ask the clinic for a new one.")
	errExpired  = apperr.New(apperr.NotFound, "This link has expired. Please contact the clinic.")
	errAnswered = apperr.New(apperr.Conflict, "This link was already used.")
	errAction   = apperr.New(apperr.Conflict, "This answer is no longer possible.")
	errSlotGone = apperr.New(apperr.Conflict, "Sorry, this time was taken by someone else. You stay on the waiting list.")
)

// verify checks a link's token and returns its message. An expired link
// still names its message (with errExpired), so that the page can say
// which clinic to call.
func (s *Service) verify(token string) (string, secret.Token, error) {
	t, err := s.keys.Verify(tokenPurpose, token, s.now())
	switch {
	case errors.Is(err, secret.ErrExpired):
		if id := string(t.Payload); kernel.IsID(id) {
			return id, t, errExpired
		}
		return "", t, errBadLink
	case err != nil:
		return "", t, errBadLink
	}
	id := string(t.Payload)
	if !kernel.IsID(id) {
		return "", t, errBadLink
	}
	return id, t, nil
}

// expired returns what the expired link of message id was about, without
// any answer to give, and errExpired.
func (s *Service) expired(ctx context.Context, id string) (Answerable, error) {
	a, err := s.answerable(ctx, id, "")
	if err != nil {
		return Answerable{}, errExpired
	}
	a.Actions = nil
	return a, errExpired
}

// Lookup returns what the link of token is about. For an expired link it
// returns what it was about, with no answer possible, and an error.
func (s *Service) Lookup(ctx context.Context, token string) (Answerable, error) {
	id, t, err := s.verify(token)
	if errors.Is(err, errExpired) {
		return s.expired(ctx, id)
	}
	if err != nil {
		return Answerable{}, err
	}
	return s.answerable(ctx, id, tokenKey(t))
}

func tokenKey(t secret.Token) string { return fmt.Sprintf("link:%x", t.ID) }

func (s *Service) answerable(ctx context.Context, id, key string) (Answerable, error) {
	var m row
	var appt, offer sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, clinic_id, patient_id, appointment_id, offer_id, kind FROM messages WHERE id = $1`, id).Scan(
		&m.id, &m.clinicID, &m.patientID, &appt, &offer, &m.kind)
	if errors.Is(err, sql.ErrNoRows) {
		return Answerable{}, errBadLink
	}
	if err != nil {
		return Answerable{}, fmt.Errorf("reminder: read message: %w", err)
	}
	m.appointmentID, m.offerID = appt.String, offer.String
	c, err := s.clinics.Clinic(ctx, m.clinicID)
	if err != nil {
		return Answerable{}, err
	}
	zone, err := s.clinics.ClinicZone(ctx, m.clinicID)
	if err != nil {
		return Answerable{}, err
	}
	a := Answerable{MessageID: m.id, ClinicID: m.clinicID, Kind: m.kind, ClinicName: c.Name, Address: c.Address, ClinicPhone: c.Phone,
		Locale: c.Locale, Zone: zone}
	if key != "" {
		err := s.db.QueryRowContext(ctx, `SELECT action FROM message_answers WHERE token_id = $1`, key).Scan(&a.Answered)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Answerable{}, fmt.Errorf("reminder: read answer: %w", err)
		}
	}
	switch {
	case m.appointmentID != "":
		ap, err := s.appointments.Get(ctx, system(m.clinicID), m.appointmentID)
		if err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return Answerable{}, errBadLink
			}
			return Answerable{}, err
		}
		a.Professional, a.Procedure, a.StartsAt, a.EndsAt, a.Status = ap.ProfessionalName, ap.Procedure, ap.StartsAt, ap.EndsAt, ap.Status
		if a.Answered == "" && ap.StartsAt.After(s.now()) {
			if ap.Status.CanBecome(appointment.StatusConfirmed) {
				a.Actions = append(a.Actions, ActionConfirm)
			}
			if ap.Status.CanBecome(appointment.StatusCancelled) {
				a.Actions = append(a.Actions, ActionCancel, ActionReschedule)
			}
		}
	case m.offerID != "" && s.offers != nil:
		o, err := s.offers.Offer(ctx, m.clinicID, m.offerID)
		if err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return Answerable{}, errBadLink
			}
			return Answerable{}, err
		}
		a.StartsAt, a.EndsAt = o.StartsAt, o.EndsAt
		a.Gone = !o.Open || !o.StartsAt.After(s.now())
		if a.Answered == "" && !a.Gone {
			a.Actions = []string{ActionAccept}
		}
	default:
		return Answerable{}, errBadLink
	}
	return a, nil
}

// Answer carries out the patient's answer given through the link of token:
// confirm or cancel the appointment, ask to reschedule it, or take the
// offered slot. A link answers once; a tampered or expired one changes
// nothing.
func (s *Service) Answer(ctx context.Context, token, action, ip string) (Answerable, error) {
	id, t, err := s.verify(token)
	if errors.Is(err, errExpired) {
		return s.expired(ctx, id)
	}
	if err != nil {
		return Answerable{}, err
	}
	return s.answer(ctx, id, tokenKey(t), t.ExpiresAt, action, ip)
}

func (s *Service) answer(ctx context.Context, id, key string, expires time.Time, action, ip string) (Answerable, error) {
	a, err := s.answerable(ctx, id, key)
	if err != nil {
		return Answerable{}, err
	}
	if a.Answered != "" {
		return a, errAnswered
	}
	if !slices.Contains(a.Actions, action) {
		if a.Gone {
			return a, errSlotGone
		}
		return a, errAction
	}
	now := db.Time(s.now())
	// Claim the link first: of two clicks at once, one goes on.
	if _, err := s.db.ExecContext(ctx, `INSERT INTO message_answers (token_id, message_id, action, expires_at, at) VALUES ($1, $2, $3, $4, $5)`,
		key, id, action, db.Time(expires), now); err != nil {
		if db.IsUniqueViolation(err) {
			return a, errAnswered
		}
		return Answerable{}, fmt.Errorf("reminder: record answer: %w", err)
	}
	ctx = audit.WithActor(ctx, audit.Actor{ClinicID: a.ClinicID, System: kernel.SystemPatient, IP: ip, RequestID: "message:" + id})
	var actErr error
	switch action {
	case ActionConfirm:
		_, actErr = s.appointments.SetStatus(ctx, patientPrincipal(a.ClinicID), s.appointmentOf(ctx, id), appointment.StatusInput{Status: appointment.StatusConfirmed})
	case ActionCancel:
		_, actErr = s.appointments.SetStatus(ctx, patientPrincipal(a.ClinicID), s.appointmentOf(ctx, id), appointment.StatusInput{Status: appointment.StatusCancelled})
	case ActionReschedule:
		actErr = audit.Record(ctx, s.db, a.ClinicID, "reschedule_request", "appointment", s.appointmentOf(ctx, id), "")
	case ActionAccept:
		var offerID string
		if err := s.db.QueryRowContext(ctx, `SELECT offer_id FROM messages WHERE id = $1`, id).Scan(&offerID); err != nil {
			actErr = err
			break
		}
		_, actErr = s.offers.AcceptOffer(ctx, a.ClinicID, offerID)
	}
	if actErr != nil {
		// Give the link back unless the answer can never work.
		if _, err := s.db.ExecContext(context.WithoutCancel(ctx), `DELETE FROM message_answers WHERE token_id = $1`, key); err != nil {
			s.log.WarnContext(ctx, "reminder: release answer", "err", err)
		}
		if action == ActionAccept && apperr.Is(actErr, apperr.Conflict) {
			a.Gone, a.Actions = true, nil
			return a, errSlotGone
		}
		if apperr.Is(actErr, apperr.Conflict) {
			return a, errAction
		}
		return Answerable{}, actErr
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO message_events (id, message_id, status, detail, at) VALUES ($1, $2, 'answered', $3, $4)`,
		kernel.NewID(), id, action, now); err != nil {
		s.log.WarnContext(ctx, "reminder: record answer event", "err", err)
	}
	return s.answerable(ctx, id, key)
}

func (s *Service) appointmentOf(ctx context.Context, messageID string) string {
	var id sql.NullString
	_ = s.db.QueryRowContext(ctx, `SELECT appointment_id FROM messages WHERE id = $1`, messageID).Scan(&id)
	return id.String
}

// ApplyReply carries out a patient's tap on a WhatsApp quick-reply button
// (its payload is "action:message id"), once per reply (providers deliver
// webhooks at least once), only from the number the message went to.
func (s *Service) ApplyReply(ctx context.Context, clinicID string, r notify.ButtonReply) error {
	action, id, ok := strings.Cut(r.Payload, ":")
	if !ok || !kernel.IsID(id) {
		return nil
	}
	var recipient, channel string
	err := s.db.QueryRowContext(ctx, `SELECT recipient, channel FROM messages WHERE id = $1 AND clinic_id = $2`, id, clinicID).Scan(&recipient, &channel)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reminder: button reply: %w", err)
	}
	if channel != notify.KindWhatsApp || strings.TrimPrefix(recipient, "+") != strings.TrimPrefix(r.From, "+") {
		return nil
	}
	key := "wa:" + r.MessageID
	if r.MessageID == "" {
		key = "wa:" + id + ":" + action
	}
	_, err = s.answer(ctx, id, key, s.now().Add(30*24*time.Hour), action, "")
	if err != nil && (errors.Is(err, errAnswered) || errors.Is(err, errAction) || errors.Is(err, errSlotGone) || errors.Is(err, errBadLink)) {
		return nil // nothing more to do: the answer is not possible (or was given)
	}
	return err
}
