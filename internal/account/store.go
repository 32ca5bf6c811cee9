package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Store reads and writes accounts. Every clinic-owned row is read and
// written scoped by its clinic id.
type Store struct {
	db *db.DB
	// zones keeps loaded *time.Location by name (see ClinicZone).
	zones sync.Map
}

// NewStore returns a Store on d.
func NewStore(d *db.DB) *Store { return &Store{db: d} }

func notFound(what string) error { return apperr.New(apperr.NotFound, "%s not found.", what) }

func (s *Store) createClinic(ctx context.Context, tx *sql.Tx, c *Clinic) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO clinics (id, name, slug, time_zone, locale, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.ID, c.Name, c.Slug, c.TimeZone, c.Locale, db.Time(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("account store: create clinic: %w", err)
	}
	return nil
}

func (s *Store) slugTaken(ctx context.Context, tx *sql.Tx, slug string) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM clinics WHERE slug = $1`, slug).Scan(&n); err != nil {
		return false, fmt.Errorf("account store: check slug: %w", err)
	}
	return n > 0, nil
}

func (s *Store) createUser(ctx context.Context, tx *sql.Tx, u *User) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
		u.ID, u.Email, u.Name, u.PasswordHash, db.Time(u.CreatedAt))
	if err != nil {
		if db.IsUniqueViolation(err) {
			return apperr.Wrap(err, apperr.Conflict, "An account with this e-mail already exists.")
		}
		return fmt.Errorf("account store: create user: %w", err)
	}
	return nil
}

func (s *Store) addMembership(ctx context.Context, tx *sql.Tx, clinicID, userID string, role kernel.Role, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO memberships (clinic_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
		clinicID, userID, string(role), db.Time(at))
	if err != nil {
		if db.IsUniqueViolation(err) {
			return apperr.Wrap(err, apperr.Conflict, "This user already belongs to the clinic.")
		}
		return fmt.Errorf("account store: add membership: %w", err)
	}
	return nil
}

const userColumns = `id, email, name, locale, password_hash, created_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Locale, &u.PasswordHash, &u.CreatedAt)
	return u, err
}

// UserByEmail returns the user with that (normalised) e-mail.
func (s *Store) UserByEmail(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, email string) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, notFound("User")
	}
	if err != nil {
		return User{}, fmt.Errorf("account store: user by email: %w", err)
	}
	return u, nil
}

// User returns the user with id.
func (s *Store) User(ctx context.Context, id string) (User, error) {
	return s.UserByID(ctx, s.db, id)
}

// UserByID returns the user with id, read through q (a transaction).
func (s *Store) UserByID(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id string) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, notFound("User")
	}
	if err != nil {
		return User{}, fmt.Errorf("account store: user %s: %w", id, err)
	}
	return u, nil
}

// Memberships lists the clinics a user belongs to, by clinic name.
func (s *Store) Memberships(ctx context.Context, userID string) ([]Membership, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.slug, c.name, m.role FROM memberships m JOIN clinics c ON c.id = m.clinic_id
		WHERE m.user_id = $1 ORDER BY c.name, c.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("account store: memberships: %w", err)
	}
	defer rows.Close()
	out := []Membership{}
	for rows.Next() {
		var m Membership
		if err := rows.Scan(&m.ClinicID, &m.Slug, &m.Name, &m.Role); err != nil {
			return nil, fmt.Errorf("account store: memberships: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account store: memberships: %w", err)
	}
	return out, nil
}

// Role returns userID's role in clinicID; NotFound when the user does not
// belong to that clinic (or it does not exist).
func (s *Store) Role(ctx context.Context, clinicID, userID string) (kernel.Role, error) {
	var r kernel.Role
	err := s.db.QueryRowContext(ctx, `SELECT role FROM memberships WHERE clinic_id = $1 AND user_id = $2`, clinicID, userID).Scan(&r)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("Clinic")
	}
	if err != nil {
		return "", fmt.Errorf("account store: role: %w", err)
	}
	return r, nil
}

const clinicColumns = `id, name, slug, time_zone, locale, public_booking, address, phone, created_at`

func scanClinic(row interface{ Scan(...any) error }) (Clinic, error) {
	var c Clinic
	err := row.Scan(&c.ID, &c.Name, &c.Slug, &c.TimeZone, &c.Locale, &c.PublicBooking, &c.Address, &c.Phone, &c.CreatedAt)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

// Clinic returns a clinic by id.
func (s *Store) Clinic(ctx context.Context, id string) (Clinic, error) {
	c, err := scanClinic(s.db.QueryRowContext(ctx, `SELECT `+clinicColumns+` FROM clinics WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Clinic{}, notFound("Clinic")
	}
	if err != nil {
		return Clinic{}, fmt.Errorf("account store: clinic %s: %w", id, err)
	}
	return c, nil
}

// ClinicBySlug returns the clinic with that slug; NotFound when none has it.
func (s *Store) ClinicBySlug(ctx context.Context, slug string) (Clinic, error) {
	c, err := scanClinic(s.db.QueryRowContext(ctx, `SELECT `+clinicColumns+` FROM clinics WHERE slug = $1`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return Clinic{}, notFound("Clinic")
	}
	if err != nil {
		return Clinic{}, fmt.Errorf("account store: clinic by slug: %w", err)
	}
	return c, nil
}

func (s *Store) createToken(ctx context.Context, tx *sql.Tx, t Token, hash string) error {
	var createdBy any
	if t.CreatedBy != "" {
		createdBy = t.CreatedBy
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, clinic_id, name, role, token_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.ID, t.ClinicID, t.Name, string(t.Role), hash, createdBy, db.Time(t.CreatedAt))
	if err != nil {
		return fmt.Errorf("account store: create token: %w", err)
	}
	return nil
}

// revokeToken marks a clinic's token revoked; NotFound when the clinic has
// no such token. Revoking twice is not an error.
func (s *Store) revokeToken(ctx context.Context, tx *sql.Tx, clinicID, id string, at time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $3) WHERE clinic_id = $1 AND id = $2`,
		clinicID, id, db.Time(at))
	if err != nil {
		return fmt.Errorf("account store: revoke token: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("account store: revoke token: %w", err)
	}
	if n == 0 {
		return notFound("Token")
	}
	return nil
}

// tokenByHash returns the live token with that hash.
func (s *Store) tokenByHash(ctx context.Context, hash string) (Token, error) {
	var t Token
	var createdBy sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, clinic_id, name, role, created_by, created_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`, hash).
		Scan(&t.ID, &t.ClinicID, &t.Name, &t.Role, &createdBy, &t.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, notFound("Token")
	}
	if err != nil {
		return Token{}, fmt.Errorf("account store: token: %w", err)
	}
	t.CreatedBy = createdBy.String
	return t, nil
}

func (s *Store) updateUser(ctx context.Context, tx *sql.Tx, u User) error {
	res, err := tx.ExecContext(ctx, `UPDATE users SET name = $2, locale = $3 WHERE id = $1`, u.ID, u.Name, u.Locale)
	if err != nil {
		return fmt.Errorf("account store: update user: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return notFound("User")
	}
	return nil
}

func (s *Store) updateClinic(ctx context.Context, tx *sql.Tx, c Clinic) error {
	res, err := tx.ExecContext(ctx, `UPDATE clinics SET name = $2, time_zone = $3, locale = $4, public_booking = $5, address = $6, phone = $7
		WHERE id = $1`, c.ID, c.Name, c.TimeZone, c.Locale, c.PublicBooking, c.Address, c.Phone)
	if err != nil {
		return fmt.Errorf("account store: update clinic: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return notFound("Clinic")
	}
	return nil
}

// Member is a user of a clinic with their role.
type Member struct {
	User
	Role kernel.Role `json:"role"`
}

// members lists a clinic's users by name.
func (s *Store) members(ctx context.Context, clinicID string) ([]Member, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT u.id, u.email, u.name, u.locale, u.created_at, m.role FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.clinic_id = $1 ORDER BY u.name, u.id`, clinicID)
	if err != nil {
		return nil, fmt.Errorf("account store: members: %w", err)
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.ID, &m.Email, &m.Name, &m.Locale, &m.CreatedAt, &m.Role); err != nil {
			return nil, fmt.Errorf("account store: members: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account store: members: %w", err)
	}
	return out, nil
}

// lockedRoles returns the role of userID and the number of owners of the
// clinic, inside tx (on PostgreSQL the clinic's memberships are locked, so
// two concurrent changes cannot both remove "the other" owner).
func (s *Store) lockedRoles(ctx context.Context, tx *sql.Tx, clinicID, userID string) (kernel.Role, int, error) {
	lock := ""
	if s.db.Dialect == db.Postgres {
		lock = " FOR UPDATE"
	}
	rows, err := tx.QueryContext(ctx, `SELECT user_id, role FROM memberships WHERE clinic_id = $1`+lock, clinicID)
	if err != nil {
		return "", 0, fmt.Errorf("account store: roles: %w", err)
	}
	defer rows.Close()
	var role kernel.Role
	owners := 0
	for rows.Next() {
		var id string
		var r kernel.Role
		if err := rows.Scan(&id, &r); err != nil {
			return "", 0, fmt.Errorf("account store: roles: %w", err)
		}
		if r == kernel.RoleOwner {
			owners++
		}
		if id == userID {
			role = r
		}
	}
	if err := rows.Err(); err != nil {
		return "", 0, fmt.Errorf("account store: roles: %w", err)
	}
	if role == "" {
		return "", 0, notFound("User")
	}
	return role, owners, nil
}
