package patient

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/platform/db"
)

// queryer is a *sql.DB, *sql.Tx or *db.DB.
type queryer interface {
	reader
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// reader is a queryer or what db.DB.Reader returns (perhaps a replica).
type reader interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// args numbers query parameters ($1, $2…) as they are added.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

const columns = `p.id, p.clinic_id, p.full_name, p.social_name, p.cpf, p.birth_date, p.sex, p.phone, p.email,
	p.address, p.insurance, p.notes, p.consents, p.search_text, p.anonymised_at, p.created_at, p.updated_at`

func scan(row interface{ Scan(...any) error }) (Patient, error) {
	var p Patient
	var cpf, birth, phone sql.NullString
	var addr, ins, cons string
	var anonymised sql.NullTime
	if err := row.Scan(&p.ID, &p.ClinicID, &p.FullName, &p.SocialName, &cpf, &birth, &p.Sex, &phone, &p.Email,
		&addr, &ins, &p.Notes, &cons, &p.searchText, &anonymised, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return Patient{}, err
	}
	if anonymised.Valid {
		t := anonymised.Time.UTC()
		p.AnonymisedAt = &t
	}
	p.CPF, p.BirthDate, p.Phone = cpf.String, birth.String, phone.String
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(addr), &p.Address); err != nil {
		return Patient{}, fmt.Errorf("address of %s: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(ins), &p.Insurance); err != nil {
		return Patient{}, fmt.Errorf("insurance of %s: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(cons), &p.Consents); err != nil {
		return Patient{}, fmt.Errorf("consents of %s: %w", p.ID, err)
	}
	return p, nil
}

// scope is who may see which of a clinic's patients: everyone, or for a
// professional only patients who have or had an appointment with the
// professional linked to their user.
type scope struct {
	clinicID string
	// ownOnly restricts to the patients of the professional linked to user
	// (an empty user, an API token, sees none).
	ownOnly bool
	user    string
}

// where returns the conditions that keep a query (on patients p) inside the
// scope, active patients only.
func (sc scope) where(a *args) string {
	w := `p.clinic_id = ` + a.add(sc.clinicID) + ` AND p.archived_at IS NULL`
	if sc.ownOnly {
		var user any
		if sc.user != "" {
			user = sc.user
		}
		// The read models of packages appointment and schedule.
		w += ` AND EXISTS (SELECT 1 FROM appointment_refs a JOIN professional_refs pr ON pr.id = a.professional_id
			WHERE a.clinic_id = p.clinic_id AND a.patient_id = p.id AND pr.clinic_id = p.clinic_id AND pr.user_id = ` + a.add(user) + `)`
	}
	return w
}

var errNotFound = apperr.New(apperr.NotFound, "Patient not found.")

// get returns one active patient in scope; forUpdate locks the row
// (PostgreSQL; SQLite transactions hold the write lock already).
func (s *Service) get(ctx context.Context, q reader, sc scope, id string, forUpdate bool) (Patient, error) {
	var a args
	query := `SELECT ` + columns + ` FROM patients p WHERE ` + sc.where(&a) + ` AND p.id = ` + a.add(id)
	if forUpdate && s.db.Dialect == db.Postgres {
		query += ` FOR UPDATE OF p`
	}
	p, err := scan(q.QueryRowContext(ctx, query, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return Patient{}, errNotFound
	}
	if err != nil {
		return Patient{}, fmt.Errorf("patient store: get %s: %w", id, err)
	}
	return p, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// encoded returns the JSON columns of p.
func encoded(p Patient) (addr, ins, cons string, err error) {
	b1, err := json.Marshal(p.Address)
	if err != nil {
		return "", "", "", err
	}
	b2, err := json.Marshal(p.Insurance)
	if err != nil {
		return "", "", "", err
	}
	b3, err := json.Marshal(p.Consents)
	if err != nil {
		return "", "", "", err
	}
	return string(b1), string(b2), string(b3), nil
}

func insert(ctx context.Context, tx *sql.Tx, p Patient) error {
	addr, ins, cons, err := encoded(p)
	if err != nil {
		return fmt.Errorf("patient store: create: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO patients (id, clinic_id, full_name, social_name, cpf, birth_date, sex, phone, email,
		address, insurance, notes, consents, search_text, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		p.ID, p.ClinicID, p.FullName, p.SocialName, nullable(p.CPF), nullable(p.BirthDate), p.Sex, nullable(p.Phone), p.Email,
		addr, ins, p.Notes, cons, p.searchText, db.Time(p.CreatedAt), db.Time(p.UpdatedAt))
	if err != nil {
		return fmt.Errorf("patient store: create: %w", err)
	}
	return nil
}

func update(ctx context.Context, tx *sql.Tx, p Patient) error {
	addr, ins, cons, err := encoded(p)
	if err != nil {
		return fmt.Errorf("patient store: update %s: %w", p.ID, err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE patients SET full_name = $3, social_name = $4, cpf = $5, birth_date = $6, sex = $7,
		phone = $8, email = $9, address = $10, insurance = $11, notes = $12, consents = $13, search_text = $14, updated_at = $15
		WHERE clinic_id = $1 AND id = $2`,
		p.ClinicID, p.ID, p.FullName, p.SocialName, nullable(p.CPF), nullable(p.BirthDate), p.Sex,
		nullable(p.Phone), p.Email, addr, ins, p.Notes, cons, p.searchText, db.Time(p.UpdatedAt))
	if err != nil {
		return fmt.Errorf("patient store: update %s: %w", p.ID, err)
	}
	return nil
}

// idByCPF returns the id of the clinic's active patient with that CPF other
// than except, or "" when there is none.
func idByCPF(ctx context.Context, q queryer, clinicID, cpf, except string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM patients WHERE clinic_id = $1 AND cpf = $2 AND archived_at IS NULL AND id <> $3`,
		clinicID, cpf, except).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("patient store: find cpf: %w", err)
	}
	return id, nil
}

// archive marks an active patient archived; NotFound when there is none.
func archive(ctx context.Context, tx *sql.Tx, clinicID, id string, at time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE patients SET archived_at = $3, updated_at = $3
		WHERE clinic_id = $1 AND id = $2 AND archived_at IS NULL`, clinicID, id, db.Time(at))
	if err != nil {
		return fmt.Errorf("patient store: archive %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("patient store: archive %s: %w", id, err)
	}
	if n == 0 {
		return errNotFound
	}
	return nil
}
