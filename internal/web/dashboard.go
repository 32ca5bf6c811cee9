package web

import (
	"net/http"
	"net/url"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/httpx"
	"clinic/internal/kernel"
	"clinic/internal/reminder"
	"clinic/internal/waitlist"
)

// dashboardAttention is the most rows each "needs attention" list shows.
const dashboardAttention = 8

type dashboardData struct {
	Zone *time.Location
	// Today is the day's agenda, by start.
	Today []appointment.Appointment
	// Unconfirmed are tomorrow's appointments not yet confirmed (at most
	// dashboardAttention of them, of UnconfirmedCount).
	Unconfirmed      []appointment.Appointment
	UnconfirmedCount int
	// Offers are the waitlist entries with an offer waiting for the
	// patient's answer (nil when the role does not read the waitlist).
	Offers      []waitlist.Entry
	OffersMore  bool
	CanWaitlist bool
	// The numbers: appointments today (not cancelled), completed today,
	// this week (Sunday to Saturday, not cancelled) and no-shows this week.
	TodayCount, TodayDone, WeekCount, WeekNoShows int
	TodayURL, TomorrowURL                         string
	// Failed are the messages that failed in the last dashboardFailedDays
	// (at most dashboardAttention, of FailedCount); nil when none or when
	// the role may not see them.
	Failed      *messageList
	FailedCount int
}

// dashboardFailedDays is how far back the failed messages go.
const dashboardFailedDays = 7

// dashboard is the clinic's start page: today's appointments, what needs
// attention and a few numbers, in a fixed number of queries (the day's
// list, tomorrow's unconfirmed list, the week's counts, the waitlist).
// The services scope everything to the user: a professional sees their own.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	p := httpx.PrincipalOf(r.Context())
	ctx := r.Context()
	loc, err := s.Accounts.ClinicZone(ctx, p.ClinicID)
	if err != nil {
		return err
	}
	now := time.Now().In(loc)
	v.Now = now
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	tomorrow := day.AddDate(0, 0, 1)
	week := day.AddDate(0, 0, -int(day.Weekday())) // the week starts on Sunday
	d := dashboardData{Zone: loc,
		TodayURL:    v.ClinicPath("/agenda?" + url.Values{"date": {day.Format(time.DateOnly)}}.Encode()),
		TomorrowURL: v.ClinicPath("/agenda?" + url.Values{"date": {tomorrow.Format(time.DateOnly)}}.Encode())}

	today, err := s.Appointments.List(ctx, p, appointment.ListFilter{From: day, To: tomorrow, Limit: appointment.MaxListLimit})
	if err != nil {
		return err
	}
	d.Today = today.Items
	unconfirmed, err := s.Appointments.List(ctx, p, appointment.ListFilter{From: tomorrow, To: tomorrow.AddDate(0, 0, 1),
		Statuses: []appointment.Status{appointment.StatusScheduled}, Limit: appointment.MaxListLimit})
	if err != nil {
		return err
	}
	d.UnconfirmedCount = len(unconfirmed.Items)
	d.Unconfirmed = unconfirmed.Items[:min(len(unconfirmed.Items), dashboardAttention)]
	counts, err := s.Appointments.Count(ctx, p, appointment.ListFilter{From: week, To: week.AddDate(0, 0, 7)})
	if err != nil {
		return err
	}
	d.WeekCount = counts.Total() - counts.Total(appointment.StatusCancelled)
	d.WeekNoShows = counts.Total(appointment.StatusNoShow)
	for _, a := range d.Today {
		if a.Status != appointment.StatusCancelled {
			d.TodayCount++
		}
		if a.Status == appointment.StatusCompleted {
			d.TodayDone++
		}
	}
	if today.NextCursor != "" { // more than a page today: count them instead
		c, err := s.Appointments.Count(ctx, p, appointment.ListFilter{From: day, To: tomorrow})
		if err != nil {
			return err
		}
		d.TodayCount, d.TodayDone = c.Total()-c.Total(appointment.StatusCancelled), c.Total(appointment.StatusCompleted)
	}

	if p.Role != kernel.RoleFinancial {
		entries, err := s.Waitlist.List(ctx, p, waitlist.ListFilter{Limit: waitlist.MaxPageSize})
		switch {
		case apperr.Is(err, apperr.Forbidden):
		case err != nil:
			return err
		default:
			d.CanWaitlist = true
			for _, e := range entries.Items {
				if e.Status != waitlist.StatusOffered {
					continue
				}
				if len(d.Offers) == dashboardAttention {
					d.OffersMore = true
					break
				}
				d.Offers = append(d.Offers, e)
			}
		}
	}
	if err := s.dashboardFailed(r, loc, now, &d); err != nil {
		return err
	}
	v.Nav = "dashboard"
	s.render(w, r, http.StatusOK, "dashboard", page{Title: v.L.T("nav.dashboard"), Data: d})
	return nil
}

// dashboardFailed lists the messages that failed lately, each linking to
// its appointment.
func (s *Server) dashboardFailed(r *http.Request, loc *time.Location, now time.Time, d *dashboardData) error {
	since := now.AddDate(0, 0, -dashboardFailedDays)
	list, err := s.messages(r, loc, reminder.Filter{Status: reminder.StatusFailed, Since: since, Limit: dashboardAttention + 1},
		"dashboard-failed", "/clinics/"+httpx.PrincipalOf(r.Context()).ClinicID+"/")
	if err != nil || list == nil || len(list.Rows) == 0 {
		return err
	}
	d.FailedCount = len(list.Rows)
	if len(list.Rows) > dashboardAttention {
		list.Rows = list.Rows[:dashboardAttention]
		if d.FailedCount, err = s.Reminders.FailedCount(r.Context(), httpx.PrincipalOf(r.Context()), since); err != nil {
			return err
		}
	}
	// Whose: the name of each appointment's patient (a handful of reads,
	// only when something failed).
	for i := range list.Rows {
		if id := list.Rows[i].AppointmentID; id != "" {
			a, err := s.Appointments.Get(r.Context(), httpx.PrincipalOf(r.Context()), id)
			switch {
			case err == nil:
				list.Rows[i].Patient = a.PatientName
			case !apperr.Is(err, apperr.NotFound) && !apperr.Is(err, apperr.Forbidden):
				return err
			}
		}
	}
	d.Failed = list
	return nil
}
