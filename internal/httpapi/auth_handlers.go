package httpapi

import (
	"net/http"
	"time"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/kernel"
)

type clinicJSON struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

type userJSON struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	// Locale is the user's interface language, "" to follow the browser's.
	Locale string `json:"locale"`
}

func toUserJSON(u account.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Locale: u.Locale}
}

type signupResponse struct {
	Clinic clinicJSON `json:"clinic"`
	User   userJSON   `json:"user"`
}

// meResponse describes the caller. User is null for an API token, which has
// Token instead.
type meResponse struct {
	User    *userJSON            `json:"user"`
	Token   *tokenRef            `json:"token,omitempty"`
	Clinics []account.Membership `json:"clinics"`
}

type tokenRef struct {
	ID string `json:"id"`
}

type addUserResponse struct {
	User userJSON    `json:"user"`
	Role kernel.Role `json:"role"`
}

// tokenCreated carries the token secret: it is shown only in this answer.
type tokenCreated struct {
	ID        string      `json:"id"`
	Token     string      `json:"token"`
	Name      string      `json:"name"`
	Role      kernel.Role `json:"role"`
	ClinicID  string      `json:"clinic_id"`
	CreatedAt time.Time   `json:"created_at"`
}

// signup creates a clinic with its owner and logs the owner in.
func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	var in account.SignupInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	c, u, err := s.auth.Signup(w, r, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, signupResponse{Clinic: clinicJSON{ID: c.ID, Slug: c.Slug, Name: c.Name}, User: toUserJSON(u)})
	return nil
}

type loginInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// login checks credentials and starts a new session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in loginInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	u, err := s.auth.Login(w, r, in.Email, in.Password)
	if err != nil {
		return err
	}
	return s.writeMe(w, r, u)
}

// logout destroys the session; it succeeds without one too.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.EndSession(w, r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// me describes the caller: the user and their clinics, or for an API token
// its one clinic and role.
func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r.Context())
	if p.TokenID != "" {
		c, err := s.Accounts.Store().Clinic(r.Context(), p.ClinicID)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, meResponse{
			Token:   &tokenRef{ID: p.TokenID},
			Clinics: []account.Membership{{ClinicID: c.ID, Slug: c.Slug, Name: c.Name, Role: p.Role}},
		})
		return nil
	}
	u, err := s.Accounts.User(r.Context(), p.UserID)
	if apperr.Is(err, apperr.NotFound) {
		return errNoSession
	}
	if err != nil {
		return err
	}
	return s.writeMe(w, r, u)
}

// addUser adds a user to the clinic (owners and admins).
func (s *Server) addUser(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r.Context())
	var in account.AddUserInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	u, role, err := s.Accounts.AddUser(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, addUserResponse{User: toUserJSON(u), Role: role})
	return nil
}

// createToken creates an API token; the secret is in this answer only.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r.Context())
	var in account.CreateTokenInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	t, secret, err := s.Accounts.CreateToken(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, tokenCreated{ID: t.ID, Token: secret, Name: t.Name, Role: t.Role, ClinicID: t.ClinicID, CreatedAt: t.CreatedAt})
	return nil
}

// revokeToken revokes an API token of the clinic.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.Accounts.RevokeToken(r.Context(), principalOf(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// getClinic returns the clinic's settings.
func (s *Server) getClinic(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Accounts.Clinic(r.Context(), principalOf(r.Context()).ClinicID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// updateClinic changes the clinic's settings (owners and admins).
func (s *Server) updateClinic(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r.Context())
	var in account.UpdateClinicInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	c, err := s.Accounts.UpdateClinic(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

type membersJSON struct {
	Items []account.Member `json:"items"`
}

type roleInput struct {
	Role kernel.Role `json:"role"`
}

// listMembers lists the clinic's users and roles (owners and admins).
func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.Accounts.Members(r.Context(), principalOf(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, membersJSON{Items: ms})
	return nil
}

// changeMemberRole gives a user another role in the clinic.
func (s *Server) changeMemberRole(w http.ResponseWriter, r *http.Request) error {
	var in roleInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p := principalOf(r.Context())
	if err := s.Accounts.ChangeRole(r.Context(), p, r.PathValue("user_id"), in.Role); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

// removeMember takes a user out of the clinic.
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request) error {
	if err := s.Accounts.RemoveMember(r.Context(), principalOf(r.Context()), r.PathValue("user_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// writeMe answers the user u with their clinics (the shape of GET /me).
func (s *Server) writeMe(w http.ResponseWriter, r *http.Request, u account.User) error {
	clinics, err := s.Accounts.Memberships(r.Context(), u.ID)
	if err != nil {
		return err
	}
	uj := toUserJSON(u)
	writeJSON(w, http.StatusOK, meResponse{User: &uj, Clinics: clinics})
	return nil
}
