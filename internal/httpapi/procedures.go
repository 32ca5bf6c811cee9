package httpapi

import (
	"net/http"
	"time"

	"clinic/internal/schedule"
)

type procedureJSON struct {
	ID                     string    `json:"id"`
	Name                   string    `json:"name"`
	DefaultDurationMinutes int       `json:"default_duration_minutes"`
	Color                  string    `json:"color"`
	BookableOnline         bool      `json:"bookable_online"`
	Active                 bool      `json:"active"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

func toProcedureJSON(p schedule.Procedure) procedureJSON {
	return procedureJSON{ID: p.ID, Name: p.Name, DefaultDurationMinutes: p.DefaultDurationMinutes, Color: p.Color,
		BookableOnline: p.BookableOnline, Active: p.Active, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// listProcedures lists the clinic's procedures, optionally only the active
// (?active=true) or inactive ones.
func (s *Server) listProcedures(w http.ResponseWriter, r *http.Request) error {
	active, err := activeParam(r)
	if err != nil {
		return err
	}
	ps, err := s.Schedule.Procedures(r.Context(), principalOf(r.Context()).ClinicID, schedule.ProcedureFilter{Active: active})
	if err != nil {
		return err
	}
	items := make([]procedureJSON, len(ps))
	for i, p := range ps {
		items[i] = toProcedureJSON(p)
	}
	writeJSON(w, http.StatusOK, listOf[procedureJSON]{Items: items})
	return nil
}

// createProcedure adds a procedure (owners and admins).
func (s *Server) createProcedure(w http.ResponseWriter, r *http.Request) error {
	var in schedule.ProcedureInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p, err := s.Schedule.CreateProcedure(r.Context(), principalOf(r.Context()), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toProcedureJSON(p))
	return nil
}

// getProcedure returns one procedure.
func (s *Server) getProcedure(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Schedule.Procedure(r.Context(), principalOf(r.Context()).ClinicID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toProcedureJSON(p))
	return nil
}

// updateProcedure changes or deactivates a procedure (owners and admins).
func (s *Server) updateProcedure(w http.ResponseWriter, r *http.Request) error {
	var in schedule.ProcedurePatch
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p, err := s.Schedule.UpdateProcedure(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toProcedureJSON(p))
	return nil
}
