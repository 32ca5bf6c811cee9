package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/billing"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
	"clinic/internal/reminder"
	"clinic/internal/schedule"
)

// An appointment opened from the agenda: its details, the status changes it
// may take next, rescheduling and its history. Each action is a form POST
// (a page without JavaScript; htmx swaps the answer into the agenda's
// dialog and tells agenda.js to refetch the calendar).

type appointmentData struct {
	A     appointment.Appointment
	Zone  *time.Location
	Start time.Time // clinic-local
	End   time.Time
	// Next are the statuses the appointment may take now (for the role).
	Next []appointment.Status
	// CanMove is set when the user may reschedule it (and it is not over).
	CanMove       bool
	Professionals []schedule.Professional
	History       []agendaHistoryItem
	AgendaURL     string
	// Reasons are the usual reasons for a cancellation (catalogue ids).
	Reasons []string
	Done    string // the flash after an action
	// Dialog is set when the answer goes into the agenda's dialog (htmx).
	Dialog bool
	// Notes are shown unless the role may not read them (financial).
	Notes     string
	ShowNotes bool
	// Messages are the appointment's messages (nil when the role may not
	// see them).
	Messages *messageList
	// ShowEncounter shows the records' button: "Iniciar atendimento", or
	// "Abrir atendimento" when EncounterID is set (records.go).
	ShowEncounter bool
	EncounterID   string
	// Charge is the charge of a completed appointment (nil when none, or
	// when the role may not see charges).
	Charge *billing.Charge
}

// agendaHistoryItem is one line of an appointment's history.
type agendaHistoryItem struct {
	At   time.Time
	Text string
}

// agendaStatusName is the name of a status in l's language.
func agendaStatusName(l *i18n.Localizer, st appointment.Status) string {
	id := "status." + string(st)
	return l.T(id)
}

// agendaFieldIDs name the fields an update may change, in the catalogue.
var agendaFieldIDs = map[string]string{"notes": "agenda.field.notes", "procedure": "agenda.field.procedure"}

// agendaReasonPrefix prefixes the catalogue ids of the cancellation reasons.
const agendaReasonPrefix = "agenda.cancel.reason."

// agendaCancelReasons are the usual reasons to cancel, as catalogue ids under
// agenda.cancel.reason.
var agendaCancelReasons = []string{"patient", "professional", "clinic", "misc"}

// statusSetters are the roles that change statuses (the service decides
// which appointments).
func agendaSetsStatus(role kernel.Role) bool {
	return booksAppointments(role) || role == kernel.RoleProfessional
}

func (s *Server) appointmentData(r *http.Request, p kernel.Principal, id string) (appointmentData, error) {
	ctx := r.Context()
	a, err := s.Appointments.Get(ctx, p, id)
	if err != nil {
		return appointmentData{}, err
	}
	loc, err := s.Accounts.ClinicZone(ctx, p.ClinicID)
	if err != nil {
		return appointmentData{}, err
	}
	v := viewOf(ctx)
	start := a.StartsAt.In(loc)
	day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc)
	d := appointmentData{A: a, Zone: loc, Start: start, End: a.EndsAt.In(loc), Reasons: agendaCancelReasons,
		AgendaURL: agendaQuery{Date: day, View: viewDay, Auto: true}.URL(p.ClinicID)}
	if a.Notes != nil {
		d.Notes, d.ShowNotes = *a.Notes, true
	}
	if agendaSetsStatus(p.Role) {
		d.Next = a.Status.Next()
	}
	d.CanMove = booksAppointments(p.Role) && !a.Status.Final()
	if d.CanMove {
		active := true
		if d.Professionals, err = s.Schedule.Professionals(ctx, p.ClinicID, schedule.ProfessionalFilter{Active: &active}); err != nil {
			return appointmentData{}, err
		}
	}
	if d.Messages, err = s.messages(r, loc, reminder.Filter{AppointmentID: a.ID, Limit: 20}, "appointment-messages",
		"/clinics/"+p.ClinicID+"/appointments/"+a.ID); err != nil {
		return appointmentData{}, err
	}
	if d.Charge, err = s.appointmentCharge(r, a); err != nil {
		return appointmentData{}, err
	}
	for _, e := range a.Events {
		d.History = append(d.History, agendaHistoryItem{At: e.At.In(loc), Text: agendaHistoryText(v, loc, e)})
	}
	return d, nil
}

// historyText says what one event of the history did.
func agendaHistoryText(v *view, loc *time.Location, e appointment.Event) string {
	l := v.L
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return l.DateTime(t.In(loc))
	}
	switch e.Kind {
	case appointment.EventCreated:
		return l.T("agenda.history.created", "when", at(e.NewStartsAt))
	case appointment.EventRescheduled:
		return l.T("agenda.history.rescheduled", "from", at(e.OldStartsAt), "to", at(e.NewStartsAt))
	case appointment.EventStatus:
		return l.T("agenda.history.status", "from", agendaStatusName(l, e.OldStatus), "to", agendaStatusName(l, e.NewStatus))
	default:
		names := make([]string, 0, len(e.Changed))
		for _, c := range e.Changed {
			switch c {
			case "notes", "procedure":
				names = append(names, l.T(agendaFieldIDs[c]))
			default:
				names = append(names, c)
			}
		}
		return l.T("agenda.history.updated", "fields", strings.Join(names, ", "))
	}
}

// appointmentPage shows an appointment (the agenda's dialog loads its
// fragment).
func (s *Server) appointmentPage(w http.ResponseWriter, r *http.Request) error {
	p := httpx.PrincipalOf(r.Context())
	return s.renderAppointment(w, r, http.StatusOK, p, r.PathValue("appointment_id"), nil, r.URL.Query().Get("done"))
}

func (s *Server) renderAppointment(w http.ResponseWriter, r *http.Request, status int, p kernel.Principal, id string, f *form, done string) error {
	v := viewOf(r.Context())
	d, err := s.appointmentData(r, p, id)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm()
	}
	if f.Get("date") == "" {
		f.Values["date"] = d.Start.Format(time.DateOnly)
		f.Values["time"] = d.Start.Format("15:04")
		f.Values["duration_minutes"] = strconv.Itoa(int(d.End.Sub(d.Start) / time.Minute))
		f.Values["professional_id"] = d.A.ProfessionalID
	}
	switch done {
	case "status":
		d.Done = v.L.T("agenda.detail.status_done", "status", agendaStatusName(v.L, d.A.Status))
	case "moved":
		d.Done = v.L.T("agenda.detail.moved_done", "when", v.L.DateTime(d.Start))
	}
	d.Dialog = isFragment(r)
	d.ShowEncounter, d.EncounterID = s.appointmentEncounter(r, d.A.ID)
	v.Nav = "agenda"
	s.render(w, r, status, "agenda-appointment", page{Title: d.A.PatientName, Form: f, Data: d})
	return nil
}

// appointmentDone answers a successful action: the appointment again for
// htmx (with an agenda:changed event, so that the calendar refetches), a
// redirect to its page otherwise.
func (s *Server) appointmentDone(w http.ResponseWriter, r *http.Request, p kernel.Principal, id, done string) error {
	if isFragment(r) {
		agendaTrigger(w, "agenda:changed", map[string]string{"id": id})
		return s.renderAppointment(w, r, http.StatusOK, p, id, nil, done)
	}
	http.Redirect(w, r, "/clinics/"+p.ClinicID+"/appointments/"+id+"?done="+done, http.StatusSeeOther)
	return nil
}

// appointmentStatus changes the status. A cancellation's reason has no
// field of its own in the appointment (StatusInput carries the status
// only): it is added to the notes, so it shows in the history and on the
// appointment.
func (s *Server) appointmentStatus(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	p := httpx.PrincipalOf(r.Context())
	id := r.PathValue("appointment_id")
	f, err := s.parseForm(w, r)
	if err == nil {
		var a appointment.Appointment
		a, err = s.Appointments.SetStatus(r.Context(), p, id, appointment.StatusInput{Status: appointment.Status(f.Get("status"))})
		if err == nil && a.Status == appointment.StatusCancelled {
			err = s.noteCancellation(r, p, v, a, f)
		}
	}
	if err != nil {
		if f == nil || !refuse(v.Locale, f, err) {
			return err
		}
		return s.renderAppointment(w, r, agendaFormStatus(err), p, id, f, "")
	}
	return s.appointmentDone(w, r, p, id, "status")
}

// noteCancellation appends the reason of a cancellation to the notes.
func (s *Server) noteCancellation(r *http.Request, p kernel.Principal, v *view, a appointment.Appointment, f *form) error {
	reason := ""
	for _, c := range agendaCancelReasons {
		if f.Get("reason") == c {
			reason = v.L.T(agendaReasonPrefix + c)
		}
	}
	if extra := strings.TrimSpace(f.Get("reason_text")); extra != "" {
		if reason != "" {
			reason += ": "
		}
		reason += extra
	}
	if reason == "" || a.Notes == nil {
		return nil // nothing to say, or a role that cannot see the notes
	}
	line := v.L.T("agenda.cancel.note", "reason", reason)
	notes := strings.TrimRight(*a.Notes, "\n")
	if notes != "" {
		notes += "\n"
	}
	_, err := s.Appointments.Update(r.Context(), p, a.ID, appointment.UpdateInput{Notes: kernel.Some(notes + line)})
	if apperr.Is(err, apperr.Forbidden) {
		return nil // the status changed; the note is the reason's only home
	}
	return err
}

// appointmentReschedule moves the appointment (date, time, length,
// professional).
func (s *Server) appointmentReschedule(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	p := httpx.PrincipalOf(r.Context())
	id := r.PathValue("appointment_id")
	f, err := s.parseForm(w, r)
	if err != nil {
		if f == nil || !refuse(v.Locale, f, err) {
			return err
		}
		return s.renderAppointment(w, r, agendaFormStatus(err), p, id, f, "")
	}
	loc, err := s.Accounts.ClinicZone(r.Context(), p.ClinicID)
	if err != nil {
		return err
	}
	start, ok := agendaStart(v.L, f, loc)
	in := appointment.UpdateInput{OverrideWorkingHours: f.Get("override_working_hours") != "" && booksAppointments(p.Role)}
	if m := strings.TrimSpace(f.Get("duration_minutes")); m != "" {
		n, msg := kernel.ParseInt(m, schedule.MinDurationMinutes, schedule.MaxDurationMinutes)
		if msg != "" {
			f.Errors["duration_minutes"] = v.L.T("agenda.book.bad_duration", "min", schedule.MinDurationMinutes, "max", schedule.MaxDurationMinutes)
			ok = false
		}
		in.DurationMinutes = kernel.Some(n)
	}
	if !ok {
		f.Error = v.L.T("page.form_errors")
		return s.renderAppointment(w, r, http.StatusUnprocessableEntity, p, id, f, "")
	}
	in.StartsAt = kernel.Some(start.Format(time.RFC3339))
	if pr := f.Get("professional_id"); pr != "" {
		in.ProfessionalID = kernel.Some(pr)
	}
	if _, err := s.Appointments.Update(r.Context(), p, id, in); err != nil {
		status, ok := refuseBooking(v, f, err, map[string]string{"starts_at": "time", "ends_at": "duration_minutes"})
		if !ok {
			return err
		}
		return s.renderAppointment(w, r, status, p, id, f, "")
	}
	return s.appointmentDone(w, r, p, id, "moved")
}

// agendaFormStatus is formStatus with every refusal the user can act on
// answered 409 or 422, which htmx swaps into the dialog.
func agendaFormStatus(err error) int {
	if apperr.Is(err, apperr.Conflict) {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}
