package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
)

// handler is a page handler that returns its error instead of writing it.
type handler func(w http.ResponseWriter, r *http.Request) error

// langCookie remembers the language a visitor chose before logging in
// (and, for a user, until their profile says otherwise).
const langCookie = "lang"

// locale picks the language of r: the user's own choice, then the
// language cookie, then Accept-Language; pt-BR when nothing matches.
func locale(r *http.Request, u *account.User) i18n.Locale {
	if u != nil {
		if l, ok := i18n.Parse(u.Locale); ok {
			return l
		}
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := i18n.Parse(c.Value); ok {
			return l
		}
	}
	return i18n.Negotiate(r.Header.Get("Accept-Language"))
}

func (s *Server) newView(r *http.Request, u *account.User) *view {
	l := locale(r, u)
	return &view{L: i18n.For(l), Locale: l, Locales: i18n.Supported(), User: u, Path: r.URL.Path, Now: time.Now()}
}

// serve turns h into an http.Handler that renders h's error as a page. A
// page behind a login answers no-store, so a shared computer's back button
// shows nothing after logout.
func (s *Server) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			if apperr.Is(err, apperr.Unauthorized) && r.Method == http.MethodGet {
				s.toLogin(w, r)
				return
			}
			s.renderError(w, r, err)
		}
	})
}

// toLogin sends the browser to the login page, back here afterwards.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// anyone serves h to every visitor, logged in or not (the user is in the
// view when there is a session), behind the cross-site check for every
// state-changing request.
func (s *Server) anyone(h handler) http.Handler {
	return s.serve(func(w http.ResponseWriter, r *http.Request) error {
		if err := s.Auth.CheckCSRF(r); err != nil {
			return err
		}
		var u *account.User
		if p, err := s.Auth.Session(r); err == nil {
			if got, err := s.Accounts.User(r.Context(), p.UserID); err == nil {
				u = &got
				r = r.WithContext(httpx.WithPrincipal(r.Context(), p))
			}
		} else if !apperr.Is(err, apperr.Unauthorized) {
			return err
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxView{}, s.newView(r, u)))
		if u != nil {
			w.Header().Set("Cache-Control", "no-store")
		}
		return h(w, r)
	})
}

// authenticate resolves the user of r and returns r with the view.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*http.Request, error) {
	p, err := s.Auth.Authenticate(r)
	if err != nil {
		return r, err
	}
	if p.TokenID != "" {
		return r, httpx.ErrNoSession // the UI is for people, not API tokens
	}
	u, err := s.Accounts.User(r.Context(), p.UserID)
	if apperr.Is(err, apperr.NotFound) {
		return r, httpx.ErrNoSession
	}
	if err != nil {
		return r, err
	}
	w.Header().Set("Cache-Control", "no-store")
	ctx := httpx.WithPrincipal(r.Context(), p)
	return r.WithContext(context.WithValue(ctx, ctxView{}, s.newView(r, &u))), nil
}

// clinic serves h for the clinic {clinic_id} names to a member of it, with
// the member's role (404 for anyone else, as the API answers).
func (s *Server) clinic(h handler) http.Handler {
	return s.serve(func(w http.ResponseWriter, r *http.Request) error {
		r, err := s.authenticate(w, r)
		if err != nil {
			return err
		}
		ctx, p, err := s.Auth.InClinic(w, r, httpx.PrincipalOf(r.Context()), r.PathValue("clinic_id"))
		if err != nil {
			return err
		}
		v := viewOf(r.Context())
		if v.Clinics, err = s.Accounts.Memberships(ctx, p.UserID); err != nil {
			return err
		}
		for i := range v.Clinics {
			if v.Clinics[i].ClinicID == p.ClinicID {
				v.Clinic = &v.Clinics[i]
			}
		}
		if v.Clinic == nil {
			return httpx.ErrNoClinic
		}
		v.Role = p.Role
		s.takeFlash(w, r, v)
		return h(w, r.WithContext(ctx))
	})
}

// safeNext returns next when it is a path of this site, "" otherwise (no
// open redirect through the login page).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return ""
	}
	return next
}
