package httpapi_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/appointment/appointmenttest"
)

// hardeningCase is one bad (or, at a bound, one good) request of issue 7.
//
// path and body are templates: {clinic}, {patient}, {prof}, {room}, {appt}
// and {member} become the ids of the fixture's rows, {email} a fresh e-mail
// address, {slot} a free future instant (RFC 3339) and {day} a future
// clinic-local date, both different for every case. The body is sent byte
// for byte, so it can hold duplicate keys, invalid UTF-8 and JSON escapes
// such as \u0000.
type hardeningCase struct {
	name   string
	method string
	path   string
	body   string
	// anon sends the request without a session (a fresh client).
	anon bool
	// status is the expected answer (0: 400 invalid).
	status int
	// field must be a key of error.fields; "a|b" accepts either; "" checks
	// the code only.
	field string
	// tables, comma-separated, must be unchanged (row count and contents)
	// after a refused request.
	tables string
}

const hardeningUnknownID = "0190a1b2-0000-7000-8000-000000000009"

// jsonString is a JSON string literal "Ana<esc>Souza" (esc is JSON text,
// such as \u0000).
func jsonString(esc string) string { return `"Ana` + esc + `Souza"` }

// hardeningCases lists every case of issue 7 items 1, 2, 3, 6, 7 and the q
// length of item 4, and their neighbours.
func hardeningCases() []hardeningCase {
	const base = "/api/v1/clinics/{clinic}"
	appt := func(extra string) string {
		return `{"patient_id":"{patient}","professional_id":"{prof}","override_working_hours":true` + extra + `}`
	}
	series := func(extra string) string {
		return `{"patient_id":"{patient}","professional_id":"{prof}","override_working_hours":true` + extra + `}`
	}
	var cases []hardeningCase

	// Item 1: control characters in text. Single-line fields refuse every
	// C0 and C1 control character, tab and newline included.
	single := []struct{ name, esc string }{
		{"NUL", `\u0000`}, {"U+0001", `\u0001`}, {"U+001F", `\u001f`}, {"tab", `\t`}, {"newline", `\n`},
		{"CR", `\r`}, {"DEL U+007F", `\u007f`}, {"U+0085", `\u0085`}, {"U+009F", `\u009f`},
	}
	singleFields := []struct{ what, method, path, body, field, tables string }{
		{"professional name", "POST", base + "/professionals", `{"name":%s,"specialty":"Clínica geral","council_registration":"CRM-SP 1"}`, "name", "professionals"},
		{"professional specialty", "POST", base + "/professionals", `{"name":"Dra. Ana","specialty":%s}`, "specialty", "professionals"},
		{"professional council registration", "POST", base + "/professionals", `{"name":"Dra. Ana","council_registration":%s}`, "council_registration", "professionals"},
		{"professional name (PATCH)", "PATCH", base + "/professionals/{prof}", `{"name":%s}`, "name", "professionals"},
		{"professional specialty (PATCH)", "PATCH", base + "/professionals/{prof}", `{"specialty":%s}`, "specialty", "professionals"},
		{"professional council registration (PATCH)", "PATCH", base + "/professionals/{prof}", `{"council_registration":%s}`, "council_registration", "professionals"},
		{"appointment procedure", "POST", base + "/appointments", appt(`,"starts_at":"{slot}","procedure":%s`), "procedure", "appointments"},
		{"appointment procedure (PATCH)", "PATCH", base + "/appointments/{appt}", `{"procedure":%s}`, "procedure", "appointments,appointment_events"},
		{"series procedure", "POST", base + "/appointment-series", series(`,"starts_at":"{slot}","procedure":%s,"recurrence":{"every_days":7,"count":2}`), "procedure", "appointments"},
		{"room name", "POST", base + "/rooms", `{"name":%s}`, "name", "rooms"},
		{"room name (PATCH)", "PATCH", base + "/rooms/{room}", `{"name":%s}`, "name", "rooms"},
		{"procedure name", "POST", base + "/procedures", `{"name":%s}`, "name", "procedures"},
		{"clinic address", "PATCH", base, `{"address":%s}`, "address", "clinics"},
		{"clinic phone", "PATCH", base, `{"phone":%s}`, "phone", "clinics"},
		{"clinic name", "PATCH", base, `{"name":%s}`, "name", "clinics"},
		{"exception reason", "POST", base + "/professionals/{prof}/exceptions", `{"date":"{day}","kind":"off","reason":%s}`, "reason", "schedule_exceptions"},
		{"token name", "POST", base + "/tokens", `{"name":%s,"role":"receptionist"}`, "name", "api_tokens"},
		{"user name", "POST", base + "/users", `{"email":"{email}","name":%s,"role":"receptionist"}`, "name", "users,memberships"},
		{"patient full name", "POST", base + "/patients", `{"full_name":%s}`, "full_name", "patients"},
	}
	for _, f := range singleFields {
		for _, c := range single {
			cases = append(cases, hardeningCase{name: f.what + " with " + c.name, method: f.method, path: f.path,
				body: fmt.Sprintf(f.body, jsonString(c.esc)), field: f.field, tables: f.tables})
		}
	}
	// Sign-up (no session): the clinic's and the owner's names.
	for _, c := range single {
		cases = append(cases,
			hardeningCase{name: "signup clinic name with " + c.name, method: "POST", path: "/api/v1/signup", anon: true,
				body:  `{"clinic_name":` + jsonString(c.esc) + `,"name":"Ana Souza","email":"{email}","password":"correct horse battery"}`,
				field: "clinic_name", tables: "clinics,users,memberships"},
			hardeningCase{name: "signup user name with " + c.name, method: "POST", path: "/api/v1/signup", anon: true,
				body:  `{"clinic_name":"Clínica","name":` + jsonString(c.esc) + `,"email":"{email}","password":"correct horse battery"}`,
				field: "name", tables: "clinics,users,memberships"},
		)
	}
	// Multi-line fields (notes) allow tab, newline and CR, nothing else.
	multi := []struct{ name, esc string }{
		{"NUL", `\u0000`}, {"U+0001", `\u0001`}, {"U+001F", `\u001f`}, {"DEL U+007F", `\u007f`}, {"U+0085", `\u0085`}, {"U+009F", `\u009f`},
	}
	multiFields := []struct {
		what, method, path, body, field, tables string
		ok                                      int
	}{
		{"appointment notes", "POST", base + "/appointments", appt(`,"starts_at":"{slot}","notes":%s`), "notes", "appointments", 201},
		{"appointment notes (PATCH)", "PATCH", base + "/appointments/{appt}", `{"notes":%s}`, "notes", "appointments,appointment_events", 200},
		{"series notes", "POST", base + "/appointment-series", series(`,"starts_at":"{slot}","notes":%s,"recurrence":{"every_days":7,"count":2}`), "notes", "appointments", 201},
		{"waitlist notes", "POST", base + "/waitlist", `{"patient_id":"{patient}","from_date":"{day}","to_date":"{day}","notes":%s}`, "notes", "waitlist_entries", 201},
		{"patient notes", "POST", base + "/patients", `{"full_name":"Ana Souza","notes":%s}`, "notes", "patients", 201},
	}
	for _, f := range multiFields {
		for _, c := range multi {
			cases = append(cases, hardeningCase{name: f.what + " with " + c.name, method: f.method, path: f.path,
				body: fmt.Sprintf(f.body, jsonString(c.esc)), field: f.field, tables: f.tables})
		}
		cases = append(cases, hardeningCase{name: f.what + " with tab, newline and CR (allowed)", method: f.method, path: f.path,
			body: fmt.Sprintf(f.body, `"Linha 1\nLinha 2\r\n\tfim"`), status: f.ok})
	}
	// Item 1: login without a session, a member's role, cursors and q.
	patientCursor := func(name string) string {
		return base64.RawURLEncoding.EncodeToString([]byte(`{"n":"` + name + `","i":"` + hardeningUnknownID + `"}`))
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	cases = append(cases,
		hardeningCase{name: "login e-mail with NUL, no session", method: "POST", path: "/api/v1/login", anon: true,
			body: `{"email":"a\u0000b@example.com","password":"x"}`, field: "email", tables: "sessions"},
		hardeningCase{name: "login e-mail with U+0001, no session", method: "POST", path: "/api/v1/login", anon: true,
			body: `{"email":"a\u0001b@example.com","password":"x"}`, field: "email", tables: "sessions"},
		hardeningCase{name: "login password with NUL, no session", method: "POST", path: "/api/v1/login", anon: true,
			body: `{"email":"a@example.com","password":"x\u0000"}`, field: "password", tables: "sessions"},
		hardeningCase{name: "member role with NUL", method: "PATCH", path: base + "/users/{member}",
			body: `{"role":"admin\u0000"}`, field: "role", tables: "memberships"},
		hardeningCase{name: "patients cursor holding NUL", method: "GET", path: base + "/patients?cursor=" + patientCursor(`a\u0000b`), field: "cursor"},
		hardeningCase{name: "patients cursor holding U+0001", method: "GET", path: base + "/patients?cursor=" + patientCursor(`a\u0001b`), field: "cursor"},
		hardeningCase{name: "patients cursor holding U+0085", method: "GET", path: base + "/patients?cursor=" + patientCursor(`a\u0085b`), field: "cursor"},
		hardeningCase{name: "patients cursor not base64", method: "GET", path: base + "/patients?cursor=%00", field: "cursor"},
		hardeningCase{name: "agenda cursor holding NUL", method: "GET",
			path: base + "/appointments?from=2027-01-01&to=2027-01-31&cursor=" + enc("2027-01-10T12:00:00Z\x00 "+hardeningUnknownID), field: "cursor"},
		hardeningCase{name: "waitlist cursor holding NUL", method: "GET",
			path: base + "/waitlist?cursor=" + enc("2027-01-10T12:00:00Z,"+hardeningUnknownID+"\x00"), field: "cursor"},
		hardeningCase{name: "audit cursor holding NUL", method: "GET", path: base + "/audit?cursor=1%00", field: "cursor"},
		hardeningCase{name: "q holding NUL", method: "GET", path: base + "/patients?q=ana%00souza", field: "q"},
		hardeningCase{name: "q holding U+0001", method: "GET", path: base + "/patients?q=ana%01souza", field: "q"},
		hardeningCase{name: "q holding a newline", method: "GET", path: base + "/patients?q=ana%0Asouza", field: "q"},
	)

	// Item 4: the length and the number of terms of q.
	terms := func(n int) string {
		words := make([]string, n)
		for i := range words {
			words[i] = "t" + strconv.Itoa(i)
		}
		return strings.Join(words, "+")
	}
	cases = append(cases,
		hardeningCase{name: "q of 200 characters (allowed)", method: "GET", path: base + "/patients?q=" + strings.Repeat("a", 200), status: 200},
		hardeningCase{name: "q of 201 characters", method: "GET", path: base + "/patients?q=" + strings.Repeat("a", 201), field: "q"},
		hardeningCase{name: "q of 200 two-byte characters (allowed)", method: "GET", path: base + "/patients?q=" + strings.Repeat("%C3%A1", 200), status: 200},
		hardeningCase{name: "q of 12 terms (allowed)", method: "GET", path: base + "/patients?q=" + terms(12), status: 200},
		hardeningCase{name: "q of 13 terms", method: "GET", path: base + "/patients?q=" + terms(13), field: "q"},
		hardeningCase{name: "q of 5 000 words (10 KB)", method: "GET", path: base + "/patients?q=" + strings.Repeat("a+", 5000), field: "q"},
	)

	// Item 2: every integer from a client has a range.
	cases = append(cases,
		hardeningCase{name: "duration_minutes 307445740 (wraps around)", method: "POST", path: base + "/appointments",
			body: appt(`,"starts_at":"{slot}","duration_minutes":307445740`), field: "duration_minutes", tables: "appointments"},
		hardeningCase{name: "duration_minutes max int64", method: "POST", path: base + "/appointments",
			body: appt(`,"starts_at":"{slot}","duration_minutes":9223372036854775807`), field: "duration_minutes", tables: "appointments"},
		hardeningCase{name: "duration_minutes beyond int64", method: "POST", path: base + "/appointments",
			body: appt(`,"starts_at":"{slot}","duration_minutes":9223372036854775808`), field: "duration_minutes", tables: "appointments"},
		hardeningCase{name: "duration_minutes -5", method: "POST", path: base + "/appointments",
			body: appt(`,"starts_at":"{slot}","duration_minutes":-5`), field: "duration_minutes", tables: "appointments"},
		hardeningCase{name: "duration_minutes 4", method: "POST", path: base + "/appointments",
			body: appt(`,"starts_at":"{slot}","duration_minutes":4`), field: "duration_minutes", tables: "appointments"},
		hardeningCase{name: "duration_minutes 5 (allowed)", method: "POST", path: base + "/appointments",
			body: appt(`,"starts_at":"{slot}","duration_minutes":5`), status: 201},
		hardeningCase{name: "duration_minutes 720 (allowed)", method: "POST", path: base + "/appointments",
			body: appt(`,"starts_at":"{slot}","duration_minutes":720`), status: 201},
		hardeningCase{name: "duration_minutes 721", method: "POST", path: base + "/appointments",
			body: appt(`,"starts_at":"{slot}","duration_minutes":721`), field: "duration_minutes", tables: "appointments"},
		hardeningCase{name: "duration_minutes 1.5", method: "POST", path: base + "/appointments",
			body: appt(`,"starts_at":"{slot}","duration_minutes":1.5`), field: "duration_minutes", tables: "appointments"},
		hardeningCase{name: "PATCH duration_minutes 307445740", method: "PATCH", path: base + "/appointments/{appt}",
			body: `{"duration_minutes":307445740,"override_working_hours":true}`, field: "duration_minutes", tables: "appointments,appointment_events"},
		hardeningCase{name: "PATCH duration_minutes -1", method: "PATCH", path: base + "/appointments/{appt}",
			body: `{"duration_minutes":-1,"override_working_hours":true}`, field: "duration_minutes", tables: "appointments,appointment_events"},
		hardeningCase{name: "series duration_minutes 307445740", method: "POST", path: base + "/appointment-series",
			body: series(`,"starts_at":"{slot}","duration_minutes":307445740,"recurrence":{"every_days":7,"count":2}`), field: "duration_minutes", tables: "appointments"},
		hardeningCase{name: "series every_days 307445740", method: "POST", path: base + "/appointment-series",
			body: series(`,"starts_at":"{slot}","recurrence":{"every_days":307445740,"count":2}`), field: "recurrence.every_days", tables: "appointments"},
		hardeningCase{name: "series every_days -7", method: "POST", path: base + "/appointment-series",
			body: series(`,"starts_at":"{slot}","recurrence":{"every_days":-7,"count":2}`), field: "recurrence.every_days", tables: "appointments"},
		hardeningCase{name: "series count max int64", method: "POST", path: base + "/appointment-series",
			body: series(`,"starts_at":"{slot}","recurrence":{"every_days":7,"count":9223372036854775807}`), field: "recurrence.count", tables: "appointments"},
		hardeningCase{name: "series count -2", method: "POST", path: base + "/appointment-series",
			body: series(`,"starts_at":"{slot}","recurrence":{"every_days":7,"count":-2}`), field: "recurrence.count", tables: "appointments"},
		hardeningCase{name: "waitlist duration_minutes 307445740", method: "POST", path: base + "/waitlist",
			body: `{"patient_id":"{patient}","from_date":"{day}","to_date":"{day}","duration_minutes":307445740}`, field: "duration_minutes", tables: "waitlist_entries"},
		hardeningCase{name: "waitlist duration_minutes -30", method: "POST", path: base + "/waitlist",
			body: `{"patient_id":"{patient}","from_date":"{day}","to_date":"{day}","duration_minutes":-30}`, field: "duration_minutes", tables: "waitlist_entries"},
		hardeningCase{name: "professional default_duration_minutes 307445740", method: "POST", path: base + "/professionals",
			body: `{"name":"Dr. Caio","default_duration_minutes":307445740}`, field: "default_duration_minutes", tables: "professionals"},
		hardeningCase{name: "professional default_duration_minutes -30", method: "POST", path: base + "/professionals",
			body: `{"name":"Dr. Caio","default_duration_minutes":-30}`, field: "default_duration_minutes", tables: "professionals"},
		hardeningCase{name: "PATCH professional default_duration_minutes 307445740", method: "PATCH", path: base + "/professionals/{prof}",
			body: `{"default_duration_minutes":307445740}`, field: "default_duration_minutes", tables: "professionals"},
		hardeningCase{name: "working-hours weekday -1", method: "PUT", path: base + "/professionals/{prof}/working-hours",
			body: `{"rules":[{"weekday":-1,"start":"08:00","end":"12:00"}]}`, field: "rules[0].weekday", tables: "working_hours"},
		hardeningCase{name: "working-hours weekday max int64", method: "PUT", path: base + "/professionals/{prof}/working-hours",
			body: `{"rules":[{"weekday":1,"start":"08:00","end":"12:00"},{"weekday":9223372036854775807,"start":"08:00","end":"12:00"}]}`, field: "rules[1].weekday", tables: "working_hours"},
		hardeningCase{name: "availability duration 307445740", method: "GET", path: base + "/availability?professional_id={prof}&from={day}&to={day}&duration=307445740", field: "duration"},
		hardeningCase{name: "availability duration -30", method: "GET", path: base + "/availability?professional_id={prof}&from={day}&to={day}&duration=-30", field: "duration"},
	)
	// The agenda's pages are larger (a week of a whole clinic in one page:
	// 1..1000, default 500); the other lists take 1..200.
	for _, l := range []struct{ route, path, max, over string }{
		{"patients", base + "/patients?", "200", "201"}, {"audit", base + "/audit?", "200", "201"}, {"waitlist", base + "/waitlist?", "200", "201"},
		{"agenda", base + "/appointments?from=2027-01-01&to=2027-01-31&", "1000", "1001"},
	} {
		for _, v := range []string{"0", "-1", l.over, "99999999999999999999"} {
			cases = append(cases, hardeningCase{name: l.route + " limit " + v, method: "GET", path: l.path + "limit=" + v, field: "limit"})
		}
		for _, v := range []string{"1", l.max} {
			cases = append(cases, hardeningCase{name: l.route + " limit " + v + " (allowed)", method: "GET", path: l.path + "limit=" + v, status: 200})
		}
	}
	cases = append(cases,
		hardeningCase{name: "agenda status unknown", method: "GET", path: base + "/appointments?from=2027-01-01&to=2027-01-31&status=bogus", field: "status"},
		hardeningCase{name: "agenda status with NUL", method: "GET", path: base + "/appointments?from=2027-01-01&to=2027-01-31&status=scheduled%00", field: "status"},
		hardeningCase{name: "appointment status with NUL", method: "POST", path: base + "/appointments/{appt}/status",
			body: `{"status":"confirmed\u0000"}`, field: "status", tables: "appointments,appointment_events"},
	)

	// Item 3: instants in [2000-01-01T00:00:00Z, 2100-01-01T00:00:00Z) and
	// dates from 2000-01-01 to 2099-12-31.
	startsAt := []struct{ name, v, extra string }{
		{"year 9999 (CHECK constraint)", "9999-12-31T23:50:00Z", `,"duration_minutes":30`},
		{"year 10000 in UTC", "9999-12-31T22:00:00-03:00", `,"duration_minutes":30`},
		{"year 10000 in UTC, again (double booking)", "9999-12-31T22:00:00-03:00", `,"duration_minutes":30`},
		{"year 0001", "0001-01-01T00:00:00Z", ""},
		{"2100-01-01T00:00:00Z", "2100-01-01T00:00:00Z", ""},
		{"2099-12-31T21:00:00-03:00 (2100 in UTC)", "2099-12-31T21:00:00-03:00", ""},
		{"1999-12-31T23:59:59Z", "1999-12-31T23:59:59Z", ""},
	}
	for _, s := range startsAt {
		cases = append(cases,
			hardeningCase{name: "appointment starts_at " + s.name, method: "POST", path: base + "/appointments",
				body: appt(`,"starts_at":"` + s.v + `"` + s.extra), field: "starts_at", tables: "appointments"},
			hardeningCase{name: "series starts_at " + s.name, method: "POST", path: base + "/appointment-series",
				body: series(`,"starts_at":"` + s.v + `"` + s.extra + `,"recurrence":{"every_days":7,"count":2}`), field: "starts_at", tables: "appointments"},
			hardeningCase{name: "rescheduling to starts_at " + s.name, method: "PATCH", path: base + "/appointments/{appt}",
				body: `{"override_working_hours":true,"starts_at":"` + s.v + `"` + s.extra + `}`, field: "starts_at", tables: "appointments,appointment_events"},
		)
	}
	cases = append(cases,
		hardeningCase{name: "appointment 2099-12-31T23:00:00Z for 30 minutes (allowed)", method: "POST", path: base + "/appointments",
			body: appt(`,"starts_at":"2099-12-31T23:00:00Z","duration_minutes":30`), status: 201},
		hardeningCase{name: "appointment ending after 2100-01-01T00:00:00Z", method: "POST", path: base + "/appointments",
			body: appt(`,"starts_at":"2099-12-31T23:45:00Z","duration_minutes":30`), field: "starts_at|ends_at|duration_minutes", tables: "appointments"},
		hardeningCase{name: "appointment ends_at year 9999", method: "POST", path: base + "/appointments",
			body: appt(`,"starts_at":"{slot}","ends_at":"9999-12-31T23:59:00Z"`), field: "ends_at", tables: "appointments"},
		hardeningCase{name: "rescheduling ends_at year 10000", method: "PATCH", path: base + "/appointments/{appt}",
			body: `{"ends_at":"9999-12-31T23:00:00-03:00","override_working_hours":true}`, field: "ends_at", tables: "appointments,appointment_events"},
		hardeningCase{name: "series until 2099-12-31 (allowed)", method: "POST", path: base + "/appointment-series",
			body: series(`,"starts_at":"2099-12-24T12:00:00Z","recurrence":{"every_days":7,"until":"2099-12-31"}`), status: 201},
		hardeningCase{name: "series until 2100-01-01", method: "POST", path: base + "/appointment-series",
			body: series(`,"starts_at":"{slot}","recurrence":{"every_days":7,"until":"2100-01-01"}`), field: "recurrence.until", tables: "appointments"},
		hardeningCase{name: "series until 9999-12-31", method: "POST", path: base + "/appointment-series",
			body: series(`,"starts_at":"{slot}","recurrence":{"every_days":365,"until":"9999-12-31"}`), field: "recurrence.until", tables: "appointments"},
	)
	for _, d := range []string{"0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"} {
		cases = append(cases,
			hardeningCase{name: "exception date " + d, method: "POST", path: base + "/professionals/{prof}/exceptions",
				body: `{"date":"` + d + `","kind":"off"}`, field: "date", tables: "schedule_exceptions"},
			hardeningCase{name: "waitlist to_date " + d, method: "POST", path: base + "/waitlist",
				body: `{"patient_id":"{patient}","from_date":"{day}","to_date":"` + d + `"}`, field: "to_date", tables: "waitlist_entries"},
		)
	}
	cases = append(cases,
		hardeningCase{name: "exception date 2000-01-01 (allowed)", method: "POST", path: base + "/professionals/{prof}/exceptions",
			body: `{"date":"2000-01-01","kind":"off"}`, status: 201},
		hardeningCase{name: "exception date 2099-12-31 (allowed)", method: "POST", path: base + "/professionals/{prof}/exceptions",
			body: `{"date":"2099-12-31","kind":"off"}`, status: 201},
		hardeningCase{name: "waitlist from_date 0001-01-01", method: "POST", path: base + "/waitlist",
			body: `{"patient_id":"{patient}","from_date":"0001-01-01","to_date":"{day}"}`, field: "from_date", tables: "waitlist_entries"},
		hardeningCase{name: "waitlist from_date and to_date in 9999", method: "POST", path: base + "/waitlist",
			body: `{"patient_id":"{patient}","from_date":"9999-12-30","to_date":"9999-12-31"}`, field: "from_date|to_date", tables: "waitlist_entries"},
		hardeningCase{name: "waitlist to_date 2099-12-31 (allowed)", method: "POST", path: base + "/waitlist",
			body: `{"patient_id":"{patient}","from_date":"{day}","to_date":"2099-12-31"}`, status: 201},
	)
	for _, r := range []struct{ route, path string }{
		{"availability", base + "/availability?professional_id={prof}&"},
		{"agenda", base + "/appointments?"},
	} {
		cases = append(cases,
			hardeningCase{name: r.route + " from 2000-01-01T00:00:00Z (allowed)", method: "GET", path: r.path + "from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z", status: 200},
			hardeningCase{name: r.route + " from 1999-12-31T23:59:59Z", method: "GET", path: r.path + "from=1999-12-31T23:59:59Z&to=2000-01-01T12:00:00Z", field: "from"},
			hardeningCase{name: r.route + " to 2099-12-31T23:59:59Z (allowed)", method: "GET", path: r.path + "from=2099-12-31T00:00:00Z&to=2099-12-31T23:59:59Z", status: 200},
			hardeningCase{name: r.route + " to 2100-01-01T00:00:01Z", method: "GET", path: r.path + "from=2099-12-31T00:00:00Z&to=2100-01-01T00:00:01Z", field: "to"},
			hardeningCase{name: r.route + " from and to in year 0001", method: "GET", path: r.path + "from=0001-01-01&to=0001-01-02", field: "from"},
			hardeningCase{name: r.route + " from and to in year 9999", method: "GET", path: r.path + "from=9999-12-30&to=9999-12-31", field: "from"},
			hardeningCase{name: r.route + " from and to in year 10000 (UTC)", method: "GET", path: r.path + "from=9999-12-31T21:00:00-03:00&to=9999-12-31T22:00:00-03:00", field: "from"},
		)
	}

	// Item 6: strict JSON.
	cases = append(cases,
		hardeningCase{name: "key in another case", method: "POST", path: base + "/patients", body: `{"Full_Name":"Ana Souza"}`, field: "Full_Name", tables: "patients"},
		hardeningCase{name: "key in another case overwriting the right one", method: "POST", path: base + "/patients",
			body: `{"full_name":"Ana Souza","Full_Name":"Bia Lima"}`, field: "Full_Name", tables: "patients"},
		hardeningCase{name: "upper-case key", method: "POST", path: base + "/rooms", body: `{"NAME":"Sala 9"}`, field: "NAME", tables: "rooms"},
		hardeningCase{name: "nested key in another case", method: "POST", path: base + "/appointment-series",
			body: series(`,"starts_at":"{slot}","recurrence":{"Every_Days":7,"count":2}`), field: "recurrence.Every_Days", tables: "appointments"},
		hardeningCase{name: "login key in another case", method: "POST", path: "/api/v1/login", anon: true,
			body: `{"Email":"a@example.com","password":"x"}`, field: "Email", tables: "sessions"},
		hardeningCase{name: "duplicate key", method: "POST", path: base + "/patients",
			body: `{"full_name":"Ana Souza","full_name":"Bia Lima"}`, field: "full_name", tables: "patients"},
		hardeningCase{name: "duplicate key in a room", method: "POST", path: base + "/rooms", body: `{"name":"Sala 1","name":"Sala 2"}`, field: "name", tables: "rooms"},
		hardeningCase{name: "duplicate key in a list element", method: "PUT", path: base + "/professionals/{prof}/working-hours",
			body: `{"rules":[{"weekday":1,"weekday":2,"start":"08:00","end":"12:00"}]}`, field: "rules[0].weekday", tables: "working_hours"},
		hardeningCase{name: "duplicate key in a nested object", method: "POST", path: base + "/appointment-series",
			body: series(`,"starts_at":"{slot}","recurrence":{"every_days":7,"every_days":1,"count":2}`), field: "recurrence.every_days", tables: "appointments"},
		hardeningCase{name: "duplicate key at login", method: "POST", path: "/api/v1/login", anon: true,
			body: `{"email":"a@example.com","email":"b@example.com","password":"x"}`, field: "email", tables: "sessions"},
		hardeningCase{name: "duplicate patient_id", method: "POST", path: base + "/waitlist",
			body: `{"patient_id":"{patient}","patient_id":"` + hardeningUnknownID + `","from_date":"{day}","to_date":"{day}"}`, field: "patient_id", tables: "waitlist_entries"},
		hardeningCase{name: "invalid UTF-8 in a string", method: "POST", path: base + "/rooms", body: "{\"name\":\"Sala \xff\"}", tables: "rooms"},
		hardeningCase{name: "truncated UTF-8 sequence", method: "POST", path: base + "/patients", body: "{\"full_name\":\"Jos\xc3\"}", tables: "patients"},
		hardeningCase{name: "overlong UTF-8 encoding of /", method: "POST", path: base + "/rooms", body: "{\"name\":\"Sala \xc0\xaf\"}", tables: "rooms"},
		hardeningCase{name: "invalid UTF-8 in a key", method: "POST", path: base + "/rooms", body: "{\"name\":\"Sala\",\"\xff\":1}", tables: "rooms"},
		hardeningCase{name: "lone high surrogate", method: "POST", path: base + "/rooms", body: `{"name":"Sala \ud800"}`, tables: "rooms"},
		hardeningCase{name: "lone low surrogate", method: "POST", path: base + "/patients", body: `{"full_name":"Ana \udc00"}`, tables: "patients"},
		hardeningCase{name: "high surrogate followed by a letter", method: "POST", path: base + "/professionals", body: `{"name":"Ana \ud800\u0041"}`, tables: "professionals"},
	)

	// Item 7: e-mails, phones, time zones, extra hours.
	for _, e := range []string{"a@[127.0.0.1]", "a@-example.com", "ana@exam_ple.com"} {
		cases = append(cases,
			hardeningCase{name: "signup e-mail " + e, method: "POST", path: "/api/v1/signup", anon: true,
				body: `{"clinic_name":"Clínica","name":"Ana","email":"` + e + `","password":"correct horse battery"}`, field: "email", tables: "clinics,users,memberships"},
			hardeningCase{name: "user e-mail " + e, method: "POST", path: base + "/users",
				body: `{"email":"` + e + `","name":"Rita","role":"receptionist"}`, field: "email", tables: "users,memberships"},
			hardeningCase{name: "patient e-mail " + e, method: "POST", path: base + "/patients",
				body: `{"full_name":"Ana Souza","email":"` + e + `"}`, field: "email", tables: "patients"},
		)
	}
	cases = append(cases,
		hardeningCase{name: "patient phone +999999999999999", method: "POST", path: base + "/patients",
			body: `{"full_name":"Ana Souza","phone":"+999999999999999"}`, field: "phone", tables: "patients"},
		hardeningCase{name: "patient phone +999999999999999 (PATCH)", method: "PATCH", path: base + "/patients/{patient}",
			body: `{"phone":"+999999999999999"}`, field: "phone", tables: "patients"},
	)
	for _, tz := range []string{"Factory", "posixrules", "EST5EDT", "Etc/GMT+3", "Local", `America/Sao_Paulo\u0000`, "../../etc/passwd"} {
		cases = append(cases, hardeningCase{name: "clinic time zone " + tz, method: "PATCH", path: base,
			body: `{"time_zone":"` + tz + `"}`, field: "time_zone", tables: "clinics"})
	}
	cases = append(cases,
		hardeningCase{name: "clinic time zone UTC (allowed)", method: "PATCH", path: base, body: `{"time_zone":"UTC"}`, status: 200},
		hardeningCase{name: "clinic time zone America/Sao_Paulo (allowed)", method: "PATCH", path: base, body: `{"time_zone":"America/Sao_Paulo"}`, status: 200},
		hardeningCase{name: "extra hours without start nor end", method: "POST", path: base + "/professionals/{prof}/exceptions",
			body: `{"date":"{day}","kind":"extra"}`, field: "start|end", tables: "schedule_exceptions"},
		hardeningCase{name: "extra hours with null start and end", method: "POST", path: base + "/professionals/{prof}/exceptions",
			body: `{"date":"{day}","kind":"extra","start":null,"end":null}`, field: "start|end", tables: "schedule_exceptions"},
		hardeningCase{name: "extra hours with a start only", method: "POST", path: base + "/professionals/{prof}/exceptions",
			body: `{"date":"{day}","kind":"extra","start":"18:00"}`, field: "start|end", tables: "schedule_exceptions"},
	)
	return cases
}

// TestHardeningBadInputAnswers400 replays issue 7: every bad input answers
// 400 invalid naming the field and writes nothing, on both engines, and the
// instance answers no 5xx during the whole table.
func TestHardeningBadInputAnswers400(t *testing.T) {
	t.Parallel()
	cases := hardeningCases()
	each(t, map[string]string{"RATE_LIMIT_LOGIN_EMAIL": "100000/1m"}, func(t *testing.T, in *apptest.Instance) {
		owner := in.Client(t)
		clinicID, _ := owner.Signup("Clínica Hardening", email("owner"))
		_, memberID := in.Member(t, owner, clinicID, "receptionist")
		patientID := appointmenttest.Patient(t, in.DB, clinicID, "Maria Silva")
		profID := appointmenttest.Professional(t, in.DB, clinicID, "Dra. Ana", 30, "")
		appointmenttest.Weekdays(t, in.DB, clinicID, profID, "08:00", "18:00", "")
		roomID := appointmenttest.Room(t, in.DB, clinicID, "Sala 1")
		loc, err := time.LoadLocation("America/Sao_Paulo")
		require.NoError(t, err)
		// Free slots and days start two months ahead, one per case.
		first := time.Now().In(loc).AddDate(0, 2, 0).Truncate(time.Hour)
		res := owner.Do("POST", "/api/v1/clinics/"+clinicID+"/appointments", map[string]any{"patient_id": patientID,
			"professional_id": profID, "starts_at": first.Add(-24 * time.Hour).Format(time.RFC3339), "override_working_hours": true})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		apptID := res.JSON(t)["id"].(string)

		for i, tc := range cases {
			// Sequential: each case compares the tables before and after it.
			t.Run(tc.name, func(t *testing.T) {
				r := strings.NewReplacer("{clinic}", clinicID, "{patient}", patientID, "{prof}", profID, "{room}", roomID,
					"{appt}", apptID, "{member}", memberID, "{email}", email("h"),
					"{slot}", first.Add(time.Duration(i)*13*time.Hour).Format(time.RFC3339),
					"{day}", first.AddDate(0, 0, i).Format(time.DateOnly))
				c := owner
				if tc.anon {
					c = in.Client(t)
				}
				var tables []string
				if tc.tables != "" {
					tables = strings.Split(tc.tables, ",")
				}
				before := make([]string, len(tables))
				for j, table := range tables {
					before[j] = in.TableDigest(t, table)
				}
				var body []byte
				if tc.body != "" {
					body = []byte(r.Replace(tc.body))
				}
				res, err := c.Raw(tc.method, r.Replace(tc.path), body)
				require.NoError(t, err)
				if tc.status != 0 {
					require.Equal(t, tc.status, res.Status, "%s", res.Body)
					return
				}
				require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
				require.Equal(t, "invalid", res.ErrorCode(), "%s", res.Body)
				if tc.field != "" {
					fields := res.Fields()
					found := false
					for f := range strings.SplitSeq(tc.field, "|") {
						_, ok := fields[f]
						found = found || ok
					}
					require.True(t, found, "error.fields lacks %q: %s", tc.field, res.Body)
				}
				for j, table := range tables {
					require.Equal(t, before[j], in.TableDigest(t, table), "table %s changed", table)
				}
			})
		}
		require.Zero(t, in.ServerErrors(t), "answers with a 5xx status during the table (see clinic_http_requests_total in /metrics)")
	})
}
