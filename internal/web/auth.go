package web

import (
	"net/http"

	"clinic/internal/account"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
)

// home sends a visitor to the login page and a user to their clinic's
// dashboard (the first of their clinics).
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	if v.User == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	ms, err := s.Accounts.Memberships(r.Context(), v.User.ID)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		s.render(w, r, http.StatusOK, "no-clinic", page{Title: v.L.T("app.no_clinic.title")})
		return nil
	}
	http.Redirect(w, r, "/clinics/"+ms[0].ClinicID+"/", http.StatusSeeOther)
	return nil
}

type authPage struct {
	Next        string
	MinPassword int
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	next := safeNext(r.URL.Query().Get("next"))
	if v.User != nil {
		if next == "" {
			next = "/"
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	s.render(w, r, http.StatusOK, "login", page{Title: v.L.T("auth.login.title"), Data: authPage{Next: next}})
	return nil
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	f, err := s.parseForm(w, r)
	if err == nil {
		_, err = s.Auth.Login(w, r, f.Get("email"), f.Get("password"))
	}
	if err != nil {
		if f == nil || !refuse(v.Locale, f, err) {
			return err
		}
		f.Values["password"] = "" // never sent back
		s.render(w, r, formStatus(err), "login", page{Title: v.L.T("auth.login.title"), Form: f, Data: authPage{Next: safeNext(f.Get("next"))}})
		return nil
	}
	next := safeNext(f.Get("next"))
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) signupPage(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	s.render(w, r, http.StatusOK, "signup", page{Title: v.L.T("auth.signup.title"), Data: authPage{MinPassword: account.MinPasswordLength}})
	return nil
}

func (s *Server) signupSubmit(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	f, err := s.parseForm(w, r)
	var c account.Clinic
	if err == nil {
		c, _, err = s.Auth.Signup(w, r, account.SignupInput{
			ClinicName: f.Get("clinic_name"), Name: f.Get("name"), Email: f.Get("email"), Password: f.Get("password"),
		})
	}
	if err != nil {
		if f == nil || !refuse(v.Locale, f, err) {
			return err
		}
		f.Values["password"] = ""
		s.render(w, r, formStatus(err), "signup", page{Title: v.L.T("auth.signup.title"), Form: f, Data: authPage{MinPassword: account.MinPasswordLength}})
		return nil
	}
	http.Redirect(w, r, "/clinics/"+c.ID+"/", http.StatusSeeOther)
	return nil
}

// logout ends the session (it succeeds without one too).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.Auth.EndSession(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// setLanguage remembers the language chosen (a cookie for a visitor; the
// user's profile as well when logged in) and goes back to the page.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err != nil {
		return err
	}
	l, ok := i18n.Parse(f.Get("locale"))
	if !ok {
		return errBadForm
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.Config.SecureCookies(), SameSite: http.SameSiteLaxMode})
	if v := viewOf(r.Context()); v.User != nil {
		if _, err := s.Accounts.UpdateProfile(r.Context(), v.User.ID, account.ProfileInput{Locale: kernel.Some(string(l))}); err != nil {
			return err
		}
	}
	back := safeNext(f.Get("next"))
	if back == "" {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
