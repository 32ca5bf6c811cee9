package waitlist

import (
	"context"
	"database/sql"
	"fmt"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// The patient's part of the waitlist, for the patient file (package
// patientfile): their entries on the timeline, in the LGPD export, and
// anonymised with them.

var errPatientOwner = apperr.New(apperr.Forbidden, "Only the clinic's owner can anonymise a patient's waitlist entries.")

// PatientEntries returns every waitlist entry of a patient of p's clinic,
// whatever its status, newest first, as List shows them (professionals:
// the entries for themselves and for any professional; financial:
// Forbidden). Another clinic's patient has none.
func (s *Service) PatientEntries(ctx context.Context, p kernel.Principal, patientID string) ([]Entry, error) {
	if !kernel.IsID(patientID) {
		return nil, apperr.Validation(map[string]string{"patient_id": "Must be an id."})
	}
	own, only, err := s.scope(ctx, p)
	if err != nil {
		return nil, err
	}
	q := `SELECT e.id, e.patient_id, pa.name,
			e.professional_id, pr.name, e.from_date, e.to_date, e.earliest_minute, e.latest_minute,
			e.duration_minutes, e.notes, e.status, e.created_at, e.updated_at
		FROM waitlist_entries e
		JOIN patient_refs pa ON pa.id = e.patient_id AND pa.clinic_id = e.clinic_id
		LEFT JOIN professional_refs pr ON pr.id = e.professional_id AND pr.clinic_id = e.clinic_id
		WHERE e.clinic_id = $1 AND e.patient_id = $2`
	args := []any{p.ClinicID, patientID}
	switch {
	case own != "":
		args = append(args, own)
		q += ` AND (e.professional_id = $3 OR e.professional_id IS NULL)`
	case only:
		q += ` AND e.professional_id IS NULL`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY e.created_at DESC, e.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("waitlist: patient entries: %w", err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("waitlist: patient entries: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AnonymisePatient removes a patient of p's clinic from the waitlist: their
// open entries are removed (their open offers expire) and the notes of
// every entry of theirs, free text that may identify them, are emptied.
// The entries stay, without notes. One transaction, audited. Owners only.
// Idempotent.
func (s *Service) AnonymisePatient(ctx context.Context, p kernel.Principal, patientID string) error {
	if p.Role != kernel.RoleOwner {
		return errPatientOwner
	}
	if !kernel.IsID(patientID) {
		return apperr.Validation(map[string]string{"patient_id": "Must be an id."})
	}
	now := db.Time(s.now())
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE waitlist_offers SET status = 'expired'
			WHERE clinic_id = $1 AND status IN ('pending', 'sent')
			AND entry_id IN (SELECT id FROM waitlist_entries WHERE clinic_id = $1 AND patient_id = $2)`, p.ClinicID, patientID); err != nil {
			return fmt.Errorf("waitlist: anonymise: expire offers: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE waitlist_entries
			SET notes = '', status = CASE WHEN status IN ('waiting', 'offered') THEN 'removed' ELSE status END, updated_at = $3
			WHERE clinic_id = $1 AND patient_id = $2 AND (notes <> '' OR status IN ('waiting', 'offered'))`,
			p.ClinicID, patientID, now); err != nil {
			return fmt.Errorf("waitlist: anonymise: %w", err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, entityEntry, patientID, patientID)
	})
}
