package reminder

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// ConfirmationStats is the confirmation after reminders of a range.
type ConfirmationStats struct {
	// Reminded counts the appointments with a reminder sent (sent,
	// delivered or read) that were not yet confirmed when the first one
	// went out.
	Reminded int
	// Confirmed counts those of them confirmed at or after it.
	Confirmed int
}

// Confirmations computes the confirmation after reminders of the
// appointments of p's clinic starting in [from, to), optionally of one
// professional and of one procedure ("" for all): of the appointments whose
// first reminder went out while they were not yet confirmed, how many were
// then confirmed (first changed to confirmed, arrived, in progress or
// completed; a patient's answer confirms through that change). One query:
// package appointment's read model appointment_confirmation_refs (migration
// 0017) semi-joined with the ledger's sent reminders by appointment.
// A professional counts only their own appointments. Any member may ask:
// these are counts, not the ledger.
func (s *Service) Confirmations(ctx context.Context, p kernel.Principal, from, to time.Time, professionalID, procedureID string) (ConfirmationStats, error) {
	if !p.Role.Valid() {
		return ConfirmationStats{}, apperr.New(apperr.Forbidden, "Your role cannot read message figures.")
	}
	args := []any{p.ClinicID, db.Time(from), db.Time(to)}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// An appointment was reminded while unconfirmed when one of its sent
	// reminders went out at or before its first confirmation (or it has
	// none): the earliest did.
	before := `m.sent_at <= x.confirmed_at`
	if s.db.Dialect == db.SQLite { // times are text there: compare them as times
		before = `julianday(m.sent_at) <= julianday(x.confirmed_at)`
	}
	q := `SELECT c.id, c.confirmed_at FROM appointment_confirmation_refs c
	WHERE c.clinic_id = $1 AND c.starts_at >= $2 AND c.starts_at < $3`
	if professionalID != "" {
		q += ` AND c.professional_id = ` + arg(professionalID)
	}
	if procedureID != "" {
		q += ` AND c.procedure_id = ` + arg(procedureID)
	}
	if p.Role == kernel.RoleProfessional {
		var user any
		if p.UserID != "" {
			user = p.UserID
		}
		q += ` AND EXISTS (SELECT 1 FROM professional_refs pr WHERE pr.id = c.professional_id AND pr.clinic_id = c.clinic_id AND pr.user_id = ` + arg(user) + `)`
	}
	if s.db.Dialect == db.Postgres {
		q += ` OFFSET 0` // keeps the subquery whole: each first confirmation is looked up once
	}
	q = `SELECT COUNT(*), COALESCE(SUM(CASE WHEN x.confirmed_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM (` + q + `) x
	WHERE EXISTS (SELECT 1 FROM messages m WHERE m.appointment_id = x.id AND m.clinic_id = $1 AND m.kind = 'reminder'
		AND m.status IN ('sent', 'delivered', 'read') AND m.sent_at IS NOT NULL AND (x.confirmed_at IS NULL OR ` + before + `))`
	var out ConfirmationStats
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&out.Reminded, &out.Confirmed); err != nil {
		return ConfirmationStats{}, fmt.Errorf("reminder: confirmations: %w", err)
	}
	return out, nil
}
