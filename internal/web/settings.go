package web

import (
	"net/http"
	"strconv"
	"strings"

	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/kernel"
)

// The settings pages of a clinic (owners and admins): the clinic itself,
// professionals with their working hours and exceptions, procedures, rooms,
// users, API tokens and failed background jobs. Each page calls the same
// service methods as the API's handlers; a refused form is shown again with
// what was typed and the field messages, a success redirects (Post/Redirect/
// Get) to the page with a flash.
func (s *Server) settingsRoutes(m *http.ServeMux) {
	const p = "/clinics/{clinic_id}/settings"
	m.Handle("GET "+p, s.settings(s.settingsClinic))
	m.Handle("POST "+p, s.settings(s.settingsClinicSave))

	m.Handle("GET "+p+"/professionals", s.settings(s.settingsProfessionals))
	m.Handle("POST "+p+"/professionals", s.settings(s.settingsProfessionalCreate))
	m.Handle("GET "+p+"/professionals/{id}", s.settings(s.settingsProfessional))
	m.Handle("POST "+p+"/professionals/{id}", s.settings(s.settingsProfessionalSave))
	m.Handle("POST "+p+"/professionals/{id}/hours", s.settings(s.settingsHoursSave))
	m.Handle("POST "+p+"/professionals/{id}/exceptions", s.settings(s.settingsExceptionAdd))
	m.Handle("POST "+p+"/professionals/{id}/exceptions/{eid}/delete", s.settings(s.settingsExceptionDelete))

	m.Handle("GET "+p+"/procedures", s.settings(s.settingsProcedures))
	m.Handle("POST "+p+"/procedures", s.settings(s.settingsProcedureCreate))
	m.Handle("GET "+p+"/procedures/{id}", s.settings(s.settingsProcedure))
	m.Handle("POST "+p+"/procedures/{id}", s.settings(s.settingsProcedureSave))

	m.Handle("GET "+p+"/rooms", s.settings(s.settingsRooms))
	m.Handle("POST "+p+"/rooms", s.settings(s.settingsRoomCreate))
	m.Handle("POST "+p+"/rooms/{id}", s.settings(s.settingsRoomSave))

	m.Handle("GET "+p+"/users", s.settings(s.settingsUsers))
	m.Handle("POST "+p+"/users", s.settings(s.settingsUserAdd))
	m.Handle("POST "+p+"/users/{user_id}/role", s.settings(s.settingsUserRole))
	m.Handle("POST "+p+"/users/{user_id}/remove", s.settings(s.settingsUserRemove))

	m.Handle("GET "+p+"/tokens", s.settings(s.settingsTokens))
	m.Handle("POST "+p+"/tokens", s.settings(s.settingsTokenCreate))
	m.Handle("POST "+p+"/tokens/{id}/revoke", s.settings(s.settingsTokenRevoke))

	m.Handle("GET "+p+"/jobs", s.settings(s.settingsJobs))
	m.Handle("POST "+p+"/jobs/{job_id}/retry", s.settings(s.settingsJobRetry))
}

// errSettingsForbidden answers a settings page asked by a role that
// manages nothing of the clinic (the services refuse its writes too; the
// pages are not shown to it at all, whatever it types in the address bar).
var errSettingsForbidden = apperr.New(apperr.Forbidden, "Only owners and admins can change clinic settings.")

// settings serves h to the owners and admins of the clinic {clinic_id};
// any other member gets the forbidden page, in their language.
func (s *Server) settings(h handler) http.Handler {
	return s.clinic(func(w http.ResponseWriter, r *http.Request) error {
		if !httpx.PrincipalOf(r.Context()).Role.ManagesClinic() {
			return errSettingsForbidden
		}
		return h(w, r)
	})
}

// settingsDone redirects to the settings page at path (of the current
// clinic) with the flash id.
func (s *Server) settingsDone(w http.ResponseWriter, r *http.Request, path, flash string) error {
	s.setFlash(w, flash)
	http.Redirect(w, r, viewOf(r.Context()).ClinicPath("/settings"+path), http.StatusSeeOther)
	return nil
}

// settingsView returns the view of a settings page with its navigation
// item marked (s.clinic took the flash of the redirect that led here).
func (s *Server) settingsView(w http.ResponseWriter, r *http.Request, nav string) *view {
	v := viewOf(r.Context())
	v.Nav = nav
	return v
}

// settingsRefused records a service's refusal in f and renders the page
// again with status formStatus(err); errors that are not the user's to
// fix fail the page instead.
func (s *Server) settingsRefused(w http.ResponseWriter, r *http.Request, f *form, err error, render func(status int) error) error {
	if f == nil || !refuse(viewOf(r.Context()).Locale, f, err) {
		return err
	}
	return render(formStatus(err))
}

// option is a choice of a select.
type option struct {
	Value string
	Label string
}

// grantableRoles lists the roles the current user may give, most
// privileged first (owners grant any; admins all but owner).
func grantableRoles(v *view) []option {
	var out []option
	const prefix = "role." // role.owner, role.admin…
	for _, r := range kernel.Roles {
		if v.Role.CanGrant(r) {
			out = append(out, option{Value: string(r), Label: v.L.T(prefix + string(r))})
		}
	}
	return out
}

// checked reports whether a form's checkbox was ticked.
func checked(f *form, name string) bool { return f.Get(name) != "" }

// optText is a clearable text field of a form: "" clears it.
func optText(f *form, name string) kernel.Opt[string] {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return kernel.Null[string]()
	}
	return kernel.Some(v)
}

// formInt reads a whole number typed in field (0 when blank). Anything else
// reads as -1, out of every range the services take, so that the service
// refuses it under the field with the message of its range.
func formInt(f *form, field string) int {
	v := strings.TrimSpace(f.Get(field))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}
