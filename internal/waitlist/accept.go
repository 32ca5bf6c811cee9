package waitlist

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

var (
	errOfferNotFound = apperr.New(apperr.NotFound, "Waitlist offer not found.")
	errOfferGone     = apperr.New(apperr.Conflict, "Sorry, this time was taken by someone else. You stay on the waiting list.")
)

// OfferState is an offer as its patient's link shows it.
type OfferState struct {
	Offer
	// DurationMinutes is the length of the appointment the patient would
	// get (the entry's): from StartsAt, within the offered slot.
	DurationMinutes int
	// Open reports whether the offer can still be accepted: it is pending
	// (not accepted, declined or expired), the slot has not started, and no
	// appointment of the professional holds that time.
	Open bool
}

// offerState reads offer id of the clinic (NotFound when there is none),
// with the id of its slot ("" for an offer made before slots existed).
func (s *Service) offerState(ctx context.Context, clinicID, id string) (OfferState, string, error) {
	var st OfferState
	var slotID sql.NullString
	err := scanOffer(s.db.QueryRowContext(ctx, `SELECT `+offerCols+`, e.duration_minutes, o.slot_id
		FROM waitlist_offers o JOIN waitlist_entries e ON e.id = o.entry_id
		WHERE o.clinic_id = $1 AND o.id = $2`, clinicID, id), &st.Offer, &st.DurationMinutes, &slotID)
	if errors.Is(err, sql.ErrNoRows) {
		return OfferState{}, "", errOfferNotFound
	}
	if err != nil {
		return OfferState{}, "", fmt.Errorf("waitlist: read offer: %w", err)
	}
	return st, slotID.String, nil
}

// Offer returns offer id of the clinic, with whether it is still open.
// NotFound for an offer of no such id in the clinic.
func (s *Service) Offer(ctx context.Context, clinicID, id string) (OfferState, error) {
	id = strings.ToLower(id)
	if !kernel.IsID(id) || !kernel.IsID(clinicID) {
		return OfferState{}, errOfferNotFound
	}
	st, _, err := s.offerState(ctx, clinicID, id)
	if err != nil {
		return OfferState{}, err
	}
	if (st.Status == OfferPending || st.Status == OfferSent) && st.StartsAt.After(s.now()) {
		busy, err := slotBusy(ctx, s.db, clinicID, st.ProfessionalID, st.StartsAt, st.bookedEnd())
		if err != nil {
			return OfferState{}, err
		}
		st.Open = !busy
	}
	return st, nil
}

// bookedEnd is the end of the appointment an accepted offer books.
func (st OfferState) bookedEnd() time.Time {
	return st.StartsAt.Add(time.Duration(st.DurationMinutes) * time.Minute)
}

// patientPrincipal is the patient taking an offer through their link.
func patientPrincipal(clinicID string) kernel.Principal {
	return kernel.Principal{ClinicID: clinicID, Role: kernel.RoleReceptionist, System: kernel.SystemPatient}
}

// accepting is what AcceptOffer tells BookingTx through the context of
// the booking.
type accepting struct {
	clinicID, offerID, entryID, slotID, patientID, professionalID string
	start                                                         time.Time
	now                                                           time.Time
	// appointmentID is set by BookingTx when it queued the offer's writes.
	appointmentID string
}

type acceptingKey struct{}

// AcceptOffer books offer id of the clinic for its patient: an appointment
// with the offer's professional at its start, of the entry's duration,
// booked by the appointment service as the system principal "patient"
// (working hours apply; no override). The appointment service's rule that
// two active appointments of a professional never overlap decides between
// patients accepting offers of one slot at once: the winner's offer is
// accepted, its entry booked and the slot's other offers expire, in the
// transaction of the booking (BookingTx). Accepting an accepted offer
// again returns its appointment. A loser, or an offer whose slot is taken,
// started, no longer offered or no longer bookable (outside the working
// hours), gets a Conflict: the offer expires and the entry waits again
// (never offered that slot again). NotFound for an offer of no such id in
// the clinic.
func (s *Service) AcceptOffer(ctx context.Context, clinicID, id string) (appointment.Appointment, error) {
	id = strings.ToLower(id)
	if !kernel.IsID(id) || !kernel.IsID(clinicID) {
		return appointment.Appointment{}, errOfferNotFound
	}
	if s.appts == nil {
		return appointment.Appointment{}, errors.New("waitlist: accept offer: no appointment service (WithAppointments)")
	}
	st, slotID, err := s.offerState(ctx, clinicID, id)
	if err != nil {
		return appointment.Appointment{}, err
	}
	if a := audit.ActorFrom(ctx); a.ClinicID == "" {
		ctx = audit.WithActor(ctx, audit.Actor{ClinicID: clinicID, System: kernel.SystemPatient, RequestID: "offer:" + id})
	}
	now := s.now()
	switch {
	case st.Status == OfferAccepted && st.AppointmentID != "":
		return s.appts.Get(ctx, patientPrincipal(clinicID), st.AppointmentID)
	case st.Status != OfferPending && st.Status != OfferSent, !st.StartsAt.After(now):
		return s.lost(ctx, st, slotID)
	}
	acc := &accepting{clinicID: clinicID, offerID: id, entryID: st.EntryID, slotID: slotID, patientID: st.PatientID,
		professionalID: st.ProfessionalID, start: st.StartsAt, now: now}
	ap, err := s.appts.Create(context.WithValue(ctx, acceptingKey{}, acc), patientPrincipal(clinicID), appointment.CreateInput{
		PatientID: st.PatientID, ProfessionalID: st.ProfessionalID, StartsAt: st.StartsAt.Format(time.RFC3339),
		DurationMinutes: st.DurationMinutes,
	})
	// Conflict: another appointment holds the time (another patient won).
	// Invalid: the time cannot be booked any more (outside the working
	// hours as they are now, the freed appointment having been a
	// squeeze-in, or just started): gone as well.
	if apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.Invalid) {
		return s.lost(ctx, st, slotID)
	}
	if err != nil {
		return appointment.Appointment{}, err
	}
	if acc.appointmentID != ap.ID {
		return ap, fmt.Errorf("waitlist: accept offer %s: appointment %s was booked but the appointment service does not run waitlist.Service.BookingTx (appointment.WithTxHook): the offer is not marked accepted", id, ap.ID)
	}
	return ap, nil
}

// lost answers an accept that cannot book: when the offer was accepted
// meanwhile (the same offer, accepted twice at once) its appointment;
// otherwise the offer expires, its entry waits again, the slot closes when
// it is taken, and the answer is a Conflict.
func (s *Service) lost(ctx context.Context, st OfferState, slotID string) (appointment.Appointment, error) {
	now := s.now()
	var won sql.NullString
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status, appointment_id FROM waitlist_offers WHERE clinic_id = $1 AND id = $2`,
			st.ClinicID, st.ID).Scan(&status, &won); err != nil {
			return fmt.Errorf("waitlist: accept offer: reread offer: %w", err)
		}
		if OfferStatus(status) == OfferAccepted {
			return nil
		}
		won = sql.NullString{}
		// Only an offer still open holds its entry (an entry closed out of
		// this slot may be offered another one by now).
		res, err := tx.ExecContext(ctx, `UPDATE waitlist_offers SET status = 'expired'
			WHERE clinic_id = $1 AND id = $2 AND status IN ('pending', 'sent')`, st.ClinicID, st.ID)
		if err != nil {
			return fmt.Errorf("waitlist: accept offer: expire offer: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("waitlist: accept offer: expire offer: %w", err)
		} else if n > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE waitlist_entries SET status = 'waiting', updated_at = $3
				WHERE clinic_id = $1 AND id = $2 AND status = 'offered'`, st.ClinicID, st.EntryID, now); err != nil {
				return fmt.Errorf("waitlist: accept offer: release entry: %w", err)
			}
		}
		if slotID == "" {
			return nil
		}
		busy, err := slotBusy(ctx, tx, st.ClinicID, st.ProfessionalID, st.StartsAt, st.EndsAt)
		if err != nil {
			return err
		}
		if busy || !st.StartsAt.After(now) {
			return closeSlot(ctx, tx, st.ClinicID, slotID, "", now)
		}
		return nil
	})
	if err != nil {
		return appointment.Appointment{}, err
	}
	if won.Valid {
		return s.appts.Get(ctx, patientPrincipal(st.ClinicID), won.String)
	}
	return appointment.Appointment{}, errOfferGone
}

// BookingTx is the appointment.TxHook that, in the transaction of a
// booking made by AcceptOffer, closes the offer's slot (its other offers
// expire, their entries wait again), books the offer's entry and marks the
// offer accepted with the new appointment; a booking that fails (another
// patient took the time) writes none of it. Other appointment writes are
// left alone. Package app adds it to the appointment service.
func (s *Service) BookingTx(ctx context.Context, w appointment.Writer, c appointment.Change) error {
	acc, ok := ctx.Value(acceptingKey{}).(*accepting)
	if !ok || c.Kind != appointment.ChangeCreated || c.ClinicID != acc.clinicID || c.PatientID != acc.patientID ||
		c.ProfessionalID != acc.professionalID || !c.StartsAt.Equal(acc.start) {
		return nil
	}
	now := db.Time(acc.now)
	if acc.slotID != "" {
		if err := closeSlot(ctx, w, acc.clinicID, acc.slotID, acc.offerID, now); err != nil {
			return err
		}
	}
	if _, err := w.ExecContext(ctx, `UPDATE waitlist_entries SET status = 'booked', updated_at = $3
		WHERE clinic_id = $1 AND id = $2 AND status IN ('waiting', 'offered')`, acc.clinicID, acc.entryID, now); err != nil {
		return fmt.Errorf("waitlist: accept offer: book entry: %w", err)
	}
	if _, err := w.ExecContext(ctx, `UPDATE waitlist_offers SET status = 'accepted', appointment_id = $3
		WHERE clinic_id = $1 AND id = $2 AND status IN ('pending', 'sent')`, acc.clinicID, acc.offerID, c.AppointmentID); err != nil {
		return fmt.Errorf("waitlist: accept offer: mark accepted: %w", err)
	}
	// Audited as an update of the offer (its status), by the actor of ctx:
	// the patient, through their link.
	if err := audit.Record(ctx, w, acc.clinicID, audit.ActionUpdate, entityOffer, acc.offerID, acc.patientID); err != nil {
		return err
	}
	acc.appointmentID = c.AppointmentID
	return nil
}
