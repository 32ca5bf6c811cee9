package reminder

import (
	"context"
	"fmt"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// MaxReminderLead is the furthest before an appointment a reminder can be
// due (the policy allows at most 14 days; quiet hours move it earlier by
// less than a day).
const MaxReminderLead = 15 * 24 * time.Hour

// RemindersSent returns the appointments of p's clinic that start in
// [from, to) and may have had a reminder sent, each with when its first
// reminder went out (sent, then maybe delivered or read): the reminders due
// from MaxReminderLead before from up to to, grouped by appointment in SQL
// on the index of sent reminders (migration 0017). Whether an appointment
// really starts in the range is for package appointment to say (see
// appointment.Service.Confirmations). Any member may ask: these are
// counts, not the ledger.
func (s *Service) RemindersSent(ctx context.Context, p kernel.Principal, from, to time.Time) ([]appointment.Reminded, error) {
	if !p.Role.Valid() {
		return nil, apperr.New(apperr.Forbidden, "Your role cannot read message figures.")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT appointment_id, MIN(sent_at) FROM messages
	WHERE clinic_id = $1 AND kind = 'reminder' AND sent_at IS NOT NULL AND due_at >= $2 AND due_at < $3
		AND status IN ('sent', 'delivered', 'read') AND appointment_id IS NOT NULL
	GROUP BY appointment_id`, p.ClinicID, db.Time(from.Add(-MaxReminderLead)), db.Time(to))
	if err != nil {
		return nil, fmt.Errorf("reminder: reminders sent: %w", err)
	}
	defer rows.Close()
	var out []appointment.Reminded
	for rows.Next() {
		var r appointment.Reminded
		var at instant
		if err := rows.Scan(&r.AppointmentID, &at); err != nil {
			return nil, fmt.Errorf("reminder: reminders sent: %w", err)
		}
		r.SentAt = at.t
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reminder: reminders sent: %w", err)
	}
	return out, nil
}

// instant scans a MIN() of a timestamp: SQLite answers an aggregate of a
// time column as its text.
type instant struct{ t time.Time }

func (i *instant) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		i.t = x.UTC()
		return nil
	case string:
		return i.parse(x)
	case []byte:
		return i.parse(string(x))
	}
	return fmt.Errorf("reminder: cannot scan %T as a time", v)
}

func (i *instant) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			i.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("reminder: cannot parse time %q", s)
}
