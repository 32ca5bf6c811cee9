package reminder

import (
	"context"
	"database/sql"
	"fmt"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// The patient's part of the ledger, for the patient file (package
// patientfile): their messages on the timeline, in the LGPD export, and
// anonymised with them.

// EntityMessages is the audit entity of the anonymisation of a patient's
// messages (entity_id: the patient's id).
const EntityMessages = "messages"

var errPatientOwner = apperr.New(apperr.Forbidden, "Only the clinic's owner can export or anonymise a patient's messages.")

// PatientMessages returns the newest limit (at most 500) messages to a
// patient of pr's clinic, newest first, as List does (every role but
// financial; Invalid for a malformed id). Another clinic's patient has no
// messages here.
func (s *Service) PatientMessages(ctx context.Context, pr kernel.Principal, patientID string, limit int) ([]Message, error) {
	if !kernel.IsID(patientID) {
		return nil, apperr.Validation(map[string]string{"patient_id": "Must be an id."})
	}
	return s.List(ctx, pr, Filter{PatientID: patientID, Limit: limit})
}

// ExportPatient returns every message to a patient of pr's clinic, oldest
// first, each with its status history (the LGPD export: owners only). Two
// queries, whatever the number of messages.
func (s *Service) ExportPatient(ctx context.Context, pr kernel.Principal, patientID string) ([]Message, error) {
	if pr.Role != kernel.RoleOwner {
		return nil, errPatientOwner
	}
	if !kernel.IsID(patientID) {
		return nil, apperr.Validation(map[string]string{"patient_id": "Must be an id."})
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+messageCols+` FROM messages WHERE clinic_id = $1 AND patient_id = $2
		ORDER BY created_at, id`, pr.ClinicID, patientID)
	if err != nil {
		return nil, fmt.Errorf("reminder: export messages: %w", err)
	}
	out := []Message{}
	at := map[string]int{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("reminder: export messages: %w", err)
		}
		at[m.ID] = len(out)
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reminder: export messages: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ev, err := s.db.QueryContext(ctx, `SELECT e.message_id, e.status, e.detail, e.at FROM message_events e
		JOIN messages m ON m.id = e.message_id
		WHERE m.clinic_id = $1 AND m.patient_id = $2 ORDER BY e.at, e.id`, pr.ClinicID, patientID)
	if err != nil {
		return nil, fmt.Errorf("reminder: export message history: %w", err)
	}
	defer ev.Close()
	for ev.Next() {
		var id string
		var e MessageEvent
		if err := ev.Scan(&id, &e.Status, &e.Detail, &e.At); err != nil {
			return nil, fmt.Errorf("reminder: export message history: %w", err)
		}
		if i, ok := at[id]; ok {
			out[i].Events = append(out[i].Events, e)
		}
	}
	return out, ev.Err()
}

// AnonymisePatient removes from the ledger what identified a patient of
// pr's clinic: the recipient addresses of their messages and the details of
// the messages' history (providers' words, which may quote the address, and
// the patient's answers); the messages still waiting to go are skipped
// (no_consent: an anonymised patient has withdrawn every consent). The
// messages themselves stay (what was sent when, by which channel). One
// transaction, audited (EntityMessages). Owners only. Idempotent: running it
// again changes nothing more.
func (s *Service) AnonymisePatient(ctx context.Context, pr kernel.Principal, patientID string) error {
	if pr.Role != kernel.RoleOwner {
		return errPatientOwner
	}
	if !kernel.IsID(patientID) {
		return apperr.Validation(map[string]string{"patient_id": "Must be an id."})
	}
	now := db.Time(s.now())
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE message_events SET detail = ''
			WHERE detail <> '' AND message_id IN (SELECT id FROM messages WHERE clinic_id = $1 AND patient_id = $2)`,
			pr.ClinicID, patientID); err != nil {
			return fmt.Errorf("reminder: anonymise message history: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET status = 'skipped', reason = $3, updated_at = $4
			WHERE clinic_id = $1 AND patient_id = $2 AND status IN ('pending', 'queued')`,
			pr.ClinicID, patientID, ReasonNoConsent, now); err != nil {
			return fmt.Errorf("reminder: anonymise messages: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET recipient = '', reason = CASE WHEN status = 'failed' THEN '' ELSE reason END
			WHERE clinic_id = $1 AND patient_id = $2 AND (recipient <> '' OR (status = 'failed' AND reason <> ''))`,
			pr.ClinicID, patientID); err != nil {
			return fmt.Errorf("reminder: anonymise messages: %w", err)
		}
		return audit.Record(ctx, tx, pr.ClinicID, audit.ActionUpdate, EntityMessages, patientID, patientID)
	})
}
