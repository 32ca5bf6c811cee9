package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/httpx"
	"clinic/internal/kernel"
	"clinic/internal/schedule"
	"clinic/internal/waitlist"
)

// The agenda: the screen receptionists live in. One page shows a day (a
// column per professional), a week (one professional) or the day as a list;
// the list is what the server renders, the calendar is Event Calendar
// (static/agenda.js) over the same data, for browsers with JavaScript on a
// wide screen. Every change (booking, moving, a status) goes through the
// appointment service; the page follows other users' changes live
// (/clinics/{id}/live).

func (s *Server) agendaRoutes(m *http.ServeMux) {
	m.Handle("GET /clinics/{clinic_id}/agenda", s.clinic(s.agenda))
	m.Handle("GET /clinics/{clinic_id}/agenda/slots", s.clinic(s.agendaSlots))
	m.Handle("GET /clinics/{clinic_id}/agenda/new", s.clinic(s.bookPage))
	m.Handle("GET /clinics/{clinic_id}/agenda/patients", s.clinic(s.bookPatients))
	m.Handle("POST /clinics/{clinic_id}/appointments", s.clinic(s.bookSubmit))
	m.Handle("GET /clinics/{clinic_id}/appointments/{appointment_id}", s.clinic(s.appointmentPage))
	m.Handle("POST /clinics/{clinic_id}/appointments/{appointment_id}/status", s.clinic(s.appointmentStatus))
	m.Handle("POST /clinics/{clinic_id}/appointments/{appointment_id}/reschedule", s.clinic(s.appointmentReschedule))
}

// Views of the agenda.
const (
	viewDay  = "day"
	viewWeek = "week"
	viewList = "list"
)

// agendaQuery is what the agenda's URL asks for.
type agendaQuery struct {
	Date           time.Time // clinic-local midnight
	View           string
	Auto           bool // no view asked: the list on a phone, the calendar elsewhere
	ProfessionalID string
	RoomID         string
}

// URL returns the agenda's path for q.
func (q agendaQuery) URL(clinicID string) string {
	v := url.Values{}
	v.Set("date", q.Date.Format(time.DateOnly))
	if !q.Auto {
		v.Set("view", q.View)
	}
	if q.ProfessionalID != "" {
		v.Set("professional_id", q.ProfessionalID)
	}
	if q.RoomID != "" {
		v.Set("room_id", q.RoomID)
	}
	return "/clinics/" + clinicID + "/agenda?" + v.Encode()
}

// with returns q on another date and view.
func (q agendaQuery) with(date time.Time, view string) agendaQuery {
	q.Date = date
	if view != "" {
		q.View, q.Auto = view, false
	}
	return q
}

// agendaGroup is one block of the list: a professional's day, or a day of
// a professional's week.
type agendaGroup struct {
	Title string
	Sub   string
	Color string
	Items []appointment.Appointment
	// Slots are the free starts of the group (bookable with a click).
	Slots []agendaSlot
	// Empty is set when the professional does not work then.
	Off bool
}

// agendaSlot is a free slot: a link to the booking form.
type agendaSlot struct {
	Start          time.Time // clinic-local
	ProfessionalID string
	Professional   string
	Minutes        int
}

// resource is a calendar column, for agenda.js.
type agendaResource struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Color    string `json:"color"`
	Duration int    `json:"duration"`
}

type agendaData struct {
	Q        agendaQuery
	Zone     *time.Location
	ZoneName string
	// From and To bound what the page shows (clinic-local).
	From, To time.Time
	Today    time.Time
	// Professionals are the agenda's columns; Choices what the filters offer.
	Professionals []schedule.Professional
	Choices       []schedule.Professional
	Rooms         []schedule.Room
	// Week is the professional of the week view.
	Week      *schedule.Professional
	Groups    []agendaGroup
	Count     int
	Resources string // JSON of the calendar's columns
	CanBook   bool
	Own       bool // a professional's own agenda
	Prev      string
	Next      string
	TodayURL  string
	DayURL    string
	WeekURL   string
	ListURL   string
	Waitlist  []agendaWaitEntry
	// WaitlistShown is false for roles that may not read the waitlist.
	WaitlistShown bool
	Next14        agendaNextSlots
	Booked        bool
	// Heading names the day or the week shown.
	Heading string
	// IsToday is set when the page shows today (or this week).
	IsToday bool
}

// parseAgendaQuery reads the agenda's query, with today (in loc) as the
// default date.
func parseAgendaQuery(r *http.Request, loc *time.Location) agendaQuery {
	q := r.URL.Query()
	now := time.Now().In(loc)
	out := agendaQuery{Date: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc), View: viewDay, Auto: true}
	if d, msg := kernel.ParseDate(q.Get("date"), "bad"); q.Get("date") != "" && msg == "" {
		out.Date = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	}
	switch v := q.Get("view"); v {
	case viewDay, viewWeek, viewList:
		out.View, out.Auto = v, false
	}
	if id := q.Get("professional_id"); kernel.IsID(id) {
		out.ProfessionalID = id
	}
	if id := q.Get("room_id"); kernel.IsID(id) {
		out.RoomID = id
	}
	return out
}

// manages reports whether role books and moves appointments.
func booksAppointments(role kernel.Role) bool {
	return role == kernel.RoleOwner || role == kernel.RoleAdmin || role == kernel.RoleReceptionist
}

// visibleProfessionals returns the professionals p may see the agenda of:
// every active one, or a professional's own (none when the user is linked to
// no professional).
func (s *Server) agendaProfessionals(r *http.Request, p kernel.Principal) ([]schedule.Professional, bool, error) {
	if p.Role == kernel.RoleProfessional {
		own, err := s.Schedule.ProfessionalForUser(r.Context(), p.ClinicID, p.UserID)
		if apperr.Is(err, apperr.NotFound) {
			return []schedule.Professional{}, true, nil
		}
		if err != nil {
			return nil, true, err
		}
		return []schedule.Professional{own}, true, nil
	}
	active := true
	list, err := s.Schedule.Professionals(r.Context(), p.ClinicID, schedule.ProfessionalFilter{Active: &active})
	return list, false, err
}

// weekStart returns the Sunday that starts d's week (the week starts on
// Sunday in Brazilian calendars).
func agendaWeekStart(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day()-int(d.Weekday()), 0, 0, 0, 0, d.Location())
}

func (s *Server) agenda(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	p := httpx.PrincipalOf(r.Context())
	ctx := r.Context()
	loc, err := s.Accounts.ClinicZone(ctx, p.ClinicID)
	if err != nil {
		return err
	}
	q := parseAgendaQuery(r, loc)
	choices, own, err := s.agendaProfessionals(r, p)
	if err != nil {
		return err
	}
	rooms, err := s.Schedule.Rooms(ctx, p.ClinicID, activeRooms)
	if err != nil {
		return err
	}
	d := agendaData{Q: q, Zone: loc, ZoneName: loc.String(), Choices: choices, Rooms: rooms, CanBook: booksAppointments(p.Role), Own: own,
		Booked: r.URL.Query().Get("booked") != ""}
	now := time.Now().In(loc)
	d.Today = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)

	// The columns: every visible professional, or the one filtered; the
	// week shows one (the filtered one, else the first).
	cols := choices
	if q.ProfessionalID != "" {
		cols = slices.DeleteFunc(slices.Clone(choices), func(pr schedule.Professional) bool { return pr.ID != q.ProfessionalID })
	}
	step := 1
	d.From = q.Date
	if q.View == viewWeek {
		if len(cols) > 0 {
			d.Week = &cols[0]
			cols = cols[:1]
			q.ProfessionalID = d.Week.ID
		}
		d.From, step = agendaWeekStart(q.Date), 7
	}
	d.To = d.From.AddDate(0, 0, step)
	d.Professionals = cols
	d.Q = q
	d.Prev = q.with(q.Date.AddDate(0, 0, -step), "").URL(p.ClinicID)
	d.Next = q.with(q.Date.AddDate(0, 0, step), "").URL(p.ClinicID)
	d.TodayURL = q.with(d.Today, "").URL(p.ClinicID)
	d.DayURL = q.with(q.Date, viewDay).URL(p.ClinicID)
	d.WeekURL = q.with(q.Date, viewWeek).URL(p.ClinicID)
	d.ListURL = q.with(q.Date, viewList).URL(p.ClinicID)

	res := make([]agendaResource, len(cols))
	for i, pr := range cols {
		res[i] = agendaResource{ID: pr.ID, Title: pr.Name, Color: pr.Color, Duration: pr.DefaultDurationMinutes}
	}
	b, _ := json.Marshal(res) // plain strings and ints always marshal
	d.Resources = string(b)

	// What the list shows (and the calendar's first paint without JS).
	var items []appointment.Appointment
	var slots []schedule.Slot
	if len(cols) > 0 {
		f := appointment.ListFilter{From: d.From, To: d.To, Limit: appointment.MaxListLimit}
		if len(cols) == 1 {
			f.ProfessionalID = cols[0].ID
		}
		pg, err := s.Appointments.List(ctx, p, f)
		if err != nil {
			return err
		}
		items = pg.Items
		if d.To.After(now) && d.CanBook {
			aq := schedule.AvailabilityQuery{From: d.From, To: d.To, RoomID: q.RoomID}
			if len(cols) == 1 {
				aq.ProfessionalID = cols[0].ID
			}
			if slots, err = s.Schedule.Availability(ctx, p.ClinicID, aq); err != nil {
				return err
			}
		}
	}
	d.Heading = v.L.DateLong(q.Date)
	if q.View == viewWeek {
		d.Heading = v.L.T("agenda.week_range", "from", v.L.Date(d.From), "to", v.L.Date(d.To.AddDate(0, 0, -1)))
	}
	d.IsToday = !d.Today.Before(d.From) && d.Today.Before(d.To)
	d.Groups, d.Count = agendaGroups(v.L, q, cols, items, slots, d.From, step)

	if d.CanBook || p.Role == kernel.RoleProfessional {
		wl, err := s.Waitlist.List(ctx, p, waitlist.ListFilter{Limit: 20})
		switch {
		case apperr.Is(err, apperr.Forbidden), apperr.Is(err, apperr.NotFound):
		case err != nil:
			return err
		default:
			d.WaitlistShown = true
			for _, e := range wl.Items {
				w := agendaWaitEntry{Entry: e}
				w.From, _ = time.Parse(time.DateOnly, e.FromDate)
				w.To, _ = time.Parse(time.DateOnly, e.ToDate)
				if e.Earliest != nil {
					w.Earliest = w.From.Add(time.Duration(*e.Earliest) * time.Minute)
				}
				if e.Latest != nil {
					w.Latest = w.From.Add(time.Duration(*e.Latest) * time.Minute)
				}
				d.Waitlist = append(d.Waitlist, w)
			}
		}
	}
	if d.CanBook {
		rq := r.URL.Query()
		pick := rq.Get("slots_professional_id")
		if pick == "" && len(cols) > 0 {
			pick = cols[0].ID
		}
		if d.Next14, err = s.agendaNextFree(r, p, loc, choices, pick, rq.Get("slots_duration")); err != nil {
			return err
		}
	}

	if d.Booked {
		v.Flash = v.L.T("agenda.book.done_short")
	}
	v.Nav = "agenda"
	s.render(w, r, http.StatusOK, "agenda", page{Title: v.L.T("nav.agenda"), Data: d})
	return nil
}

// agendaLocalizer is what agendaGroups needs of an *i18n.Localizer.
type agendaLocalizer interface {
	DateLong(time.Time) string
	T(id string, kv ...any) string
}

// agendaGroups lays out the list: per professional for a day, per day for
// a week; the room filter keeps the appointments of that room.
func agendaGroups(l agendaLocalizer, q agendaQuery, cols []schedule.Professional, items []appointment.Appointment, slots []schedule.Slot, from time.Time, days int) ([]agendaGroup, int) {
	loc := from.Location()
	count := 0
	keep := func(a appointment.Appointment) bool { return q.RoomID == "" || a.RoomID == q.RoomID }
	byID := map[string]schedule.Professional{}
	for _, pr := range cols {
		byID[pr.ID] = pr
	}
	slot := func(sl schedule.Slot) agendaSlot {
		pr := byID[sl.ProfessionalID]
		return agendaSlot{Start: sl.Start.In(loc), ProfessionalID: sl.ProfessionalID, Professional: pr.Name, Minutes: int(sl.End.Sub(sl.Start) / time.Minute)}
	}
	if days == 1 {
		groups := make([]agendaGroup, len(cols))
		index := map[string]int{}
		for i, pr := range cols {
			groups[i] = agendaGroup{Title: pr.Name, Sub: pr.Specialty, Color: pr.Color}
			index[pr.ID] = i
		}
		for _, a := range items {
			if i, ok := index[a.ProfessionalID]; ok && keep(a) {
				groups[i].Items = append(groups[i].Items, a)
				count++
			}
		}
		for _, sl := range slots {
			if i, ok := index[sl.ProfessionalID]; ok {
				groups[i].Slots = append(groups[i].Slots, slot(sl))
			}
		}
		return groups, count
	}
	groups := make([]agendaGroup, days)
	for i := range groups {
		day := from.AddDate(0, 0, i)
		groups[i] = agendaGroup{Title: l.DateLong(day)}
	}
	dayOf := func(t time.Time) int {
		lt := t.In(loc)
		d := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
		for i := range days {
			if from.AddDate(0, 0, i).Equal(d) {
				return i
			}
		}
		return -1
	}
	for _, a := range items {
		if i := dayOf(a.StartsAt); i >= 0 && keep(a) {
			groups[i].Items = append(groups[i].Items, a)
			count++
		}
	}
	for _, sl := range slots {
		if i := dayOf(sl.Start); i >= 0 {
			groups[i].Slots = append(groups[i].Slots, slot(sl))
		}
	}
	return groups, count
}

// agendaWaitEntry is a waitlist entry with its dates parsed, for the
// page to write them in the user's format.
type agendaWaitEntry struct {
	waitlist.Entry
	From, To time.Time
	// Earliest and Latest are the window's times of day (zero: open).
	Earliest, Latest time.Time
}

// agendaNextSlots is the "next free slots" panel.
type agendaNextSlots struct {
	Professionals  []schedule.Professional
	ProfessionalID string
	Minutes        int
	Slots          []agendaSlot
	Searched       bool
}

// agendaMaxNextSlots bounds the panel's list.
const agendaMaxNextSlots = 12

// agendaSlots answers the "next free slots" panel (htmx); without
// JavaScript the panel's form loads the agenda page with the same query,
// which renders the panel filled in.
func (s *Server) agendaSlots(w http.ResponseWriter, r *http.Request) error {
	p := httpx.PrincipalOf(r.Context())
	if !isFragment(r) {
		u := *r.URL
		u.Path = "/clinics/" + p.ClinicID + "/agenda"
		http.Redirect(w, r, u.String(), http.StatusSeeOther)
		return nil
	}
	loc, err := s.Accounts.ClinicZone(r.Context(), p.ClinicID)
	if err != nil {
		return err
	}
	choices, _, err := s.agendaProfessionals(r, p)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	n, err := s.agendaNextFree(r, p, loc, choices, q.Get("slots_professional_id"), q.Get("slots_duration"))
	if err != nil {
		return err
	}
	s.renderAgendaPart(w, r, http.StatusOK, "agenda", "next-slots", page{Data: agendaData{Next14: n, CanBook: true}})
	return nil
}

// nextSlots finds the next free slots of professionalID (the first of
// choices when it is none of them) for a length in minutes (the
// professional's default when it is not a valid length), over the next two
// weeks.
func (s *Server) agendaNextFree(r *http.Request, p kernel.Principal, loc *time.Location, choices []schedule.Professional, professionalID, minutes string) (agendaNextSlots, error) {
	n := agendaNextSlots{Professionals: choices, ProfessionalID: professionalID}
	var pr *schedule.Professional
	for i := range choices {
		if choices[i].ID == professionalID {
			pr = &choices[i]
		}
	}
	if pr == nil {
		if len(choices) == 0 {
			return n, nil
		}
		pr = &choices[0]
	}
	n.ProfessionalID, n.Minutes = pr.ID, pr.DefaultDurationMinutes
	if minutes != "" {
		n.Searched = true
		if m, msg := kernel.ParseInt(minutes, schedule.MinDurationMinutes, schedule.MaxDurationMinutes); msg == "" {
			n.Minutes = m
		}
	}
	if !n.Searched {
		return n, nil
	}
	now := time.Now().In(loc)
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	slots, err := s.Schedule.Availability(r.Context(), p.ClinicID, schedule.AvailabilityQuery{
		ProfessionalID: pr.ID, From: from, To: from.AddDate(0, 0, 14), Duration: time.Duration(n.Minutes) * time.Minute})
	if err != nil {
		return n, err
	}
	for _, sl := range slots[:min(len(slots), agendaMaxNextSlots)] {
		n.Slots = append(n.Slots, agendaSlot{Start: sl.Start.In(loc), ProfessionalID: pr.ID, Professional: pr.Name, Minutes: n.Minutes})
	}
	return n, nil
}

// renderPart renders the template called part of the page called name (a
// piece of a page that htmx swaps in), with the headers of a page.
func (s *Server) renderAgendaPart(w http.ResponseWriter, r *http.Request, status int, name, part string, p page) {
	t, ok := s.pages.sets[name]
	if !ok || t.Lookup(part) == nil {
		s.renderError(w, r, fmt.Errorf("web: no part %q of page %q", part, name))
		return
	}
	if p.view == nil {
		p.view = viewOf(r.Context())
	}
	if p.Form == nil {
		p.Form = newForm()
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, part, p); err != nil {
		s.renderError(w, r, fmt.Errorf("web: render %s/%s: %w", name, part, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Vary", "HX-Request, Accept-Language, Cookie")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// activeRooms selects the rooms an appointment can be booked in.
var activeRooms = func() schedule.RoomFilter { active := true; return schedule.RoomFilter{Active: &active} }()
