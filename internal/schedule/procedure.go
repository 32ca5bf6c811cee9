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

// Procedure is a kind of appointment a clinic offers (procedimento:
// "Consulta", "Retorno", "Limpeza"…): its usual length, its agenda colour
// and whether the public booking page offers it.
type Procedure struct {
	ID       string
	ClinicID string
	Name     string
	// DefaultDurationMinutes is the usual length (5 to 720): a booking of
	// the procedure without a duration lasts that long.
	DefaultDurationMinutes int
	// Color is the agenda colour, "#rrggbb" (lower case).
	Color string
	// BookableOnline procedures are offered by the public booking page.
	BookableOnline bool
	// Active procedures can be booked; an inactive one stays in the
	// history of the appointments that name it.
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DefaultDuration returns DefaultDurationMinutes as a duration.
func (p Procedure) DefaultDuration() time.Duration {
	return time.Duration(p.DefaultDurationMinutes) * time.Minute
}

// DefaultProcedureColor is the colour of a procedure created without one.
const DefaultProcedureColor = "#64748b"

// maxProcedureName bounds a procedure's name, in characters (an
// appointment's procedure text holds at most 200).
const maxProcedureName = 100

// ProcedureInput creates a procedure. Zero Color and DefaultDurationMinutes
// take the defaults (DefaultProcedureColor, DefaultDurationMinutes); nil
// Active means active.
type ProcedureInput struct {
	Name                   string `json:"name"`
	DefaultDurationMinutes int    `json:"default_duration_minutes,omitempty"`
	Color                  string `json:"color,omitempty"`
	BookableOnline         bool   `json:"bookable_online,omitempty"`
	Active                 *bool  `json:"active"`
}

// ProcedurePatch changes a procedure; absent fields stay as they are. None
// can be cleared: null reads as absent. Active false deactivates it (there
// is no deletion).
type ProcedurePatch struct {
	Name                   kernel.Opt[string] `json:"name,omitzero"`
	DefaultDurationMinutes kernel.Opt[int]    `json:"default_duration_minutes,omitzero"`
	Color                  kernel.Opt[string] `json:"color,omitzero"`
	BookableOnline         kernel.Opt[bool]   `json:"bookable_online,omitzero"`
	Active                 kernel.Opt[bool]   `json:"active,omitzero"`
}

// ProcedureFilter selects procedures; nil fields select all.
type ProcedureFilter struct {
	Active         *bool
	BookableOnline *bool
}

var errProcedureNotFound = notFound("Procedure")

func validateProcedure(p *Procedure) map[string]string {
	fields := map[string]string{}
	p.Name = strings.Join(strings.Fields(p.Name), " ")
	p.Color = strings.ToLower(strings.TrimSpace(p.Color))
	checkText(fields, "name", p.Name, true, maxProcedureName)
	if fields["name"] == "" && kernel.FoldText(p.Name) == "" {
		fields["name"] = "Must contain a letter or a digit."
	}
	if !colorRE.MatchString(p.Color) {
		fields["color"] = "Must be a colour #rrggbb."
	}
	if kernel.CheckInt(p.DefaultDurationMinutes, MinDurationMinutes, MaxDurationMinutes) != "" {
		fields["default_duration_minutes"] = fmt.Sprintf("Must be from %d to %d minutes.", MinDurationMinutes, MaxDurationMinutes)
	}
	return fields
}

// procedureWriteError answers the unique violation of two active
// procedures with one name as a conflict.
func procedureWriteError(op string, err error) error {
	if db.IsUniqueViolation(err) {
		return &apperr.Error{Code: apperr.Conflict, Message: "An active procedure with this name already exists.",
			Fields: map[string]string{"name": "Already taken by an active procedure."}, Err: err}
	}
	return fmt.Errorf("schedule: %s procedure: %w", op, err)
}

// CreateProcedure adds a procedure to p's clinic (owners and admins).
// Invalid for bad fields; Conflict when an active procedure of the clinic
// has the same name (without case, accents or punctuation).
func (s *Service) CreateProcedure(ctx context.Context, p kernel.Principal, in ProcedureInput) (Procedure, error) {
	if err := managesOnly(p, "procedures"); err != nil {
		return Procedure{}, err
	}
	now := db.Time(s.now())
	pr := Procedure{ID: newID(), ClinicID: p.ClinicID, Name: in.Name, DefaultDurationMinutes: in.DefaultDurationMinutes,
		Color: in.Color, BookableOnline: in.BookableOnline, Active: true, CreatedAt: now, UpdatedAt: now}
	if pr.Color == "" {
		pr.Color = DefaultProcedureColor
	}
	if pr.DefaultDurationMinutes == 0 {
		pr.DefaultDurationMinutes = DefaultDurationMinutes
	}
	if in.Active != nil {
		pr.Active = *in.Active
	}
	if fields := validateProcedure(&pr); len(fields) > 0 {
		return Procedure{}, apperr.Validation(fields)
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO procedures (id, clinic_id, name, name_key, default_duration_minutes, color,
			bookable_online, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			pr.ID, pr.ClinicID, pr.Name, kernel.FoldText(pr.Name), pr.DefaultDurationMinutes, pr.Color, pr.BookableOnline, pr.Active,
			pr.CreatedAt, pr.UpdatedAt)
		if err != nil {
			return procedureWriteError("create", err)
		}
		return audit.Record(ctx, tx, pr.ClinicID, audit.ActionCreate, "procedure", pr.ID, "")
	})
	if err != nil {
		return Procedure{}, err
	}
	s.directoryChanged(ctx, pr.ClinicID)
	s.onProcedure.Notify(ctx, ProcedureChange{ClinicID: pr.ClinicID, ProcedureID: pr.ID, Created: true})
	return pr, nil
}

// UpdateProcedure changes a procedure of p's clinic (owners and admins) and
// returns it; Active false deactivates it. Once committed, the
// OnProcedureChange listeners are told (the agenda shows procedures'
// names and colours). NotFound for a procedure of no such id in the
// clinic; Invalid and Conflict as for CreateProcedure (reactivating a
// procedure whose name an active one took is a conflict).
func (s *Service) UpdateProcedure(ctx context.Context, p kernel.Principal, id string, in ProcedurePatch) (Procedure, error) {
	if err := managesOnly(p, "procedures"); err != nil {
		return Procedure{}, err
	}
	if !kernel.IsID(id) {
		return Procedure{}, errProcedureNotFound
	}
	var pr Procedure
	var changed bool
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if pr, err = s.procedure(ctx, tx, p.ClinicID, id, true); err != nil {
			return err
		}
		old := pr
		set(&pr.Name, in.Name)
		set(&pr.DefaultDurationMinutes, in.DefaultDurationMinutes)
		set(&pr.Color, in.Color)
		set(&pr.BookableOnline, in.BookableOnline)
		set(&pr.Active, in.Active)
		if fields := validateProcedure(&pr); len(fields) > 0 {
			return apperr.Validation(fields)
		}
		old.UpdatedAt = pr.UpdatedAt
		if pr == old {
			return nil // nothing changes: no write
		}
		pr.UpdatedAt = db.Time(s.now())
		_, err = tx.ExecContext(ctx, `UPDATE procedures SET name = $3, name_key = $4, default_duration_minutes = $5, color = $6,
			bookable_online = $7, active = $8, updated_at = $9 WHERE clinic_id = $1 AND id = $2`,
			pr.ClinicID, pr.ID, pr.Name, kernel.FoldText(pr.Name), pr.DefaultDurationMinutes, pr.Color, pr.BookableOnline, pr.Active, pr.UpdatedAt)
		if err != nil {
			return procedureWriteError("update", err)
		}
		changed = true
		return audit.Record(ctx, tx, pr.ClinicID, audit.ActionUpdate, "procedure", pr.ID, "")
	})
	if err != nil {
		return Procedure{}, err
	}
	if changed {
		s.directoryChanged(ctx, pr.ClinicID)
		s.onProcedure.Notify(ctx, ProcedureChange{ClinicID: pr.ClinicID, ProcedureID: pr.ID})
	}
	return pr, nil
}

const procedureColumns = `id, clinic_id, name, default_duration_minutes, color, bookable_online, active, created_at, updated_at`

func scanProcedure(row interface{ Scan(...any) error }) (Procedure, error) {
	var p Procedure
	err := row.Scan(&p.ID, &p.ClinicID, &p.Name, &p.DefaultDurationMinutes, &p.Color, &p.BookableOnline, &p.Active, &p.CreatedAt, &p.UpdatedAt)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

// procedure reads one procedure of the clinic; forUpdate locks its row
// (PostgreSQL; SQLite's write lock is already held).
func (s *Service) procedure(ctx context.Context, q queryer, clinicID, id string, forUpdate bool) (Procedure, error) {
	if !kernel.IsID(id) {
		return Procedure{}, errProcedureNotFound
	}
	query := `SELECT ` + procedureColumns + ` FROM procedures WHERE clinic_id = $1 AND id = $2`
	if forUpdate && s.db.Dialect == db.Postgres {
		query += ` FOR UPDATE`
	}
	p, err := scanProcedure(q.QueryRowContext(ctx, query, clinicID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Procedure{}, errProcedureNotFound
	}
	if err != nil {
		return Procedure{}, fmt.Errorf("schedule: procedure %s: %w", id, err)
	}
	return p, nil
}

// Procedure returns a procedure of the clinic; NotFound when the clinic has
// none with that id (whatever other clinics have).
func (s *Service) Procedure(ctx context.Context, clinicID, id string) (Procedure, error) {
	return s.procedure(ctx, s.db, clinicID, id, false)
}

// Procedures lists the clinic's procedures matching f, by name (without
// case or accents).
func (s *Service) Procedures(ctx context.Context, clinicID string, f ProcedureFilter) ([]Procedure, error) {
	q := `SELECT ` + procedureColumns + ` FROM procedures WHERE clinic_id = $1`
	args := []any{clinicID}
	if f.Active != nil {
		args = append(args, *f.Active)
		q += fmt.Sprintf(` AND active = $%d`, len(args))
	}
	if f.BookableOnline != nil {
		args = append(args, *f.BookableOnline)
		q += fmt.Sprintf(` AND bookable_online = $%d`, len(args))
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY name_key, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("schedule: list procedures: %w", err)
	}
	defer rows.Close()
	out := []Procedure{}
	for rows.Next() {
		p, err := scanProcedure(rows)
		if err != nil {
			return nil, fmt.Errorf("schedule: list procedures: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schedule: list procedures: %w", err)
	}
	return out, nil
}
