package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/reminder"
)

// Settings → Messages (owners and admins): the policy (which reminders,
// when, through which channels), the clinic's accounts at the providers
// with a test send each, and the wording of every message with a preview.
// Each form calls the reminder service's method of the API's endpoint.

func (s *Server) settingsMessagesRoutes(m *http.ServeMux) {
	const p = "/clinics/{clinic_id}/settings/messages"
	m.Handle("GET "+p, s.settings(s.settingsMessages))
	m.Handle("POST "+p, s.settings(s.settingsMessagesSave))
	m.Handle("GET "+p+"/channels", s.settings(s.settingsChannels))
	m.Handle("GET "+p+"/channels/patients", s.settings(s.settingsChannelPatients))
	m.Handle("POST "+p+"/channels/{kind}", s.settings(s.settingsChannelSave))
	m.Handle("POST "+p+"/channels/{kind}/test", s.settings(s.settingsChannelTest))
	m.Handle("GET "+p+"/templates", s.settings(s.settingsTemplates))
	m.Handle("GET "+p+"/templates/{kind}/{channel}/{locale}", s.settings(s.settingsTemplate))
	m.Handle("POST "+p+"/templates/{kind}/{channel}/{locale}", s.settings(s.settingsTemplateSave))
	m.Handle("POST "+p+"/templates/{kind}/{channel}/{locale}/preview", s.settings(s.settingsTemplatePreview))
	m.Handle("POST "+p+"/templates/{kind}/{channel}/{locale}/reset", s.settings(s.settingsTemplateReset))
}

// messagesTab is the sub-page of Settings → Messages a page is.
type messagesTab struct {
	Tab string // "policy", "channels" or "templates"
}

// policyRows is how many reminders the policy form offers.
const policyRows = reminder.MaxReminders

// policyRow is one reminder input of the policy form: its index in the
// form and its number as the label says it.
type policyRow struct{ I, N int }

type settingsMessagesData struct {
	messagesTab
	Rows     []policyRow
	Channels []option
	Ranks    []int // 0 … len(reminder.Channels)-1
	Units    []option
}

func messageUnits(l *i18n.Localizer) []option {
	return []option{{Value: "hours", Label: l.T("messages.unit.hours")}, {Value: "minutes", Label: l.T("messages.unit.minutes")},
		{Value: "days", Label: l.T("messages.unit.days")}}
}

func messageChannels(l *i18n.Localizer) []option {
	out := make([]option, 0, len(reminder.Channels))
	for _, c := range reminder.Channels {
		out = append(out, option{Value: c, Label: l.T(msgID("messages.channel", c))})
	}
	return out
}

// splitMinutes writes minutes as a value and the largest unit it is a
// whole number of.
func splitMinutes(m int) (string, string) {
	switch {
	case m > 0 && m%(24*60) == 0 && m >= 2*24*60:
		return strconv.Itoa(m / (24 * 60)), "days"
	case m > 0 && m%60 == 0:
		return strconv.Itoa(m / 60), "hours"
	}
	return strconv.Itoa(m), "minutes"
}

// joinMinutes reads a value and unit back (-1 for a value that is not a
// whole number, which the service refuses).
func joinMinutes(value, unit string) (int, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	n, err := strconv.Atoi(value)
	if err != nil {
		return -1, true
	}
	switch unit {
	case "days":
		return n * 24 * 60, true
	case "hours":
		return n * 60, true
	}
	return n, true
}

func minuteClock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// clockMinutes reads HH:MM as a minute of the day (-1 when it is not one).
func clockMinutes(s string) int {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return t.Hour()*60 + t.Minute()
}

func policyForm(p reminder.Policy) *form {
	f := newForm()
	if p.Enabled {
		f.Values["enabled"] = "on"
	}
	for i, m := range p.Reminders {
		if i < policyRows {
			f.Values[fmt.Sprintf("r%d_value", i)], f.Values[fmt.Sprintf("r%d_unit", i)] = splitMinutes(m)
		}
	}
	for i := range policyRows {
		if f.Values[fmt.Sprintf("r%d_unit", i)] == "" {
			f.Values[fmt.Sprintf("r%d_unit", i)] = "hours"
		}
	}
	for i, c := range p.Channels {
		f.Values[fmt.Sprintf("channel_%d", i)] = c
	}
	f.Values["quiet_start"], f.Values["quiet_end"] = minuteClock(p.QuietStart), minuteClock(p.QuietEnd)
	for name, on := range map[string]bool{"on_booked": p.OnBooked, "on_rescheduled": p.OnRescheduled, "on_cancelled": p.OnCancelled} {
		if on {
			f.Values[name] = "on"
		}
	}
	f.Values["offer_value"], f.Values["offer_unit"] = splitMinutes(p.OfferMinutes)
	return f
}

func policyOf(f *form) reminder.Policy {
	p := reminder.Policy{Enabled: checked(f, "enabled"), Reminders: []int{}, OnBooked: checked(f, "on_booked"),
		OnRescheduled: checked(f, "on_rescheduled"), OnCancelled: checked(f, "on_cancelled")}
	for i := range policyRows {
		if m, ok := joinMinutes(f.Get(fmt.Sprintf("r%d_value", i)), f.Get(fmt.Sprintf("r%d_unit", i))); ok {
			p.Reminders = append(p.Reminders, m)
		}
	}
	for i := range reminder.Channels {
		if c := f.Get(fmt.Sprintf("channel_%d", i)); c != "" {
			p.Channels = append(p.Channels, c)
		}
	}
	p.QuietStart, p.QuietEnd = clockMinutes(f.Get("quiet_start")), clockMinutes(f.Get("quiet_end"))
	p.OfferMinutes, _ = joinMinutes(f.Get("offer_value"), f.Get("offer_unit"))
	return p
}

func (s *Server) settingsMessagesPage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := s.settingsView(w, r, "messages")
	if f == nil {
		p, err := s.Reminders.Policy(r.Context(), httpx.PrincipalOf(r.Context()))
		if err != nil {
			return err
		}
		f = policyForm(p)
	}
	d := settingsMessagesData{messagesTab: messagesTab{"policy"}, Channels: messageChannels(v.L), Units: messageUnits(v.L)}
	for i := range policyRows {
		d.Rows = append(d.Rows, policyRow{I: i, N: i + 1})
	}
	for i := range reminder.Channels {
		d.Ranks = append(d.Ranks, i)
	}
	s.render(w, r, status, "settings-messages", page{Title: v.L.T("settings.messages.title"), Form: f, Data: d})
	return nil
}

func (s *Server) settingsMessages(w http.ResponseWriter, r *http.Request) error {
	if s.Reminders == nil {
		return errNoPage
	}
	return s.settingsMessagesPage(w, r, http.StatusOK, nil)
}

func (s *Server) settingsMessagesSave(w http.ResponseWriter, r *http.Request) error {
	if s.Reminders == nil {
		return errNoPage
	}
	f, err := s.parseForm(w, r)
	if err == nil {
		_, err = s.Reminders.SavePolicy(r.Context(), httpx.PrincipalOf(r.Context()), policyOf(f))
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.settingsMessagesPage(w, r, status, f) })
	}
	return s.settingsDone(w, r, "/messages", "settings.flash.messages_saved")
}
