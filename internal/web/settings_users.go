package web

import (
	"net/http"
	"strconv"
	"time"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/kernel"
	"clinic/internal/platform/queue"
)

// memberRow is a member of the clinic and whether the user's role may
// change theirs (admins cannot touch owners).
type memberRow struct {
	account.Member
	CanChange bool
}

type settingsUsersData struct {
	Members []memberRow
	Roles   []option
	// MinPassword is the shortest first password the service takes.
	MinPassword int
	// Me is the user's own id (their row says so).
	Me string
	// RoleForm is the refused role change of the member Changing ("" for
	// none).
	Changing string
	RoleForm *form
}

func (s *Server) settingsUsersPage(w http.ResponseWriter, r *http.Request, status int, add, role *form) error {
	v := s.settingsView(w, r, "users")
	members, err := s.Accounts.Members(r.Context(), httpx.PrincipalOf(r.Context()))
	if err != nil {
		return err
	}
	rows := make([]memberRow, len(members))
	for i, m := range members {
		rows[i] = memberRow{Member: m, CanChange: v.Role.CanGrant(m.Role)}
	}
	d := settingsUsersData{Members: rows, Roles: grantableRoles(v), MinPassword: account.MinPasswordLength, Me: v.User.ID, RoleForm: role}
	if add == nil {
		add = newForm()
		add.Values["role"] = string(kernel.RoleReceptionist)
	}
	form := add
	if role != nil {
		d.Changing, form = r.PathValue("user_id"), role
	} else {
		d.RoleForm = newForm()
	}
	s.render(w, r, status, "settings-users", page{Title: v.L.T("settings.users.title"), Form: form, Data: d})
	return nil
}

func (s *Server) settingsUsers(w http.ResponseWriter, r *http.Request) error {
	return s.settingsUsersPage(w, r, http.StatusOK, nil, nil)
}

// settingsUserAdd adds a user with the first password the owner or admin
// chose (invitations by e-mail come later).
func (s *Server) settingsUserAdd(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		password := f.Get("password")
		_, _, err = s.Accounts.AddUser(r.Context(), httpx.PrincipalOf(r.Context()), account.AddUserInput{
			Email: f.Get("email"), Name: f.Get("name"), Role: kernel.Role(f.Get("role")), Password: &password,
		})
	}
	if err != nil {
		if f != nil {
			f.Values["password"] = "" // never sent back
		}
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.settingsUsersPage(w, r, status, f, nil) })
	}
	return s.settingsDone(w, r, "/users", "settings.flash.user_added")
}

func (s *Server) settingsUserRole(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		err = s.Accounts.ChangeRole(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("user_id"), kernel.Role(f.Get("role")))
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.settingsUsersPage(w, r, status, nil, f) })
	}
	return s.settingsDone(w, r, "/users", "settings.flash.role_changed")
}

func (s *Server) settingsUserRemove(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		err = s.Accounts.RemoveMember(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("user_id"))
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.settingsUsersPage(w, r, status, nil, f) })
	}
	return s.settingsDone(w, r, "/users", "settings.flash.user_removed")
}

type settingsTokensData struct {
	Tokens []account.Token
	Roles  []option
	Zone   *time.Location
	// Created is the token just created, and Secret its secret: shown in
	// this answer only (only its hash is stored).
	Created *account.Token
	Secret  string
}

func (s *Server) settingsTokensPage(w http.ResponseWriter, r *http.Request, status int, f *form, created *account.Token, secret string) error {
	v := s.settingsView(w, r, "tokens")
	p := httpx.PrincipalOf(r.Context())
	tokens, err := s.Accounts.Tokens(r.Context(), p)
	if err != nil {
		return err
	}
	loc, err := s.Accounts.ClinicZone(r.Context(), p.ClinicID)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm()
		f.Values["role"] = string(kernel.RoleReceptionist)
	}
	s.render(w, r, status, "settings-tokens", page{Title: v.L.T("settings.tokens.title"), Form: f,
		Data: settingsTokensData{Tokens: tokens, Roles: grantableRoles(v), Zone: loc, Created: created, Secret: secret}})
	return nil
}

func (s *Server) settingsTokens(w http.ResponseWriter, r *http.Request) error {
	return s.settingsTokensPage(w, r, http.StatusOK, nil, nil, "")
}

// settingsTokenCreate creates a token and answers the page with its secret
// (no redirect: the secret is never stored, not even in a cookie, so it
// can be shown only in this answer, which no cache keeps).
func (s *Server) settingsTokenCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	var t account.Token
	var secret string
	if err == nil {
		t, secret, err = s.Accounts.CreateToken(r.Context(), httpx.PrincipalOf(r.Context()), account.CreateTokenInput{
			Name: f.Get("name"), Role: kernel.Role(f.Get("role")),
		})
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.settingsTokensPage(w, r, status, f, nil, "") })
	}
	return s.settingsTokensPage(w, r, http.StatusCreated, nil, &t, secret)
}

func (s *Server) settingsTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.parseForm(w, r); err != nil {
		return err
	}
	if err := s.Accounts.RevokeToken(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	return s.settingsDone(w, r, "/tokens", "settings.flash.token_revoked")
}

type settingsJobsData struct {
	Jobs []queue.Job
	Zone *time.Location
}

// settingsJobsLimit is how many failed jobs the page lists (as the API).
const settingsJobsLimit = 100

func (s *Server) settingsJobsPage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := s.settingsView(w, r, "jobs")
	p := httpx.PrincipalOf(r.Context())
	jobs, err := s.Jobs.Failed(r.Context(), p, settingsJobsLimit)
	if err != nil {
		return err
	}
	loc, err := s.Accounts.ClinicZone(r.Context(), p.ClinicID)
	if err != nil {
		return err
	}
	s.render(w, r, status, "settings-jobs", page{Title: v.L.T("settings.jobs.title"), Form: f, Data: settingsJobsData{Jobs: jobs, Zone: loc}})
	return nil
}

func (s *Server) settingsJobs(w http.ResponseWriter, r *http.Request) error {
	return s.settingsJobsPage(w, r, http.StatusOK, nil)
}

func (s *Server) settingsJobRetry(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		id, perr := strconv.ParseInt(r.PathValue("job_id"), 10, 64)
		if perr != nil {
			err = apperr.New(apperr.NotFound, "Job not found.")
		} else {
			_, err = s.Jobs.Retry(r.Context(), httpx.PrincipalOf(r.Context()), id)
		}
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.settingsJobsPage(w, r, status, f) })
	}
	return s.settingsDone(w, r, "/jobs", "settings.flash.job_retried")
}
