package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/kernel"
)

// listAppointments answers the agenda: ?from=&to= (required; RFC 3339 or
// clinic-local dates, "to" inclusive for a date), professional_id,
// patient_id, status (comma-separated), limit, cursor.
func (s *Server) listAppointments(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r.Context())
	q := r.URL.Query()
	loc := func() (*time.Location, error) { return s.Schedule.Location(r.Context(), p.ClinicID) }
	from, err := appointment.ParseBound("from", q.Get("from"), false, loc)
	if err != nil {
		return err
	}
	to, err := appointment.ParseBound("to", q.Get("to"), true, loc)
	if err != nil {
		return err
	}
	f := appointment.ListFilter{From: from, To: to, ProfessionalID: q.Get("professional_id"), PatientID: q.Get("patient_id"), Cursor: q.Get("cursor")}
	if st := q.Get("status"); st != "" {
		for v := range strings.SplitSeq(st, ",") {
			f.Statuses = append(f.Statuses, appointment.Status(strings.TrimSpace(v)))
		}
	}
	var msg string
	if f.Limit, msg = kernel.ParseLimit(q.Get("limit"), appointment.MaxListLimit); msg != "" {
		return apperr.Validation(map[string]string{"limit": msg})
	}
	// Compressed for clients that take it: a cached page is compressed once
	// per server and kept under its version, and then not even read again.
	gzipped := acceptsGzip(r.Header.Values("Accept-Encoding"))
	var gz []byte
	var known func(string) bool
	if gzipped {
		known = func(version string) (ok bool) {
			gz, ok = s.agendaGzip.get(version)
			return ok
		}
	}
	body, version, err := s.Appointments.ListJSON(r.Context(), p, f, known)
	if err != nil {
		return err
	}
	switch {
	case gz != nil:
		body = gz
	case gzipped:
		body = s.agendaGzip.compressed(version, body)
	}
	// One Write with its length; compressed, the agenda of a busy day
	// fits in one segment.
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Add("Vary", "Accept-Encoding")
	if gzipped {
		h.Set("Content-Encoding", "gzip")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

func (s *Server) createAppointment(w http.ResponseWriter, r *http.Request) error {
	var in appointment.CreateInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	a, err := s.Appointments.Create(r.Context(), principalOf(r.Context()), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) getAppointment(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Appointments.Get(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) updateAppointment(w http.ResponseWriter, r *http.Request) error {
	var in appointment.UpdateInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	a, err := s.Appointments.Update(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) setAppointmentStatus(w http.ResponseWriter, r *http.Request) error {
	var in appointment.StatusInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	a, err := s.Appointments.SetStatus(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) createAppointmentSeries(w http.ResponseWriter, r *http.Request) error {
	var in appointment.SeriesInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	series, err := s.Appointments.CreateSeries(r.Context(), principalOf(r.Context()), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, series)
	return nil
}
