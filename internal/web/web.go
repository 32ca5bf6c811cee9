// Package web serves clinic's staff web UI and the public booking page:
// server-rendered html/template pages embedded in the binary, htmx for
// partial updates, and a little JavaScript of our own (internal/web/static).
//
// It is a caller of the domain services like internal/httpapi, never of
// the API over HTTP. Authentication, the cross-site check, rate limits and
// the mapping of error codes to statuses come from internal/httpx, shared
// with the API; this package only renders pages, in the user's language
// (internal/i18n).
package web

import (
	"log/slog"
	"net/http"
	"strings"

	"clinic/internal/account"
	"clinic/internal/analytics"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/billing"
	"clinic/internal/booking"
	"clinic/internal/config"
	"clinic/internal/document"
	"clinic/internal/httpx"
	"clinic/internal/jobs"
	"clinic/internal/patient"
	"clinic/internal/patientfile"
	"clinic/internal/platform/pubsub"
	"clinic/internal/record"
	"clinic/internal/reminder"
	"clinic/internal/schedule"
	"clinic/internal/waitlist"
	"clinic/internal/web/static"
)

// Deps is what the UI needs; app wires it.
type Deps struct {
	Config       config.Config
	Log          *slog.Logger
	Auth         *httpx.Auth
	Accounts     *account.Service
	Audit        *audit.Service
	Patients     *patient.Service
	Schedule     *schedule.Service
	Appointments *appointment.Service
	Waitlist     *waitlist.Service
	Booking      *booking.Service
	Jobs         *jobs.Service
	PubSub       pubsub.PubSub
	Reminders    *reminder.Service

	// Records is the clinical record (prontuário).
	Records *record.Service

	Documents *document.Service

	// Files is the patient file: timeline, export, anonymisation, search.
	Files *patientfile.Service

	// Billing is the clinic's money (the "Financeiro" pages).
	Billing *billing.Service

	// Analytics is the clinic's indicators (reports).
	Analytics *analytics.Service
}

// Server is the web UI.
type Server struct {
	Deps
	log   *slog.Logger
	pages *pages
	mux   *http.ServeMux
}

// New builds the UI handler (templates are parsed once, here).
func New(d Deps) (*Server, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: d, log: d.Log, pages: p, mux: http.NewServeMux()}
	s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) routes() {
	m := s.mux
	m.Handle("GET /static/", static.Handler())
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, static.URL("favicon.svg"), http.StatusFound)
	})

	m.Handle("GET /{$}", s.anyone(s.home))
	m.Handle("GET /login", s.anyone(s.loginPage))
	m.Handle("POST /login", s.anyone(s.loginSubmit))
	m.Handle("GET /signup", s.anyone(s.signupPage))
	m.Handle("POST /signup", s.anyone(s.signupSubmit))
	m.Handle("POST /logout", s.anyone(s.logout))
	m.Handle("POST /language", s.anyone(s.setLanguage))

	m.Handle("GET /clinics/{clinic_id}/{$}", s.clinic(s.dashboard))
	m.Handle("GET /clinics/{clinic_id}/live", s.clinic(s.live))
	s.patientsRoutes(m)
	s.publicRoutes(m)
	s.settingsRoutes(m)
	s.agendaRoutes(m)
	s.mailRoutes(m)
	s.inviteRoutes(m)
	s.messagesRoutes(m)
	s.answerRoutes(m)

	s.recordsRoutes(m)

	s.documentsRoutes(m)

	s.patientFileRoutes(m)

	s.billingRoutes(m)

	s.analyticsRoutes(m)

	m.Handle("/", s.anyone(func(w http.ResponseWriter, r *http.Request) error { return errNoPage }))
}

// IsStream reports whether r asks for the live events of an agenda, a
// stream that lasts as long as the page is open (the request deadline does
// not apply to it).
func IsStream(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/clinics/") && strings.HasSuffix(r.URL.Path, "/live")
}
