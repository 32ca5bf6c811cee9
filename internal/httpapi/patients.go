package httpapi

import (
	"net/http"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/patient"
)

// patientJSON is the API shape of a patient.
type patientJSON struct {
	ID         string           `json:"id"`
	FullName   string           `json:"full_name"`
	SocialName string           `json:"social_name"`
	CPF        *string          `json:"cpf"`
	BirthDate  *string          `json:"birth_date"`
	Sex        string           `json:"sex"`
	Phone      *string          `json:"phone"`
	Email      string           `json:"email"`
	Address    patient.Address  `json:"address"`
	Insurance  insuranceJSON    `json:"insurance"`
	Notes      *string          `json:"notes,omitempty"`
	Consents   patient.Consents `json:"consents"`
	// AnonymisedAt is when the patient was anonymised (absent: never).
	AnonymisedAt *time.Time `json:"anonymised_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

type insuranceJSON struct {
	Plan       string  `json:"plan"`
	CardNumber string  `json:"card_number"`
	ValidUntil *string `json:"valid_until"`
}

// orNull returns nil for "" (JSON null) and &s otherwise.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toPatientJSON(p patient.Patient) patientJSON {
	out := patientJSON{
		ID: p.ID, FullName: p.FullName, SocialName: p.SocialName, CPF: orNull(patient.FormatCPF(p.CPF)),
		BirthDate: orNull(p.BirthDate), Sex: p.Sex, Phone: orNull(p.Phone), Email: p.Email, Address: p.Address,
		Insurance: insuranceJSON{Plan: p.Insurance.Plan, CardNumber: p.Insurance.CardNumber, ValidUntil: orNull(p.Insurance.ValidUntil)},
		Consents:  p.Consents, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, AnonymisedAt: p.AnonymisedAt,
	}
	if !p.NotesHidden {
		out.Notes = &p.Notes
	}
	return out
}

// listPatients lists or searches the clinic's patients (q, cursor, limit).
func (s *Server) listPatients(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	lq := patient.ListQuery{Q: q.Get("q"), Cursor: q.Get("cursor")}
	var msg string
	if lq.Limit, msg = kernel.ParseLimit(q.Get("limit"), patient.MaxLimit); msg != "" {
		return apperr.Validation(map[string]string{"limit": msg})
	}
	page, err := s.Patients.List(r.Context(), principalOf(r.Context()), lq)
	if err != nil {
		return err
	}
	items := make([]patientJSON, len(page.Items))
	for i, p := range page.Items {
		items[i] = toPatientJSON(p)
	}
	writeJSON(w, http.StatusOK, struct {
		Items      []patientJSON `json:"items"`
		NextCursor string        `json:"next_cursor,omitempty"`
	}{items, page.NextCursor})
	return nil
}

// createPatient registers a patient.
func (s *Server) createPatient(w http.ResponseWriter, r *http.Request) error {
	var in patient.Input
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p, err := s.Patients.Create(r.Context(), principalOf(r.Context()), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toPatientJSON(p))
	return nil
}

// getPatient returns one patient (an audited read).
func (s *Server) getPatient(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Patients.Get(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPatientJSON(p))
	return nil
}

// updatePatient changes a patient partially (absent fields stay, null
// clears).
func (s *Server) updatePatient(w http.ResponseWriter, r *http.Request) error {
	var in patient.Input
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p, err := s.Patients.Update(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPatientJSON(p))
	return nil
}

// archivePatient soft-deletes a patient.
func (s *Server) archivePatient(w http.ResponseWriter, r *http.Request) error {
	if err := s.Patients.Archive(r.Context(), principalOf(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
