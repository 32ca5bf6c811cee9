package record

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Diagnosis is a CID-10 diagnosis made in an encounter.
type Diagnosis struct {
	ID          string `json:"id"`
	EncounterID string `json:"encounter_id"`
	PatientID   string `json:"patient_id"`
	// Code is the CID-10 code in its canonical form (J45, J45.0).
	Code        string    `json:"code"`
	Description string    `json:"description"`
	AuthorID    string    `json:"author_id"`
	CreatedAt   time.Time `json:"created_at"`
}

// DiagnosisInput adds a diagnosis.
type DiagnosisInput struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// MsgCID is the message for a code that is not CID-10.
const MsgCID = "Must be a CID-10 code such as J45 or J45.0."

// NormalizeCID returns a CID-10 code in its canonical form — an upper-case
// letter, two digits and, optionally, a dot and one more digit or letter —
// and whether s is one: "j450" and " J45.0 " give "J45.0", "f32" gives "F32".
func NormalizeCID(s string) (string, bool) {
	c := strings.ToUpper(strings.TrimSpace(s))
	if len(c) == 4 && c[3] != '.' {
		c = c[:3] + "." + c[3:]
	}
	if len(c) != 3 && len(c) != 5 {
		return "", false
	}
	if c[0] < 'A' || c[0] > 'Z' || !isDigit(c[1]) || !isDigit(c[2]) {
		return "", false
	}
	if len(c) == 5 && (c[3] != '.' || !(isDigit(c[4]) || c[4] >= 'A' && c[4] <= 'Z')) {
		return "", false
	}
	return c, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

const diagnosisColumns = `id, encounter_id, patient_id, code, description, author_id, created_at`

func (s *Service) diagnoses(ctx context.Context, q queryer, clinicID, col, id string) ([]Diagnosis, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+diagnosisColumns+` FROM diagnoses WHERE clinic_id = $1 AND `+col+` = $2 ORDER BY created_at, id`, clinicID, id)
	if err != nil {
		return nil, fmt.Errorf("record: diagnoses: %w", err)
	}
	defer rows.Close()
	out := []Diagnosis{}
	for rows.Next() {
		var d Diagnosis
		if err := rows.Scan(&d.ID, &d.EncounterID, &d.PatientID, &d.Code, &d.Description, &d.AuthorID, &d.CreatedAt); err != nil {
			return nil, err
		}
		d.CreatedAt = d.CreatedAt.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// Diagnoses lists an encounter's diagnoses and audits the read.
func (s *Service) Diagnoses(ctx context.Context, p kernel.Principal, encounterID string) ([]Diagnosis, error) {
	e, err := s.readable(ctx, p, encounterID)
	if err != nil {
		return nil, err
	}
	list, err := s.diagnoses(ctx, s.db, p.ClinicID, "encounter_id", e.ID)
	if err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, s.db, p.ClinicID, audit.ActionRead, EntityEncounter, e.ID, e.PatientID); err != nil {
		return nil, err
	}
	return list, nil
}

// AddDiagnosis adds a diagnosis to an open encounter (its professional or
// the owner): a CID-10 code (normalised) and its description.
func (s *Service) AddDiagnosis(ctx context.Context, p kernel.Principal, encounterID string, in DiagnosisInput) (Diagnosis, error) {
	e, err := s.openForWrite(ctx, p, encounterID)
	if err != nil {
		return Diagnosis{}, err
	}
	bad := map[string]string{}
	code, ok := NormalizeCID(in.Code)
	if !ok {
		bad["code"] = MsgCID
	}
	desc := strings.TrimSpace(in.Description)
	switch {
	case desc == "":
		bad["description"] = "Required."
	case len([]rune(desc)) > MaxText:
		bad["description"] = fmt.Sprintf("Must be at most %d characters.", MaxText)
	}
	if len(bad) > 0 {
		return Diagnosis{}, apperr.Validation(bad)
	}
	d := Diagnosis{ID: kernel.NewID(), EncounterID: e.ID, PatientID: e.PatientID, Code: code, Description: desc, AuthorID: p.UserID + p.TokenID,
		CreatedAt: db.Time(s.now())}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO diagnoses (id, clinic_id, encounter_id, patient_id, code, description, author_id, search_text, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, d.ID, p.ClinicID, d.EncounterID, d.PatientID, d.Code, d.Description, d.AuthorID,
			kernel.FoldText(d.Code+" "+d.Description), d.CreatedAt); err != nil {
			return fmt.Errorf("record: add diagnosis: %w", err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, EntityDiagnosis, d.ID, d.PatientID)
	})
	if err != nil {
		return Diagnosis{}, err
	}
	return d, nil
}

// CID is a CID-10 code with its pt-BR description, for suggestions.
type CID struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// CommonCIDs is a small list of codes common in clinics, for the UI's
// suggestions (any valid code is accepted).
var CommonCIDs = []CID{
	{"A09", "Diarreia e gastroenterite de origem infecciosa presumível"},
	{"B34.9", "Infecção viral não especificada"},
	{"E11", "Diabetes mellitus tipo 2"},
	{"E66.9", "Obesidade não especificada"},
	{"E78.5", "Hiperlipidemia não especificada"},
	{"F32.1", "Episódio depressivo moderado"},
	{"F41.1", "Ansiedade generalizada"},
	{"G43.9", "Enxaqueca, sem especificação"},
	{"I10", "Hipertensão essencial (primária)"},
	{"J00", "Nasofaringite aguda (resfriado comum)"},
	{"J03.9", "Amigdalite aguda não especificada"},
	{"J06.9", "Infecção aguda das vias aéreas superiores não especificada"},
	{"J11", "Influenza (gripe) devida a vírus não identificado"},
	{"J30.4", "Rinite alérgica não especificada"},
	{"J45.0", "Asma predominantemente alérgica"},
	{"K21.9", "Doença de refluxo gastroesofágico sem esofagite"},
	{"K29.7", "Gastrite não especificada"},
	{"L20.9", "Dermatite atópica não especificada"},
	{"M54.5", "Dor lombar baixa"},
	{"M79.1", "Mialgia"},
	{"N39.0", "Infecção do trato urinário de localização não especificada"},
	{"R05", "Tosse"},
	{"R51", "Cefaleia"},
	{"Z00.0", "Exame médico geral"},
}
