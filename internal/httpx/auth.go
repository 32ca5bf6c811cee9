package httpx

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/config"
	"clinic/internal/kernel"
	"clinic/internal/platform/ratelimit"
	"clinic/internal/platform/session"
)

// The errors Auth answers.
var (
	ErrNoSession = apperr.New(apperr.Unauthorized, "Please log in.")
	ErrCSRF      = apperr.New(apperr.Forbidden, "Cross-site request refused.")
	// ErrNoClinic answers for a clinic the caller does not belong to,
	// exactly as for one that does not exist.
	ErrNoClinic = apperr.New(apperr.NotFound, "Clinic not found.")
)

// Auth authenticates requests, the same way for the API and the UI.
type Auth struct {
	Config   config.Config
	Accounts *account.Service
	Sessions *session.Manager
	Limiter  ratelimit.Limiter // nil: no rate limits
	csrf     *http.CrossOriginProtection
}

// NewAuth returns an Auth.
func NewAuth(cfg config.Config, accounts *account.Service, sessions *session.Manager, limiter ratelimit.Limiter) *Auth {
	return &Auth{Config: cfg, Accounts: accounts, Sessions: sessions, Limiter: limiter, csrf: http.NewCrossOriginProtection()}
}

// ClientIP returns the caller's IP (see the package function).
func (a *Auth) ClientIP(r *http.Request) string { return ClientIP(a.Config.TrustProxy, r) }

// CheckCSRF refuses cross-origin state-changing browser requests (Fetch
// metadata and Origin checks). Whatever headers a request carries, only its
// authentication result may exempt it: see Authenticate.
func (a *Auth) CheckCSRF(r *http.Request) error {
	if err := a.csrf.Check(r); err != nil {
		return ErrCSRF
	}
	return nil
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

// tokenPrincipal resolves the API token of an Authorization header.
func (a *Auth) tokenPrincipal(r *http.Request, tok string) (kernel.Principal, error) {
	if tok == "" {
		return kernel.Principal{}, apperr.New(apperr.Unauthorized, "The Authorization header must be Bearer <token>.")
	}
	return a.Accounts.TokenPrincipal(r.Context(), tok)
}

// Session resolves the session cookie (ErrNoSession without a live one).
func (a *Auth) Session(r *http.Request) (kernel.Principal, error) {
	d, err := a.Sessions.Load(r.Context(), a.Sessions.Token(r))
	if errors.Is(err, session.ErrNotFound) {
		return kernel.Principal{}, ErrNoSession
	}
	if err != nil {
		return kernel.Principal{}, err
	}
	return kernel.Principal{UserID: d.UserID}, nil
}

// Authenticate resolves the caller of r: a logged-in user or an API token.
//
// A request with an Authorization header is authenticated by its API token
// first, and only a valid, unrevoked token exempts it from the CSRF check: a
// browser never attaches one by itself. Every other request is checked, so a
// cross-site one is refused whatever it carries (a session cookie, nothing,
// or an Authorization header that authenticates nothing: another scheme, an
// empty, unknown or revoked token). The session is loaded (and touched) only
// after the check.
func (a *Auth) Authenticate(r *http.Request) (kernel.Principal, error) {
	if tok, ok := bearer(r); ok {
		p, err := a.tokenPrincipal(r, tok)
		if err != nil {
			if cerr := a.CheckCSRF(r); cerr != nil {
				return kernel.Principal{}, cerr
			}
			return kernel.Principal{}, err
		}
		return p, nil
	}
	if err := a.CheckCSRF(r); err != nil {
		return kernel.Principal{}, err
	}
	return a.Session(r)
}

// InClinic resolves p's role in clinicID (ErrNoClinic when p does not
// belong to it), counts the request against the per-clinic API rate limit,
// and returns ctx carrying the principal and the audit actor.
func (a *Auth) InClinic(w http.ResponseWriter, r *http.Request, p kernel.Principal, clinicID string) (context.Context, kernel.Principal, error) {
	if !kernel.IsID(clinicID) {
		return nil, p, ErrNoClinic
	}
	switch {
	case p.TokenID != "":
		if p.ClinicID != clinicID {
			return nil, p, ErrNoClinic
		}
	default:
		role, err := a.Accounts.Role(r.Context(), clinicID, p.UserID)
		if apperr.Is(err, apperr.NotFound) {
			return nil, p, ErrNoClinic
		}
		if err != nil {
			return nil, p, err
		}
		p.ClinicID, p.Role = clinicID, role
	}
	if err := a.Limit(w, r, "api:clinic", clinicID, a.Config.RateAPIClinic); err != nil {
		return nil, p, err
	}
	ctx := WithPrincipal(r.Context(), p)
	ctx = audit.WithActor(ctx, audit.Actor{ClinicID: clinicID, UserID: p.UserID, TokenID: p.TokenID, IP: a.ClientIP(r), RequestID: RequestID(ctx)})
	return ctx, p, nil
}

// Limit counts one event under key, in the limit called name, against
// rate, sets the RateLimit-* headers, and returns a rate_limited error when
// over the limit.
func (a *Auth) Limit(w http.ResponseWriter, r *http.Request, name, key string, rate config.Rate) error {
	if a.Limiter == nil || rate.N == 0 {
		return nil
	}
	res, err := ratelimit.WithPrefix(a.Limiter, name+":").Allow(r.Context(), key, ratelimit.Limit{Rate: rate.N, Period: rate.Period})
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

// StartSession starts a new session for userID (a fresh token, so a token
// planted before login is worthless after it) and sets its cookie.
func (a *Auth) StartSession(w http.ResponseWriter, r *http.Request, userID string) error {
	if err := a.Sessions.Destroy(r.Context(), a.Sessions.Token(r)); err != nil {
		return err
	}
	token, d, err := a.Sessions.Create(r.Context(), userID)
	if err != nil {
		return err
	}
	a.Sessions.SetCookie(w, token, d)
	return nil
}

// EndSession destroys the session of r, if any, and clears its cookie.
func (a *Auth) EndSession(w http.ResponseWriter, r *http.Request) error {
	if err := a.Sessions.Destroy(r.Context(), a.Sessions.Token(r)); err != nil {
		return err
	}
	a.Sessions.ClearCookie(w)
	return nil
}

// Login checks the credentials under the login rate limits (per IP, then
// per e-mail) and starts a session. Missing fields answer field errors.
func (a *Auth) Login(w http.ResponseWriter, r *http.Request, email, password string) (account.User, error) {
	if err := a.Limit(w, r, "login:ip", a.ClientIP(r), a.Config.RateLoginIP); err != nil {
		return account.User{}, err
	}
	if email == "" || password == "" {
		fields := map[string]string{}
		if email == "" {
			fields["email"] = "Required."
		}
		if password == "" {
			fields["password"] = "Required."
		}
		return account.User{}, apperr.Validation(fields)
	}
	if err := a.Limit(w, r, "login:email", kernel.NormalizeEmail(email), a.Config.RateLoginEmail); err != nil {
		return account.User{}, err
	}
	u, err := a.Accounts.Authenticate(r.Context(), email, password)
	if err != nil {
		return account.User{}, err
	}
	return u, a.StartSession(w, r, u.ID)
}

// Signup creates a clinic with its owner under the signup rate limit and
// logs the owner in.
func (a *Auth) Signup(w http.ResponseWriter, r *http.Request, in account.SignupInput) (account.Clinic, account.User, error) {
	if err := a.Limit(w, r, "signup:ip", a.ClientIP(r), a.Config.RateSignupIP); err != nil {
		return account.Clinic{}, account.User{}, err
	}
	c, u, err := a.Accounts.Signup(r.Context(), in)
	if err != nil {
		return c, u, err
	}
	return c, u, a.StartSession(w, r, u.ID)
}
