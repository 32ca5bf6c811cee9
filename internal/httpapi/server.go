// Package httpapi serves clinic's JSON API under /api/v1 and the operations
// endpoints (/healthz, /readyz, /metrics).
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"clinic/internal/account"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/booking"
	"clinic/internal/config"
	"clinic/internal/jobs"
	"clinic/internal/patient"
	"clinic/internal/platform/ratelimit"
	"clinic/internal/platform/session"
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
	Sessions     *session.Manager
	Limiter      ratelimit.Limiter
	Registry     *prometheus.Registry
	Checks       []Check
}

// Server is the HTTP API.
type Server struct {
	Deps
	log     *slog.Logger
	metrics *httpMetrics
	csrf    *http.CrossOriginProtection
	handler http.Handler
	router  *router
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
	s := &Server{Deps: d, log: d.Log, csrf: http.NewCrossOriginProtection(), agendaGzip: newGzipCache(agendaGzipBytes)}
	if d.Registry != nil {
		m, err := newHTTPMetrics(d.Registry)
		if err != nil {
			return nil, err
		}
		s.metrics = m
	}
	s.router = &router{ServeMux: http.NewServeMux()}
	s.routes(s.router)
	// observe must see the request the router gets (the router records the
	// matched pattern in it): middlewares that replace the request sit outside.
	s.handler = s.securityHeaders(s.recoverPanics(s.requestID(s.deadline(s.observe(s.limitBody(s.router))))))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routes(mux *router) {
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.Registry != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))
	}

	// The document does not describe itself.
	mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	s.apiRoutes(mux)

	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errNoRoute)
	})
}

const readyTimeout = 3 * time.Second
