package web

import (
	"net/http"
	"slices"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/reminder"
)

// The patient's link page, /m/{token}: no login, the token is the
// credential (signed, expiring, single-use: reminder.Service checks it).
// GET shows the clinic, the appointment (or the offered time) and the
// answers still possible; POST, a plain form that works without
// JavaScript, carries the answer out. Like the public booking page, it
// counts requests against RATE_LIMIT_PUBLIC_IP and a cross-site POST is
// refused (s.anyone's check); it is kept out of search engines, caches and
// the Referer header (the token is in the path).

func (s *Server) answerRoutes(m *http.ServeMux) {
	m.Handle("GET /m/{token}", s.anyone(s.answerPage))
	m.Handle("POST /m/{token}", s.anyone(s.answerSubmit))
}

// answerData is what answer.html shows.
type answerData struct {
	A *reminder.Answerable
	// When is the appointment's (or offer's) date and time, clinic-local.
	Date, Time, End string
	Status          string
	Actions         []answerAction
	// Done is the outcome of the answer just given, Answered the answer
	// this link gave before ("" when none).
	Done, Answered string
	// ErrorTitle and Error say why the link cannot be answered.
	ErrorTitle, Error string
	Token             string
	Offer             bool
}

type answerAction struct {
	Value, Label string
	// Style is the button's modifier class.
	Style string
}

var answerActions = []string{reminder.ActionConfirm, reminder.ActionAccept, reminder.ActionReschedule, reminder.ActionCancel}

// answerLocale sets the page's language: the visitor's own choice (the
// language switch), then the clinic's, then Accept-Language.
func answerLocale(r *http.Request, v *view, a *reminder.Answerable) {
	if _, err := r.Cookie(langCookie); err == nil || (v.User != nil && v.User.Locale != "") {
		return
	}
	if a != nil {
		if l, ok := i18n.Parse(a.Locale); ok {
			v.Locale, v.L = l, i18n.For(l)
			return
		}
	}
	v.Locale = i18n.Negotiate(r.Header.Get("Accept-Language"))
	v.L = i18n.For(v.Locale)
}

func (s *Server) answerHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Referrer-Policy", "no-referrer")
}

func (s *Server) answerPage(w http.ResponseWriter, r *http.Request) error {
	s.answerHeaders(w)
	if err := s.publicLimit(w, r); err != nil {
		return s.answerFail(w, r, nil, err)
	}
	if s.Reminders == nil {
		return errNoPage
	}
	a, err := s.Reminders.Lookup(r.Context(), r.PathValue("token"))
	if err != nil {
		var ap *reminder.Answerable
		if a.ClinicID != "" { // an expired link still says which clinic to call
			ap = &a
		}
		return s.answerFail(w, r, ap, err)
	}
	answerLocale(r, viewOf(r.Context()), &a)
	s.renderAnswer(w, r, http.StatusOK, &a, "", "")
	return nil
}

func (s *Server) answerSubmit(w http.ResponseWriter, r *http.Request) error {
	s.answerHeaders(w)
	if err := s.publicLimit(w, r); err != nil {
		return s.answerFail(w, r, nil, err)
	}
	if s.Reminders == nil {
		return errNoPage
	}
	f, err := s.parseForm(w, r)
	if err != nil {
		return s.answerFail(w, r, nil, err)
	}
	action := f.Get("action")
	a, err := s.Reminders.Answer(r.Context(), r.PathValue("token"), action, s.Auth.ClientIP(r))
	if err != nil {
		var ap *reminder.Answerable
		if a.ClinicID != "" {
			ap = &a
		}
		return s.answerFail(w, r, ap, err)
	}
	answerLocale(r, viewOf(r.Context()), &a)
	s.renderAnswer(w, r, http.StatusOK, &a, action, "")
	return nil
}

// answerFail shows why the link cannot be answered (with the clinic's
// phone when the link is known); errors the visitor cannot act on go to
// the usual error page.
func (s *Server) answerFail(w http.ResponseWriter, r *http.Request, a *reminder.Answerable, err error) error {
	e := apperr.As(err)
	switch e.Code {
	case apperr.NotFound, apperr.Conflict, apperr.RateLimited, apperr.Invalid:
	default:
		return err
	}
	v := viewOf(r.Context())
	answerLocale(r, v, a)
	msg, _ := i18n.Message(v.Locale, e)
	s.renderAnswer(w, r, httpx.Status(e.Code), a, "", msg)
	return nil
}

func (s *Server) renderAnswer(w http.ResponseWriter, r *http.Request, status int, a *reminder.Answerable, done, errMsg string) {
	v := viewOf(r.Context())
	v.Path = r.URL.Path // the language switch comes back here
	d := answerData{A: a, Error: errMsg, Token: r.PathValue("token")}
	title := v.L.T("answer.title")
	if errMsg != "" {
		d.ErrorTitle = v.L.T("answer.error_title")
		title = d.ErrorTitle
	}
	if a != nil {
		loc := a.Zone
		if loc == nil {
			loc = time.UTC
		}
		d.Offer = a.Kind == reminder.KindOffer
		if !a.StartsAt.IsZero() {
			start := a.StartsAt.In(loc)
			d.Date, d.Time = v.L.DateLong(start), v.L.Time(start)
			if !a.EndsAt.IsZero() {
				d.End = v.L.Time(a.EndsAt.In(loc))
			}
		}
		if a.Status != "" {
			d.Status = agendaStatusName(v.L, a.Status)
		}
		if slices.Contains(answerActions, done) {
			d.Done = v.L.T(msgID("answer.done", done))
		}
		if d.Done == "" && slices.Contains(answerActions, a.Answered) {
			d.Answered = v.L.T(msgID("answer.answered", a.Answered))
		}
		for _, act := range answerActions {
			if slices.Contains(a.Actions, act) && errMsg == "" {
				style := "btn--secondary"
				switch act {
				case reminder.ActionConfirm, reminder.ActionAccept:
					style = "btn--primary"
				case reminder.ActionCancel:
					style = "btn--danger-ghost"
				}
				d.Actions = append(d.Actions, answerAction{Value: act, Label: v.L.T(msgID("answer.action", act)), Style: style})
			}
		}
		title += " · " + a.ClinicName
	}
	s.render(w, r, status, "answer", page{Title: title, Data: d})
}
