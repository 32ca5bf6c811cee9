package record

import (
	"context"
	"fmt"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// The patient file's part of the records (package patientfile composes
// it): the export, the anonymisation and the clinic-wide search.

// ExportNote is a note with every signed version.
type ExportNote struct {
	Note
	Versions []Version `json:"versions"`
}

// ExportEncounter is an encounter with all its clinical content.
type ExportEncounter struct {
	Encounter
	Notes         []ExportNote   `json:"notes"`
	Diagnoses     []Diagnosis    `json:"diagnoses"`
	Prescriptions []Prescription `json:"prescriptions"`
}

// Export is a patient's whole clinical record (JSON-able).
type Export struct {
	PatientID  string            `json:"patient_id"`
	Encounters []ExportEncounter `json:"encounters"`
}

var errOwnerOnly = apperr.New(apperr.Forbidden, "Only the clinic's owner can export or anonymise a patient's clinical record.")

// ExportPatient returns every encounter of a patient with every note (and
// each of its versions), diagnosis and prescription, and audits it. Owner
// only (the LGPD export); NotFound for a patient not in p's clinic.
func (s *Service) ExportPatient(ctx context.Context, p kernel.Principal, patientID string) (any, error) {
	if p.Role != kernel.RoleOwner {
		return nil, errOwnerOnly
	}
	list, err := s.PatientEncounters(ctx, p, patientID)
	if err != nil {
		return nil, err
	}
	notes, err := s.notes(ctx, s.db, p.ClinicID, "patient_id", patientID)
	if err != nil {
		return nil, err
	}
	diags, err := s.diagnoses(ctx, s.db, p.ClinicID, "patient_id", patientID)
	if err != nil {
		return nil, err
	}
	rxs, err := s.prescriptions(ctx, s.db, p.ClinicID, "patient_id", patientID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(notes))
	for i, n := range notes {
		ids[i] = n.ID
	}
	versions := map[string][]Version{}
	for start := 0; start < len(ids); start += 500 {
		m, err := s.versions(ctx, s.db, p.ClinicID, ids[start:min(start+500, len(ids))])
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			versions[k] = v
		}
	}
	out := Export{PatientID: patientID, Encounters: make([]ExportEncounter, len(list))}
	at := map[string]int{}
	for i, e := range list {
		out.Encounters[i] = ExportEncounter{Encounter: e, Notes: []ExportNote{}, Diagnoses: []Diagnosis{}, Prescriptions: []Prescription{}}
		at[e.ID] = i
	}
	for _, n := range notes {
		vs := versions[n.ID]
		if vs == nil {
			vs = []Version{}
		}
		if i, ok := at[n.EncounterID]; ok {
			out.Encounters[i].Notes = append(out.Encounters[i].Notes, ExportNote{Note: n, Versions: vs})
		}
	}
	for _, d := range diags {
		if i, ok := at[d.EncounterID]; ok {
			out.Encounters[i].Diagnoses = append(out.Encounters[i].Diagnoses, d)
		}
	}
	for _, rx := range rxs {
		if i, ok := at[rx.EncounterID]; ok {
			out.Encounters[i].Prescriptions = append(out.Encounters[i].Prescriptions, rx)
		}
	}
	return out, nil
}

// AnonymisePatient flags a patient's encounters anonymised (owner only),
// keeping the clinical content: the records hold no copy of the patient's
// name or documents to remove. Idempotent; audited.
func (s *Service) AnonymisePatient(ctx context.Context, p kernel.Principal, patientID string) error {
	if p.Role != kernel.RoleOwner {
		return errOwnerOnly
	}
	if !kernel.IsID(patientID) {
		return errPatientNF
	}
	now := db.Time(s.now())
	_, err := s.db.ExecContext(ctx, `UPDATE encounters SET anonymised_at = $3, updated_at = $3
		WHERE clinic_id = $1 AND patient_id = $2 AND anonymised_at IS NULL`, p.ClinicID, patientID, now)
	if err != nil {
		return fmt.Errorf("record: anonymise: %w", err)
	}
	return audit.Record(ctx, s.db, p.ClinicID, audit.ActionUpdate, EntityRecord, patientID, patientID)
}

// SearchHit is a note, diagnosis or prescription whose text has every
// word searched for.
type SearchHit struct {
	// Kind is note, diagnosis or prescription.
	Kind        string `json:"kind"`
	ID          string `json:"id"`
	EncounterID string `json:"encounter_id"`
	PatientID   string `json:"patient_id"`
	// Snippet is the matching text (folded), cut short.
	Snippet string    `json:"snippet"`
	At      time.Time `json:"at"`
}

// Search limits.
const (
	DefaultSearchLimit = 20
	maxSearchWords     = 8
	snippetLength      = 160
)

// Search finds the notes, diagnoses and prescriptions of p's clinic whose
// text holds every word of q (folded as kernel.FoldText: case and accents
// do not matter), newest first, and audits each patient found. Owner and
// professionals only (a professional sees only their own patients' hits);
// Forbidden for other roles. The words are looked up with LIKE on the
// folded text, within the clinic's rows.
func (s *Service) Search(ctx context.Context, p kernel.Principal, q string, limit int) ([]SearchHit, error) {
	if !Clinical(p.Role) {
		return nil, errClinicalRole
	}
	limit, msg := kernel.PageSize(limit, DefaultSearchLimit, kernel.MaxLimit)
	if msg != "" {
		return nil, apperr.Validation(map[string]string{"limit": msg})
	}
	words := strings.Fields(kernel.FoldText(q))
	if len(words) == 0 {
		return []SearchHit{}, nil
	}
	if len(words) > maxSearchWords {
		words = words[:maxSearchWords]
	}
	args := []any{p.ClinicID}
	var like strings.Builder
	for _, w := range words {
		args = append(args, "%"+escapeLike(w)+"%")
		fmt.Fprintf(&like, " AND search_text LIKE $%d ESCAPE '\\'", len(args))
	}
	args = append(args, limit*4) // a professional's hits are filtered after
	lim := fmt.Sprintf("$%d", len(args))
	query := `SELECT kind, id, encounter_id, patient_id, search_text, created_at FROM (
		SELECT 'note' AS kind, id, encounter_id, patient_id, search_text, created_at FROM notes WHERE clinic_id = $1` + like.String() + `
		UNION ALL
		SELECT 'diagnosis', id, encounter_id, patient_id, search_text, created_at FROM diagnoses WHERE clinic_id = $1` + like.String() + `
		UNION ALL
		SELECT 'prescription', id, encounter_id, patient_id, search_text, created_at FROM prescriptions WHERE clinic_id = $1` + like.String() + `
	) hits ORDER BY created_at DESC, id DESC LIMIT ` + lim
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("record: search: %w", err)
	}
	var found []SearchHit
	for rows.Next() {
		var h SearchHit
		if err := rows.Scan(&h.Kind, &h.ID, &h.EncounterID, &h.PatientID, &h.Snippet, &h.At); err != nil {
			rows.Close()
			return nil, err
		}
		h.At = h.At.UTC()
		if r := []rune(h.Snippet); len(r) > snippetLength {
			h.Snippet = string(r[:snippetLength]) + "…"
		}
		found = append(found, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	allowed := map[string]bool{}
	out := []SearchHit{}
	for _, h := range found {
		ok, seen := allowed[h.PatientID]
		if !seen {
			err := s.canRead(ctx, p, h.PatientID)
			if err != nil && !apperr.Is(err, apperr.Forbidden) {
				return nil, err
			}
			ok = err == nil
			allowed[h.PatientID] = ok
			if ok {
				if err := audit.Record(ctx, s.db, p.ClinicID, audit.ActionRead, EntityRecord, h.PatientID, h.PatientID); err != nil {
					return nil, err
				}
			}
		}
		if ok && len(out) < limit {
			out = append(out, h)
		}
	}
	return out, nil
}

// escapeLike escapes LIKE's wildcards in a folded word (which holds only
// letters and digits; kept for safety).
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
