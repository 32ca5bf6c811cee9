package httpapi

import (
	"net/http"

	"clinic/internal/account"
	"clinic/internal/audit"
	"clinic/internal/platform/queue"
)

// apiOps lists every API operation for the OpenAPI document; a test checks
// it against the routes actually registered.
func apiOps() []apiOp {
	const c = "/api/v1/clinics/{clinic_id}"
	ops := []apiOp{
		{Method: "GET", Path: "/api/v1/openapi.json", Tag: "meta", Summary: "This OpenAPI document.", Status: 200, Response: map[string]any{}, Public: true},
		{Method: "POST", Path: "/api/v1/signup", Tag: "accounts", Summary: "Create a clinic and its owner, and log the owner in.", Body: account.SignupInput{}, Status: 201, Response: signupResponse{}, Public: true},
		{Method: "POST", Path: "/api/v1/login", Tag: "accounts", Summary: "Log in; sets a new session cookie.", Body: loginInput{}, Status: 200, Response: meResponse{}, Public: true},
		{Method: "POST", Path: "/api/v1/logout", Tag: "accounts", Summary: "Log out; the session is destroyed.", Status: http.StatusNoContent, Public: true},
		{Method: "GET", Path: "/api/v1/me", Tag: "accounts", Summary: "The caller: user and clinics with roles.", Status: 200, Response: meResponse{}},
		{Method: "GET", Path: c, Tag: "clinics", Summary: "Clinic settings.", Status: 200, Response: account.Clinic{}},
		{Method: "PATCH", Path: c, Tag: "clinics", Summary: "Change clinic settings (owner, admin).", Body: account.UpdateClinicInput{}, Status: 200, Response: account.Clinic{}},
		{Method: "POST", Path: c + "/users", Tag: "clinics", Summary: "Add a user to the clinic with a role (owner, admin).", Body: account.AddUserInput{}, Status: 201, Response: addUserResponse{}},
		{Method: "POST", Path: c + "/tokens", Tag: "clinics", Summary: "Create an API token; the secret is shown once (owner, admin).", Body: account.CreateTokenInput{}, Status: 201, Response: tokenCreated{}},
		{Method: "DELETE", Path: c + "/tokens/{id}", Tag: "clinics", Summary: "Revoke an API token (owner, admin).", Status: http.StatusNoContent},
		{Method: "GET", Path: c + "/audit", Tag: "audit", Summary: "Audit trail, newest first (owner, admin).", Status: 200, Response: audit.Page{},
			Query: []apiParam{{Name: "patient_id"}, {Name: "user_id"}, {Name: "cursor"}, {Name: "limit"}}},
		{Method: "GET", Path: c + "/jobs/failed", Tag: "jobs", Summary: "Failed background jobs of the clinic (owner, admin).", Status: 200, Response: jobList{}},
		{Method: "POST", Path: c + "/jobs/{job_id}/retry", Tag: "jobs", Summary: "Run a failed job again (owner, admin).", Status: 200, Response: queue.Job{}},
	}
	return append(ops, coreOps()...)
}

// coreOps documents the clinic-core operations (patients, schedule,
// appointments, waitlist).
func coreOps() []apiOp { return nil }
