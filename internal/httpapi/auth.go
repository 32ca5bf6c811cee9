package httpapi

import (
	"context"
	"net/http"

	"clinic/internal/config"
	"clinic/internal/httpx"
	"clinic/internal/kernel"
)

// handlerFunc is an API handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

var errNoSession = httpx.ErrNoSession

func principalOf(ctx context.Context) kernel.Principal { return httpx.PrincipalOf(ctx) }

func requestID(ctx context.Context) string { return httpx.RequestID(ctx) }

// public serves h to anyone, behind the CSRF check, which a public route
// never skips: an Authorization header proves nothing there (login CSRF, a
// forged logout).
func (s *Server) public(h handlerFunc) http.Handler {
	return s.serve(func(w http.ResponseWriter, r *http.Request) error {
		if err := s.auth.CheckCSRF(r); err != nil {
			return err
		}
		return h(w, r)
	})
}

// serve turns h into an http.Handler that answers h's error.
func (s *Server) serve(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.WriteError(w, r, err)
		}
	})
}

// authenticated serves h to a logged-in user or API token (401 otherwise;
// see httpx.Auth.Authenticate for the cross-site check).
func (s *Server) authenticated(h handlerFunc) http.Handler {
	return s.serve(func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.auth.Authenticate(r)
		if err != nil {
			return err
		}
		return h(w, r.WithContext(httpx.WithPrincipal(r.Context(), p)))
	})
}

// inClinic serves h for {clinic_id} when the caller belongs to that clinic,
// with the caller's role in it; 404 otherwise. The per-clinic API rate limit
// applies.
func (s *Server) inClinic(h handlerFunc) http.Handler {
	return s.authenticated(func(w http.ResponseWriter, r *http.Request) error {
		ctx, _, err := s.auth.InClinic(w, r, principalOf(r.Context()), r.PathValue("clinic_id"))
		if err != nil {
			return err
		}
		return h(w, r.WithContext(ctx))
	})
}

// limit counts one event against a rate limit (see httpx.Auth.Limit).
func (s *Server) limit(w http.ResponseWriter, r *http.Request, name, key string, rate config.Rate) error {
	return s.auth.Limit(w, r, name, key, rate)
}

func (s *Server) clientIP(r *http.Request) string { return s.auth.ClientIP(r) }
