package record

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Note statuses.
const (
	NoteDraft  = "draft"
	NoteSigned = "signed"
)

// Note is a note of an encounter written from a template: a draft its
// author edits, or signed (immutable; amendments add versions).
type Note struct {
	ID          string `json:"id"`
	EncounterID string `json:"encounter_id"`
	PatientID   string `json:"patient_id"`
	TemplateID  string `json:"template_id"`
	Kind        string `json:"kind"`
	// Title is the template's name when the note was written.
	Title string `json:"title"`
	// Fields are the template's fields when the note was written.
	Fields []Field `json:"fields"`
	// Values are the current version's values by field key.
	Values   map[string]string `json:"values"`
	AuthorID string            `json:"author_id"`
	Status   string            `json:"status"`
	// Version is the number of the current signed version (0 for a draft).
	Version   int        `json:"version"`
	SignedAt  *time.Time `json:"signed_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Version is one signed version of a note: version 1 is the signature,
// each later one an amendment with its reason.
type Version struct {
	Version  int               `json:"version"`
	Values   map[string]string `json:"values"`
	AuthorID string            `json:"author_id"`
	Reason   string            `json:"reason,omitempty"`
	At       time.Time         `json:"at"`
}

// NoteInput writes a new draft from a template.
type NoteInput struct {
	TemplateID string            `json:"template_id"`
	Values     map[string]string `json:"values" text:"multiline"`
	// Sign signs the note as it is written (its required fields filled):
	// it is created as version 1.
	Sign bool `json:"sign,omitempty"`
}

// AmendInput amends a signed note: the new values and why.
type AmendInput struct {
	Values map[string]string `json:"values" text:"multiline"`
	Reason string            `json:"reason" text:"multiline"`
}

var (
	errNoteSigned   = apperr.New(apperr.Conflict, "A signed note cannot be changed; amend it instead.")
	errNoteUnsigned = apperr.New(apperr.Conflict, "Only a signed note can be amended; edit the draft instead.")
)

const noteColumns = `id, encounter_id, patient_id, template_id, kind, title, template_fields, field_values, author_id, status, version,
	signed_at, created_at, updated_at`

func scanNote(row interface{ Scan(...any) error }) (Note, error) {
	var n Note
	var fields, values string
	var signed sql.NullTime
	if err := row.Scan(&n.ID, &n.EncounterID, &n.PatientID, &n.TemplateID, &n.Kind, &n.Title, &fields, &values, &n.AuthorID, &n.Status,
		&n.Version, &signed, &n.CreatedAt, &n.UpdatedAt); err != nil {
		return Note{}, err
	}
	if err := json.Unmarshal([]byte(fields), &n.Fields); err != nil {
		return Note{}, fmt.Errorf("record: note %s fields: %w", n.ID, err)
	}
	if err := json.Unmarshal([]byte(values), &n.Values); err != nil {
		return Note{}, fmt.Errorf("record: note %s values: %w", n.ID, err)
	}
	if signed.Valid {
		t := signed.Time.UTC()
		n.SignedAt = &t
	}
	n.CreatedAt, n.UpdatedAt = n.CreatedAt.UTC(), n.UpdatedAt.UTC()
	return n, nil
}

// notes lists the notes whose column col is id, oldest first.
func (s *Service) notes(ctx context.Context, q queryer, clinicID, col, id string) ([]Note, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+noteColumns+` FROM notes WHERE clinic_id = $1 AND `+col+` = $2 ORDER BY created_at, id`, clinicID, id)
	if err != nil {
		return nil, fmt.Errorf("record: notes: %w", err)
	}
	defer rows.Close()
	out := []Note{}
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func (s *Service) loadNote(ctx context.Context, q queryer, clinicID, id string) (Note, error) {
	if !kernel.IsID(id) {
		return Note{}, errNoteNF
	}
	n, err := scanNote(q.QueryRowContext(ctx, `SELECT `+noteColumns+` FROM notes WHERE clinic_id = $1 AND id = $2`, clinicID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Note{}, errNoteNF
	}
	if err != nil {
		return Note{}, fmt.Errorf("record: note %s: %w", id, err)
	}
	return n, nil
}

// noteText is the folded text Search looks words up in.
func noteText(n Note) string {
	var b strings.Builder
	b.WriteString(n.Title)
	for _, f := range n.Fields {
		if v := n.Values[f.Key]; v != "" {
			b.WriteString(" ")
			b.WriteString(v)
		}
	}
	return kernel.FoldText(b.String())
}

// Notes lists an encounter's notes, oldest first, and audits the read.
func (s *Service) Notes(ctx context.Context, p kernel.Principal, encounterID string) ([]Note, error) {
	e, err := s.readable(ctx, p, encounterID)
	if err != nil {
		return nil, err
	}
	list, err := s.notes(ctx, s.db, p.ClinicID, "encounter_id", e.ID)
	if err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, s.db, p.ClinicID, audit.ActionRead, EntityEncounter, e.ID, e.PatientID); err != nil {
		return nil, err
	}
	return list, nil
}

// Note returns a note and audits the read.
func (s *Service) Note(ctx context.Context, p kernel.Principal, id string) (Note, error) {
	n, err := s.readableNote(ctx, p, id)
	if err != nil {
		return Note{}, err
	}
	if err := audit.Record(ctx, s.db, p.ClinicID, audit.ActionRead, EntityNote, n.ID, n.PatientID); err != nil {
		return Note{}, err
	}
	return n, nil
}

func (s *Service) readableNote(ctx context.Context, p kernel.Principal, id string) (Note, error) {
	if !Clinical(p.Role) {
		return Note{}, errClinicalRole
	}
	n, err := s.loadNote(ctx, s.db, p.ClinicID, id)
	if err != nil {
		return Note{}, err
	}
	if err := s.canRead(ctx, p, n.PatientID); err != nil {
		return Note{}, err
	}
	return n, nil
}

// authored loads a note that p may read and change: its author or the
// owner.
func (s *Service) authored(ctx context.Context, p kernel.Principal, id string) (Note, error) {
	n, err := s.readableNote(ctx, p, id)
	if err != nil {
		return Note{}, err
	}
	if p.Role != kernel.RoleOwner && (p.UserID == "" || n.AuthorID != p.UserID) {
		return Note{}, errNotAuthor
	}
	return n, nil
}

// AddNote writes a note on an open encounter (its professional or the
// owner) from an active template, the values checked against the
// template's fields: a draft (only the types: required fields are checked
// when the note is signed), or, with Sign, signed at once as version 1.
func (s *Service) AddNote(ctx context.Context, p kernel.Principal, encounterID string, in NoteInput) (Note, error) {
	e, err := s.openForWrite(ctx, p, encounterID)
	if err != nil {
		return Note{}, err
	}
	if p.UserID == "" {
		return Note{}, errNotAuthor // a note has a person as its author
	}
	t, err := s.template(ctx, s.db, p.ClinicID, in.TemplateID)
	if apperr.Is(err, apperr.NotFound) {
		return Note{}, apperr.Validation(map[string]string{"template_id": "No such note template."})
	}
	if err != nil {
		return Note{}, err
	}
	if !t.Active {
		return Note{}, errTemplateOff
	}
	values, bad := checkValues(t.Fields, in.Values)
	if !in.Sign {
		dropRequired(bad, values, t.Fields)
	}
	if len(bad) > 0 {
		return Note{}, apperr.Validation(bad)
	}
	now := db.Time(s.now())
	n := Note{ID: kernel.NewID(), EncounterID: e.ID, PatientID: e.PatientID, TemplateID: t.ID, Kind: t.Kind, Title: t.Name, Fields: t.Fields,
		Values: values, AuthorID: p.UserID, Status: NoteDraft, CreatedAt: now, UpdatedAt: now}
	if in.Sign {
		n.Status, n.Version, n.SignedAt = NoteSigned, 1, &now
	}
	fields, _ := json.Marshal(n.Fields)
	vals, _ := json.Marshal(n.Values)
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notes (id, clinic_id, encounter_id, patient_id, template_id, kind, title, template_fields,
			field_values, author_id, status, version, signed_at, search_text, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)`,
			n.ID, p.ClinicID, n.EncounterID, n.PatientID, n.TemplateID, n.Kind, n.Title, string(fields), string(vals), n.AuthorID,
			n.Status, n.Version, nullableTime(n.SignedAt), noteText(n), now); err != nil {
			return fmt.Errorf("record: add note: %w", err)
		}
		if in.Sign {
			if err := s.addVersion(ctx, tx, p.ClinicID, n.ID, 1, n.Values, p.UserID, "", now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, EntityNote, n.ID, n.PatientID)
	})
	if err != nil {
		return Note{}, err
	}
	return n, nil
}

// dropRequired forgives a draft its empty required fields.
func dropRequired(bad, values map[string]string, fields []Field) {
	for _, f := range fields {
		if f.Required && values[f.Key] == "" && bad["values."+f.Key] == "Required." {
			delete(bad, "values."+f.Key)
		}
	}
}

// UpdateDraft replaces a draft's values (its author or the owner);
// Conflict for a signed note.
func (s *Service) UpdateDraft(ctx context.Context, p kernel.Principal, id string, values map[string]string) (Note, error) {
	n, err := s.authored(ctx, p, id)
	if err != nil {
		return Note{}, err
	}
	if n.Status != NoteDraft {
		return Note{}, errNoteSigned
	}
	vals, bad := checkValues(n.Fields, values)
	dropRequired(bad, vals, n.Fields)
	if len(bad) > 0 {
		return Note{}, apperr.Validation(bad)
	}
	n.Values, n.UpdatedAt = vals, db.Time(s.now())
	raw, _ := json.Marshal(vals)
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notes SET field_values = $3, search_text = $4, updated_at = $5
			WHERE clinic_id = $1 AND id = $2 AND status = 'draft'`, p.ClinicID, n.ID, string(raw), noteText(n), n.UpdatedAt)
		if err != nil {
			return fmt.Errorf("record: update note: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return errNoteSigned
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, EntityNote, n.ID, n.PatientID)
	})
	if err != nil {
		return Note{}, err
	}
	return n, nil
}

// DeleteDraft deletes a draft (its author or the owner); Conflict for a
// signed note.
func (s *Service) DeleteDraft(ctx context.Context, p kernel.Principal, id string) error {
	n, err := s.authored(ctx, p, id)
	if err != nil {
		return err
	}
	if n.Status != NoteDraft {
		return errNoteSigned
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM notes WHERE clinic_id = $1 AND id = $2 AND status = 'draft'`, p.ClinicID, n.ID)
		if err != nil {
			return fmt.Errorf("record: delete note: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return errNoteSigned
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionDelete, EntityNote, n.ID, n.PatientID)
	})
}

// Sign signs a draft (its author or the owner): its required fields must
// be filled; it becomes version 1 and immutable. values, when not nil,
// replace the draft's values first, in the same transaction (a form that
// saves and signs). Signing a signed note answers it unchanged when values
// is nil, and Conflict otherwise.
func (s *Service) Sign(ctx context.Context, p kernel.Principal, id string, values map[string]string) (Note, error) {
	n, err := s.authored(ctx, p, id)
	if err != nil {
		return Note{}, err
	}
	if n.Status == NoteSigned {
		if values != nil {
			return Note{}, errNoteSigned
		}
		return n, nil
	}
	if values != nil {
		n.Values = values
	}
	vals, bad := checkValues(n.Fields, n.Values)
	if len(bad) > 0 {
		return Note{}, apperr.Validation(bad)
	}
	n.Values = vals
	raw, _ := json.Marshal(vals)
	now := db.Time(s.now())
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notes SET status = 'signed', version = 1, signed_at = $3, updated_at = $3, field_values = $4,
			search_text = $5 WHERE clinic_id = $1 AND id = $2 AND status = 'draft'`, p.ClinicID, n.ID, now, string(raw), noteText(n))
		if err != nil {
			return fmt.Errorf("record: sign note: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return errNoteSigned
		}
		if err := s.addVersion(ctx, tx, p.ClinicID, n.ID, 1, n.Values, p.UserID, "", now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, EntityNote, n.ID, n.PatientID)
	})
	if err != nil {
		return Note{}, err
	}
	n.Status, n.Version, n.SignedAt, n.UpdatedAt = NoteSigned, 1, &now, now
	return n, nil
}

// EncounterVersions returns the signed versions of every note of an
// encounter by note id, oldest first, in one query, and audits the read.
func (s *Service) EncounterVersions(ctx context.Context, p kernel.Principal, encounterID string) (map[string][]Version, error) {
	e, err := s.readable(ctx, p, encounterID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT v.note_id, v.version, v.field_values, v.author_id, v.reason, v.created_at
		FROM note_versions v JOIN notes n ON n.id = v.note_id AND n.clinic_id = v.clinic_id
		WHERE n.clinic_id = $1 AND n.encounter_id = $2 ORDER BY v.note_id, v.version`, p.ClinicID, e.ID)
	if err != nil {
		return nil, fmt.Errorf("record: encounter versions: %w", err)
	}
	defer rows.Close()
	out := map[string][]Version{}
	for rows.Next() {
		var v Version
		var noteID, raw string
		if err := rows.Scan(&noteID, &v.Version, &raw, &v.AuthorID, &v.Reason, &v.At); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(raw), &v.Values); err != nil {
			return nil, fmt.Errorf("record: note %s version %d: %w", noteID, v.Version, err)
		}
		v.At = v.At.UTC()
		out[noteID] = append(out[noteID], v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, s.db, p.ClinicID, audit.ActionRead, EntityEncounter, e.ID, e.PatientID); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) addVersion(ctx context.Context, tx *sql.Tx, clinicID, noteID string, v int, values map[string]string, author, reason string, at time.Time) error {
	raw, _ := json.Marshal(values)
	if _, err := tx.ExecContext(ctx, `INSERT INTO note_versions (id, clinic_id, note_id, version, field_values, author_id, reason, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, kernel.NewID(), clinicID, noteID, v, string(raw), author, reason, at); err != nil {
		if db.IsUniqueViolation(err) {
			return apperr.Wrap(err, apperr.Conflict, "The note changed meanwhile; reload it and try again.")
		}
		return fmt.Errorf("record: note version: %w", err)
	}
	return nil
}

// Amend amends a signed note (its author or the owner): a new version with
// the new values (every required field filled), the author, the time and
// the reason (required). Every earlier version is kept.
func (s *Service) Amend(ctx context.Context, p kernel.Principal, id string, in AmendInput) (Note, error) {
	n, err := s.authored(ctx, p, id)
	if err != nil {
		return Note{}, err
	}
	if n.Status != NoteSigned {
		return Note{}, errNoteUnsigned
	}
	if p.UserID == "" {
		return Note{}, errNotAuthor
	}
	values, bad := checkValues(n.Fields, in.Values)
	reason := strings.TrimSpace(in.Reason)
	switch {
	case reason == "":
		bad["reason"] = "Required."
	case len([]rune(reason)) > MaxReason:
		bad["reason"] = fmt.Sprintf("Must be at most %d characters.", MaxReason)
	}
	if len(bad) > 0 {
		return Note{}, apperr.Validation(bad)
	}
	now := db.Time(s.now())
	next := n.Version + 1
	n.Values = values
	raw, _ := json.Marshal(values)
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notes SET field_values = $3, version = $4, search_text = $5, updated_at = $6
			WHERE clinic_id = $1 AND id = $2 AND version = $7`, p.ClinicID, n.ID, string(raw), next, noteText(n), now, n.Version)
		if err != nil {
			return fmt.Errorf("record: amend note: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return apperr.New(apperr.Conflict, "The note changed meanwhile; reload it and try again.")
		}
		if err := s.addVersion(ctx, tx, p.ClinicID, n.ID, next, values, p.UserID, reason, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, EntityNote, n.ID, n.PatientID)
	})
	if err != nil {
		return Note{}, err
	}
	n.Version, n.UpdatedAt = next, now
	return n, nil
}

// Versions lists every signed version of a note, oldest first, and audits
// the read (a draft has none).
func (s *Service) Versions(ctx context.Context, p kernel.Principal, id string) ([]Version, error) {
	n, err := s.readableNote(ctx, p, id)
	if err != nil {
		return nil, err
	}
	m, err := s.versions(ctx, s.db, p.ClinicID, []string{n.ID})
	if err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, s.db, p.ClinicID, audit.ActionRead, EntityNote, n.ID, n.PatientID); err != nil {
		return nil, err
	}
	if m[n.ID] == nil {
		return []Version{}, nil
	}
	return m[n.ID], nil
}

// versions returns the versions of notes by note id, oldest first, in one
// query.
func (s *Service) versions(ctx context.Context, q queryer, clinicID string, noteIDs []string) (map[string][]Version, error) {
	out := map[string][]Version{}
	if len(noteIDs) == 0 {
		return out, nil
	}
	args := []any{clinicID}
	marks := make([]string, len(noteIDs))
	for i, id := range noteIDs {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := q.QueryContext(ctx, `SELECT note_id, version, field_values, author_id, reason, created_at FROM note_versions
		WHERE clinic_id = $1 AND note_id IN (`+strings.Join(marks, ", ")+`) ORDER BY note_id, version`, args...)
	if err != nil {
		return nil, fmt.Errorf("record: note versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v Version
		var noteID, raw string
		if err := rows.Scan(&noteID, &v.Version, &raw, &v.AuthorID, &v.Reason, &v.At); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(raw), &v.Values); err != nil {
			return nil, fmt.Errorf("record: note %s version %d: %w", noteID, v.Version, err)
		}
		v.At = v.At.UTC()
		out[noteID] = append(out[noteID], v)
	}
	for _, vs := range out {
		sort.Slice(vs, func(i, j int) bool { return vs[i].Version < vs[j].Version })
	}
	return out, rows.Err()
}

func nullableTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}
