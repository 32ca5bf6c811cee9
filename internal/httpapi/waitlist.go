package httpapi

import (
	"net/http"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/waitlist"
)

// listWaitlist lists the open entries, oldest first (?professional_id=,
// ?cursor=, ?limit=).
func (s *Server) listWaitlist(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := waitlist.ListFilter{ProfessionalID: q.Get("professional_id"), Cursor: q.Get("cursor")}
	var msg string
	if f.Limit, msg = kernel.ParseLimit(q.Get("limit"), waitlist.MaxPageSize); msg != "" {
		return apperr.Validation(map[string]string{"limit": msg})
	}
	page, err := s.Waitlist.List(r.Context(), principalOf(r.Context()), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// createWaitlistEntry adds a patient to the waitlist.
func (s *Server) createWaitlistEntry(w http.ResponseWriter, r *http.Request) error {
	var in waitlist.CreateInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	e, err := s.Waitlist.Create(r.Context(), principalOf(r.Context()), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}

// removeWaitlistEntry takes an entry off the waitlist.
func (s *Server) removeWaitlistEntry(w http.ResponseWriter, r *http.Request) error {
	if err := s.Waitlist.Remove(r.Context(), principalOf(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listWaitlistOffers lists the offers recorded for an entry.
func (s *Server) listWaitlistOffers(w http.ResponseWriter, r *http.Request) error {
	offers, err := s.Waitlist.Offers(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": offers})
	return nil
}
