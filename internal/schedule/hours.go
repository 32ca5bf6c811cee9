package schedule

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Rule is one weekly working-hours rule of a professional: on Weekday, from
// Start to End clinic-local time, optionally in a room.
type Rule struct {
	ID      string
	Weekday time.Weekday
	Start   Clock
	End     Clock
	// RoomID is the room the professional works in ("" when none).
	RoomID string
}

// RuleInput is one rule of a week being set: weekday 0 (Sunday) to 6, start
// and end "HH:MM" (end up to "24:00"), optional room.
type RuleInput struct {
	Weekday *int    `json:"weekday" required:"true" nullable:"false"`
	Start   string  `json:"start"`
	End     string  `json:"end"`
	RoomID  *string `json:"room_id"`
}

// MaxRules bounds the rules of one professional's week.
const MaxRules = 100

// parseRules validates a week: well-formed rules, no two overlapping on one
// weekday (touching is fine).
func parseRules(in []RuleInput) ([]Rule, error) {
	fields := map[string]string{}
	if len(in) > MaxRules {
		fields["rules"] = fmt.Sprintf("At most %d rules.", MaxRules)
		return nil, apperr.Validation(fields)
	}
	rules := make([]Rule, 0, len(in))
	for i, r := range in {
		f := "rules[" + strconv.Itoa(i) + "]."
		var rule Rule
		switch {
		case r.Weekday == nil:
			fields[f+"weekday"] = "Required."
		case *r.Weekday < 0 || *r.Weekday > 6:
			fields[f+"weekday"] = "Must be from 0 (Sunday) to 6 (Saturday)."
		default:
			rule.Weekday = time.Weekday(*r.Weekday)
		}
		start, end, ok := parseSpan(fields, f, r.Start, r.End)
		if ok {
			rule.Start, rule.End = start, end
		}
		if r.RoomID != nil && *r.RoomID != "" {
			id, ok := kernel.CanonicalID(*r.RoomID)
			if !ok {
				fields[f+"room_id"] = "Must be the id of a room of this clinic."
			}
			rule.RoomID = id
		}
		rules = append(rules, rule)
	}
	if len(fields) == 0 {
		order := make([]int, len(rules))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			ra, rb := rules[a], rules[b]
			if ra.Weekday != rb.Weekday {
				return int(ra.Weekday) - int(rb.Weekday)
			}
			return int(ra.Start) - int(rb.Start)
		})
		for k := 1; k < len(order); k++ {
			prev, cur := rules[order[k-1]], rules[order[k]]
			if prev.Weekday == cur.Weekday && cur.Start < prev.End {
				fields["rules["+strconv.Itoa(order[k])+"]"] = fmt.Sprintf("Overlaps rules[%d] on %s (%s–%s).",
					order[k-1], prev.Weekday, prev.Start, prev.End)
			}
		}
	}
	if len(fields) > 0 {
		return nil, apperr.Validation(fields)
	}
	slices.SortFunc(rules, func(a, b Rule) int {
		if a.Weekday != b.Weekday {
			return int(a.Weekday) - int(b.Weekday)
		}
		return int(a.Start) - int(b.Start)
	})
	return rules, nil
}

// parseSpan parses start and end "HH:MM" into fields prefix+"start" and
// prefix+"end"; end must be after start.
func parseSpan(fields map[string]string, prefix, start, end string) (Clock, Clock, bool) {
	s, err := ParseClock(start)
	if err != nil || s == EndOfDay {
		fields[prefix+"start"] = "Must be a time HH:MM from 00:00 to 23:59."
	}
	e, err2 := ParseClock(end)
	if err2 != nil || e == 0 {
		fields[prefix+"end"] = "Must be a time HH:MM from 00:01 to 24:00."
	}
	if _, bad := fields[prefix+"start"]; bad {
		return 0, 0, false
	}
	if _, bad := fields[prefix+"end"]; bad {
		return 0, 0, false
	}
	if e <= s {
		fields[prefix+"end"] = "Must be after the start."
		return 0, 0, false
	}
	return s, e, true
}

// WorkingHours returns a professional's weekly rules, by weekday and start.
func (s *Service) WorkingHours(ctx context.Context, clinicID, professionalID string) ([]Rule, error) {
	pr, err := s.Professional(ctx, clinicID, professionalID)
	if err != nil {
		return nil, err
	}
	m, err := loadRules(ctx, s.db, clinicID, pr.ID)
	if err != nil {
		return nil, err
	}
	if m[pr.ID] == nil {
		return []Rule{}, nil
	}
	return m[pr.ID], nil
}

// SetWorkingHours replaces a professional's whole week with rules, in one
// transaction (owners and admins). Invalid or overlapping rules are refused
// (400); unknown professional or rooms are not found (404).
func (s *Service) SetWorkingHours(ctx context.Context, p kernel.Principal, professionalID string, in []RuleInput) ([]Rule, error) {
	if err := managesOnly(p, "working hours"); err != nil {
		return nil, err
	}
	if !kernel.IsID(professionalID) {
		return nil, errProfessionalNotFound
	}
	rules, err := parseRules(in)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		pr, err := professional(ctx, tx, p.ClinicID, professionalID)
		if err != nil {
			return err
		}
		rooms := make([]string, len(rules))
		for i, r := range rules {
			rooms[i] = r.RoomID
		}
		if err := checkRooms(ctx, tx, p.ClinicID, "rules", rooms); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM working_hours WHERE clinic_id = $1 AND professional_id = $2`, p.ClinicID, pr.ID); err != nil {
			return fmt.Errorf("schedule: set working hours: %w", err)
		}
		if len(rules) > 0 {
			var q strings.Builder
			q.WriteString(`INSERT INTO working_hours (id, clinic_id, professional_id, weekday, start_minute, end_minute, room_id) VALUES `)
			args := make([]any, 0, 7*len(rules))
			for i := range rules {
				rules[i].ID = newID()
				r := rules[i]
				if i > 0 {
					q.WriteString(", ")
				}
				n := len(args)
				fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7)
				args = append(args, r.ID, p.ClinicID, pr.ID, int(r.Weekday), int(r.Start), int(r.End), nullable(r.RoomID))
			}
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("schedule: set working hours: %w", err)
			}
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, "working_hours", pr.ID, "")
	})
	if err != nil {
		return nil, err
	}
	s.availabilityChanged(ctx, p.ClinicID)
	return rules, nil
}

// loadRules returns the rules of one professional, or of every professional
// of the clinic when professionalID is "", by professional id (one query).
func loadRules(ctx context.Context, q reader, clinicID, professionalID string) (map[string][]Rule, error) {
	query := `SELECT id, professional_id, weekday, start_minute, end_minute, room_id FROM working_hours WHERE clinic_id = $1`
	args := []any{clinicID}
	if professionalID != "" {
		query += ` AND professional_id = $2`
		args = append(args, professionalID)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY professional_id, weekday, start_minute`, args...)
	if err != nil {
		return nil, fmt.Errorf("schedule: load working hours: %w", err)
	}
	defer rows.Close()
	out := map[string][]Rule{}
	for rows.Next() {
		var r Rule
		var pro string
		var room sql.NullString
		var weekday, start, end int
		if err := rows.Scan(&r.ID, &pro, &weekday, &start, &end, &room); err != nil {
			return nil, fmt.Errorf("schedule: load working hours: %w", err)
		}
		r.Weekday, r.Start, r.End, r.RoomID = time.Weekday(weekday), Clock(start), Clock(end), room.String
		out[pro] = append(out[pro], r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schedule: load working hours: %w", err)
	}
	return out, nil
}

// ExceptionKind says whether an exception removes or adds working time.
type ExceptionKind string

// The exception kinds.
const (
	// ExceptionOff is time off or a holiday: no work in that time.
	ExceptionOff ExceptionKind = "off"
	// ExceptionExtra is extra hours worked besides the weekly rules.
	ExceptionExtra ExceptionKind = "extra"
)

// Exception changes one professional's working time on one clinic-local
// date, for the whole day or from Start to End.
type Exception struct {
	ID             string
	ClinicID       string
	ProfessionalID string
	// Date is the clinic-local date, YYYY-MM-DD.
	Date string
	Kind ExceptionKind
	// WholeDay is true when the exception covers the whole date; Start and
	// End are then 00:00 and 24:00.
	WholeDay bool
	Start    Clock
	End      Clock
	// RoomID is the room of extra hours ("" when none; always "" for off).
	RoomID    string
	Reason    string
	CreatedAt time.Time
}

// ExceptionInput adds an exception: a date, a kind ("off" or "extra"), start
// and end "HH:MM" (both absent or null for the whole day), an optional room
// (extra hours only) and an optional reason.
type ExceptionInput struct {
	Date   string        `json:"date"`
	Kind   ExceptionKind `json:"kind"`
	Start  *string       `json:"start"`
	End    *string       `json:"end"`
	RoomID *string       `json:"room_id"`
	Reason string        `json:"reason,omitempty"`
}

// ExceptionFilter selects exceptions by date (inclusive YYYY-MM-DD bounds;
// "" means unbounded).
type ExceptionFilter struct {
	From string
	To   string
}

func parseDate(fields map[string]string, field, v string) {
	if v == "" {
		return
	}
	if _, msg := kernel.ParseDate(v, "Must be a date YYYY-MM-DD."); msg != "" {
		fields[field] = msg
	}
}

func parseException(in ExceptionInput) (Exception, error) {
	fields := map[string]string{}
	e := Exception{Date: in.Date, Kind: in.Kind, Reason: strings.TrimSpace(in.Reason)}
	if in.Date == "" {
		fields["date"] = "Required."
	}
	parseDate(fields, "date", in.Date)
	if e.Kind != ExceptionOff && e.Kind != ExceptionExtra {
		fields["kind"] = `Must be "off" or "extra".`
	}
	switch {
	case e.Kind == ExceptionExtra && (in.Start == nil || in.End == nil):
		// Extra hours are a span of the day: a whole extra day would make
		// every minute bookable.
		for field, v := range map[string]*string{"start": in.Start, "end": in.End} {
			if v == nil {
				fields[field] = "Required for extra hours (HH:MM)."
			}
		}
	case in.Start == nil && in.End == nil:
		e.WholeDay, e.Start, e.End = true, 0, EndOfDay
	case in.Start == nil || in.End == nil:
		fields["start"] = "Give both start and end, or neither for the whole day."
	default:
		e.Start, e.End, _ = parseSpan(fields, "", *in.Start, *in.End)
	}
	if in.RoomID != nil && *in.RoomID != "" {
		id, ok := kernel.CanonicalID(*in.RoomID)
		switch {
		case e.Kind == ExceptionOff:
			fields["room_id"] = "Only extra hours have a room."
		case !ok:
			fields["room_id"] = "Must be the id of a room of this clinic."
		}
		e.RoomID = id
	}
	checkText(fields, "reason", e.Reason, false, 500)
	if len(fields) > 0 {
		return Exception{}, apperr.Validation(fields)
	}
	return e, nil
}

// mayManageExceptions reports whether p may manage pr's exceptions: owners
// and admins for everyone, a professional for their own record.
func mayManageExceptions(p kernel.Principal, pr Professional) bool {
	return p.Role.ManagesClinic() || (p.Role == kernel.RoleProfessional && p.UserID != "" && pr.UserID == p.UserID)
}

var errExceptionsForbidden = forbidden("Only owners, admins and the professional themselves can manage a professional's time off and extra hours.")

// AddException adds an exception to a professional of p's clinic: owners
// and admins for anyone, a professional for their own record (403
// otherwise).
func (s *Service) AddException(ctx context.Context, p kernel.Principal, professionalID string, in ExceptionInput) (Exception, error) {
	if !p.Role.ManagesClinic() && p.Role != kernel.RoleProfessional {
		return Exception{}, errExceptionsForbidden
	}
	if !kernel.IsID(professionalID) {
		return Exception{}, errProfessionalNotFound
	}
	e, err := parseException(in)
	if err != nil {
		return Exception{}, err
	}
	e.ID, e.ClinicID, e.CreatedAt = newID(), p.ClinicID, db.Time(s.now())
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		pr, err := professional(ctx, tx, p.ClinicID, professionalID)
		if err != nil {
			return err
		}
		if !mayManageExceptions(p, pr) {
			return errExceptionsForbidden
		}
		e.ProfessionalID = pr.ID
		if err := checkRooms(ctx, tx, p.ClinicID, "room_id", []string{e.RoomID}); err != nil {
			return err
		}
		var start, end any
		if !e.WholeDay {
			start, end = int(e.Start), int(e.End)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO schedule_exceptions (id, clinic_id, professional_id, date, kind, start_minute, end_minute, room_id, reason, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			e.ID, e.ClinicID, e.ProfessionalID, e.Date, string(e.Kind), start, end, nullable(e.RoomID), e.Reason, e.CreatedAt)
		if err != nil {
			return fmt.Errorf("schedule: add exception: %w", err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, "schedule_exception", e.ID, "")
	})
	if err != nil {
		return Exception{}, err
	}
	s.availabilityChanged(ctx, p.ClinicID)
	return e, nil
}

// DeleteException removes an exception of a professional of p's clinic,
// with the permissions of AddException; NotFound when that professional has
// no such exception.
func (s *Service) DeleteException(ctx context.Context, p kernel.Principal, professionalID, id string) error {
	if !p.Role.ManagesClinic() && p.Role != kernel.RoleProfessional {
		return errExceptionsForbidden
	}
	if !kernel.IsID(professionalID) {
		return errProfessionalNotFound
	}
	if !kernel.IsID(id) {
		return errExceptionNotFound
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		pr, err := professional(ctx, tx, p.ClinicID, professionalID)
		if err != nil {
			return err
		}
		if !mayManageExceptions(p, pr) {
			return errExceptionsForbidden
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM schedule_exceptions WHERE clinic_id = $1 AND professional_id = $2 AND id = $3`, p.ClinicID, pr.ID, id)
		if err != nil {
			return fmt.Errorf("schedule: delete exception: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("schedule: delete exception: %w", err)
		}
		if n == 0 {
			return errExceptionNotFound
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionDelete, "schedule_exception", id, "")
	})
	if err != nil {
		return err
	}
	s.availabilityChanged(ctx, p.ClinicID)
	return nil
}

// Exceptions lists a professional's exceptions by date and start, within
// f's dates.
func (s *Service) Exceptions(ctx context.Context, clinicID, professionalID string, f ExceptionFilter) ([]Exception, error) {
	fields := map[string]string{}
	parseDate(fields, "from", f.From)
	parseDate(fields, "to", f.To)
	if len(fields) == 0 && f.From != "" && f.To != "" && f.To < f.From {
		fields["to"] = "Must not be before from."
	}
	if len(fields) > 0 {
		return nil, apperr.Validation(fields)
	}
	pr, err := s.Professional(ctx, clinicID, professionalID)
	if err != nil {
		return nil, err
	}
	m, err := loadExceptions(ctx, s.db, clinicID, pr.ID, f.From, f.To)
	if err != nil {
		return nil, err
	}
	if m[pr.ID] == nil {
		return []Exception{}, nil
	}
	return m[pr.ID], nil
}

// loadExceptions returns the exceptions between two dates (inclusive, ""
// unbounded) of one professional, or of every professional of the clinic
// when professionalID is "", by professional id (one query).
func loadExceptions(ctx context.Context, q reader, clinicID, professionalID, from, to string) (map[string][]Exception, error) {
	query := `SELECT id, clinic_id, professional_id, date, kind, start_minute, end_minute, room_id, reason, created_at
		FROM schedule_exceptions WHERE clinic_id = $1`
	args := []any{clinicID}
	add := func(cond string, v any) {
		args = append(args, v)
		query += " AND " + cond + " $" + strconv.Itoa(len(args))
	}
	if professionalID != "" {
		add("professional_id =", professionalID)
	}
	if from != "" {
		add("date >=", from)
	}
	if to != "" {
		add("date <=", to)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY date, COALESCE(start_minute, 0), id`, args...)
	if err != nil {
		return nil, fmt.Errorf("schedule: load exceptions: %w", err)
	}
	defer rows.Close()
	out := map[string][]Exception{}
	for rows.Next() {
		var e Exception
		var start, end sql.NullInt64
		var room sql.NullString
		var kind string
		if err := rows.Scan(&e.ID, &e.ClinicID, &e.ProfessionalID, &e.Date, &kind, &start, &end, &room, &e.Reason, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("schedule: load exceptions: %w", err)
		}
		e.Kind, e.RoomID, e.CreatedAt = ExceptionKind(kind), room.String, e.CreatedAt.UTC()
		if start.Valid && end.Valid {
			e.Start, e.End = Clock(start.Int64), Clock(end.Int64)
		} else {
			e.WholeDay, e.Start, e.End = true, 0, EndOfDay
		}
		out[e.ProfessionalID] = append(out[e.ProfessionalID], e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schedule: load exceptions: %w", err)
	}
	return out, nil
}
