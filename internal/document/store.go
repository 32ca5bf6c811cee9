package document

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"clinic/internal/kernel"
)

// queryer is a *sql.DB, *db.DB or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// args collects a query's arguments and names their placeholders.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// ownPatient is the condition that the patient (column col) has an
// appointment with the professional linked to the user (read models of
// packages appointment and schedule); an empty user matches none.
func ownPatient(col string, a *args, user string) string {
	var u any
	if user != "" {
		u = user
	}
	return `EXISTS (SELECT 1 FROM appointment_refs ar JOIN professional_refs pr ON pr.id = ar.professional_id
		WHERE ar.clinic_id = d.clinic_id AND ar.patient_id = ` + col + ` AND pr.clinic_id = d.clinic_id AND pr.user_id = ` + a.add(u) + `)`
}

// visible returns the conditions keeping a query on documents d to those p
// may see (not archived unless withArchived).
func visible(p kernel.Principal, a *args, withArchived bool) string {
	w := `d.clinic_id = ` + a.add(p.ClinicID)
	if !withArchived {
		w += ` AND d.archived_at IS NULL`
	}
	switch p.Role {
	case kernel.RoleOwner:
	case kernel.RoleProfessional:
		w += ` AND ` + ownPatient("d.patient_id", a, p.UserID)
	case kernel.RoleAdmin, kernel.RoleReceptionist:
		w += ` AND d.clinical = ` + a.add(false)
	default:
		w += ` AND 1 = 0`
	}
	return w
}

const docColumns = `d.id, d.clinic_id, d.patient_id, d.encounter_id, d.kind, d.clinical, d.file_name, d.content_type, d.size_bytes,
	d.storage_key, d.sha256, d.ocr_state, d.ocr_reason, d.ocr_text, d.ocr_pages, d.ocr_at, d.uploaded_by, d.archived_at,
	d.anonymised_at, d.created_at, d.updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanDoc(r scanner) (Document, error) {
	var d Document
	var enc, key, by sql.NullString
	var ocrAt, archived, anon sql.NullTime
	err := r.Scan(&d.ID, &d.clinicID, &d.PatientID, &enc, &d.Kind, &d.Clinical, &d.FileName, &d.ContentType, &d.SizeBytes,
		&key, &d.SHA256, &d.OCR.State, &d.OCR.Reason, &d.OCR.Text, &d.OCR.Pages, &ocrAt, &by, &archived, &anon, &d.CreatedAt, &d.UpdatedAt)
	if err != nil {
		return Document{}, err
	}
	d.EncounterID, d.storageKey, d.UploadedBy, d.Removed = enc.String, key.String, by.String, !key.Valid
	d.OCR.At, d.ArchivedAt, d.AnonymisedAt = timePtr(ocrAt), timePtr(archived), timePtr(anon)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// get reads one document of p's clinic (archived ones too) that p may see:
// another clinic's or an unknown one is not found; one p's role may not see
// (clinical content for receptionists and admins, another professional's
// patient) is forbidden.
func get(ctx context.Context, q queryer, p kernel.Principal, id string) (Document, error) {
	if !kernel.IsID(id) {
		return Document{}, errNotFound
	}
	d, err := getSystem(ctx, q, p.ClinicID, id)
	if err != nil {
		return Document{}, err
	}
	switch p.Role {
	case kernel.RoleOwner:
		return d, nil
	case kernel.RoleAdmin, kernel.RoleReceptionist:
		if !d.Clinical {
			return d, nil
		}
	case kernel.RoleProfessional:
		var a args
		w := `d.clinic_id = ` + a.add(d.clinicID) + ` AND d.id = ` + a.add(d.PatientID) + ` AND ` + ownPatient("d.id", &a, p.UserID)
		var one int
		err := q.QueryRowContext(ctx, `SELECT 1 FROM patient_refs d WHERE `+w, a...).Scan(&one)
		if err == nil {
			return d, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return Document{}, fmt.Errorf("document store: own patient: %w", err)
		}
	}
	return Document{}, errNoAccess
}

// getSystem reads one document of the clinic, whoever may see it (the OCR job).
func getSystem(ctx context.Context, q queryer, clinicID, id string) (Document, error) {
	row := q.QueryRowContext(ctx, `SELECT `+docColumns+` FROM documents d WHERE d.clinic_id = $1 AND d.id = $2`, clinicID, id)
	d, err := scanDoc(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Document{}, errNotFound
	}
	if err != nil {
		return Document{}, fmt.Errorf("document store: get %s: %w", id, err)
	}
	return d, nil
}

func insert(ctx context.Context, q queryer, d Document) error {
	_, err := q.ExecContext(ctx, `INSERT INTO documents (id, clinic_id, patient_id, encounter_id, kind, clinical, file_name, content_type,
		size_bytes, storage_key, sha256, ocr_state, ocr_reason, uploaded_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)`,
		d.ID, d.clinicID, d.PatientID, nullable(d.EncounterID), d.Kind, d.Clinical, d.FileName, d.ContentType, d.SizeBytes,
		d.storageKey, d.SHA256, d.OCR.State, d.OCR.Reason, nullable(d.UploadedBy), d.CreatedAt)
	if err != nil {
		return fmt.Errorf("document store: insert: %w", err)
	}
	return nil
}

// list reads the documents p may see of a patient, newest first (without
// their text).
func list(ctx context.Context, q queryer, p kernel.Principal, patientID string, withArchived bool) ([]Document, error) {
	var a args
	w := visible(p, &a, withArchived)
	rows, err := q.QueryContext(ctx, `SELECT `+docColumns+` FROM documents d WHERE `+w+` AND d.patient_id = `+a.add(patientID)+
		` ORDER BY d.created_at DESC, d.id DESC`, a...)
	if err != nil {
		return nil, fmt.Errorf("document store: list: %w", err)
	}
	defer rows.Close()
	out := []Document{}
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return nil, fmt.Errorf("document store: list: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// patientVisible reports whether p may work with the patient's documents:
// the patient is active in p's clinic and, for a professional, theirs.
func patientVisible(ctx context.Context, q queryer, p kernel.Principal, patientID string) error {
	if !kernel.IsID(patientID) {
		return errPatient
	}
	var a args
	w := `d.clinic_id = ` + a.add(p.ClinicID) + ` AND d.id = ` + a.add(patientID) + ` AND NOT d.archived`
	if p.Role == kernel.RoleProfessional {
		w += ` AND ` + ownPatient("d.id", &a, p.UserID)
	}
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM patient_refs d WHERE `+w, a...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errPatient
	}
	if err != nil {
		return fmt.Errorf("document store: patient %s: %w", patientID, err)
	}
	return nil
}
