package record

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Item is one drug of a prescription.
type Item struct {
	Drug         string `json:"drug"`
	Dose         string `json:"dose,omitempty"`
	Instructions string `json:"instructions,omitempty"`
}

// Prescription is a prescription (receita) made in an encounter.
type Prescription struct {
	ID          string    `json:"id"`
	EncounterID string    `json:"encounter_id"`
	PatientID   string    `json:"patient_id"`
	Items       []Item    `json:"items"`
	AuthorID    string    `json:"author_id"`
	CreatedAt   time.Time `json:"created_at"`
}

// PrescriptionInput adds a prescription.
type PrescriptionInput struct {
	Items []Item `json:"items" text:"multiline"`
}

// MaxItems bounds a prescription's items.
const MaxItems = 30

const prescriptionColumns = `id, encounter_id, patient_id, items, author_id, created_at`

func scanPrescription(row interface{ Scan(...any) error }) (Prescription, error) {
	var p Prescription
	var items string
	if err := row.Scan(&p.ID, &p.EncounterID, &p.PatientID, &items, &p.AuthorID, &p.CreatedAt); err != nil {
		return Prescription{}, err
	}
	if err := json.Unmarshal([]byte(items), &p.Items); err != nil {
		return Prescription{}, fmt.Errorf("record: prescription %s: %w", p.ID, err)
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return p, nil
}

func (s *Service) prescriptions(ctx context.Context, q queryer, clinicID, col, id string) ([]Prescription, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+prescriptionColumns+` FROM prescriptions WHERE clinic_id = $1 AND `+col+` = $2 ORDER BY created_at, id`, clinicID, id)
	if err != nil {
		return nil, fmt.Errorf("record: prescriptions: %w", err)
	}
	defer rows.Close()
	out := []Prescription{}
	for rows.Next() {
		p, err := scanPrescription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Prescriptions lists an encounter's prescriptions and audits the read.
func (s *Service) Prescriptions(ctx context.Context, p kernel.Principal, encounterID string) ([]Prescription, error) {
	e, err := s.readable(ctx, p, encounterID)
	if err != nil {
		return nil, err
	}
	list, err := s.prescriptions(ctx, s.db, p.ClinicID, "encounter_id", e.ID)
	if err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, s.db, p.ClinicID, audit.ActionRead, EntityEncounter, e.ID, e.PatientID); err != nil {
		return nil, err
	}
	return list, nil
}

// AddPrescription adds a prescription to an open encounter (its
// professional or the owner): one item at least, each with a drug.
func (s *Service) AddPrescription(ctx context.Context, p kernel.Principal, encounterID string, in PrescriptionInput) (Prescription, error) {
	e, err := s.openForWrite(ctx, p, encounterID)
	if err != nil {
		return Prescription{}, err
	}
	bad := map[string]string{}
	var items []Item
	for i, it := range in.Items {
		at := "items." + strconv.Itoa(i) + "."
		it.Drug, it.Dose, it.Instructions = strings.TrimSpace(it.Drug), strings.TrimSpace(it.Dose), strings.TrimSpace(it.Instructions)
		if it.Drug == "" && it.Dose == "" && it.Instructions == "" {
			continue
		}
		if it.Drug == "" {
			bad[at+"drug"] = "Required."
		}
		for k, v := range map[string]string{"drug": it.Drug, "dose": it.Dose, "instructions": it.Instructions} {
			if len([]rune(v)) > MaxText {
				bad[at+k] = fmt.Sprintf("Must be at most %d characters.", MaxText)
			}
		}
		items = append(items, it)
	}
	switch {
	case len(items) == 0:
		bad["items"] = "Add at least one drug."
	case len(items) > MaxItems:
		bad["items"] = fmt.Sprintf("At most %d items.", MaxItems)
	}
	if len(bad) > 0 {
		return Prescription{}, apperr.Validation(bad)
	}
	rx := Prescription{ID: kernel.NewID(), EncounterID: e.ID, PatientID: e.PatientID, Items: items, AuthorID: p.UserID + p.TokenID, CreatedAt: db.Time(s.now())}
	raw, _ := json.Marshal(items)
	var text strings.Builder
	for _, it := range items {
		text.WriteString(it.Drug + " " + it.Dose + " " + it.Instructions + " ")
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO prescriptions (id, clinic_id, encounter_id, patient_id, items, author_id, search_text, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, rx.ID, p.ClinicID, rx.EncounterID, rx.PatientID, string(raw), rx.AuthorID,
			kernel.FoldText(text.String()), rx.CreatedAt); err != nil {
			return fmt.Errorf("record: add prescription: %w", err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, EntityPrescription, rx.ID, rx.PatientID)
	})
	if err != nil {
		return Prescription{}, err
	}
	return rx, nil
}

// Printable is what the printed prescription shows.
type Printable struct {
	Prescription
	ClinicName    string `json:"clinic_name"`
	ClinicAddress string `json:"clinic_address"`
	ClinicPhone   string `json:"clinic_phone"`
	TimeZone      string `json:"time_zone"`
	Professional  string `json:"professional"`
	// Council is the professional's council registration ("CRM 12345/SP").
	Council string `json:"council"`
	Patient string `json:"patient"`
}

// PrintPrescription returns a prescription with what its printed page
// shows, and audits the read.
func (s *Service) PrintPrescription(ctx context.Context, p kernel.Principal, id string) (Printable, error) {
	if !Clinical(p.Role) {
		return Printable{}, errClinicalRole
	}
	if !kernel.IsID(id) {
		return Printable{}, errPrescriptionNF
	}
	rx, err := scanPrescription(s.db.QueryRowContext(ctx, `SELECT `+prescriptionColumns+` FROM prescriptions WHERE clinic_id = $1 AND id = $2`, p.ClinicID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Printable{}, errPrescriptionNF
	}
	if err != nil {
		return Printable{}, err
	}
	e, err := s.readable(ctx, p, rx.EncounterID)
	if err != nil {
		return Printable{}, err
	}
	out := Printable{Prescription: rx}
	c, err := s.clinics.Clinic(ctx, p.ClinicID)
	if err != nil {
		return Printable{}, err
	}
	out.ClinicName, out.ClinicAddress, out.ClinicPhone, out.TimeZone = c.Name, c.Address, c.Phone, c.TimeZone
	if pr, err := s.professionals.Professional(ctx, p.ClinicID, e.ProfessionalID); err == nil {
		out.Professional, out.Council = pr.Name, pr.CouncilRegistration
	} else if !apperr.Is(err, apperr.NotFound) {
		return Printable{}, err
	}
	pat, err := s.patients.Get(ctx, lookup(p.ClinicID), e.PatientID)
	if err != nil {
		return Printable{}, err
	}
	out.Patient = cmp.Or(pat.SocialName, pat.FullName)
	if err := audit.Record(ctx, s.db, p.ClinicID, audit.ActionRead, EntityPrescription, rx.ID, rx.PatientID); err != nil {
		return Printable{}, err
	}
	return out, nil
}
