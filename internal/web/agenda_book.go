package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/schedule"
)

// The booking form: a dialog on the agenda (htmx loads the form's
// fragment), a page of its own without JavaScript. The patient is found as
// you type (the results are radio buttons: a group the arrow keys move
// through) or created in the same submit from a name and a phone.

// bookFields are the booking form's fields, also read from the query of
// GET /agenda/new (a search without JavaScript submits the form there).
var bookFields = []string{"professional_id", "date", "time", "duration_minutes", "room_id", "procedure", "procedure_id", "notes",
	"q", "patient_id", "new_patient_name", "new_patient_phone", "override_working_hours", "back"}

// agendaMaxPatients bounds the patient search's answer.
const agendaMaxPatients = 8

type bookData struct {
	Professionals []schedule.Professional
	Rooms         []schedule.Room
	Procedures    []schedule.Procedure
	Patients      []patient.Patient
	// Searched is set when a search ran (the results may be empty).
	Searched    bool
	CanOverride bool
	Back        string
	Query       string // what patient search the results answer
	// Dialog is set when the form goes into the agenda's dialog (htmx).
	Dialog bool
}

func (s *Server) bookData(r *http.Request, p kernel.Principal, f *form) (bookData, error) {
	ctx := r.Context()
	active := true
	pros, err := s.Schedule.Professionals(ctx, p.ClinicID, schedule.ProfessionalFilter{Active: &active})
	if err != nil {
		return bookData{}, err
	}
	rooms, err := s.Schedule.Rooms(ctx, p.ClinicID, activeRooms)
	if err != nil {
		return bookData{}, err
	}
	procs, err := s.Schedule.Procedures(ctx, p.ClinicID, schedule.ProcedureFilter{Active: &active})
	if err != nil {
		return bookData{}, err
	}
	d := bookData{Professionals: pros, Rooms: rooms, Procedures: procs, CanOverride: booksAppointments(p.Role), Back: safeNext(f.Get("back"))}
	if d.Back == "" {
		d.Back = "/clinics/" + p.ClinicID + "/agenda"
	}
	if f.Get("duration_minutes") == "" {
		for _, pr := range pros {
			if pr.ID == f.Get("professional_id") {
				f.Values["duration_minutes"] = strconv.Itoa(pr.DefaultDurationMinutes)
			}
		}
	}
	if d.Patients, d.Searched, err = s.agendaSearchPatients(r, p, f.Get("q")); err != nil {
		return bookData{}, err
	}
	d.Query = f.Get("q")
	// The patient chosen stays shown after a refusal, whatever the search.
	if id := f.Get("patient_id"); kernel.IsID(id) {
		found := false
		for _, pt := range d.Patients {
			found = found || pt.ID == id
		}
		if !found {
			pt, err := s.Patients.Get(ctx, p, id)
			if err == nil {
				d.Patients = append([]patient.Patient{pt}, d.Patients...)
			} else if !apperr.Is(err, apperr.NotFound) {
				return bookData{}, err
			}
		}
	}
	return d, nil
}

// searchPatients finds the patients q names (accent-insensitive name
// prefixes, CPF or phone); nothing for a query shorter than two characters.
func (s *Server) agendaSearchPatients(r *http.Request, p kernel.Principal, q string) ([]patient.Patient, bool, error) {
	q = strings.TrimSpace(q)
	if utf8.RuneCountInString(q) < 2 {
		return nil, false, nil
	}
	pg, err := s.Patients.List(r.Context(), p, patient.ListQuery{Q: q, Limit: agendaMaxPatients})
	if apperr.Is(err, apperr.Invalid) {
		return nil, true, nil // a query the search cannot take finds nobody
	}
	if err != nil {
		return nil, false, err
	}
	return pg.Items, true, nil
}

// bookPage shows the booking form, filled in from the query: the slot
// clicked (professional_id, starts_at as clinic-local YYYY-MM-DDTHH:MM) or
// the form itself when it searched for a patient without JavaScript.
func (s *Server) bookPage(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	p := httpx.PrincipalOf(r.Context())
	f := newForm()
	q := r.URL.Query()
	for _, k := range bookFields {
		if val := q.Get(k); val != "" {
			if kernel.CheckText(val, strings.HasSuffix(k, "notes")) == "" {
				f.Values[k] = val
			}
		}
	}
	if st := q.Get("starts_at"); len(st) >= len("2006-01-02T15:04") {
		f.Values["date"], f.Values["time"] = st[:10], st[11:16]
	}
	if m := q.Get("duration"); m != "" && f.Get("duration_minutes") == "" {
		f.Values["duration_minutes"] = m
	}
	return s.renderBook(w, r, http.StatusOK, v, p, f)
}

func (s *Server) renderBook(w http.ResponseWriter, r *http.Request, status int, v *view, p kernel.Principal, f *form) error {
	d, err := s.bookData(r, p, f)
	if err != nil {
		return err
	}
	d.Dialog = isFragment(r)
	v.Nav = "agenda"
	s.render(w, r, status, "agenda-book", page{Title: v.L.T("agenda.book.title"), Form: f, Data: d})
	return nil
}

// bookPatients answers the patient search of the booking form (htmx).
func (s *Server) bookPatients(w http.ResponseWriter, r *http.Request) error {
	p := httpx.PrincipalOf(r.Context())
	q := r.URL.Query().Get("q")
	list, searched, err := s.agendaSearchPatients(r, p, q)
	if err != nil {
		return err
	}
	f := newForm()
	f.Values["patient_id"] = r.URL.Query().Get("patient_id")
	s.renderAgendaPart(w, r, http.StatusOK, "agenda-book", "patient-results", page{Form: f, Data: bookData{Patients: list, Searched: searched, Query: q}})
	return nil
}

// localStart reads the date and time fields (clinic-local) of f as an
// instant, recording a message under the field that is wrong.
func agendaStart(l *i18n.Localizer, f *form, loc *time.Location) (time.Time, bool) {
	date, clock := strings.TrimSpace(f.Get("date")), strings.TrimSpace(f.Get("time"))
	d, msg := kernel.ParseDate(date, "bad")
	if date == "" || msg != "" {
		f.Errors["date"] = l.T("agenda.book.bad_date")
	}
	t, err := time.Parse("15:04", clock)
	if err != nil {
		f.Errors["time"] = l.T("agenda.book.bad_time")
	}
	if f.Invalid("date") || f.Invalid("time") {
		return time.Time{}, false
	}
	return time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), 0, 0, loc), true
}

// refuseBooking records a service's refusal in f under the form's own
// field names, and returns the answer's status: 409 for a conflict, 422 for
// anything else the user can fix (htmx swaps both in).
func refuseBooking(v *view, f *form, err error, rename map[string]string) (int, bool) {
	if !refuse(v.Locale, f, err) {
		return 0, false
	}
	for from, to := range rename {
		if msg, ok := f.Errors[from]; ok {
			delete(f.Errors, from)
			f.Errors[to] = msg
		}
	}
	e := apperr.As(err)
	if e.Code == apperr.Invalid && e.Message == agendaOutsideHours {
		// The service's field message speaks of the API's flag; the form
		// says it in its own words, next to its squeeze-in box.
		f.Error, _ = i18n.Message(v.Locale, e)
		f.Errors["time"] = v.L.T("agenda.book.outside_hours")
	}
	if f.Error == "" && len(f.Errors) > 0 {
		f.Error = v.L.T("page.form_errors")
	}
	if e.Code == apperr.Conflict {
		return http.StatusConflict, true
	}
	return http.StatusUnprocessableEntity, true
}

// agendaOutsideHours is the appointment service's message for a time
// outside the professional's working hours.
const agendaOutsideHours = "The appointment is outside the professional's working hours."

// bookSubmit books: a new patient first when the form names one instead
// of choosing one, then the appointment. A refusal answers the form again
// with what was typed and the server's message (409 or 422, which htmx
// swaps into the dialog); success goes back to the agenda (htmx: 204 and
// an agenda:booked event for agenda.js).
func (s *Server) bookSubmit(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	p := httpx.PrincipalOf(r.Context())
	ctx := r.Context()
	f, err := s.parseForm(w, r)
	if err != nil {
		if f == nil || !refuse(v.Locale, f, err) {
			return err
		}
		return s.renderBook(w, r, formStatus(err), v, p, f)
	}
	loc, err := s.Accounts.ClinicZone(ctx, p.ClinicID)
	if err != nil {
		return err
	}
	start, ok := agendaStart(v.L, f, loc)
	minutes := 0
	if m := strings.TrimSpace(f.Get("duration_minutes")); m != "" {
		n, msg := kernel.ParseInt(m, schedule.MinDurationMinutes, schedule.MaxDurationMinutes)
		if msg != "" {
			f.Errors["duration_minutes"] = v.L.T("agenda.book.bad_duration", "min", schedule.MinDurationMinutes, "max", schedule.MaxDurationMinutes)
			ok = false
		}
		minutes = n
	}
	patientID := f.Get("patient_id")
	newName, newPhone := strings.TrimSpace(f.Get("new_patient_name")), strings.TrimSpace(f.Get("new_patient_phone"))
	if patientID == "" && newName == "" {
		f.Errors["patient_id"] = v.L.T("agenda.book.patient_required")
		ok = false
	}
	if !ok {
		f.Error = v.L.T("page.form_errors")
		return s.renderBook(w, r, http.StatusUnprocessableEntity, v, p, f)
	}
	if patientID == "" {
		in := patient.Input{FullName: kernel.Some(newName)}
		if newPhone != "" {
			in.Phone = kernel.Some(newPhone)
		}
		pt, err := s.Patients.Create(ctx, p, in)
		if err != nil {
			status, ok := refuseBooking(v, f, err, map[string]string{"full_name": "new_patient_name", "phone": "new_patient_phone"})
			if !ok {
				return err
			}
			return s.renderBook(w, r, status, v, p, f)
		}
		// From now on the form books this patient: a refused booking sent
		// again does not register them twice.
		patientID = pt.ID
		f.Values["patient_id"], f.Values["new_patient_name"], f.Values["new_patient_phone"] = pt.ID, "", ""
		f.Values["q"] = ""
	}
	a, err := s.Appointments.Create(ctx, p, appointment.CreateInput{
		PatientID: patientID, ProfessionalID: f.Get("professional_id"), RoomID: f.Get("room_id"),
		StartsAt: start.Format(time.RFC3339), DurationMinutes: minutes,
		Procedure: f.Get("procedure"), ProcedureID: f.Get("procedure_id"), Notes: f.Get("notes"),
		OverrideWorkingHours: f.Get("override_working_hours") != "" && booksAppointments(p.Role),
	})
	if err != nil {
		status, ok := refuseBooking(v, f, err, map[string]string{"starts_at": "time", "ends_at": "duration_minutes"})
		if !ok {
			return err
		}
		return s.renderBook(w, r, status, v, p, f)
	}
	local := a.StartsAt.In(loc)
	msg := v.L.T("agenda.book.done", "patient", a.PatientName, "when", v.L.DateTime(local), "professional", a.ProfessionalName)
	if isFragment(r) {
		agendaTrigger(w, "agenda:booked", map[string]string{"message": msg, "id": a.ID, "date": local.Format(time.DateOnly)})
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	target := agendaQuery{Date: day, View: viewList}.URL(p.ClinicID) + "&booked=" + url.QueryEscape(a.ID)
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// triggerEvent sets HX-Trigger so that htmx fires event with detail on the
// element that made the request (agenda.js listens on the document). The
// JSON is ASCII only: a header carries no raw UTF-8.
func agendaTrigger(w http.ResponseWriter, event string, detail map[string]string) {
	var b strings.Builder
	b.WriteString(`{` + agendaASCIIJSON(event) + `:{`)
	first := true
	for _, k := range []string{"message", "id", "date"} {
		val, ok := detail[k]
		if !ok {
			continue
		}
		if !first {
			b.WriteString(",")
		}
		first = false
		b.WriteString(agendaASCIIJSON(k) + ":" + agendaASCIIJSON(val))
	}
	b.WriteString("}}")
	w.Header().Set("HX-Trigger", b.String())
}

// asciiJSON quotes s as a JSON string with every character outside
// printable ASCII escaped.
func agendaASCIIJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f && r != '<' && r != '>' && r != '&':
			b.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
