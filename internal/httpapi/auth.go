package httpapi

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/config"
	"clinic/internal/kernel"
	"clinic/internal/platform/ratelimit"
	"clinic/internal/platform/session"
)

// handlerFunc is an API handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

var (
	errNoSession = apperr.New(apperr.Unauthorized, "Please log in.")
	errCSRF      = apperr.New(apperr.Forbidden, "Cross-site request refused.")
)

func principalOf(ctx context.Context) kernel.Principal {
	p, _ := ctx.Value(ctxPrincipal).(kernel.Principal)
	return p
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(tok), true
}

// checkCSRF refuses cross-origin state-changing browser requests (Fetch
// metadata and Origin checks). Whatever headers a request carries, only its
// authentication result may exempt it: see authenticated.
func (s *Server) checkCSRF(r *http.Request) error {
	if err := s.csrf.Check(r); err != nil {
		return errCSRF
	}
	return nil
}

// public serves h to anyone, behind the CSRF check, which a public route
// never skips: an Authorization header proves nothing there (login CSRF, a
// forged logout).
func (s *Server) public(h handlerFunc) http.Handler {
	return s.serve(func(w http.ResponseWriter, r *http.Request) error {
		if err := s.checkCSRF(r); err != nil {
			return err
		}
		return h(w, r)
	})
}

// serve turns h into an http.Handler that answers h's error.
func (s *Server) serve(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// tokenPrincipal resolves the API token of an Authorization header.
func (s *Server) tokenPrincipal(r *http.Request, tok string) (kernel.Principal, error) {
	if tok == "" {
		return kernel.Principal{}, apperr.New(apperr.Unauthorized, "The Authorization header must be Bearer <token>.")
	}
	return s.Accounts.TokenPrincipal(r.Context(), tok)
}

// sessionPrincipal resolves the session cookie.
func (s *Server) sessionPrincipal(r *http.Request) (kernel.Principal, error) {
	d, err := s.Sessions.Load(r.Context(), s.Sessions.Token(r))
	if errors.Is(err, session.ErrNotFound) {
		return kernel.Principal{}, errNoSession
	}
	if err != nil {
		return kernel.Principal{}, err
	}
	return kernel.Principal{UserID: d.UserID}, nil
}

// authenticated serves h to a logged-in user or API token (401 otherwise).
//
// A request with an Authorization header is authenticated by its API token
// first, and only a valid, unrevoked token exempts it from the CSRF check: a
// browser never attaches one by itself. Every other request is checked, so a
// cross-site one answers 403 whatever it carries (a session cookie, nothing,
// or an Authorization header that authenticates nothing: another scheme, an
// empty, unknown or revoked token). The session is loaded (and touched) only
// after the check.
func (s *Server) authenticated(h handlerFunc) http.Handler {
	return s.serve(func(w http.ResponseWriter, r *http.Request) error {
		var p kernel.Principal
		var err error
		if tok, ok := bearer(r); ok {
			p, err = s.tokenPrincipal(r, tok)
			if err != nil {
				if cerr := s.checkCSRF(r); cerr != nil {
					return cerr
				}
				return err
			}
		} else {
			if err := s.checkCSRF(r); err != nil {
				return err
			}
			if p, err = s.sessionPrincipal(r); err != nil {
				return err
			}
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), ctxPrincipal, p)))
	})
}

// errNoClinic answers for a clinic the caller does not belong to, exactly as
// for one that does not exist.
var errNoClinic = apperr.New(apperr.NotFound, "Clinic not found.")

// inClinic serves h for {clinic_id} when the caller belongs to that clinic,
// with the caller's role in it; 404 otherwise. The per-clinic API rate limit
// applies.
func (s *Server) inClinic(h handlerFunc) http.Handler {
	return s.authenticated(func(w http.ResponseWriter, r *http.Request) error {
		p := principalOf(r.Context())
		clinicID := r.PathValue("clinic_id")
		if !kernel.IsID(clinicID) {
			return errNoClinic
		}
		switch {
		case p.TokenID != "":
			if p.ClinicID != clinicID {
				return errNoClinic
			}
		default:
			role, err := s.Accounts.Role(r.Context(), clinicID, p.UserID)
			if apperr.Is(err, apperr.NotFound) {
				return errNoClinic
			}
			if err != nil {
				return err
			}
			p.ClinicID, p.Role = clinicID, role
		}
		if err := s.limit(w, r, "api:clinic", clinicID, s.Config.RateAPIClinic); err != nil {
			return err
		}
		ctx := context.WithValue(r.Context(), ctxPrincipal, p)
		ctx = audit.WithActor(ctx, audit.Actor{ClinicID: clinicID, UserID: p.UserID, TokenID: p.TokenID, IP: s.clientIP(r), RequestID: requestID(ctx)})
		return h(w, r.WithContext(ctx))
	})
}

// limit counts one event under key, in the limit called name, against rate, sets the RateLimit-*
// headers, and returns a rate_limited error when over the limit.
func (s *Server) limit(w http.ResponseWriter, r *http.Request, name, key string, rate config.Rate) error {
	if s.Limiter == nil || rate.N == 0 {
		return nil
	}
	res, err := ratelimit.WithPrefix(s.Limiter, name+":").Allow(r.Context(), key, ratelimit.Limit{Rate: rate.N, Period: rate.Period})
	if err != nil {
		return err
	}
	ratelimit.WriteHeaders(w.Header(), res)
	if !res.Allowed {
		secs := int(math.Ceil(res.RetryAfter.Seconds()))
		return &apperr.Error{Code: apperr.RateLimited, Message: "Too many requests. Please wait a moment and try again.",
			Details: map[string]any{"retry_after_seconds": max(secs, 1)}}
	}
	return nil
}
