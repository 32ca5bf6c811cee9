// Package httpapi serves clinic's JSON API under /api/v1, the providers'
// webhooks under /webhooks/, and the operations endpoints (/healthz,
// /readyz, /metrics).
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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
	"clinic/internal/record"
	"clinic/internal/reminder"
	"clinic/internal/schedule"
	"clinic/internal/waitlist"
)

// Check is one dependency that /readyz reports.
type Check struct {
	Name    string
	Backend string
	Check   func(ctx context.Context) error
}

// Deps is what the API needs; app wires it.
type Deps struct {
	Config   config.Config
	Log      *slog.Logger
	Accounts *account.Service
	Audit    *audit.Service

	Patients     *patient.Service
	Schedule     *schedule.Service
	Appointments *appointment.Service
	Waitlist     *waitlist.Service
	Booking      *booking.Service
	Jobs         *jobs.Service
	// Reminders is the clinic's messages to patients: settings, ledger,
	// answers and the providers' webhooks.
	Reminders *reminder.Service

	// Records is the clinical record: encounters, notes, diagnoses,
	// prescriptions and note templates.
	Records *record.Service

	Documents *document.Service

	// Files is the patient file: timeline, export, anonymise, search.
	Files *patientfile.Service

	// Billing is the clinic's money: plans, prices, charges, payments,
	// Pix codes, payouts, cash flow.
	Billing *billing.Service

	// Analytics is the clinic's indicators (reports).
	Analytics *analytics.Service

	// Auth authenticates requests and applies rate limits, for the web UI
	// too (one implementation).
	Auth     *httpx.Auth
	Registry *prometheus.Registry
	Checks   []Check
}

// Server is the HTTP API: the routes under /api/v1 and the operations
// endpoints, without the middleware stack (httpx.Stack), which app puts in
// front of the API and the web UI alike.
type Server struct {
	Deps
	log    *slog.Logger
	auth   *httpx.Auth
	router *router
	// agendaGzip keeps compressed agenda pages (see listAppointments).
	agendaGzip *gzipCache
}

// agendaGzipBytes bounds the compressed agenda pages a server keeps (a
// day's page compresses to a few kilobytes).
const agendaGzipBytes = 16 << 20

// New builds the API handler.
func New(d Deps) (*Server, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &Server{Deps: d, log: d.Log, auth: d.Auth, agendaGzip: newGzipCache(agendaGzipBytes)}
	s.router = &router{ServeMux: http.NewServeMux()}
	s.routes(s.router)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Owns reports whether the API answers path (the rest is the web UI's).
func Owns(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return path == "/api" || strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/webhooks/")
}

func (s *Server) routes(mux *router) {
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.Registry != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))
	}

	// The document does not describe itself.
	mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	s.apiRoutes(mux)

	noRoute := func(w http.ResponseWriter, r *http.Request) { s.WriteError(w, r, errNoRoute) }
	mux.HandleFunc("/api/", noRoute)
	mux.HandleFunc("/webhooks/", noRoute)
}

const readyTimeout = 3 * time.Second
