package waitlist

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/schedule"
)

// Audit entities.
const (
	entityEntry = "waitlist_entry"
	entityOffer = "waitlist_offer"
)

// Limits of an entry.
const (
	DefaultDurationMinutes = 30
	MinDurationMinutes     = 5
	MaxDurationMinutes     = 720
	MaxNotesLength         = 2000
)

// Page sizes of List.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

var (
	errEntryNotFound        = apperr.New(apperr.NotFound, "Waitlist entry not found.")
	errPatientNotFound      = apperr.New(apperr.NotFound, "Patient not found.")
	errProfessionalNotFound = apperr.New(apperr.NotFound, "Professional not found.")
	errCannotManage         = apperr.New(apperr.Forbidden, "Only owners, admins and receptionists can change the waitlist.")
	errCannotRead           = apperr.New(apperr.Forbidden, "Your role cannot see the waitlist.")
	errOtherProfessional    = apperr.New(apperr.Forbidden, "Professionals can only see the waitlist for themselves or for any professional.")
)

// Service manages the waitlist. Every method is scoped to the principal's
// clinic: an id of another clinic is not found.
type Service struct {
	db *db.DB
	settings
}

// NewService returns a Service on d.
func NewService(d *db.DB, opts ...Option) *Service {
	return &Service{db: d, settings: settingsOf(d, opts)}
}

// canManage reports whether r may add and remove entries.
func canManage(r kernel.Role) bool {
	return r == kernel.RoleOwner || r == kernel.RoleAdmin || r == kernel.RoleReceptionist
}

// CreateInput adds a patient to the waitlist.
type CreateInput struct {
	PatientID string `json:"patient_id"`
	// ProfessionalID nil: any professional.
	ProfessionalID *string `json:"professional_id"`
	FromDate       string  `json:"from_date"`
	ToDate         string  `json:"to_date"`
	// Earliest and Latest are clinic-local "HH:MM" (Latest may be "24:00");
	// nil leaves that side of the window open.
	Earliest *string `json:"earliest"`
	Latest   *string `json:"latest"`
	// DurationMinutes nil: 30.
	DurationMinutes *int   `json:"duration_minutes"`
	Notes           string `json:"notes,omitempty" text:"multiline"`
}

// validate checks in field by field and returns the entry it describes
// (without id, names or times).
func (in CreateInput) validate() (Entry, map[string]string) {
	fields := map[string]string{}
	e := Entry{
		PatientID: strings.ToLower(strings.TrimSpace(in.PatientID)),
		FromDate:  in.FromDate, ToDate: in.ToDate,
		DurationMinutes: DefaultDurationMinutes,
		Notes:           strings.TrimSpace(in.Notes),
		Status:          StatusWaiting,
	}
	switch {
	case e.PatientID == "":
		fields["patient_id"] = "Required."
	case !kernel.IsID(e.PatientID):
		fields["patient_id"] = "Must be an id."
	}
	if in.ProfessionalID != nil {
		id := strings.ToLower(strings.TrimSpace(*in.ProfessionalID))
		if !kernel.IsID(id) {
			fields["professional_id"] = "Must be an id, or null for any professional."
		}
		e.ProfessionalID = &id
	}
	from, fromOK := checkDate(fields, "from_date", in.FromDate)
	to, toOK := checkDate(fields, "to_date", in.ToDate)
	if fromOK && toOK && to.Before(from) {
		fields["to_date"] = "Must be on or after from_date."
	}
	if in.Earliest != nil {
		c, err := schedule.ParseClock(*in.Earliest)
		if err != nil || c >= 24*60 {
			fields["earliest"] = "Must be a time from 00:00 to 23:59 (HH:MM), or null."
		} else {
			e.Earliest = &c
		}
	}
	if in.Latest != nil {
		c, err := schedule.ParseClock(*in.Latest)
		if err != nil || c == 0 {
			fields["latest"] = "Must be a time from 00:01 to 24:00 (HH:MM), or null."
		} else {
			e.Latest = &c
		}
	}
	if in.DurationMinutes != nil {
		e.DurationMinutes = *in.DurationMinutes
		if e.DurationMinutes < MinDurationMinutes || e.DurationMinutes > MaxDurationMinutes {
			fields["duration_minutes"] = fmt.Sprintf("Must be from %d to %d minutes.", MinDurationMinutes, MaxDurationMinutes)
		}
	}
	earliest, latest := schedule.Clock(0), schedule.Clock(24*60)
	if e.Earliest != nil {
		earliest = *e.Earliest
	}
	if e.Latest != nil {
		latest = *e.Latest
	}
	switch {
	case e.Earliest != nil && e.Latest != nil && earliest >= latest:
		fields["latest"] = "Must be after earliest."
	case fields["duration_minutes"] == "" && int(latest-earliest) < e.DurationMinutes:
		fields["duration_minutes"] = "Must fit between earliest and latest."
	}
	if utf8.RuneCountInString(e.Notes) > MaxNotesLength {
		fields["notes"] = fmt.Sprintf("Must be at most %d characters.", MaxNotesLength)
	}
	return e, fields
}

func checkDate(fields map[string]string, name, v string) (time.Time, bool) {
	if v == "" {
		fields[name] = "Required."
		return time.Time{}, false
	}
	t, msg := kernel.ParseDate(v, "Must be a date (YYYY-MM-DD).")
	if msg != "" {
		fields[name] = msg
		return time.Time{}, false
	}
	return t, true
}

// references is what Create needs to know about the rows an entry refers to.
type references struct {
	patientName         sql.NullString
	patientArchived     bool
	professionalName    sql.NullString
	professionalActive  sql.NullBool
	professionalPresent bool
}

// loadReferences reads, in one query on the read models of packages patient
// and schedule, the patient and professional of an entry, scoped by the
// clinic.
func loadReferences(ctx context.Context, tx *sql.Tx, clinicID, patientID string, professionalID *string) (references, error) {
	var ref references
	var prof any
	if professionalID != nil {
		prof = *professionalID
	}
	var profID sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT p.name, COALESCE(p.archived, FALSE), pr.id, pr.name, pr.active
		FROM (SELECT 1 AS one) AS one
		LEFT JOIN patient_refs p ON p.clinic_id = $1 AND p.id = $2
		LEFT JOIN professional_refs pr ON pr.clinic_id = $1 AND pr.id = $3`, clinicID, patientID, prof).
		Scan(&ref.patientName, &ref.patientArchived, &profID, &ref.professionalName, &ref.professionalActive)
	if err != nil {
		return ref, fmt.Errorf("waitlist: create: read references: %w", err)
	}
	ref.professionalPresent = profID.Valid
	return ref, nil
}

// Create adds a patient to p's clinic's waitlist (owners, admins and
// receptionists). The patient and the professional must be the clinic's (404
// otherwise), the patient not archived and the professional active; from_date
// must not be before today in the clinic's time zone.
func (s *Service) Create(ctx context.Context, p kernel.Principal, in CreateInput) (Entry, error) {
	if !canManage(p.Role) {
		return Entry{}, errCannotManage
	}
	e, fields := in.validate()
	if len(fields) > 0 {
		return Entry{}, apperr.Validation(fields)
	}
	now := s.now()
	e.ID, e.CreatedAt, e.UpdatedAt = kernel.NewID(), now, now
	loc, err := s.zones.ClinicZone(ctx, p.ClinicID)
	if err != nil {
		return Entry{}, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		ref, err := loadReferences(ctx, tx, p.ClinicID, e.PatientID, e.ProfessionalID)
		if err != nil {
			return err
		}
		if today := now.In(loc).Format(dateLayout); e.FromDate < today {
			return apperr.Validation(map[string]string{"from_date": "Must not be in the past (today is " + today + ")."})
		}
		switch {
		case !ref.patientName.Valid:
			return errPatientNotFound
		case ref.patientArchived:
			return apperr.Validation(map[string]string{"patient_id": "This patient is archived."})
		case e.ProfessionalID != nil && !ref.professionalPresent:
			return errProfessionalNotFound
		case e.ProfessionalID != nil && !ref.professionalActive.Bool:
			return apperr.Validation(map[string]string{"professional_id": "This professional is inactive."})
		}
		e.PatientName = ref.patientName.String
		if e.ProfessionalID != nil {
			e.ProfessionalName = &ref.professionalName.String
		}
		if err := insertEntry(ctx, tx, p.ClinicID, e); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, entityEntry, e.ID, e.PatientID)
	})
	if err != nil {
		return Entry{}, err
	}
	return e, nil
}

func insertEntry(ctx context.Context, tx *sql.Tx, clinicID string, e Entry) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO waitlist_entries (id, clinic_id, patient_id, professional_id, from_date, to_date,
			earliest_minute, latest_minute, duration_minutes, notes, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		e.ID, clinicID, e.PatientID, nullString(e.ProfessionalID), e.FromDate, e.ToDate,
		nullClock(e.Earliest), nullClock(e.Latest), e.DurationMinutes, e.Notes, string(e.Status), db.Time(e.CreatedAt), db.Time(e.UpdatedAt))
	if err != nil {
		return fmt.Errorf("waitlist: create: insert entry: %w", err)
	}
	return nil
}

func nullString(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func nullClock(c *schedule.Clock) any {
	if c == nil {
		return nil
	}
	return int(*c)
}

// ListFilter selects waitlist entries.
type ListFilter struct {
	// ProfessionalID, when set, keeps the entries a slot of that professional
	// could be offered to: those for that professional and those for any.
	ProfessionalID string
	// Cursor is the NextCursor of the previous page ("" for the first).
	Cursor string
	// Limit is the page size (0: DefaultPageSize; at most MaxPageSize).
	Limit int
}

// Page is one page of entries.
type Page struct {
	Items      []Entry `json:"items"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// ownProfessional returns the id of the professional linked to p's user in
// p's clinic, or "" when there is none (an API token, or a user who is not
// a professional of the clinic).
func (s *Service) ownProfessional(ctx context.Context, p kernel.Principal) (string, error) {
	if p.UserID == "" {
		return "", nil
	}
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT id FROM professional_refs WHERE clinic_id = $1 AND user_id = $2`, p.ClinicID, p.UserID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("waitlist: own professional: %w", err)
	}
	return id, nil
}

// scope returns the professional whose entries (with those for any
// professional) p may read, with only true when p may read no others.
// Professionals read their own and any-professional entries; owners, admins
// and receptionists everything; financial nothing.
func (s *Service) scope(ctx context.Context, p kernel.Principal) (professionalID string, only bool, err error) {
	switch {
	case canManage(p.Role):
		return "", false, nil
	case p.Role == kernel.RoleProfessional:
		id, err := s.ownProfessional(ctx, p)
		return id, true, err
	default:
		return "", false, errCannotRead
	}
}

// List returns the open (waiting or offered) entries of p's clinic, oldest
// first, with patient and professional names. Professionals see the entries
// for themselves and for any professional, and may filter by themselves only.
func (s *Service) List(ctx context.Context, p kernel.Principal, f ListFilter) (Page, error) {
	fields := map[string]string{}
	f.ProfessionalID = strings.ToLower(f.ProfessionalID)
	if f.ProfessionalID != "" && !kernel.IsID(f.ProfessionalID) {
		fields["professional_id"] = "Must be an id."
	}
	var after *cursor
	if f.Cursor != "" {
		c, err := parseCursor(f.Cursor)
		if err != nil {
			fields["cursor"] = kernel.MsgCursor
		}
		after = &c
	}
	var msg string
	if f.Limit, msg = kernel.PageSize(f.Limit, DefaultPageSize, MaxPageSize); msg != "" {
		fields["limit"] = msg
	}
	own, only, err := s.scope(ctx, p)
	if err != nil {
		return Page{}, err
	}
	if len(fields) > 0 {
		return Page{}, apperr.Validation(fields)
	}
	q := `SELECT e.id, e.patient_id, pa.name,
			e.professional_id, pr.name, e.from_date, e.to_date, e.earliest_minute, e.latest_minute,
			e.duration_minutes, e.notes, e.status, e.created_at, e.updated_at
		FROM waitlist_entries e
		JOIN patient_refs pa ON pa.id = e.patient_id AND pa.clinic_id = e.clinic_id
		LEFT JOIN professional_refs pr ON pr.id = e.professional_id AND pr.clinic_id = e.clinic_id
		WHERE e.clinic_id = $1 AND e.status IN ('waiting', 'offered')`
	args := []any{p.ClinicID}
	professional := f.ProfessionalID
	if only {
		if professional != "" && professional != own {
			return Page{}, errOtherProfessional
		}
		professional = own
	}
	switch {
	case professional != "":
		args = append(args, professional)
		q += ` AND (e.professional_id = $2 OR e.professional_id IS NULL)`
	case only:
		q += ` AND e.professional_id IS NULL`
	}
	if after != nil {
		args = append(args, db.Time(after.createdAt), after.id)
		n := len(args)
		q += fmt.Sprintf(` AND (e.created_at > $%d OR (e.created_at = $%d AND e.id > $%d))`, n-1, n-1, n)
	}
	args = append(args, f.Limit+1)
	q += ` ORDER BY e.created_at, e.id LIMIT $` + strconv.Itoa(len(args))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return Page{}, fmt.Errorf("waitlist: list: %w", err)
	}
	defer rows.Close()
	page := Page{Items: []Entry{}}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return Page{}, fmt.Errorf("waitlist: list: %w", err)
		}
		page.Items = append(page.Items, e)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("waitlist: list: %w", err)
	}
	if len(page.Items) > f.Limit {
		page.Items = page.Items[:f.Limit]
		last := page.Items[f.Limit-1]
		page.NextCursor = cursor{createdAt: last.CreatedAt, id: last.ID}.String()
	}
	return page, nil
}

func scanEntry(row interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var profID, profName sql.NullString
	var earliest, latest sql.NullInt64
	var status string
	err := row.Scan(&e.ID, &e.PatientID, &e.PatientName, &profID, &profName, &e.FromDate, &e.ToDate, &earliest, &latest,
		&e.DurationMinutes, &e.Notes, &status, &e.CreatedAt, &e.UpdatedAt)
	if err != nil {
		return Entry{}, err
	}
	e.Status = Status(status)
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	if profID.Valid {
		e.ProfessionalID, e.ProfessionalName = &profID.String, &profName.String
	}
	if earliest.Valid {
		c := schedule.Clock(earliest.Int64)
		e.Earliest = &c
	}
	if latest.Valid {
		c := schedule.Clock(latest.Int64)
		e.Latest = &c
	}
	return e, nil
}

// cursor is the position after the last entry of a page.
type cursor struct {
	createdAt time.Time
	id        string
}

// String encodes c for a client.
func (c cursor) String() string {
	return kernel.EncodeCursor(c.createdAt.UTC().Format(time.RFC3339Nano), c.id)
}

func parseCursor(s string) (cursor, error) {
	parts, ok := kernel.DecodeCursor(s, 2)
	if !ok {
		return cursor{}, errors.New("waitlist: cursor: malformed")
	}
	t, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil || kernel.CheckInstant(t) != "" || !kernel.IsID(parts[1]) {
		return cursor{}, errors.New("waitlist: cursor: malformed")
	}
	return cursor{createdAt: t, id: parts[1]}, nil
}

// Remove takes an open (waiting or offered) entry off p's clinic's waitlist
// (owners, admins and receptionists): it is kept with status removed and no
// longer listed, and its open offers expire. A missing or already removed
// entry is not found; a booked one is a conflict.
func (s *Service) Remove(ctx context.Context, p kernel.Principal, id string) error {
	if !canManage(p.Role) {
		return errCannotManage
	}
	id = strings.ToLower(id)
	if !kernel.IsID(id) {
		return errEntryNotFound
	}
	now := s.now()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var patientID string
		err := tx.QueryRowContext(ctx, `UPDATE waitlist_entries SET status = 'removed', updated_at = $3
			WHERE clinic_id = $1 AND id = $2 AND status IN ('waiting', 'offered') RETURNING patient_id`,
			p.ClinicID, id, db.Time(now)).Scan(&patientID)
		if errors.Is(err, sql.ErrNoRows) {
			var status string
			err := tx.QueryRowContext(ctx, `SELECT status FROM waitlist_entries WHERE clinic_id = $1 AND id = $2`, p.ClinicID, id).Scan(&status)
			switch {
			case errors.Is(err, sql.ErrNoRows) || Status(status) == StatusRemoved:
				return errEntryNotFound
			case err != nil:
				return fmt.Errorf("waitlist: remove: %w", err)
			default:
				return apperr.New(apperr.Conflict, "This waitlist entry was already booked.")
			}
		}
		if err != nil {
			return fmt.Errorf("waitlist: remove: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE waitlist_offers SET status = 'expired'
			WHERE clinic_id = $1 AND entry_id = $2 AND status IN ('pending', 'sent')`, p.ClinicID, id); err != nil {
			return fmt.Errorf("waitlist: remove: expire offers: %w", err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionDelete, entityEntry, id, patientID)
	})
}

// Offers returns the offers recorded for an entry of p's clinic, oldest
// first, with times in the clinic's time zone. Whoever may read the entry
// may read its offers; a missing entry (whatever its status) is not found.
func (s *Service) Offers(ctx context.Context, p kernel.Principal, entryID string) ([]Offer, error) {
	own, only, err := s.scope(ctx, p)
	if err != nil {
		return nil, err
	}
	entryID = strings.ToLower(entryID)
	if !kernel.IsID(entryID) {
		return nil, errEntryNotFound
	}
	var professionalID sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT e.professional_id FROM waitlist_entries e
		WHERE e.clinic_id = $1 AND e.id = $2`, p.ClinicID, entryID).Scan(&professionalID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errEntryNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("waitlist: offers: %w", err)
	}
	if only && professionalID.Valid && professionalID.String != own {
		return nil, errOtherProfessional
	}
	loc, err := s.zones.ClinicZone(ctx, p.ClinicID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+offerCols+`, pr.name
		FROM waitlist_offers o JOIN waitlist_entries e ON e.id = o.entry_id
		JOIN professional_refs pr ON pr.id = o.professional_id AND pr.clinic_id = o.clinic_id
		WHERE o.clinic_id = $1 AND o.entry_id = $2
		ORDER BY o.created_at, o.id`, p.ClinicID, entryID)
	if err != nil {
		return nil, fmt.Errorf("waitlist: offers: %w", err)
	}
	defer rows.Close()
	offers := []Offer{}
	for rows.Next() {
		var o Offer
		if err := scanOffer(rows, &o, &o.ProfessionalName); err != nil {
			return nil, fmt.Errorf("waitlist: offers: %w", err)
		}
		o.StartsAt, o.EndsAt = o.StartsAt.In(loc), o.EndsAt.In(loc)
		offers = append(offers, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("waitlist: offers: %w", err)
	}
	return offers, nil
}
