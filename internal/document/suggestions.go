package document

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/db"
)

// Suggestion is a value read in a document that may be copied to the
// patient's record.
type Suggestion struct {
	ID string `json:"id"`
	// Field is cpf, birth_date, date, insurance_card, name or phone.
	Field string `json:"field"`
	// Value is normalised (CPF 11 digits, dates YYYY-MM-DD, phone E.164).
	Value string `json:"value"`
	// Target is the patient's field accepting sets (cpf, birth_date, phone,
	// insurance.card_number); "" for a name, which only confirms that the
	// document is the patient's.
	Target string `json:"target,omitempty"`
	// Current is the patient's value of Target now.
	Current string `json:"current"`
	// Same is true when the patient already has this value.
	Same       bool       `json:"same"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
}

// target is the patient's field a suggestion's field fills.
func target(field string) string {
	switch field {
	case FieldCPF:
		return "cpf"
	case FieldBirthDate, FieldDate:
		return "birth_date"
	case FieldPhone:
		return "phone"
	case FieldInsuranceCard:
		return "insurance.card_number"
	}
	return ""
}

func current(p patient.Patient, target string) string {
	switch target {
	case "cpf":
		return p.CPF
	case "birth_date":
		return p.BirthDate
	case "phone":
		return p.Phone
	case "insurance.card_number":
		return p.Insurance.CardNumber
	}
	return ""
}

// Suggestions answers what the document's text suggests, each with the
// patient's current value (the patient is read through its service, as p).
func (s *Service) Suggestions(ctx context.Context, p kernel.Principal, id string) ([]Suggestion, error) {
	d, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, field, value, accepted_at FROM document_suggestions
		WHERE clinic_id = $1 AND document_id = $2 ORDER BY created_at, field, value`, d.clinicID, d.ID)
	if err != nil {
		return nil, fmt.Errorf("document store: suggestions: %w", err)
	}
	defer rows.Close()
	out := []Suggestion{}
	for rows.Next() {
		var sg Suggestion
		var at sql.NullTime
		if err := rows.Scan(&sg.ID, &sg.Field, &sg.Value, &at); err != nil {
			return nil, fmt.Errorf("document store: suggestions: %w", err)
		}
		sg.AcceptedAt, sg.Target = timePtr(at), target(sg.Field)
		out = append(out, sg)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("document store: suggestions: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	pt, err := s.patients.Get(ctx, p, d.PatientID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Current = current(pt, out[i].Target)
		out[i].Same = out[i].Target != "" && out[i].Current == out[i].Value
	}
	return out, nil
}

// Accept copies a suggestion to the patient through patient.Service.Update
// (so its rules, such as one CPF per clinic, and its audit apply) and
// records it accepted. Accepting again sets the same value again. A name
// suggestion is a Conflict (nothing to copy).
func (s *Service) Accept(ctx context.Context, p kernel.Principal, id, suggestionID string) (Suggestion, error) {
	d, err := s.Get(ctx, p, id)
	if err != nil {
		return Suggestion{}, err
	}
	if !kernel.IsID(suggestionID) {
		return Suggestion{}, errSuggestion
	}
	var sg Suggestion
	var at sql.NullTime
	err = s.db.QueryRowContext(ctx, `SELECT id, field, value, accepted_at FROM document_suggestions WHERE clinic_id = $1 AND document_id = $2 AND id = $3`,
		d.clinicID, d.ID, suggestionID).Scan(&sg.ID, &sg.Field, &sg.Value, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Suggestion{}, errSuggestion
	}
	if err != nil {
		return Suggestion{}, fmt.Errorf("document store: suggestion: %w", err)
	}
	sg.Target = target(sg.Field)
	var in patient.Input
	switch sg.Target {
	case "cpf":
		in.CPF = kernel.Some(sg.Value)
	case "birth_date":
		in.BirthDate = kernel.Some(sg.Value)
	case "phone":
		in.Phone = kernel.Some(sg.Value)
	case "insurance.card_number":
		in.Insurance = kernel.Some(patient.InsuranceInput{CardNumber: kernel.Some(sg.Value)})
	default:
		return Suggestion{}, errNotAccept
	}
	pt, err := s.patients.Update(ctx, p, d.PatientID, in)
	if err != nil {
		return Suggestion{}, err
	}
	now := db.Time(s.now())
	if _, err := s.db.ExecContext(ctx, `UPDATE document_suggestions SET accepted_at = $1, accepted_by = $2 WHERE clinic_id = $3 AND id = $4`,
		now, nullable(p.UserID), d.clinicID, sg.ID); err != nil {
		return Suggestion{}, fmt.Errorf("document store: accept: %w", err)
	}
	sg.AcceptedAt, sg.Current = &now, current(pt, sg.Target)
	sg.Same = sg.Current == sg.Value
	return sg, nil
}
