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
	"clinic/internal/schedule"
)

// Get returns an appointment with its history. NotFound for an appointment
// of no such id in p's clinic, or not visible to p (another professional's).
func (s *Service) Get(ctx context.Context, p kernel.Principal, id string) (Appointment, error) {
	a, err := s.load(ctx, s.db, p.ClinicID, id, false)
	if err != nil {
		return Appointment{}, err
	}
	if !visible(p, &a) {
		return Appointment{}, errNotFound
	}
	if a.Events, err = s.events(ctx, a.ClinicID, a.ID); err != nil {
		return Appointment{}, err
	}
	present(p, &a)
	return a, nil
}

// ListFilter selects the appointments of a clinic that start in [From, To).
type ListFilter struct {
	From, To       time.Time
	ProfessionalID string
	PatientID      string
	// Statuses keeps appointments in any of these statuses (all when empty).
	Statuses []Status
	// Cursor is the NextCursor of the previous page ("" for the first).
	Cursor string
	// Limit is the page size (DefaultListLimit when 0, at most MaxListLimit).
	Limit int
}

// Page is one page of the agenda.
type Page struct {
	Items      []Appointment `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

// List returns the agenda: the appointments of p's clinic matching f, ordered
// by start, with patient, professional and room names, in one indexed
// query. A professional sees only their own. Invalid for a missing or
// inverted range, one longer than MaxListRange, or bad filters.
func (s *Service) List(ctx context.Context, p kernel.Principal, f ListFilter) (Page, error) {
	q, err := checkFilter(f)
	if err != nil {
		return Page{}, err
	}
	return s.list(ctx, p, q)
}

// listQuery is a validated ListFilter.
type listQuery struct {
	ListFilter
	afterStart time.Time
	afterID    string
}

func checkFilter(f ListFilter) (listQuery, error) {
	fields := map[string]string{}
	switch {
	case f.From.IsZero():
		fields["from"] = "Required."
	case f.To.IsZero():
		fields["to"] = "Required."
	case !f.To.After(f.From):
		fields["to"] = "Must be after from."
	// A range of whole local days may be an hour longer across a
	// daylight-saving change.
	case f.To.Sub(f.From) > MaxListRange+time.Hour:
		fields["to"] = fmt.Sprintf("The range must be at most %d days.", int(MaxListRange/(24*time.Hour)))
	}
	if f.ProfessionalID != "" && !kernel.IsID(f.ProfessionalID) {
		fields["professional_id"] = "Must be an id."
	}
	if f.PatientID != "" && !kernel.IsID(f.PatientID) {
		fields["patient_id"] = "Must be an id."
	}
	for _, st := range f.Statuses {
		if !st.Valid() {
			fields["status"] = "Must be one or more (comma-separated) of " + statusList(Statuses) + "."
		}
	}
	var msg string
	if f.Limit, msg = kernel.PageSize(f.Limit, DefaultListLimit, MaxListLimit); msg != "" {
		fields["limit"] = msg
	}
	q := listQuery{ListFilter: f}
	if f.Cursor != "" {
		var ok bool
		if q.afterStart, q.afterID, ok = decodeCursor(f.Cursor); !ok {
			fields["cursor"] = kernel.MsgCursor
		}
	}
	if len(fields) > 0 {
		return listQuery{}, apperr.Validation(fields)
	}
	return q, nil
}

// list runs the agenda query.
func (s *Service) list(ctx context.Context, p kernel.Principal, f listQuery) (Page, error) {
	dir, own, ok, err := s.scope(ctx, p)
	if err != nil || !ok {
		return Page{Items: []Appointment{}}, err
	}
	var q strings.Builder
	q.WriteString(selectAgenda)
	var args []any
	arg := filterWhere(&q, &args, p, f.ListFilter, own)
	if f.Cursor != "" {
		t := arg(db.Time(f.afterStart))
		q.WriteString(` AND (a.starts_at > ` + t + ` OR (a.starts_at = ` + t + ` AND a.id > ` + arg(f.afterID) + `))`)
	}
	q.WriteString(` ORDER BY a.starts_at, a.id LIMIT ` + arg(f.Limit+1))

	rows, err := s.db.Reader(ctx).Query(ctx, q.String(), args...)
	if err != nil {
		return Page{}, fmt.Errorf("appointment: list: %w", err)
	}
	defer rows.Close()
	page := Page{Items: make([]Appointment, 0, min(f.Limit+1, 64))}
	for rows.Next() {
		page.Items = append(page.Items, Appointment{})
		a := &page.Items[len(page.Items)-1]
		if err := scanAgendaRow(rows, a); err != nil {
			return Page{}, fmt.Errorf("appointment: list: %w", err)
		}
		present(p, a)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("appointment: list: %w", err)
	}
	rows.Close()
	if !name(dir, page.Items) {
		// An id made between a commit and the directory's invalidation:
		// read the directory again, once.
		if dir, err = s.schedule.FreshDirectory(ctx, p.ClinicID); err != nil {
			return Page{}, err
		}
		name(dir, page.Items)
	}
	if len(page.Items) > f.Limit {
		page.Items = page.Items[:f.Limit]
		last := page.Items[f.Limit-1]
		page.NextCursor = encodeCursor(last.StartsAt, last.ID)
	}
	return page, nil
}

// scope returns the clinic's directory and, for a professional, the
// professional linked to their user (own); ok is false when p sees no
// appointment at all (a professional's token, or a user linked to no
// professional).
func (s *Service) scope(ctx context.Context, p kernel.Principal) (dir *schedule.Directory, own string, ok bool, err error) {
	if p.Role == kernel.RoleProfessional && p.UserID == "" {
		return nil, "", false, nil // a token is no professional
	}
	if dir, err = s.schedule.Directory(ctx, p.ClinicID); err != nil {
		return nil, "", false, err
	}
	if p.Role != kernel.RoleProfessional {
		return dir, "", true, nil
	}
	if own, ok = dir.ProfessionalOfUser(p.UserID); ok {
		return dir, own, true, nil
	}
	// Perhaps linked since the directory was loaded: look once more.
	if dir, err = s.schedule.FreshDirectory(ctx, p.ClinicID); err != nil {
		return nil, "", false, err
	}
	own, ok = dir.ProfessionalOfUser(p.UserID)
	return dir, own, ok, nil
}

// name fills in the professional's, room's and procedure's part of each
// appointment from the clinic's directory. It reports false when an id was
// not in it.
func name(dir *schedule.Directory, items []Appointment) bool {
	all := true
	for i := range items {
		a := &items[i]
		pr, ok := dir.Professional(a.ProfessionalID)
		all = all && ok
		a.ProfessionalName, a.professionalUserID = pr.Name, pr.UserID
		if a.RoomID != "" {
			a.RoomName, ok = dir.Room(a.RoomID)
			all = all && ok
		}
		if a.ProcedureID != "" {
			pc, ok := dir.Procedure(a.ProcedureID)
			all = all && ok
			a.ProcedureColor = pc.Color
		}
	}
	return all
}

// filterWhere writes the WHERE clause of f's range, filters and p's scope
// (a professional's own appointments: those of the professional own, from
// scope) to q, for a query on appointments a, with its arguments in *args.
// It returns a function that adds one more argument and returns its
// placeholder.
func filterWhere(q *strings.Builder, args *[]any, p kernel.Principal, f ListFilter, own string) func(v any) string {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	q.WriteString(` WHERE a.clinic_id = ` + arg(p.ClinicID) + ` AND a.starts_at >= ` + arg(db.Time(f.From)) +
		` AND a.starts_at < ` + arg(db.Time(f.To)))
	if f.ProfessionalID != "" {
		q.WriteString(` AND a.professional_id = ` + arg(f.ProfessionalID))
	}
	if f.PatientID != "" {
		q.WriteString(` AND a.patient_id = ` + arg(f.PatientID))
	}
	if len(f.Statuses) > 0 {
		q.WriteString(` AND a.status IN (`)
		for i, st := range f.Statuses {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(arg(string(st)))
		}
		q.WriteString(`)`)
	}
	if p.Role == kernel.RoleProfessional {
		q.WriteString(` AND a.professional_id = ` + arg(own))
	}
	return arg
}

func encodeCursor(t time.Time, id string) string {
	return kernel.EncodeCursor(t.UTC().Format(time.RFC3339Nano), id)
}

func decodeCursor(c string) (time.Time, string, bool) {
	parts, ok := kernel.DecodeCursor(c, 2)
	if !ok || !kernel.IsID(parts[1]) {
		return time.Time{}, "", false
	}
	t, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil || kernel.CheckInstant(t) != "" {
		return time.Time{}, "", false
	}
	return t, parts[1], true
}

// ParseBound parses the list bound named field: an RFC 3339 time with an
// offset, or a clinic-local date (both in the range of kernel.ParseDate and
// kernel.ParseInstant) (YYYY-MM-DD) meaning the start of that day
// or, when end is set, the start of the next day (so that a date "to"
// includes its whole day). loc is called only for a date. "" is the zero
// time. A malformed value is an Invalid error naming field.
func ParseBound(field, v string, end bool, loc func() (*time.Location, error)) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	const badFormat = "Must be a date (YYYY-MM-DD) or a date and time in RFC 3339 format with an offset."
	if len(v) == len(time.DateOnly) {
		d, msg := kernel.ParseDate(v, badFormat)
		if msg != "" {
			return time.Time{}, apperr.Validation(map[string]string{field: msg})
		}
		l, err := loc()
		if err != nil {
			return time.Time{}, err
		}
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, l), nil
	}
	t, msg := kernel.ParseInstant(v, badFormat)
	if msg != "" {
		return time.Time{}, apperr.Validation(map[string]string{field: msg})
	}
	return t, nil
}
