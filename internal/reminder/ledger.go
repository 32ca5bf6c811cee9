package reminder

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/notify"
	"clinic/internal/platform/db"
)

// Message is one entry of the delivery ledger.
type Message struct {
	ID            string `json:"id"`
	PatientID     string `json:"patient_id"`
	AppointmentID string `json:"appointment_id,omitempty"`
	OfferID       string `json:"offer_id,omitempty"`
	Kind          string `json:"kind"`
	// MinutesBefore is a reminder's time before the appointment.
	MinutesBefore int    `json:"minutes_before,omitempty"`
	Channel       string `json:"channel,omitempty"`
	Recipient     string `json:"recipient,omitempty"`
	ProviderID    string `json:"provider_id,omitempty"`
	Status        string `json:"status"`
	// Reason says why a message was skipped or failed (one of the Reason
	// constants, or the provider's words).
	Reason    string     `json:"reason,omitempty"`
	Attempts  int        `json:"attempts"`
	DueAt     time.Time  `json:"due_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	// Events is the status history, oldest first (Get only).
	Events []MessageEvent `json:"events,omitempty"`
}

// MessageEvent is one step of a message's history.
type MessageEvent struct {
	Status string    `json:"status"`
	Detail string    `json:"detail,omitempty"`
	At     time.Time `json:"at"`
}

// Filter selects ledger entries of a clinic, newest first.
type Filter struct {
	AppointmentID string
	PatientID     string
	// Status keeps one status ("failed" for the dashboard's failed
	// messages).
	Status string
	// Since keeps messages updated at or after it (zero: all).
	Since time.Time
	Limit int
}

const (
	defaultLimit = 50
	maxLimit     = 500
)

var errLedgerRole = apperr.New(apperr.Forbidden, "Your role cannot see the clinic's messages.")

// reads reports whether r may read the ledger (it names patients and their
// appointments: not the financial role).
func reads(r kernel.Role) bool { return r.Valid() && r != kernel.RoleFinancial }

const messageCols = `id, patient_id, appointment_id, offer_id, kind, minutes_before, channel, recipient, provider_id, status,
	reason, attempts, due_at, sent_at, created_at, updated_at`

func scanMessage(sc interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var appt, offer sql.NullString
	var sent sql.NullTime
	err := sc.Scan(&m.ID, &m.PatientID, &appt, &offer, &m.Kind, &m.MinutesBefore, &m.Channel, &m.Recipient, &m.ProviderID,
		&m.Status, &m.Reason, &m.Attempts, &m.DueAt, &sent, &m.CreatedAt, &m.UpdatedAt)
	m.AppointmentID, m.OfferID = appt.String, offer.String
	if sent.Valid {
		t := sent.Time
		m.SentAt = &t
	}
	return m, err
}

// List returns ledger entries of the clinic, newest first.
func (s *Service) List(ctx context.Context, pr kernel.Principal, f Filter) ([]Message, error) {
	if !reads(pr.Role) {
		return nil, errLedgerRole
	}
	if f.Limit <= 0 {
		f.Limit = defaultLimit
	}
	f.Limit = min(f.Limit, maxLimit)
	bad := map[string]string{}
	if f.AppointmentID != "" && !kernel.IsID(f.AppointmentID) {
		bad["appointment_id"] = "Must be an id."
	}
	if f.PatientID != "" && !kernel.IsID(f.PatientID) {
		bad["patient_id"] = "Must be an id."
	}
	if len(bad) > 0 {
		return nil, apperr.Validation(bad)
	}
	q := `SELECT ` + messageCols + ` FROM messages WHERE clinic_id = $1`
	args := []any{pr.ClinicID}
	add := func(cond string, v any) {
		args = append(args, v)
		q += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.AppointmentID != "" {
		add("appointment_id = $%d", f.AppointmentID)
	}
	if f.PatientID != "" {
		add("patient_id = $%d", f.PatientID)
	}
	if f.Status != "" {
		add("status = $%d", f.Status)
	}
	if !f.Since.IsZero() {
		add("updated_at >= $%d", db.Time(f.Since))
	}
	order := " ORDER BY created_at DESC, id DESC"
	if f.Status == StatusFailed {
		order = " ORDER BY updated_at DESC, id DESC"
	}
	args = append(args, f.Limit)
	q += order + fmt.Sprintf(" LIMIT $%d", len(args))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reminder: list messages: %w", err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("reminder: list messages: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

var errMessageNotFound = apperr.New(apperr.NotFound, "Message not found.")

// Get returns one message with its history.
func (s *Service) Get(ctx context.Context, pr kernel.Principal, id string) (Message, error) {
	if !reads(pr.Role) {
		return Message{}, errLedgerRole
	}
	if !kernel.IsID(id) {
		return Message{}, errMessageNotFound
	}
	m, err := scanMessage(s.db.QueryRowContext(ctx, `SELECT `+messageCols+` FROM messages WHERE id = $1 AND clinic_id = $2`, id, pr.ClinicID))
	if errors.Is(err, sql.ErrNoRows) {
		return Message{}, errMessageNotFound
	}
	if err != nil {
		return Message{}, fmt.Errorf("reminder: get message: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT status, detail, at FROM message_events WHERE message_id = $1 ORDER BY at, id`, id)
	if err != nil {
		return Message{}, fmt.Errorf("reminder: message history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e MessageEvent
		if err := rows.Scan(&e.Status, &e.Detail, &e.At); err != nil {
			return Message{}, err
		}
		m.Events = append(m.Events, e)
	}
	return m, rows.Err()
}

// rank orders the provider statuses: a status never goes back (a late
// "delivered" after "read" is kept in the history only).
var rank = map[string]int{StatusSending: 1, StatusSent: 2, StatusDelivered: 3, StatusRead: 4}

// ApplyStatus records a provider's status update for a message of the
// clinic sent on channel (a webhook or status callback). An update for an
// unknown message is ignored. messageID, when the callback carries it
// (the ?m= of SMS status callbacks, the callback data of WhatsApp's),
// finds the message before its provider id is known.
func (s *Service) ApplyStatus(ctx context.Context, clinicID, channel, messageID string, u notify.StatusUpdate) error {
	var id, status, provider string
	q := `SELECT id, status, provider_id FROM messages WHERE clinic_id = $1 AND channel = $2 AND provider_id = $3`
	args := []any{clinicID, channel, u.ProviderMessageID}
	if messageID != "" && kernel.IsID(messageID) {
		q = `SELECT id, status, provider_id FROM messages WHERE clinic_id = $1 AND channel = $2 AND id = $3`
		args[2] = messageID
	}
	err := s.db.QueryRowContext(ctx, q, args...).Scan(&id, &status, &provider)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reminder: status update: %w", err)
	}
	next := string(u.Status)
	detail := u.ProviderStatus
	if u.ErrorCode != "" {
		detail = strings.TrimSpace(u.ErrorCode + " " + u.ErrorTitle)
	}
	at := db.Time(s.now())
	if !u.Timestamp.IsZero() {
		at = db.Time(u.Timestamp)
	}
	var b db.Batch
	_, _ = b.ExecContext(ctx, `INSERT INTO message_events (id, message_id, status, detail, at) VALUES ($1, $2, $3, $4, $5)`,
		kernel.NewID(), id, next, truncate(detail, 500), at)
	switch {
	case next == StatusFailed:
		_, _ = b.ExecContext(ctx, `UPDATE messages SET status = 'failed', reason = $1, updated_at = $2 WHERE id = $3`,
			truncate(detail, 500), db.Time(s.now()), id)
	case rank[next] > rank[status] && status != StatusFailed:
		_, _ = b.ExecContext(ctx, `UPDATE messages SET status = $1, provider_id = CASE WHEN provider_id = '' THEN $2 ELSE provider_id END,
			updated_at = $3 WHERE id = $4`, next, u.ProviderMessageID, db.Time(s.now()), id)
	}
	if err := s.db.TxBatch(ctx, func(tx *db.BatchTx) error { return tx.Send(ctx, &b) }); err != nil {
		return fmt.Errorf("reminder: status update: %w", err)
	}
	return nil
}

// SendAgain queues a failed or skipped message once more (a new attempt
// of the same message, for staff who checked why it failed).
func (s *Service) SendAgain(ctx context.Context, pr kernel.Principal, id string) (Message, error) {
	if !reads(pr.Role) || pr.Role == kernel.RoleProfessional {
		return Message{}, apperr.New(apperr.Forbidden, "Your role cannot send messages.")
	}
	m, err := s.Get(ctx, pr, id)
	if err != nil {
		return Message{}, err
	}
	if m.Status != StatusFailed && m.Status != StatusSkipped {
		return Message{}, apperr.New(apperr.Conflict, "Only a failed or skipped message can be sent again.")
	}
	now := db.Time(s.now())
	err = s.db.TxBatch(ctx, func(tx *db.BatchTx) error {
		res, err := tx.ExecContext(ctx, `UPDATE messages SET status = 'pending', reason = '', due_at = $1, updated_at = $1
			WHERE id = $2 AND status IN ('failed', 'skipped')`, now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "Only a failed or skipped message can be sent again.")
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO message_events (id, message_id, status, detail, at) VALUES ($1, $2, 'pending', 'send_again', $3)`,
			kernel.NewID(), id, now)
		return err
	})
	if err != nil {
		return Message{}, err
	}
	if _, err := s.Dispatch(ctx); err != nil {
		s.log.WarnContext(ctx, "reminder: dispatch after send again", "err", err)
	}
	return s.Get(ctx, pr, id)
}

// TestInput is a test message to one address through one channel.
type TestInput struct {
	Channel string `json:"channel"`
	// PatientID is the patient the test goes to (their phone or e-mail).
	PatientID string `json:"patient_id"`
}

// SendTest sends the clinic's test message through one channel to a
// patient now (owners and admins checking a channel), without asking for
// consent, and returns it as the ledger records it: sent with the
// provider's id, or failed with the provider's reason.
func (s *Service) SendTest(ctx context.Context, pr kernel.Principal, in TestInput) (Message, error) {
	if !pr.ManagesClinic() {
		return Message{}, errSettingsRole
	}
	if _, ok := ChannelFields[in.Channel]; !ok {
		return Message{}, apperr.Validation(map[string]string{"channel": "Must be whatsapp, sms or email."})
	}
	if _, err := s.patients.Get(ctx, pr, in.PatientID); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return Message{}, apperr.Validation(map[string]string{"patient_id": "No such patient."})
		}
		return Message{}, err
	}
	now := db.Time(s.now())
	id := kernel.NewID()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO messages (id, clinic_id, patient_id, kind, channel, status, due_at, created_at, updated_at)
		VALUES ($1, $2, $3, 'test', $4, 'queued', $5, $5, $5)`, id, pr.ClinicID, in.PatientID, in.Channel, now); err != nil {
		return Message{}, fmt.Errorf("reminder: test message: %w", err)
	}
	if err := s.send(ctx, pr.ClinicID, id, true); err != nil {
		var perm *permanent
		if !errors.As(err, &perm) {
			s.log.WarnContext(ctx, "reminder: test message", "err", err)
		}
	}
	return s.Get(ctx, pr, id)
}

// FailedCount counts the clinic's messages that failed since since.
func (s *Service) FailedCount(ctx context.Context, pr kernel.Principal, since time.Time) (int, error) {
	if !reads(pr.Role) {
		return 0, errLedgerRole
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE clinic_id = $1 AND status = 'failed' AND updated_at >= $2`,
		pr.ClinicID, db.Time(since)).Scan(&n)
	return n, err
}
