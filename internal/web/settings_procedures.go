package web

import (
	"net/http"
	"strconv"

	"clinic/internal/httpx"
	"clinic/internal/kernel"
	"clinic/internal/schedule"
)

type settingsProceduresData struct {
	Items []schedule.Procedure
}

func (s *Server) settingsProceduresPage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := s.settingsView(w, r, "procedures")
	items, err := s.Schedule.Procedures(r.Context(), httpx.PrincipalOf(r.Context()).ClinicID, schedule.ProcedureFilter{})
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm()
		f.Values["color"] = schedule.DefaultProcedureColor
		f.Values["default_duration_minutes"] = strconv.Itoa(schedule.DefaultDurationMinutes)
	}
	s.render(w, r, status, "settings-procedures", page{Title: v.L.T("settings.procedures.title"), Form: f, Data: settingsProceduresData{Items: items}})
	return nil
}

func (s *Server) settingsProcedures(w http.ResponseWriter, r *http.Request) error {
	return s.settingsProceduresPage(w, r, http.StatusOK, nil)
}

func (s *Server) settingsProcedureCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		in := schedule.ProcedureInput{Name: f.Get("name"), Color: f.Get("color"), BookableOnline: checked(f, "bookable_online"),
			DefaultDurationMinutes: formInt(f, "default_duration_minutes")}
		_, err = s.Schedule.CreateProcedure(r.Context(), httpx.PrincipalOf(r.Context()), in)
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.settingsProceduresPage(w, r, status, f) })
	}
	return s.settingsDone(w, r, "/procedures", "settings.flash.procedure_created")
}

type settingsProcedureData struct {
	Procedure schedule.Procedure
}

func (s *Server) settingsProcedurePage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	s.settingsView(w, r, "procedures")
	pr, err := s.Schedule.Procedure(r.Context(), httpx.PrincipalOf(r.Context()).ClinicID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm()
		f.Values["name"], f.Values["color"] = pr.Name, pr.Color
		f.Values["default_duration_minutes"] = strconv.Itoa(pr.DefaultDurationMinutes)
		if pr.BookableOnline {
			f.Values["bookable_online"] = "on"
		}
		if pr.Active {
			f.Values["active"] = "on"
		}
	}
	s.render(w, r, status, "settings-procedure", page{Title: pr.Name, Form: f, Data: settingsProcedureData{Procedure: pr}})
	return nil
}

func (s *Server) settingsProcedure(w http.ResponseWriter, r *http.Request) error {
	return s.settingsProcedurePage(w, r, http.StatusOK, nil)
}

func (s *Server) settingsProcedureSave(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		in := schedule.ProcedurePatch{Name: kernel.Some(f.Get("name")), Color: kernel.Some(f.Get("color")),
			DefaultDurationMinutes: kernel.Some(formInt(f, "default_duration_minutes")),
			BookableOnline:         kernel.Some(checked(f, "bookable_online")), Active: kernel.Some(checked(f, "active"))}
		_, err = s.Schedule.UpdateProcedure(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"), in)
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.settingsProcedurePage(w, r, status, f) })
	}
	return s.settingsDone(w, r, "/procedures", "settings.flash.procedure_saved")
}
