package schedule

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Professional is someone who sees patients: a doctor, dentist,
// physiotherapist…, optionally linked to a user account of the clinic.
type Professional struct {
	ID       string
	ClinicID string
	Name     string
	// Specialty is free text ("Cardiologia").
	Specialty string
	// CouncilRegistration is the professional council registration, e.g.
	// "CRM 12345/SP" or "CRO 9876/RJ".
	CouncilRegistration string
	// Color is the agenda colour, "#rrggbb" (lower case).
	Color string
	// DefaultDurationMinutes is the usual appointment length (5 to 720).
	DefaultDurationMinutes int
	// UserID is the linked user ("" when none); a user is linked to at most
	// one professional per clinic.
	UserID    string
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DefaultDuration returns DefaultDurationMinutes as a duration.
func (p Professional) DefaultDuration() time.Duration {
	return time.Duration(p.DefaultDurationMinutes) * time.Minute
}

// Limits and defaults of professionals.
const (
	DefaultColor           = "#3b82f6"
	DefaultDurationMinutes = 30
	MinDurationMinutes     = 5
	MaxDurationMinutes     = 720
)

// ProfessionalInput creates a professional. Zero Color and
// DefaultDurationMinutes take the defaults; nil Active means active.
type ProfessionalInput struct {
	Name                   string  `json:"name"`
	Specialty              string  `json:"specialty,omitempty"`
	CouncilRegistration    string  `json:"council_registration,omitempty"`
	Color                  string  `json:"color,omitempty"`
	DefaultDurationMinutes int     `json:"default_duration_minutes,omitempty"`
	UserID                 *string `json:"user_id"`
	Active                 *bool   `json:"active"`
}

// ProfessionalPatch changes a professional; absent fields stay as they are.
// Null (or "") clears the optional fields: specialty, council_registration
// and user_id (unlinks the user); null on the others reads as absent.
type ProfessionalPatch struct {
	Name                   kernel.Opt[string] `json:"name,omitzero"`
	Specialty              kernel.Opt[string] `json:"specialty,omitzero"`
	CouncilRegistration    kernel.Opt[string] `json:"council_registration,omitzero"`
	Color                  kernel.Opt[string] `json:"color,omitzero"`
	DefaultDurationMinutes kernel.Opt[int]    `json:"default_duration_minutes,omitzero"`
	UserID                 kernel.Opt[string] `json:"user_id,omitzero"`
	Active                 kernel.Opt[bool]   `json:"active,omitzero"`
}

func validateProfessional(p *Professional) map[string]string {
	fields := map[string]string{}
	p.Name = strings.TrimSpace(p.Name)
	p.Specialty = strings.TrimSpace(p.Specialty)
	p.CouncilRegistration = strings.Join(strings.Fields(p.CouncilRegistration), " ")
	p.Color = strings.ToLower(strings.TrimSpace(p.Color))
	checkText(fields, "name", p.Name, true, 200)
	checkText(fields, "specialty", p.Specialty, false, 200)
	checkText(fields, "council_registration", p.CouncilRegistration, false, 60)
	if !colorRE.MatchString(p.Color) {
		fields["color"] = "Must be a colour #rrggbb."
	}
	if p.DefaultDurationMinutes < MinDurationMinutes || p.DefaultDurationMinutes > MaxDurationMinutes {
		fields["default_duration_minutes"] = fmt.Sprintf("Must be from %d to %d minutes.", MinDurationMinutes, MaxDurationMinutes)
	}
	if p.UserID != "" {
		id, ok := kernel.CanonicalID(p.UserID)
		if !ok {
			fields["user_id"] = "Must be the id of a user of this clinic."
		}
		p.UserID = id
	}
	return fields
}

func managesOnly(p kernel.Principal, what string) error {
	if !p.Role.ManagesClinic() {
		return forbidden("Only owners and admins can manage " + what + ".")
	}
	return nil
}

// CreateProfessional adds a professional to p's clinic (owners and admins).
// A linked user must belong to the clinic (400) and not be linked to another
// professional (409).
func (s *Service) CreateProfessional(ctx context.Context, p kernel.Principal, in ProfessionalInput) (Professional, error) {
	if err := managesOnly(p, "professionals"); err != nil {
		return Professional{}, err
	}
	now := db.Time(s.now())
	pr := Professional{
		ID: newID(), ClinicID: p.ClinicID, Name: in.Name, Specialty: in.Specialty, CouncilRegistration: in.CouncilRegistration,
		Color: in.Color, DefaultDurationMinutes: in.DefaultDurationMinutes, Active: true, CreatedAt: now, UpdatedAt: now,
	}
	if pr.Color == "" {
		pr.Color = DefaultColor
	}
	if pr.DefaultDurationMinutes == 0 {
		pr.DefaultDurationMinutes = DefaultDurationMinutes
	}
	if in.UserID != nil {
		pr.UserID = *in.UserID
	}
	if in.Active != nil {
		pr.Active = *in.Active
	}
	if fields := validateProfessional(&pr); len(fields) > 0 {
		return Professional{}, apperr.Validation(fields)
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := checkMember(ctx, tx, pr.ClinicID, pr.UserID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO professionals (id, clinic_id, name, specialty, council_registration, color,
			default_duration_minutes, user_id, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			pr.ID, pr.ClinicID, pr.Name, pr.Specialty, pr.CouncilRegistration, pr.Color, pr.DefaultDurationMinutes,
			nullable(pr.UserID), pr.Active, pr.CreatedAt, pr.UpdatedAt)
		if err != nil {
			return professionalWriteError("create", err)
		}
		return audit.Record(ctx, tx, pr.ClinicID, audit.ActionCreate, "professional", pr.ID, "")
	})
	if err != nil {
		return Professional{}, err
	}
	s.professionalChanged(ctx, ProfessionalChange{ClinicID: pr.ClinicID, ProfessionalID: pr.ID, Created: true})
	return pr, nil
}

// UpdateProfessional changes a professional of p's clinic (owners and
// admins) and returns it. Once committed, availability is invalidated and
// the OnProfessionalChange listeners are told.
func (s *Service) UpdateProfessional(ctx context.Context, p kernel.Principal, id string, in ProfessionalPatch) (Professional, error) {
	if err := managesOnly(p, "professionals"); err != nil {
		return Professional{}, err
	}
	if !kernel.IsID(id) {
		return Professional{}, errProfessionalNotFound
	}
	var pr Professional
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if pr, err = professional(ctx, tx, p.ClinicID, id); err != nil {
			return err
		}
		oldUser := pr.UserID
		set(&pr.Name, in.Name)
		setOrClear(&pr.Specialty, in.Specialty)
		setOrClear(&pr.CouncilRegistration, in.CouncilRegistration)
		set(&pr.Color, in.Color)
		set(&pr.DefaultDurationMinutes, in.DefaultDurationMinutes)
		set(&pr.Active, in.Active)
		setOrClear(&pr.UserID, in.UserID)
		if fields := validateProfessional(&pr); len(fields) > 0 {
			return apperr.Validation(fields)
		}
		if pr.UserID != oldUser {
			if err := checkMember(ctx, tx, pr.ClinicID, pr.UserID); err != nil {
				return err
			}
		}
		pr.UpdatedAt = db.Time(s.now())
		_, err = tx.ExecContext(ctx, `UPDATE professionals SET name = $3, specialty = $4, council_registration = $5, color = $6,
			default_duration_minutes = $7, user_id = $8, active = $9, updated_at = $10 WHERE clinic_id = $1 AND id = $2`,
			pr.ClinicID, pr.ID, pr.Name, pr.Specialty, pr.CouncilRegistration, pr.Color, pr.DefaultDurationMinutes,
			nullable(pr.UserID), pr.Active, pr.UpdatedAt)
		if err != nil {
			return professionalWriteError("update", err)
		}
		return audit.Record(ctx, tx, pr.ClinicID, audit.ActionUpdate, "professional", pr.ID, "")
	})
	if err != nil {
		return Professional{}, err
	}
	s.professionalChanged(ctx, ProfessionalChange{ClinicID: pr.ClinicID, ProfessionalID: pr.ID})
	return pr, nil
}

// set applies a field that cannot be cleared: a value replaces *dst, null
// and absent keep it.
func set[T any](dst *T, o kernel.Opt[T]) {
	if v, ok := o.Value(); ok {
		*dst = v
	}
}

// setOrClear applies a clearable field: a value replaces *dst, null clears
// it (the zero T), absent keeps it.
func setOrClear[T any](dst *T, o kernel.Opt[T]) {
	switch {
	case o.Null:
		var zero T
		*dst = zero
	case o.Set:
		*dst = o.V
	}
}

func professionalWriteError(op string, err error) error {
	if db.IsUniqueViolation(err) {
		return &apperr.Error{Code: apperr.Conflict, Message: "This user is already linked to another professional.",
			Fields: map[string]string{"user_id": "Already linked to another professional."}, Err: err}
	}
	return fmt.Errorf("schedule: %s professional: %w", op, err)
}

// checkMember refuses a user that does not belong to the clinic ("" passes),
// on package account's read model member_refs (inside the caller's
// transaction).
func checkMember(ctx context.Context, q queryer, clinicID, userID string) error {
	if userID == "" {
		return nil
	}
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM member_refs WHERE clinic_id = $1 AND user_id = $2`, clinicID, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Validation(map[string]string{"user_id": "Must be the id of a user of this clinic."})
	}
	if err != nil {
		return fmt.Errorf("schedule: check member: %w", err)
	}
	return nil
}

const professionalColumns = `id, clinic_id, name, specialty, council_registration, color, default_duration_minutes, user_id, active, created_at, updated_at`

func scanProfessional(row interface{ Scan(...any) error }) (Professional, error) {
	var p Professional
	var user sql.NullString
	err := row.Scan(&p.ID, &p.ClinicID, &p.Name, &p.Specialty, &p.CouncilRegistration, &p.Color, &p.DefaultDurationMinutes,
		&user, &p.Active, &p.CreatedAt, &p.UpdatedAt)
	p.UserID = user.String
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

func professional(ctx context.Context, q reader, clinicID, id string) (Professional, error) {
	if !kernel.IsID(id) {
		return Professional{}, errProfessionalNotFound
	}
	p, err := scanProfessional(q.QueryRowContext(ctx, `SELECT `+professionalColumns+` FROM professionals WHERE clinic_id = $1 AND id = $2`, clinicID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Professional{}, errProfessionalNotFound
	}
	if err != nil {
		return Professional{}, fmt.Errorf("schedule: professional %s: %w", id, err)
	}
	return p, nil
}

// Professional returns a professional of the clinic; NotFound when the
// clinic has none with that id (whatever other clinics have).
func (s *Service) Professional(ctx context.Context, clinicID, id string) (Professional, error) {
	return professional(ctx, s.db, clinicID, id)
}

// ProfessionalForUser returns the professional linked to a user in the
// clinic; NotFound when the user is not a professional there.
func (s *Service) ProfessionalForUser(ctx context.Context, clinicID, userID string) (Professional, error) {
	if !kernel.IsID(userID) {
		return Professional{}, errProfessionalNotFound
	}
	p, err := scanProfessional(s.db.QueryRowContext(ctx, `SELECT `+professionalColumns+` FROM professionals WHERE clinic_id = $1 AND user_id = $2`, clinicID, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return Professional{}, errProfessionalNotFound
	}
	if err != nil {
		return Professional{}, fmt.Errorf("schedule: professional for user %s: %w", userID, err)
	}
	return p, nil
}

// ProfessionalFilter selects professionals; nil Active means all.
type ProfessionalFilter struct {
	Active *bool
}

// Professionals lists the clinic's professionals by name.
func (s *Service) Professionals(ctx context.Context, clinicID string, f ProfessionalFilter) ([]Professional, error) {
	q := `SELECT ` + professionalColumns + ` FROM professionals WHERE clinic_id = $1`
	args := []any{clinicID}
	if f.Active != nil {
		q += ` AND active = $2`
		args = append(args, *f.Active)
	}
	return queryProfessionals(ctx, s.db, q+` ORDER BY name, id`, args...)
}

func queryProfessionals(ctx context.Context, q reader, query string, args ...any) ([]Professional, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("schedule: list professionals: %w", err)
	}
	defer rows.Close()
	out := []Professional{}
	for rows.Next() {
		p, err := scanProfessional(rows)
		if err != nil {
			return nil, fmt.Errorf("schedule: list professionals: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schedule: list professionals: %w", err)
	}
	return out, nil
}
