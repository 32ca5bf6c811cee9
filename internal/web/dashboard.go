package web

import (
	"net/http"
	"time"

	"clinic/internal/appointment"
	"clinic/internal/httpx"
)

type dashboardData struct {
	Today []appointment.Appointment
	Zone  *time.Location
}

// dashboard is the clinic's start page: today's appointments.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	p := httpx.PrincipalOf(r.Context())
	loc, err := s.Accounts.ClinicZone(r.Context(), p.ClinicID)
	if err != nil {
		return err
	}
	now := time.Now().In(loc)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	pg, err := s.Appointments.List(r.Context(), p, appointment.ListFilter{From: day, To: day.AddDate(0, 0, 1), Limit: appointment.MaxListLimit})
	if err != nil {
		return err
	}
	v.Nav = "dashboard"
	s.render(w, r, http.StatusOK, "dashboard", page{Title: v.L.T("nav.dashboard"), Data: dashboardData{Today: pg.Items, Zone: loc}})
	return nil
}
