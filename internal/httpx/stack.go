package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"clinic/internal/apperr"
	"clinic/internal/config"
)

// ErrorWriter answers err in a front end's format (JSON for the API, a page
// for the UI).
type ErrorWriter func(w http.ResponseWriter, r *http.Request, err error)

// Stack is the middleware every request passes, API and UI alike.
type Stack struct {
	Config   config.Config
	Log      *slog.Logger
	Registry prometheus.Registerer // nil: no metrics
	// Fail answers the errors the stack raises itself (a panic, a body
	// over MAX_BODY_BYTES) in the format of the front end serving r.
	Fail ErrorWriter
	// Stream reports whether r is a long-lived stream (the UI's live
	// events), which REQUEST_TIMEOUT does not end; nil: none is.
	Stream func(r *http.Request) bool
}

// Wrap returns h behind the stack. observe must see the request the router
// gets (the router records the matched pattern in it): the middlewares that
// replace the request sit outside it.
func (s Stack) Wrap(h http.Handler) (http.Handler, error) {
	if s.Log == nil {
		s.Log = slog.Default()
	}
	var m *metrics
	if s.Registry != nil {
		var err error
		if m, err = newMetrics(s.Registry); err != nil {
			return nil, err
		}
	}
	return s.securityHeaders(s.recoverPanics(s.requestID(s.deadline(s.observe(m, s.limitBody(h)))))), nil
}

// requestID gives every request an id (kept from X-Request-ID when sane),
// echoed in the response and written in every log line about it.
func (s Stack) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxRequestID, id)))
	})
}

func (s Stack) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Fail(w, r, fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// DefaultCSP is the content security policy of every answer that does not
// set its own: a JSON answer loads nothing. The UI's pages set theirs
// (same-origin scripts and styles, never inline script or eval).
const DefaultCSP = "default-src 'none'; frame-ancestors 'none'"

// securityHeaders sets the standard security headers on every answer: no
// MIME sniffing, no referrer, never framed, a content security policy, and
// HSTS when BASE_URL is https. A handler may replace the policy before it
// writes.
func (s Stack) securityHeaders(next http.Handler) http.Handler {
	hsts := s.Config.SecureCookies()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", DefaultCSP)
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// deadline gives every request REQUEST_TIMEOUT to finish: its context ends
// then, which cancels its database work (and on PostgreSQL each statement
// also has that statement_timeout). The front ends answer such a request
// 503. A stream (Stack.Stream) is exempt: it lasts as long as its client.
func (s Stack) deadline(next http.Handler) http.Handler {
	if s.Config.RequestTimeout <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Stream != nil && s.Stream(r) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.Config.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// limitBody caps every request body; the JSON decoder and the form parser
// turn the overflow into 413. A multipart body is an upload: it may be as
// large as UPLOAD_MAX_BYTES and a little more for its parts' headers (the
// upload's handler counts the file's own bytes).
func (s Stack) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.Config.MaxBodyBytes
		if IsMultipart(r) {
			limit = max(limit, s.Config.UploadMaxBytes+MultipartSlack)
		}
		if r.ContentLength > limit {
			s.Fail(w, r, apperr.New(apperr.TooLarge, "The request body is larger than %d bytes.", limit))
			return
		}
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "clinic_http_requests_total", Help: "HTTP requests by route pattern and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "clinic_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("http metrics: %w", err)
		}
	}
	return m, nil
}

// observe records each request's status and latency by route pattern (not
// by raw path, so ids do not explode the label set) and logs it. A request
// whose client went away before the answer is counted under status 499
// (StatusClientClosed), apart from the 5xx answers.
func (s Stack) observe(m *metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		elapsed := time.Since(start)
		route := r.Pattern
		if route == "" || route == "/api/" || route == "/" {
			route = "unmatched"
		}
		if m != nil {
			m.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
			m.duration.WithLabelValues(route).Observe(elapsed.Seconds())
		}
		s.Log.Debug("request", "method", r.Method, "path", r.URL.Path, "route", route, "status", sw.status,
			"duration", elapsed, "request_id", RequestID(r.Context()))
	})
}
