package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
	"clinic/internal/reminder"
)

// The delivery ledger as the staff pages show it: the messages of an
// appointment (its page), of a patient (their record) and the failed ones
// (the dashboard), each with its status in words, its history on demand
// and "send again" for a failed or skipped one. Everything is read through
// reminder.Service, which keeps the ledger from the financial role.

func (s *Server) messagesRoutes(m *http.ServeMux) {
	const c = "/clinics/{clinic_id}"
	m.Handle("GET "+c+"/messages/{message_id}", s.clinic(s.messageHistory))
	m.Handle("POST "+c+"/messages/{message_id}/send-again", s.clinic(s.messageSendAgain))
	s.settingsMessagesRoutes(m)
}

// messageReasons are the reasons of reminder (Message.Reason) the
// catalogue words, under messages.reason.
var messageReasons = []string{reminder.ReasonCancelled, reminder.ReasonMoved, reminder.ReasonPast, reminder.ReasonQuietHours,
	reminder.ReasonNoConsent, reminder.ReasonNoContact, reminder.ReasonNoChannel, reminder.ReasonOff, reminder.ReasonOfferClosed,
	reminder.ReasonInterrupted, reminder.ReasonNotFound}

// messageStatuses are the statuses of a message (messages.status.<status>).
var messageStatuses = []string{reminder.StatusPending, reminder.StatusQueued, reminder.StatusSending, reminder.StatusSent,
	reminder.StatusDelivered, reminder.StatusRead, reminder.StatusFailed, reminder.StatusSkipped}

// messagesMessageIDs lists the ids the messages pages choose at run time
// (for the test that the catalogue has them all).
func messagesMessageIDs() []string {
	ids := []string{"messages.reason.channel", "messages.history.send_again", "messages.history.answered",
		"settings.flash.messages_saved", "settings.flash.channel_saved", "settings.flash.template_saved",
		"settings.flash.template_reset", "messages.flash.send_again", "messages.reminder_before"}
	for _, r := range messageReasons {
		ids = append(ids, "messages.reason."+r)
	}
	for _, st := range messageStatuses {
		ids = append(ids, "messages.status."+st)
	}
	for _, k := range reminder.Kinds {
		ids = append(ids, "messages.kind."+k)
	}
	for _, c := range reminder.Channels {
		ids = append(ids, "messages.channel."+c)
	}
	for _, a := range []string{reminder.ActionConfirm, reminder.ActionCancel, reminder.ActionReschedule, reminder.ActionAccept} {
		ids = append(ids, "messages.action."+a, "answer.action."+a, "answer.done."+a, "answer.answered."+a)
	}
	for _, c := range reminder.Channels {
		ids = append(ids, "settings.messages.intro."+c, "settings.messages.test_help."+c)
		for _, k := range append(slices.Clone(reminder.ChannelFields[c].Config), reminder.ChannelFields[c].Secrets...) {
			ids = append(ids, "settings.messages.field."+c+"_"+k)
		}
	}
	for _, k := range reminder.Kinds {
		ids = append(ids, "settings.messages.kind_help."+k)
	}
	for _, p := range reminder.PlaceholdersFor(reminder.KindPix) { // every kind's and the pix ones
		ids = append(ids, "settings.messages.placeholder."+p)
	}
	ids = append(ids, "settings.messages.webhook.whatsapp", "settings.messages.webhook.sms", "settings.messages.rank_0",
		"settings.messages.rank_1", "settings.messages.rank_2")
	return ids
}

// messageRow is one message of a list.
type messageRow struct {
	reminder.Message
	Kind, Channel, Status, Reason string
	// Badge is the badge's modifier class of the status.
	Badge string
	// At is when it went (or is due), clinic-local.
	At   time.Time
	Sent bool
	// Updated is its last change, clinic-local.
	Updated time.Time
	// Patient is the patient's name where the list names it (the
	// dashboard's).
	Patient string
	// CanResend is set for a failed or skipped message the user may send
	// again.
	CanResend      bool
	AppointmentURL string
	HistoryURL     string
}

// messageList is what the "messages" template shows.
type messageList struct {
	Rows []messageRow
	// Back is the page a "send again" comes back to.
	Back string
	// ID names the list's element (unique on its page).
	ID string
}

// messageKindName words a kind of message.
func messageKindName(l *i18n.Localizer, m reminder.Message) string {
	if m.Kind == reminder.KindReminder && m.MinutesBefore > 0 {
		return l.T("messages.reminder_before", "before", durationWords(l, m.MinutesBefore))
	}
	return l.T(msgID("messages.kind", m.Kind))
}

// durationWords says a number of minutes as days, hours or minutes.
func durationWords(l *i18n.Localizer, minutes int) string {
	switch {
	case minutes%(24*60) == 0:
		return l.T("messages.unit.days_n", "count", minutes/(24*60))
	case minutes%60 == 0:
		return l.T("messages.unit.hours_n", "count", minutes/60)
	}
	return l.T("messages.unit.minutes_n", "count", minutes)
}

// messageStatusName words a status.
func messageStatusName(l *i18n.Localizer, st string) string {
	if slices.Contains(messageStatuses, st) {
		return l.T(msgID("messages.status", st))
	}
	return st
}

// messageReason words a reason: the reminder package's own in the
// catalogue's words, a provider's as the provider said it.
func messageReason(l *i18n.Localizer, reason string) string {
	switch {
	case reason == "":
		return ""
	case slices.Contains(messageReasons, reason):
		return l.T(msgID("messages.reason", reason))
	case strings.HasPrefix(reason, "channel: "):
		return l.T("messages.reason.channel", "detail", strings.TrimPrefix(reason, "channel: "))
	}
	return reason
}

func messageBadge(st string) string {
	switch st {
	case reminder.StatusSent, reminder.StatusDelivered, reminder.StatusRead:
		return "badge--success"
	case reminder.StatusFailed:
		return "badge--danger"
	case reminder.StatusSkipped:
		return "badge--plain"
	}
	return "badge--warning"
}

// sendsAgain reports whether role may send a message again (as
// reminder.Service.SendAgain lets it).
func sendsAgain(role kernel.Role) bool { return booksAppointments(role) }

func newMessageRow(v *view, loc *time.Location, m reminder.Message) messageRow {
	row := messageRow{Message: m, Kind: messageKindName(v.L, m), Status: messageStatusName(v.L, m.Status),
		Reason: messageReason(v.L, m.Reason), Badge: messageBadge(m.Status), At: m.DueAt.In(loc), Updated: m.UpdatedAt.In(loc),
		HistoryURL: v.ClinicPath("/messages/" + m.ID)}
	if slices.Contains(reminder.Channels, m.Channel) {
		row.Channel = v.L.T(msgID("messages.channel", m.Channel))
	}
	if m.SentAt != nil {
		row.At, row.Sent = m.SentAt.In(loc), true
	}
	if m.AppointmentID != "" {
		row.AppointmentURL = v.ClinicPath("/appointments/" + m.AppointmentID)
	}
	row.CanResend = sendsAgain(v.Role) && (m.Status == reminder.StatusFailed || m.Status == reminder.StatusSkipped)
	return row
}

// messages lists the ledger entries f selects for the page at back; nil
// (and no error) when the user's role may not read the ledger.
func (s *Server) messages(r *http.Request, loc *time.Location, f reminder.Filter, id, back string) (*messageList, error) {
	if s.Reminders == nil {
		return nil, nil
	}
	p := httpx.PrincipalOf(r.Context())
	list, err := s.Reminders.List(r.Context(), p, f)
	if apperr.Is(err, apperr.Forbidden) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := viewOf(r.Context())
	out := &messageList{Back: back, ID: id, Rows: make([]messageRow, 0, len(list))}
	for _, m := range list {
		out.Rows = append(out.Rows, newMessageRow(v, loc, m))
	}
	return out, nil
}

// messageEvent is one step of a message's history.
type messageEvent struct {
	At     time.Time
	Status string
	Detail string
}

type messageHistoryData struct {
	Row    messageRow
	Events []messageEvent
}

// messageHistory shows one message's history: the fragment a list's
// "history" opens (htmx), or a page of its own.
func (s *Server) messageHistory(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	p := httpx.PrincipalOf(r.Context())
	if s.Reminders == nil {
		return errNoPage
	}
	m, err := s.Reminders.Get(r.Context(), p, r.PathValue("message_id"))
	if err != nil {
		return err
	}
	loc, err := s.Accounts.ClinicZone(r.Context(), p.ClinicID)
	if err != nil {
		return err
	}
	d := messageHistoryData{Row: newMessageRow(v, loc, m)}
	for _, e := range m.Events {
		ev := messageEvent{At: e.At.In(loc), Status: messageStatusName(v.L, e.Status), Detail: messageReason(v.L, e.Detail)}
		switch {
		case e.Status == "answered":
			ev.Status = v.L.T("messages.history.answered")
			ev.Detail = ""
			if slices.Contains([]string{reminder.ActionConfirm, reminder.ActionCancel, reminder.ActionReschedule, reminder.ActionAccept}, e.Detail) {
				ev.Detail = v.L.T(msgID("messages.action", e.Detail))
			}
		case e.Detail == "send_again":
			ev.Detail = v.L.T("messages.history.send_again")
		case slices.Contains(reminder.Channels, e.Detail):
			ev.Detail = v.L.T(msgID("messages.channel", e.Detail))
		}
		d.Events = append(d.Events, ev)
	}
	s.render(w, r, http.StatusOK, "message", page{Title: d.Row.Kind, Data: d})
	return nil
}

// messageSendAgain queues a failed or skipped message again and goes back
// to the page the list was on.
func (s *Server) messageSendAgain(w http.ResponseWriter, r *http.Request) error {
	p := httpx.PrincipalOf(r.Context())
	if s.Reminders == nil {
		return errNoPage
	}
	f, err := s.parseForm(w, r)
	if err != nil {
		return err
	}
	m, err := s.Reminders.SendAgain(r.Context(), p, r.PathValue("message_id"))
	if err != nil {
		return err
	}
	back := safeNext(f.Get("back"))
	if back == "" || !strings.HasPrefix(back, "/clinics/"+p.ClinicID+"/") {
		back = "/clinics/" + p.ClinicID + "/messages/" + m.ID
	}
	s.setFlash(w, "messages.flash.send_again")
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// msgID is the catalogue id of value in group (group.value).
func msgID(group, value string) string { return group + "." + value }

// parseFormLines is parseForm with the fields named taking several lines
// (a template's text): their line breaks are not refused.
func (s *Server) parseFormLines(w http.ResponseWriter, r *http.Request, multiline ...string) (*form, error) {
	f, err := s.parseForm(w, r)
	if err == nil || f == nil {
		return f, err
	}
	e := apperr.As(err)
	if e.Code != apperr.Invalid {
		return f, err
	}
	for _, k := range multiline {
		if _, bad := e.Fields[k]; bad && kernel.CheckText(f.Get(k), true) == "" {
			delete(e.Fields, k)
		}
	}
	if len(e.Fields) == 0 {
		return f, nil
	}
	return f, apperr.Validation(e.Fields)
}
