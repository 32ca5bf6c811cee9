package httpapi_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
)

// hardeningTables are the tables a refused request must leave untouched.
var hardeningTables = []string{"clinics", "users", "memberships", "api_tokens", "patients", "professionals", "rooms",
	"working_hours", "schedule_exceptions", "appointments", "waitlist_entries"}

func rowCounts(t *testing.T, in *apptest.Instance) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range hardeningTables {
		var n int
		require.NoError(t, in.DB.QueryRowContext(t.Context(), `SELECT count(*) FROM `+table).Scan(&n), table)
		out[table] = n
	}
	return out
}

func cursorOf(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestBadInputAnswers400NamingTheField replays the defects of issue 7 (items
// 1–4, 6 and the extra exception of 7) and their neighbours: each answers 400
// invalid naming the field, and nothing is written.
func TestBadInputAnswers400NamingTheField(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := apptNewClinic(t, in)
		apptID := c.book(t, c.profID, c.at(0, 10, 0))
		start := c.at(1, 9, 0).Format("2006-01-02T15:04:05-07:00")
		appt := func(extra string) string {
			return `{"patient_id":"` + c.patientID + `","professional_id":"` + c.profID + `","starts_at":"` + start + `"` + extra + `}`
		}
		series := func(rec string) string {
			return `{"patient_id":"` + c.patientID + `","professional_id":"` + c.profID + `","starts_at":"` + start + `","recurrence":` + rec + `}`
		}
		waitlist := func(extra string) string {
			return `{"patient_id":"` + c.patientID + `","from_date":"2030-01-01","to_date":"2030-02-01"` + extra + `}`
		}
		prof := "/professionals/" + c.profID
		longQ := strings.Repeat("maria ", 1700) // 10 KB
		id := "0193a1b2-0000-7000-8000-000000000000"
		const ctl, range_ = "Must not contain control characters.", "Must be between 2000-01-01 and 2099-12-31."
		tests := []struct {
			name         string
			method, path string // path "" + c.path when it starts with "/"; absolute when it starts with /api
			body         string
			field, msg   string
		}{
			// 1. Text policy: NUL and other control characters, in every kind of field.
			{"login e-mail with NUL", "POST", "/api/v1/login", `{"email":"a\u0000b@example.com","password":"x"}`, "email", ctl},
			{"login password with NUL", "POST", "/api/v1/login", `{"email":"a@example.com","password":"x\u0000"}`, "password", ctl},
			{"signup clinic name with NUL", "POST", "/api/v1/signup", `{"clinic_name":"C\u0000","name":"N","email":"n@example.com","password":"correct horse battery"}`, "clinic_name", ctl},
			{"signup name with an escape", "POST", "/api/v1/signup", `{"clinic_name":"C","name":"N\u001b[31m","email":"n@example.com","password":"correct horse battery"}`, "name", ctl},
			{"professional name with NUL", "POST", "/professionals", `{"name":"Dr\u0000"}`, "name", ctl},
			{"professional specialty with NUL", "POST", "/professionals", `{"name":"Dr","specialty":"\u0000"}`, "specialty", ctl},
			{"professional council registration with NUL", "PATCH", prof, `{"council_registration":"CRM\u0000"}`, "council_registration", ctl},
			{"room name with NUL", "POST", "/rooms", `{"name":"Sala\u0000"}`, "name", ctl},
			{"room name with DEL", "POST", "/rooms", `{"name":"Sala\u007f"}`, "name", ctl},
			{"clinic name with NUL", "PATCH", "", `{"name":"C\u0000"}`, "name", ctl},
			{"token name with NUL", "POST", "/tokens", `{"name":"t\u0000","role":"receptionist"}`, "name", ctl},
			{"user name with NUL", "POST", "/users", `{"email":"u@example.com","name":"U\u0000","role":"receptionist"}`, "name", ctl},
			{"appointment procedure with NUL", "POST", "/appointments", appt(`,"procedure":"x\u0000"`), "procedure", ctl},
			{"appointment notes with NUL", "POST", "/appointments", appt(`,"notes":"x\u0000"`), "notes", ctl},
			{"appointment notes with a C1 control", "POST", "/appointments", appt(`,"notes":"x\u0085"`), "notes", ctl},
			{"appointment procedure with a newline", "POST", "/appointments", appt(`,"procedure":"a\nb"`), "procedure", ctl},
			{"appointment PATCH notes with NUL", "PATCH", "/appointments/" + apptID, `{"notes":"\u0000"}`, "notes", ctl},
			{"series procedure with NUL", "POST", "/appointment-series", `{"patient_id":"` + c.patientID + `","professional_id":"` + c.profID + `","starts_at":"` + start + `","procedure":"\u0000","recurrence":{"every_days":7,"count":2}}`, "procedure", ctl},
			{"waitlist notes with NUL", "POST", "/waitlist", waitlist(`,"notes":"\u0000"`), "notes", ctl},
			{"exception reason with NUL", "POST", prof + "/exceptions", `{"date":"2030-01-01","kind":"off","reason":"\u0000"}`, "reason", ctl},
			{"exception reason with a tab", "POST", prof + "/exceptions", `{"date":"2030-01-01","kind":"off","reason":"a\tb"}`, "reason", ctl},
			{"patient name with NUL", "POST", "/patients", `{"full_name":"A\u0000"}`, "full_name", ctl},
			{"patient street with NUL", "POST", "/patients", `{"full_name":"A","address":{"street":"\u0000"}}`, "address.street", ctl},
			{"working hours start with NUL", "PUT", prof + "/working-hours", `{"rules":[{"weekday":1,"start":"08:00\u0000","end":"12:00"}]}`, "rules[0].start", ctl},
			{"search with NUL", "GET", "/patients?q=" + url.QueryEscape("ana\x00"), "", "q", ctl},
			{"search with invalid UTF-8", "GET", "/patients?q=%FF", "", "q", "Must be valid UTF-8 text."},
			{"patient cursor with NUL", "GET", "/patients?cursor=" + cursorOf(id+",ana\x00"), "", "cursor", ""},
			{"patient cursor with invalid UTF-8", "GET", "/patients?cursor=" + cursorOf(id+",ana\xff"), "", "cursor", ""},
			{"waitlist cursor with NUL", "GET", "/waitlist?cursor=" + cursorOf("2030-01-01T00:00:00Z,"+id+"\x00"), "", "cursor", ""},
			{"agenda cursor with NUL", "GET", "/appointments?from=2030-01-01&to=2030-01-02&cursor=" + cursorOf("2030-01-01T00:00:00Z\x00,"+id), "", "cursor", ""},

			// 6. Strict JSON.
			{"name in another case", "POST", "/patients", `{"Full_Name":"A"}`, "Full_Name", "Unknown field."},
			{"name in another case after the right one", "POST", "/patients", `{"full_name":"A","Full_Name":"B"}`, "Full_Name", "Unknown field."},
			{"nested name in another case", "POST", "/patients", `{"full_name":"A","address":{"Street":"x"}}`, "address.Street", "Unknown field."},
			{"login e-mail in another case", "POST", "/api/v1/login", `{"Email":"a@example.com","password":"x"}`, "Email", "Unknown field."},
			{"duplicate key", "POST", "/patients", `{"full_name":"A","full_name":"B"}`, "full_name", "Duplicate field."},
			{"nested duplicate key", "POST", "/patients", `{"full_name":"A","address":{"city":"x","city":"y"}}`, "address.city", "Duplicate field."},
			{"duplicate key in a list item", "PUT", prof + "/working-hours", `{"rules":[{"weekday":1,"weekday":2,"start":"08:00","end":"12:00"}]}`, "rules[0].weekday", "Duplicate field."},
			{"invalid UTF-8", "POST", "/patients", "{\"full_name\":\"A\xff\"}", "full_name", "Must be valid UTF-8 text."},
			{"lone surrogate", "POST", "/patients", `{"full_name":"\ud800"}`, "full_name", "Must be valid UTF-8 text."},
			{"lone surrogate in a room name", "POST", "/rooms", `{"name":"Sala \udfff"}`, "name", "Must be valid UTF-8 text."},

			// 2. Numbers.
			{"duration that overflows", "POST", "/appointments", appt(`,"duration_minutes":307445740`), "duration_minutes", ""},
			{"negative duration", "POST", "/appointments", appt(`,"duration_minutes":-30`), "duration_minutes", ""},
			{"duration beyond int64", "POST", "/appointments", appt(`,"duration_minutes":1e30`), "duration_minutes", ""},
			{"PATCH duration that overflows", "PATCH", "/appointments/" + apptID, `{"duration_minutes":307445740}`, "duration_minutes", ""},
			{"every_days that overflows", "POST", "/appointment-series", series(`{"every_days":307445740,"count":2}`), "recurrence.every_days", ""},
			{"count that overflows", "POST", "/appointment-series", series(`{"every_days":7,"count":9223372036854775807}`), "recurrence.count", ""},
			{"weekday out of range", "PUT", prof + "/working-hours", `{"rules":[{"weekday":7,"start":"08:00","end":"12:00"}]}`, "rules[0].weekday", ""},
			{"default duration that overflows", "POST", "/professionals", `{"name":"Dr","default_duration_minutes":307445740}`, "default_duration_minutes", ""},
			{"waitlist duration that overflows", "POST", "/waitlist", waitlist(`,"duration_minutes":307445740`), "duration_minutes", ""},
			{"availability duration that overflows", "GET", "/availability?from=2030-01-01&to=2030-01-02&duration=307445740", "", "duration", ""},
			{"patients limit over 200", "GET", "/patients?limit=201", "", "limit", "Must be a whole number from 1 to 200."},
			{"waitlist limit over 200", "GET", "/waitlist?limit=201", "", "limit", "Must be a whole number from 1 to 200."},
			{"audit limit over 200", "GET", "/audit?limit=201", "", "limit", "Must be a whole number from 1 to 200."},
			{"agenda limit beyond int64", "GET", "/appointments?from=2030-01-01&to=2030-01-02&limit=99999999999999999999", "", "limit", ""},
			{"working hours time with a sign", "PUT", prof + "/working-hours", `{"rules":[{"weekday":1,"start":"+8:00","end":"12:00"}]}`, "rules[0].start", ""},

			// 3. Dates and instants.
			{"start in year 9999", "POST", "/appointments", `{"patient_id":"` + c.patientID + `","professional_id":"` + c.profID + `","starts_at":"9999-12-31T23:50:00Z","duration_minutes":30}`, "starts_at", range_},
			{"start in year 10000 in UTC", "POST", "/appointments", `{"patient_id":"` + c.patientID + `","professional_id":"` + c.profID + `","starts_at":"9999-12-31T22:00:00-03:00","duration_minutes":30}`, "starts_at", range_},
			{"start in 2100", "POST", "/appointments", `{"patient_id":"` + c.patientID + `","professional_id":"` + c.profID + `","starts_at":"2100-01-04T09:00:00-03:00"}`, "starts_at", range_},
			{"end in year 9999", "POST", "/appointments", appt(`,"ends_at":"9999-12-31T23:50:00Z"`), "ends_at", ""},
			{"PATCH start in year 9999", "PATCH", "/appointments/" + apptID, `{"starts_at":"9999-12-31T22:00:00-03:00"}`, "starts_at", range_},
			{"series until in year 9999", "POST", "/appointment-series", series(`{"every_days":7,"until":"9999-12-31"}`), "recurrence.until", range_},
			{"exception in year 1", "POST", prof + "/exceptions", `{"date":"0001-01-01","kind":"off"}`, "date", range_},
			{"exception in year 9999", "POST", prof + "/exceptions", `{"date":"9999-12-31","kind":"off"}`, "date", range_},
			{"waitlist from year 1", "POST", "/waitlist", `{"patient_id":"` + c.patientID + `","from_date":"0001-01-01","to_date":"2030-02-01"}`, "from_date", range_},
			{"waitlist to year 9999", "POST", "/waitlist", `{"patient_id":"` + c.patientID + `","from_date":"2030-01-01","to_date":"9999-12-31"}`, "to_date", range_},
			{"insurance valid until year 9999", "POST", "/patients", `{"full_name":"A","insurance":{"valid_until":"9999-12-31"}}`, "insurance.valid_until", range_},
			{"availability from year 9999", "GET", "/availability?from=9999-12-01&to=9999-12-02", "", "from", range_},
			{"availability to year 10000 in UTC", "GET", "/availability?from=2030-01-01&to=" + url.QueryEscape("9999-12-31T22:00:00-03:00"), "", "to", range_},
			{"agenda from year 1", "GET", "/appointments?from=0001-01-01&to=2030-01-02", "", "from", range_},
			{"agenda to year 9999", "GET", "/appointments?from=2030-01-01T00:00:00Z&to=9999-12-31T00:00:00Z", "", "to", range_},
			{"exceptions from year 9999", "GET", prof + "/exceptions?from=9999-01-01", "", "from", range_},

			// 4. A bounded search.
			{"search of 10 KB", "GET", "/patients?q=" + url.QueryEscape(longQ), "", "q", "Must be at most 200 characters."},
			{"search of 13 words", "GET", "/patients?q=" + url.QueryEscape("a b c d e f g h i j k l m"), "", "q", "Must have at most 12 words."},

			// 7. Extra hours need start and end.
			{"extra exception without start and end", "POST", prof + "/exceptions", `{"date":"2030-01-01","kind":"extra"}`, "start", "Required for extra hours (HH:MM)."},
			{"extra exception without end", "POST", prof + "/exceptions", `{"date":"2030-01-01","kind":"extra","start":"18:00"}`, "end", "Required for extra hours (HH:MM)."},
			{"extra exception without start", "POST", prof + "/exceptions", `{"date":"2030-01-01","kind":"extra","end":"20:00","start":null}`, "start", "Required for extra hours (HH:MM)."},
		}
		before := rowCounts(t, in)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				path := tt.path
				if !strings.HasPrefix(path, "/api/") {
					path = c.path(path)
				}
				var body any
				if tt.body != "" {
					body = tt.body
				}
				client := c.owner
				if strings.HasPrefix(path, "/api/v1/login") || strings.HasPrefix(path, "/api/v1/signup") {
					client = in.Client(t)
				}
				res := client.Do(tt.method, path, body)
				require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
				require.Equal(t, "invalid", res.ErrorCode(), "%s", res.Body)
				fields, _ := res.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)
				require.Contains(t, fields, tt.field, "%s", res.Body)
				if tt.msg != "" {
					require.Equal(t, tt.msg, fields[tt.field], "%s", res.Body)
				}
			})
		}
		require.Equal(t, before, rowCounts(t, in), "no refused request wrote a row")
	})
}

// TestGoodInputStillPasses checks the neighbours that must stay accepted:
// multi-line notes, text with accents and emoji, the edges of the ranges.
func TestGoodInputStillPasses(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := apptNewClinic(t, in)
		start := c.at(2, 9, 0).Format("2006-01-02T15:04:05-07:00")
		tests := []struct {
			name, method, path, body string
			status                   int
		}{
			{"multi-line appointment notes", "POST", "/appointments", `{"patient_id":"` + c.patientID + `","professional_id":"` + c.profID + `","starts_at":"` + start + `","duration_minutes":720,"override_working_hours":true,"notes":"linha 1\r\nlinha 2\tfim"}`, 201},
			{"multi-line patient notes and accents", "POST", "/patients", `{"full_name":"João 😀 Çé","notes":"a\nb\tc"}`, 201},
			{"multi-line waitlist notes", "POST", "/waitlist", `{"patient_id":"` + c.patientID + `","from_date":"2099-12-01","to_date":"2099-12-31","notes":"l1\nl2"}`, 201},
			{"extra exception with start and end", "POST", "/professionals/" + c.profID + "/exceptions", `{"date":"2099-12-31","kind":"extra","start":"18:00","end":"20:00"}`, 201},
			{"whole day off", "POST", "/professionals/" + c.profID + "/exceptions", `{"date":"2000-01-01","kind":"off"}`, 201},
			{"search of 12 words", "GET", "/patients?q=" + url.QueryEscape("a b c d e f g h i j k l"), "", 200},
			{"limit 200", "GET", "/patients?limit=200", "", 200},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var body any
				if tt.body != "" {
					body = tt.body
				}
				res := c.owner.Do(tt.method, c.path(tt.path), body)
				require.Equal(t, tt.status, res.Status, "%s", res.Body)
			})
		}
	})
}
