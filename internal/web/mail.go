package web

import (
	"net/http"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/kernel"
)

// The pages of the account e-mails' links: "forgot your password?" and the
// reset link's page.
func (s *Server) mailRoutes(m *http.ServeMux) {
	m.Handle("GET /forgot", s.anyone(s.forgotPage))
	m.Handle("POST /forgot", s.anyone(s.forgotSubmit))
	m.Handle("GET /reset/{token}", s.anyone(s.resetPage))
	m.Handle("POST /reset/{token}", s.anyone(s.resetSubmit))
}

type forgotPage struct {
	// Sent is the e-mail a link was asked for ("" before the form is sent).
	Sent    string
	Minutes int
}

func (s *Server) forgotPage(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	s.render(w, r, http.StatusOK, "forgot", page{Title: v.L.T("mail.forgot.title"), Data: forgotPage{}})
	return nil
}

// forgotSubmit asks for a reset link. The answer is the same whether or not
// an account has the e-mail; only the rate limits (per client IP and per
// e-mail, whoever owns it) refuse.
func (s *Server) forgotSubmit(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	f, err := s.parseForm(w, r)
	if err != nil {
		return err
	}
	email := kernel.NormalizeEmail(f.Get("email"))
	err = s.Auth.Limit(w, r, "reset:ip", s.Auth.ClientIP(r), s.Config.RateResetIP)
	if err == nil && email == "" {
		err = apperr.Validation(map[string]string{"email": "Required."})
	}
	if err == nil {
		err = s.Auth.Limit(w, r, "reset:email", email, s.Config.RateResetEmail)
	}
	if err == nil {
		err = s.Accounts.RequestPasswordReset(r.Context(), email)
	}
	if err != nil {
		if !refuse(v.Locale, f, err) {
			return err
		}
		s.render(w, r, formStatus(err), "forgot", page{Title: v.L.T("mail.forgot.title"), Form: f, Data: forgotPage{}})
		return nil
	}
	s.render(w, r, http.StatusOK, "forgot", page{Title: v.L.T("mail.forgot.sent_title"),
		Data: forgotPage{Sent: email, Minutes: int(account.ResetTTL.Minutes())}})
	return nil
}

type resetPage struct {
	Token       string
	MinPassword int
	// Invalid is set when the link no longer works.
	Invalid bool
}

func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	token := r.PathValue("token")
	if err := s.Accounts.CheckResetToken(r.Context(), token); err != nil {
		if !apperr.Is(err, apperr.Invalid) {
			return err
		}
		s.render(w, r, http.StatusGone, "reset", page{Title: v.L.T("mail.reset_page.invalid_title"), Data: resetPage{Invalid: true}})
		return nil
	}
	s.render(w, r, http.StatusOK, "reset", page{Title: v.L.T("mail.reset_page.title"),
		Data: resetPage{Token: token, MinPassword: account.MinPasswordLength}})
	return nil
}

// resetSubmit sets the new password (typed twice) and logs the user in.
func (s *Server) resetSubmit(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	token := r.PathValue("token")
	f, err := s.parseForm(w, r)
	if err != nil {
		return err
	}
	var u account.User
	if f.Get("password") != f.Get("confirm") {
		f.Errors["confirm"] = v.L.T("mail.reset_page.mismatch")
	} else if u, err = s.Accounts.ResetPassword(r.Context(), token, f.Get("password")); err == nil {
		if err := s.Auth.StartSession(w, r, u.ID); err != nil {
			return err
		}
		s.setFlash(w, "mail.flash.password_reset")
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	status := http.StatusUnprocessableEntity
	data := resetPage{Token: token, MinPassword: account.MinPasswordLength}
	if err != nil {
		if !refuse(v.Locale, f, err) {
			return err
		}
		status = formStatus(err)
		data.Invalid = len(apperr.As(err).Fields) == 0
	}
	f.Values["password"], f.Values["confirm"] = "", ""
	title := v.L.T("mail.reset_page.title")
	if data.Invalid {
		title = v.L.T("mail.reset_page.invalid_title")
	}
	s.render(w, r, status, "reset", page{Title: title, Form: f, Data: data})
	return nil
}
