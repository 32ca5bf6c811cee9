package web

import (
	"net/http"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/kernel"
)

// Invitations by e-mail: the form of the settings' users page, and the
// invitation link's page.
func (s *Server) inviteRoutes(m *http.ServeMux) {
	m.Handle("POST /clinics/{clinic_id}/settings/users/invite", s.settings(s.inviteSubmit))
	m.Handle("GET /invite/{token}", s.anyone(s.invitePage))
	m.Handle("POST /invite/{token}", s.anyone(s.inviteAccept))
}

type inviteFormData struct {
	Roles []option
}

// inviteSubmit sends an invitation; a refused one is shown on a page of its
// own with the form as typed.
func (s *Server) inviteSubmit(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		err = s.Accounts.InviteUser(r.Context(), httpx.PrincipalOf(r.Context()), account.InviteInput{
			Email: f.Get("email"), Role: kernel.Role(f.Get("role")),
		})
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error {
			v := s.settingsView(w, r, "users")
			s.render(w, r, status, "invite-new", page{Title: v.L.T("mail.invite_form.title"), Form: f,
				Data: inviteFormData{Roles: grantableRoles(v)}})
			return nil
		})
	}
	return s.settingsDone(w, r, "/users", "mail.flash.invited")
}

type invitePage struct {
	Token       string
	Invitation  account.Invitation
	MinPassword int
	Invalid     bool
}

func (s *Server) invitePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderInvite(w, r, http.StatusOK, nil, nil)
}

// renderInvite shows the invitation of the link (or that it no longer
// works), with f as typed.
func (s *Server) renderInvite(w http.ResponseWriter, r *http.Request, status int, f *form, refused error) error {
	v := viewOf(r.Context())
	token := r.PathValue("token")
	inv, err := s.Accounts.Invitation(r.Context(), token)
	if err != nil && !apperr.Is(err, apperr.Invalid) {
		return err
	}
	if err != nil || (refused != nil && len(apperr.As(refused).Fields) == 0) {
		s.render(w, r, http.StatusGone, "invite", page{Title: v.L.T("mail.invite_page.invalid_title"), Data: invitePage{Invalid: true}})
		return nil
	}
	if f == nil {
		f = newForm()
	}
	s.render(w, r, status, "invite", page{Title: v.L.T("mail.invite_page.title", "clinic", inv.ClinicName), Form: f, Data: invitePage{
		Token: token, Invitation: inv, MinPassword: account.MinPasswordLength,
	}})
	return nil
}

// inviteAccept uses the invitation: a new account is logged in and lands in
// the clinic; an existing one goes to the login page.
func (s *Server) inviteAccept(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	f, err := s.parseForm(w, r)
	if err != nil {
		return err
	}
	inv, ierr := s.Accounts.Invitation(r.Context(), r.PathValue("token"))
	u, err := s.Accounts.AcceptInvitation(r.Context(), r.PathValue("token"), f.Get("name"), f.Get("password"))
	if err != nil {
		if !refuse(v.Locale, f, err) {
			return err
		}
		f.Values["password"] = ""
		return s.renderInvite(w, r, formStatus(err), f, err)
	}
	if ierr == nil && inv.HasPassword {
		http.Redirect(w, r, "/login?next=/clinics/"+inv.ClinicID+"/", http.StatusSeeOther)
		return nil
	}
	if err := s.Auth.StartSession(w, r, u.ID); err != nil {
		return err
	}
	s.setFlash(w, "mail.flash.invite_accepted")
	http.Redirect(w, r, "/clinics/"+inv.ClinicID+"/", http.StatusSeeOther)
	return nil
}
