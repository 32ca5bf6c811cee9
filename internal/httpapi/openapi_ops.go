package httpapi

import (
	"net/http"
	"reflect"

	"clinic/internal/account"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/booking"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/queue"
	"clinic/internal/schedule"
	"clinic/internal/waitlist"
)

// apiOps is the route table: every API operation once, with its handler
// (apiRoutes registers it) and its description (buildOpenAPI documents it).
func apiOps() []apiOp {
	const c = "/api/v1/clinics/{clinic_id}"
	ops := []apiOp{
		{Method: "POST", Path: "/api/v1/signup", Handler: (*Server).signup, Tag: "accounts", Summary: "Create a clinic and its owner, and log the owner in.", Body: account.SignupInput{}, Status: 201, Response: signupResponse{}, Access: accessPublic, RateLimited: true,
			Conflict: "An account with this e-mail already exists."},
		{Method: "POST", Path: "/api/v1/login", Handler: (*Server).login, Tag: "accounts", Summary: "Log in; sets a new session cookie.", Body: loginInput{}, Status: 200, Response: meResponse{}, Access: accessPublic, RateLimited: true, ChecksPassword: true},
		{Method: "POST", Path: "/api/v1/logout", Handler: (*Server).logout, Tag: "accounts", Summary: "Log out; the session is destroyed.", Status: http.StatusNoContent, Access: accessPublic},
		{Method: "GET", Path: "/api/v1/me", Handler: (*Server).me, Access: accessAuthenticated, Tag: "accounts", Summary: "The caller: user and clinics with roles.", Status: 200, Response: meResponse{}},
		{Method: "PATCH", Path: "/api/v1/me", Handler: (*Server).updateMe, Access: accessAuthenticated, Tag: "accounts", Summary: "Change the caller's name or interface language (users, not tokens).", Description: profilePatchRules, Body: account.ProfileInput{}, Status: 200, Response: meResponse{}},
		{Method: "GET", Path: c, Handler: (*Server).getClinic, Tag: "clinics", Summary: "Clinic settings.", Status: 200, Response: account.Clinic{}},
		{Method: "PATCH", Path: c, Handler: (*Server).updateClinic, Tag: "clinics", Summary: "Change clinic settings (owner, admin).", Description: clinicPatchRules, Body: account.UpdateClinicInput{}, Status: 200, Response: account.Clinic{}},
		{Method: "GET", Path: c + "/users", Handler: (*Server).listMembers, Tag: "clinics", Summary: "Users of the clinic with their roles (owner, admin).", Status: 200, Response: membersJSON{}},
		{Method: "PATCH", Path: c + "/users/{user_id}", Handler: (*Server).changeMemberRole, Tag: "clinics", Summary: "Change a user's role; the last owner stays owner (owner, admin).", Body: roleInput{}, Status: 200, Response: roleInput{},
			Conflict: "The clinic would have no owner left."},
		{Method: "DELETE", Path: c + "/users/{user_id}", Handler: (*Server).removeMember, Tag: "clinics", Summary: "Remove a user from the clinic (owner, admin).", Status: http.StatusNoContent,
			Conflict: "The clinic would have no owner left."},
		{Method: "POST", Path: c + "/users", Handler: (*Server).addUser, Tag: "clinics", Summary: "Add a user to the clinic with a role (owner, admin).", Body: account.AddUserInput{}, Status: 201, Response: addUserResponse{},
			Conflict: "The user already belongs to the clinic."},
		{Method: "POST", Path: c + "/tokens", Handler: (*Server).createToken, Tag: "clinics", Summary: "Create an API token; the secret is shown once (owner, admin).", Body: account.CreateTokenInput{}, Status: 201, Response: tokenCreated{}},
		{Method: "DELETE", Path: c + "/tokens/{id}", Handler: (*Server).revokeToken, Tag: "clinics", Summary: "Revoke an API token (owner, admin).", Status: http.StatusNoContent},
		{Method: "GET", Path: c + "/audit", Handler: (*Server).listAudit, Tag: "audit", Summary: "Audit trail, newest first (owner, admin).", Status: 200, Response: audit.Page{},
			Query: []apiParam{{Name: "patient_id"}, {Name: "user_id"}, {Name: "cursor"}, {Name: "limit"}}},
		{Method: "GET", Path: c + "/jobs/failed", Handler: (*Server).listFailedJobs, Tag: "jobs", Summary: "Failed background jobs of the clinic (owner, admin).", Status: 200, Response: jobList{}},
		{Method: "POST", Path: c + "/jobs/{job_id}/retry", Handler: (*Server).retryJob, Tag: "jobs", Summary: "Run a failed job again (owner, admin).", Status: 200, Response: queue.Job{},
			Conflict: "Only a failed or cancelled job can be retried."},
	}
	ops = append(ops, coreOps()...)
	ops = append(ops, messageOps()...)

	ops = append(ops, recordOps()...)

	ops = append(ops, documentOps()...)

	ops = append(ops, patientFileOps()...)

	ops = append(ops, billingOps()...)

	// (pix: ops = append(ops, pixOps()...))

	ops = append(ops, analyticsOps()...)

	return ops
}

// schemaOverrides gives the schema of types with their own JSON encoding.
var schemaOverrides = map[reflect.Type]map[string]any{
	reflect.TypeFor[schedule.Clock]():         {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "description": "Clinic-local time of day, HH:MM."},
	reflect.TypeFor[kernel.Role]():            {"type": "string", "enum": kernel.Roles},
	reflect.TypeFor[appointment.Status]():     {"type": "string", "enum": appointment.Statuses},
	reflect.TypeFor[schedule.ExceptionKind](): {"type": "string", "enum": []schedule.ExceptionKind{schedule.ExceptionOff, schedule.ExceptionExtra}},
}

// listOf is the shape of a list answer: {"items":[…]} (doc only).
type listOf[T any] struct {
	Items []T `json:"items"`
}

// pageOf is a page of a paginated list (doc only).
type pageOf[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

type rulesJSON struct {
	Rules []ruleJSON `json:"rules"`
}

type rulesInput struct {
	Rules []schedule.RuleInput `json:"rules"`
}

type slotsJSON struct {
	Slots []slotJSON `json:"slots"`
}

// Descriptions of operations whose fields depend on each other.
const (
	bookingRules = "Times are RFC 3339 with an offset. The end is ends_at, or starts_at plus duration_minutes " +
		"(give one of them, not both), or else starts_at plus the professional's default duration. Without room_id " +
		"the appointment takes the room of the working hours it falls in, if they name one."
	seriesRules = " The recurrence repeats every every_days days (7: weekly), count times or until a clinic-local " +
		"date (give one of count and until), keeping the clinic-local time of day of starts_at."
	reschedulingRules = "Absent fields stay as they are; changing starts_at alone keeps the duration. Null (or \"\") clears room_id, " +
		"procedure and notes; null on the other fields reads as absent."
	professionalPatchRules = "Absent fields stay as they are. Null (or \"\") clears specialty, council_registration and user_id " +
		"(unlinks the user); null on the other fields reads as absent."
	clinicPatchRules = "Absent fields stay as they are. Null (or \"\") clears address and phone; null on the other fields " +
		"reads as absent. public_booking opens the public booking page /c/{slug}."
	profilePatchRules = "Absent fields stay as they are. locale is pt-BR, en, or null (or \"\") to follow the browser's " +
		"language; null on name reads as absent."
	roomPatchRules      = "Absent fields stay as they are; null reads as absent. An inactive room cannot be booked; working hours in it count as hours without a room."
	procedurePatchRules = "Absent fields stay as they are; null reads as absent. active=false deactivates the procedure (there is no deletion): it can no longer be booked."
	publicBookingRules  = "No login. starts_at is the start of one of the free slots (GET …/slots). The person is matched to the " +
		"clinic's patient with the CPF, else the phone, or registered; each consent is recorded with its time and the source " +
		"public_booking. Rate-limited per IP and per phone. website is a honeypot: leave it empty."
	patientPatchRules = "Absent fields keep their value and null clears an optional field (full_name and consents " +
		"cannot be null); address, insurance and consents merge the same way."
)

// coreOps is the route table of the clinic-core operations (patients, schedule,
// appointments, waitlist).
func coreOps() []apiOp {
	const c = "/api/v1/clinics/{clinic_id}"
	day := func(name, desc string) apiParam { return apiParam{Name: name, Description: desc} }
	return []apiOp{
		{Method: "GET", Path: c + "/patients", Handler: (*Server).listPatients, Tag: "patients", Summary: "List or search patients (name, accent-insensitive; CPF; phone), by name.", Status: 200, Response: pageOf[patientJSON]{},
			Query: []apiParam{{Name: "q", Description: "Name (prefix of each word), CPF or phone."}, {Name: "cursor"}, {Name: "limit", Description: "1–200, default 50."}}},
		{Method: "POST", Path: c + "/patients", Handler: (*Server).createPatient, Tag: "patients", Summary: "Register a patient.", Body: patient.Input{}, BodyRequired: []string{"full_name"}, Status: 201, Response: patientJSON{},
			Conflict: "Another patient of the clinic has this CPF."},
		{Method: "GET", Path: c + "/patients/{id}", Handler: (*Server).getPatient, Tag: "patients", Summary: "A patient (the read is audited).", Status: 200, Response: patientJSON{}},
		{Method: "PATCH", Path: c + "/patients/{id}", Handler: (*Server).updatePatient, Tag: "patients", Summary: "Change a patient (merge patch: null clears).", Description: patientPatchRules, Body: patient.Input{}, Status: 200, Response: patientJSON{},
			Conflict: "Another patient of the clinic has this CPF."},
		{Method: "DELETE", Path: c + "/patients/{id}", Handler: (*Server).archivePatient, Tag: "patients", Summary: "Archive a patient.", Status: http.StatusNoContent},

		{Method: "GET", Path: c + "/professionals", Handler: (*Server).listProfessionals, Tag: "schedule", Summary: "Professionals of the clinic.", Status: 200, Response: listOf[professionalJSON]{},
			Query: []apiParam{{Name: "active", Description: "true or false."}}},
		{Method: "POST", Path: c + "/professionals", Handler: (*Server).createProfessional, Tag: "schedule", Summary: "Add a professional (owner, admin).", Body: schedule.ProfessionalInput{}, Status: 201, Response: professionalJSON{},
			Conflict: "The user is already linked to another professional."},
		{Method: "GET", Path: c + "/professionals/{id}", Handler: (*Server).getProfessional, Tag: "schedule", Summary: "A professional.", Status: 200, Response: professionalJSON{}},
		{Method: "PATCH", Path: c + "/professionals/{id}", Handler: (*Server).updateProfessional, Tag: "schedule", Summary: "Change a professional (owner, admin).", Description: professionalPatchRules, Body: schedule.ProfessionalPatch{}, Status: 200, Response: professionalJSON{},
			Conflict: "The user is already linked to another professional."},
		{Method: "GET", Path: c + "/professionals/{id}/working-hours", Handler: (*Server).getWorkingHours, Tag: "schedule", Summary: "Weekly working hours (clinic-local).", Status: 200, Response: rulesJSON{}},
		{Method: "PUT", Path: c + "/professionals/{id}/working-hours", Handler: (*Server).putWorkingHours, Tag: "schedule", Summary: "Replace the weekly working hours (owner, admin).", Body: rulesInput{}, Status: 200, Response: rulesJSON{}},
		{Method: "GET", Path: c + "/professionals/{id}/exceptions", Handler: (*Server).listExceptions, Tag: "schedule", Summary: "Date exceptions: time off and extra hours.", Status: 200, Response: listOf[exceptionJSON]{},
			Query: []apiParam{day("from", "YYYY-MM-DD"), day("to", "YYYY-MM-DD")}},
		{Method: "POST", Path: c + "/professionals/{id}/exceptions", Handler: (*Server).createException, Tag: "schedule", Summary: "Add time off or extra hours.", Body: schedule.ExceptionInput{}, Status: 201, Response: exceptionJSON{}},
		{Method: "DELETE", Path: c + "/professionals/{id}/exceptions/{eid}", Handler: (*Server).deleteException, Tag: "schedule", Summary: "Remove an exception.", Status: http.StatusNoContent},
		{Method: "GET", Path: c + "/rooms", Handler: (*Server).listRooms, Tag: "schedule", Summary: "Rooms and resources.", Status: 200, Response: listOf[roomJSON]{},
			Query: []apiParam{{Name: "active", Description: "true or false."}}},
		{Method: "POST", Path: c + "/rooms", Handler: (*Server).createRoom, Tag: "schedule", Summary: "Add a room (owner, admin).", Body: schedule.RoomInput{}, Status: 201, Response: roomJSON{},
			Conflict: "The clinic already has a room with this name."},
		{Method: "GET", Path: c + "/rooms/{id}", Handler: (*Server).getRoom, Tag: "schedule", Summary: "A room.", Status: 200, Response: roomJSON{}},
		{Method: "PATCH", Path: c + "/rooms/{id}", Handler: (*Server).updateRoom, Tag: "schedule", Summary: "Rename or deactivate a room (owner, admin).", Description: roomPatchRules, Body: schedule.RoomPatch{}, Status: 200, Response: roomJSON{},
			Conflict: "The clinic already has a room with this name."},
		{Method: "GET", Path: c + "/procedures", Handler: (*Server).listProcedures, Tag: "schedule", Summary: "Procedures (appointment types) of the clinic, by name.", Status: 200, Response: listOf[procedureJSON]{},
			Query: []apiParam{{Name: "active", Description: "true or false."}}},
		{Method: "POST", Path: c + "/procedures", Handler: (*Server).createProcedure, Tag: "schedule", Summary: "Add a procedure (owner, admin).", Body: schedule.ProcedureInput{}, Status: 201, Response: procedureJSON{},
			Conflict: "An active procedure of the clinic has this name (case, accents and punctuation aside)."},
		{Method: "GET", Path: c + "/procedures/{id}", Handler: (*Server).getProcedure, Tag: "schedule", Summary: "A procedure.", Status: 200, Response: procedureJSON{}},
		{Method: "PATCH", Path: c + "/procedures/{id}", Handler: (*Server).updateProcedure, Tag: "schedule", Summary: "Change or deactivate a procedure (owner, admin).", Description: procedurePatchRules, Body: schedule.ProcedurePatch{}, Status: 200, Response: procedureJSON{},
			Conflict: "An active procedure of the clinic has this name (case, accents and punctuation aside)."},
		{Method: "GET", Path: c + "/availability", Handler: (*Server).availability, Tag: "schedule", Summary: "Free slots (at most 31 days) honouring hours, exceptions, appointments and rooms.", Status: 200, Response: slotsJSON{},
			Query: []apiParam{{Name: "professional_id", Description: "Omit for every active professional."}, {Name: "from", Required: true, Description: "RFC 3339 or YYYY-MM-DD."},
				{Name: "to", Required: true, Description: "RFC 3339 or YYYY-MM-DD (inclusive day)."}, {Name: "duration", Description: "Minutes."}, {Name: "room_id"}}},

		{Method: "GET", Path: c + "/appointments", Handler: (*Server).listAppointments, Tag: "appointments", Summary: "The agenda: appointments between from and to, by start.", Status: 200, Response: appointment.Page{},
			Query: []apiParam{{Name: "from", Required: true, Description: "RFC 3339 or YYYY-MM-DD."}, {Name: "to", Required: true, Description: "RFC 3339 or YYYY-MM-DD."},
				{Name: "professional_id"}, {Name: "patient_id"}, {Name: "status", Description: "Comma-separated statuses."}, {Name: "cursor"}, {Name: "limit"}}},
		{Method: "POST", Path: c + "/appointments", Handler: (*Server).createAppointment, Tag: "appointments", Summary: "Book an appointment; 409 names the appointment in the way.", Description: bookingRules, Body: appointment.CreateInput{}, Status: 201, Response: appointment.Appointment{},
			Conflict: "Another appointment of the professional or room is in the way (error.details names it)."},
		{Method: "GET", Path: c + "/appointments/{id}", Handler: (*Server).getAppointment, Tag: "appointments", Summary: "An appointment with its history.", Status: 200, Response: appointment.Appointment{}},
		{Method: "PATCH", Path: c + "/appointments/{id}", Handler: (*Server).updateAppointment, Tag: "appointments", Summary: "Reschedule or change notes, procedure or room.", Description: reschedulingRules, Body: appointment.UpdateInput{}, Status: 200, Response: appointment.Appointment{},
			Conflict: "Another appointment is in the way, the appointment can no longer be moved, or it changed meanwhile."},
		{Method: "POST", Path: c + "/appointments/{id}/status", Handler: (*Server).setAppointmentStatus, Tag: "appointments", Summary: "Change the status (only valid transitions).", Body: appointment.StatusInput{}, Status: 200, Response: appointment.Appointment{},
			Conflict: "The transition is not allowed (error.details lists the allowed ones), or the appointment changed meanwhile."},
		{Method: "POST", Path: c + "/appointment-series", Handler: (*Server).createAppointmentSeries, Tag: "appointments", Summary: "Book a recurring series, all or nothing; conflicts list every failing date.", Description: bookingRules + seriesRules, Body: appointment.SeriesInput{}, Status: 201, Response: appointment.Series{},
			Conflict: "Some occurrences cannot be booked (error.details lists each)."},

		{Method: "GET", Path: "/api/v1/public/clinics/{slug}", Handler: (*Server).publicClinic, Access: accessPublic, RateLimited: true, Tag: "public", Summary: "A clinic's public booking page: procedures offered online and professionals.", Status: 200, Response: booking.Clinic{}},
		{Method: "GET", Path: "/api/v1/public/clinics/{slug}/slots", Handler: (*Server).publicSlots, Access: accessPublic, RateLimited: true, Tag: "public", Summary: "Free slots of a procedure (its length), from a clinic-local date.", Status: 200, Response: publicSlotsJSON{},
			Query: []apiParam{{Name: "procedure_id", Required: true}, {Name: "professional_id", Description: "Omit for any professional."},
				{Name: "from", Description: "YYYY-MM-DD, clinic-local; default (and at the earliest) today."}, {Name: "days", Description: "1–28, default 14."}}},
		{Method: "POST", Path: "/api/v1/public/clinics/{slug}/appointments", Handler: (*Server).publicBook, Access: accessPublic, RateLimited: true, Tag: "public", Summary: "Book from the public page; answers the confirmation.", Description: publicBookingRules, Body: booking.Input{}, Status: 201, Response: booking.Confirmation{},
			Conflict: "The time is no longer free."},

		{Method: "GET", Path: c + "/waitlist", Handler: (*Server).listWaitlist, Tag: "waitlist", Summary: "Patients waiting for a slot, oldest first.", Status: 200, Response: waitlist.Page{},
			Query: []apiParam{{Name: "professional_id"}, {Name: "cursor"}, {Name: "limit"}}},
		{Method: "POST", Path: c + "/waitlist", Handler: (*Server).createWaitlistEntry, Tag: "waitlist", Summary: "Add a patient to the waitlist.", Body: waitlist.CreateInput{}, Status: 201, Response: waitlist.Entry{}},
		{Method: "DELETE", Path: c + "/waitlist/{id}", Handler: (*Server).removeWaitlistEntry, Tag: "waitlist", Summary: "Remove a waitlist entry.", Status: http.StatusNoContent},
		{Method: "GET", Path: c + "/waitlist/{id}/offers", Handler: (*Server).listWaitlistOffers, Tag: "waitlist", Summary: "Freed slots offered to an entry.", Status: 200, Response: listOf[waitlist.Offer]{}},
	}
}
