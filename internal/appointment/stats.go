package appointment

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Aggregate reads for reports (package analytics). Each is one SQL query
// that groups in the database: nothing here reads appointments row by row.
// The confirmation rate after reminders is package reminder's (its ledger
// joined with this package's read model appointment_confirmation_refs,
// migration 0017).
// Days are the clinic's local days: on PostgreSQL through AT TIME ZONE; on
// SQLite, which has no zone data, through the zone's UTC offsets over the
// range, worked out in Go and written into the query (one offset per
// stretch between two daylight-saving changes).

// MaxStatsRange is the longest range one aggregate read covers.
const MaxStatsRange = 400 * 24 * time.Hour

// StatsFilter is what an aggregate read counts: the appointments starting
// in [From, To), in the clinic's zone Loc (the days are Loc's), optionally
// of one professional and of one procedure.
type StatsFilter struct {
	From, To       time.Time
	Loc            *time.Location
	ProfessionalID string
	ProcedureID    string
	// Now splits the appointments that were due (started before Now) from
	// those still to come; the zero value is the service's clock.
	Now time.Time
}

// DayStatus is the number of appointments of one clinic-local day (Date,
// YYYY-MM-DD) in one status, split into those that started before the
// filter's Now (Past) and the rest, with their booked minutes.
type DayStatus struct {
	Date    string
	Status  Status
	Count   int
	Past    int
	Minutes int64
}

// PatientStats counts the patients with at least one appointment (not
// cancelled) in a range: Seen of them, New those whose first-ever
// appointment at the clinic that was not cancelled falls in the range.
type PatientStats struct {
	Seen int
	New  int
}

// statsQuery builds an aggregate query's WHERE clause and arguments.
type statsQuery struct {
	args []any
	b    strings.Builder
}

func (q *statsQuery) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// checkStats validates f for p: a valid range no longer than
// MaxStatsRange, well-formed ids; a professional counts only their own.
func (s *Service) checkStats(p kernel.Principal, f *StatsFilter) error {
	if !p.Role.Valid() {
		return apperr.New(apperr.Forbidden, "Your role cannot read appointment figures.")
	}
	fields := map[string]string{}
	if f.Loc == nil {
		f.Loc = time.UTC
	}
	if !f.From.Before(f.To) {
		fields["to"] = "Must be after the start of the range."
	} else if f.To.Sub(f.From) > MaxStatsRange {
		fields["to"] = "The range must be at most 400 days."
	}
	if f.ProfessionalID != "" && !kernel.IsID(f.ProfessionalID) {
		fields["professional_id"] = "Must be the id of a professional of this clinic."
	}
	if f.ProcedureID != "" && !kernel.IsID(f.ProcedureID) {
		fields["procedure_id"] = "Must be the id of a procedure of this clinic."
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	if f.Now.IsZero() {
		f.Now = s.now()
	}
	return nil
}

// where writes the WHERE clause of f for appointments a (p's clinic, the
// range, the filters, a professional's own).
func (q *statsQuery) where(p kernel.Principal, f StatsFilter) {
	q.b.WriteString(` WHERE a.clinic_id = ` + q.arg(p.ClinicID) + ` AND a.starts_at >= ` + q.arg(db.Time(f.From)) +
		` AND a.starts_at < ` + q.arg(db.Time(f.To)))
	if f.ProfessionalID != "" {
		q.b.WriteString(` AND a.professional_id = ` + q.arg(f.ProfessionalID))
	}
	if f.ProcedureID != "" {
		q.b.WriteString(` AND a.procedure_id = ` + q.arg(f.ProcedureID))
	}
	if p.Role == kernel.RoleProfessional {
		q.b.WriteString(` AND EXISTS (SELECT 1 FROM professional_refs pr WHERE pr.id = a.professional_id AND pr.clinic_id = a.clinic_id AND pr.user_id = ` +
			q.arg(nullable(p.UserID)) + `)`)
	}
}

// localDay returns the SQL expression of the clinic-local date of the
// timestamp column col for instants in [from, to): a date on PostgreSQL,
// its text YYYY-MM-DD on SQLite.
func (s *Service) localDay(q *statsQuery, col string, loc *time.Location, from, to time.Time) string {
	if s.db.Dialect == db.Postgres { // a date groups faster than its text
		return `CAST(` + col + ` AT TIME ZONE ` + q.arg(loc.String()) + ` AS date)`
	}
	segs := offsetSegments(loc, from, to)
	if len(segs) == 1 {
		return `date(` + col + `, '` + modifier(segs[0].offset) + `')`
	}
	var b strings.Builder
	b.WriteString(`date(` + col + `, CASE`)
	for _, sg := range segs[:len(segs)-1] {
		b.WriteString(` WHEN ` + col + ` < ` + q.arg(db.Time(sg.end)) + ` THEN '` + modifier(sg.offset) + `'`)
	}
	b.WriteString(` ELSE '` + modifier(segs[len(segs)-1].offset) + `' END)`)
	return b.String()
}

// modifier is SQLite's date modifier adding offset seconds.
func modifier(offset int) string {
	if offset >= 0 {
		return "+" + strconv.Itoa(offset) + " seconds"
	}
	return strconv.Itoa(offset) + " seconds"
}

// segment is a stretch of time, up to end, with one UTC offset.
type segment struct {
	end    time.Time
	offset int
}

// offsetSegments splits [from, to) at loc's offset changes (found by
// stepping through the range by hours and narrowing each change down to
// the second), each with its offset. Zones change a few times a year, so
// a year gives a handful of segments.
func offsetSegments(loc *time.Location, from, to time.Time) []segment {
	_, off := from.In(loc).Zone()
	var out []segment
	for t := from; t.Before(to); {
		next := t.Add(time.Hour)
		if next.After(to) {
			next = to
		}
		if _, o := next.In(loc).Zone(); o != off {
			lo, hi := t, next // off at lo, o at hi
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2)
				if _, m := mid.In(loc).Zone(); m == off {
					lo = mid
				} else {
					hi = mid
				}
			}
			out = append(out, segment{end: hi.Truncate(time.Second), offset: off})
			off = o
		}
		t = next
	}
	return append(out, segment{end: to, offset: off})
}

// minutesExpr is the SQL of an appointment's length in whole minutes.
func (s *Service) minutesExpr() string {
	if s.db.Dialect == db.Postgres {
		return `CAST(EXTRACT(EPOCH FROM a.ends_at - a.starts_at) AS BIGINT) / 60`
	}
	return `(unixepoch(a.ends_at) - unixepoch(a.starts_at)) / 60`
}

// DailyStats counts the appointments of p's clinic that f selects, per
// clinic-local day and status, with how many of them had started before
// f.Now and their booked minutes, in one grouped query. A professional
// counts only their own. Invalid for a bad range or ids.
func (s *Service) DailyStats(ctx context.Context, p kernel.Principal, f StatsFilter) ([]DayStatus, error) {
	if err := s.checkStats(p, &f); err != nil {
		return nil, err
	}
	var q statsQuery
	day := s.localDay(&q, "a.starts_at", f.Loc, f.From, f.To)
	now := q.arg(db.Time(f.Now))
	q.b.WriteString(`SELECT ` + day + ` AS day, a.status, COUNT(*), SUM(CASE WHEN a.starts_at < ` + now + ` THEN 1 ELSE 0 END), SUM(` +
		s.minutesExpr() + `) FROM appointments a`)
	q.where(p, f)
	q.b.WriteString(` GROUP BY 1, 2`)
	rows, err := s.db.QueryContext(ctx, q.b.String(), q.args...)
	if err != nil {
		return nil, fmt.Errorf("appointment: daily stats: %w", err)
	}
	defer rows.Close()
	var out []DayStatus
	for rows.Next() {
		var d DayStatus
		var day any
		if err := rows.Scan(&day, &d.Status, &d.Count, &d.Past, &d.Minutes); err != nil {
			return nil, fmt.Errorf("appointment: daily stats: %w", err)
		}
		switch v := day.(type) {
		case time.Time: // PostgreSQL's date
			d.Date = v.Format(time.DateOnly)
		case string:
			d.Date = v
		case []byte:
			d.Date = string(v)
		default:
			return nil, fmt.Errorf("appointment: daily stats: a day of type %T", day)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("appointment: daily stats: %w", err)
	}
	return out, nil
}

// Patients counts the patients with an appointment that f selects and that
// was not cancelled, and of them the new ones: those with no appointment
// at the clinic (any professional, any procedure) that was not cancelled
// and started before f.From. One query, on the index of a patient's
// appointments. A professional counts only their own patients.
func (s *Service) Patients(ctx context.Context, p kernel.Principal, f StatsFilter) (PatientStats, error) {
	if err := s.checkStats(p, &f); err != nil {
		return PatientStats{}, err
	}
	var q statsQuery
	q.b.WriteString(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM appointments b WHERE b.clinic_id = x.clinic_id
		AND b.patient_id = x.patient_id AND b.starts_at < ` + q.arg(db.Time(f.From)) + ` AND b.status <> 'cancelled') THEN 1 ELSE 0 END), 0)
	FROM (SELECT DISTINCT a.clinic_id, a.patient_id FROM appointments a`)
	q.where(p, f)
	q.b.WriteString(` AND a.status <> 'cancelled') x`)
	var out PatientStats
	if err := s.db.QueryRowContext(ctx, q.b.String(), q.args...).Scan(&out.Seen, &out.New); err != nil {
		return PatientStats{}, fmt.Errorf("appointment: patient stats: %w", err)
	}
	return out, nil
}
