package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/platform/db/dbtest"
)

// apptClinic is a clinic (America/Sao_Paulo) with users of every role and,
// inserted with SQL, a patient, two professionals working Monday to Friday
// 08:00–18:00 (the first linked to the professional user) and a room.
type apptClinic struct {
	id                                           string
	owner, receptionist, professional, financial *apptest.Client
	patientID, profID, prof2ID, roomID           string
	loc                                          *time.Location
}

func apptNewClinic(t *testing.T, in *apptest.Instance) *apptClinic {
	t.Helper()
	c := &apptClinic{owner: in.Client(t)}
	c.id, _ = c.owner.Signup("Clínica Agenda", email("owner"))
	var profUser string
	c.receptionist, _ = in.Member(t, c.owner, c.id, "receptionist")
	c.professional, profUser = in.Member(t, c.owner, c.id, "professional")
	c.financial, _ = in.Member(t, c.owner, c.id, "financial")
	c.patientID = appointmenttest.Patient(t, in.DB, c.id, "Maria Silva")
	c.profID = appointmenttest.Professional(t, in.DB, c.id, "Dra. Ana", 30, profUser)
	c.prof2ID = appointmenttest.Professional(t, in.DB, c.id, "Dr. Bruno", 30, "")
	for _, p := range []string{c.profID, c.prof2ID} {
		appointmenttest.Weekdays(t, in.DB, c.id, p, "08:00", "18:00", "")
	}
	c.roomID = appointmenttest.Room(t, in.DB, c.id, "Sala 1")
	var err error
	c.loc, err = time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	return c
}

func (c *apptClinic) path(p string) string { return "/api/v1/clinics/" + c.id + p }

// at returns hh:mm clinic-local on the day days after the Monday at least a
// week from now.
func (c *apptClinic) at(days, hh, mm int) time.Time {
	now := time.Now().In(c.loc)
	d := time.Date(now.Year(), now.Month(), now.Day()+7, 0, 0, 0, 0, c.loc)
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day()+days, hh, mm, 0, 0, c.loc)
}

func (c *apptClinic) book(t *testing.T, prof string, start time.Time) string {
	t.Helper()
	res := c.receptionist.Do("POST", c.path("/appointments"), map[string]any{"patient_id": c.patientID, "professional_id": prof,
		"starts_at": start.Format(time.RFC3339), "notes": "Nota clínica"})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	return res.JSON(t)["id"].(string)
}

func TestAppointmentsAPI(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := apptNewClinic(t, in)
		start := c.at(0, 9, 0)
		res := c.receptionist.Do("POST", c.path("/appointments"), map[string]any{"patient_id": c.patientID, "professional_id": c.profID,
			"room_id": c.roomID, "starts_at": start.Format(time.RFC3339), "duration_minutes": 40, "procedure": "Consulta", "notes": "Alergia a dipirona"})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		var a struct {
			ID               string
			PatientName      string    `json:"patient_name"`
			ProfessionalName string    `json:"professional_name"`
			RoomName         string    `json:"room_name"`
			Status           string    `json:"status"`
			Notes            *string   `json:"notes"`
			StartsAt         time.Time `json:"starts_at"`
			EndsAt           time.Time `json:"ends_at"`
			Events           []struct {
				Kind      string `json:"kind"`
				NewStatus string `json:"new_status"`
			}
		}
		apptDecode(t, res, &a)
		require.Equal(t, "Maria Silva", a.PatientName)
		require.Equal(t, "Dra. Ana", a.ProfessionalName)
		require.Equal(t, "Sala 1", a.RoomName)
		require.Equal(t, "scheduled", a.Status)
		require.True(t, a.StartsAt.Equal(start))
		require.Equal(t, 40*time.Minute, a.EndsAt.Sub(a.StartsAt))

		// Reschedule, confirm, then an invalid transition.
		res = c.receptionist.Do("PATCH", c.path("/appointments/"+a.ID), map[string]any{"starts_at": c.at(0, 10, 0).Format(time.RFC3339)})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res = c.receptionist.Do("POST", c.path("/appointments/"+a.ID+"/status"), map[string]any{"status": "confirmed"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "confirmed", res.JSON(t)["status"])
		res = c.receptionist.Do("POST", c.path("/appointments/"+a.ID+"/status"), map[string]any{"status": "completed"})
		require.Equal(t, http.StatusConflict, res.Status, "%s", res.Body)
		require.Equal(t, "conflict", res.ErrorCode())
		msg := res.JSON(t)["error"].(map[string]any)["message"].(string)
		require.Contains(t, msg, "confirmed")
		require.Contains(t, msg, "completed")

		res = c.owner.Do("GET", c.path("/appointments/"+a.ID), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		apptDecode(t, res, &a)
		require.True(t, a.StartsAt.Equal(c.at(0, 10, 0)))
		require.Equal(t, "Alergia a dipirona", *a.Notes)
		kinds := []string{}
		for _, e := range a.Events {
			kinds = append(kinds, e.Kind)
		}
		require.Equal(t, []string{"created", "rescheduled", "status"}, kinds)
		require.Equal(t, "confirmed", a.Events[2].NewStatus)

		// Null reads as absent on a time and clears the room.
		res = c.receptionist.Do("PATCH", c.path("/appointments/"+a.ID), map[string]any{"starts_at": nil, "room_id": nil})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		a.RoomName = ""
		apptDecode(t, res, &a)
		require.True(t, a.StartsAt.Equal(c.at(0, 10, 0)))
		require.Empty(t, a.RoomName)
		require.Empty(t, res.JSON(t)["room_id"])

		// The agenda of the day, by clinic-local dates (to is inclusive).
		other := c.book(t, c.prof2ID, c.at(0, 8, 0))
		c.book(t, c.prof2ID, c.at(1, 8, 0))
		day := c.at(0, 0, 0).Format(time.DateOnly)
		var page struct {
			Items []struct {
				ID               string `json:"id"`
				PatientName      string `json:"patient_name"`
				ProfessionalName string `json:"professional_name"`
			}
			NextCursor string `json:"next_cursor"`
		}
		res = c.receptionist.Do("GET", c.path("/appointments?from="+day+"&to="+day), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		apptDecode(t, res, &page)
		require.Len(t, page.Items, 2)
		require.Equal(t, other, page.Items[0].ID, "ordered by start")
		require.Equal(t, a.ID, page.Items[1].ID)
		require.Equal(t, "Dr. Bruno", page.Items[0].ProfessionalName)
		require.Equal(t, "Maria Silva", page.Items[0].PatientName)

		// Compressed for clients that take gzip, the same page.
		path := c.path("/appointments?from=" + day + "&to=" + day)
		plain := c.receptionist.Do("GET", path, nil, http.Header{"Accept-Encoding": {"identity"}})
		require.Empty(t, plain.Header.Get("Content-Encoding"))
		zipped := c.receptionist.Do("GET", path, nil, http.Header{"Accept-Encoding": {"br;q=1.0, gzip;q=0.8"}})
		require.Equal(t, "gzip", zipped.Header.Get("Content-Encoding"))
		require.Contains(t, zipped.Header.Values("Vary"), "Accept-Encoding")
		zr, err := gzip.NewReader(bytes.NewReader(zipped.Body))
		require.NoError(t, err)
		unzipped, err := io.ReadAll(zr)
		require.NoError(t, err)
		require.JSONEq(t, string(plain.Body), string(unzipped))
		refused := c.receptionist.Do("GET", path, nil, http.Header{"Accept-Encoding": {"gzip;q=0"}})
		require.Empty(t, refused.Header.Get("Content-Encoding"))
		require.JSONEq(t, string(plain.Body), string(refused.Body))

		// RFC 3339 bounds, a filter, and a professional's own agenda.
		q := "?from=" + urlTime(c.at(0, 0, 0)) + "&to=" + urlTime(c.at(2, 0, 0))
		res = c.receptionist.Do("GET", c.path("/appointments"+q+"&professional_id="+c.prof2ID+"&status=scheduled,confirmed"), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		apptDecode(t, res, &page)
		require.Len(t, page.Items, 2)
		res = c.professional.Do("GET", c.path("/appointments"+q), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		apptDecode(t, res, &page)
		require.Len(t, page.Items, 1)
		require.Equal(t, a.ID, page.Items[0].ID)
		require.Equal(t, http.StatusNotFound, c.professional.Do("GET", c.path("/appointments/"+other), nil).Status)
		res = c.professional.Do("PATCH", c.path("/appointments/"+a.ID), map[string]any{"notes": "Evolução"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res = c.professional.Do("POST", c.path("/appointments/"+a.ID+"/status"), map[string]any{"status": "arrived"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)

		// Financial sees the agenda without notes.
		res = c.financial.Do("GET", c.path("/appointments"+q), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		apptDecode(t, res, &page)
		require.Len(t, page.Items, 3)
		require.NotContains(t, string(res.Body), `"notes"`)
		res = c.financial.Do("GET", c.path("/appointments/"+a.ID), nil)
		require.Equal(t, http.StatusOK, res.Status)
		require.NotContains(t, string(res.Body), "Evolução")

		// Cancelling frees the slot for another booking.
		res = c.receptionist.Do("POST", c.path("/appointments/"+other+"/status"), map[string]any{"status": "cancelled"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		c.book(t, c.prof2ID, c.at(0, 8, 0))

		// Every write is in the audit trail with the patient.
		res = c.owner.Do("GET", "/api/v1/clinics/"+c.id+"/audit?patient_id="+c.patientID, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var audit struct {
			Entries []struct {
				Entity   string `json:"entity"`
				EntityID string `json:"entity_id"`
			}
		}
		apptDecode(t, res, &audit)
		n := 0
		for _, e := range audit.Entries {
			if e.Entity == "appointment" && e.EntityID == a.ID {
				n++
			}
		}
		require.Equal(t, 6, n, "create, reschedule, status, room cleared, notes, status")
	})
}

func urlTime(t time.Time) string { return strings.ReplaceAll(t.Format(time.RFC3339), "+", "%2B") }

func apptDecode(t *testing.T, res *apptest.Response, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(res.Body, v), "%s", res.Body)
}

func TestAppointmentsAPIRefusals(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := apptNewClinic(t, in)
		o := apptNewClinic(t, in) // another clinic
		otherAppt := o.book(t, o.profID, o.at(0, 9, 0))
		busy := c.book(t, c.profID, c.at(0, 9, 0))
		valid := func(change map[string]any) map[string]any {
			body := map[string]any{"patient_id": c.patientID, "professional_id": c.profID, "starts_at": c.at(0, 11, 0).Format(time.RFC3339)}
			for k, v := range change {
				if v == nil {
					delete(body, k)
					continue
				}
				body[k] = v
			}
			return body
		}
		rfc := func(t time.Time) string { return t.Format(time.RFC3339) }
		day := c.at(0, 0, 0).Format(time.DateOnly)
		tests := []struct {
			name   string
			client *apptest.Client
			method string
			path   string
			body   any
			status int
			code   string
			field  string
		}{
			{"unknown appointment", c.owner, "GET", "/appointments/0190a1b2-0000-7000-8000-000000000009", nil, 404, "not_found", ""},
			{"malformed appointment id", c.owner, "GET", "/appointments/42", nil, 404, "not_found", ""},
			{"another clinic's appointment", c.owner, "GET", "/appointments/" + otherAppt, nil, 404, "not_found", ""},
			{"another clinic's appointment status", c.owner, "POST", "/appointments/" + otherAppt + "/status", map[string]any{"status": "confirmed"}, 404, "not_found", ""},
			{"another clinic's appointment patch", c.owner, "PATCH", "/appointments/" + otherAppt, map[string]any{"notes": "x"}, 404, "not_found", ""},
			{"another clinic's patient", c.receptionist, "POST", "/appointments", valid(map[string]any{"patient_id": o.patientID}), 404, "not_found", ""},
			{"another clinic's professional", c.receptionist, "POST", "/appointments", valid(map[string]any{"professional_id": o.profID}), 404, "not_found", ""},
			{"another clinic's room", c.receptionist, "POST", "/appointments", valid(map[string]any{"room_id": o.roomID}), 404, "not_found", ""},
			{"unknown patient", c.receptionist, "POST", "/appointments", valid(map[string]any{"patient_id": "0190a1b2-0000-7000-8000-000000000009"}), 404, "not_found", ""},
			{"financial cannot book", c.financial, "POST", "/appointments", valid(nil), 403, "forbidden", ""},
			{"professional cannot book", c.professional, "POST", "/appointments", valid(nil), 403, "forbidden", ""},
			{"professional may not override hours", c.professional, "POST", "/appointments", valid(map[string]any{"override_working_hours": true, "starts_at": rfc(c.at(5, 9, 0))}), 403, "forbidden", ""},
			{"financial cannot change status", c.financial, "POST", "/appointments/" + busy + "/status", map[string]any{"status": "confirmed"}, 403, "forbidden", ""},
			{"financial cannot edit", c.financial, "PATCH", "/appointments/" + busy, map[string]any{"notes": "x"}, 403, "forbidden", ""},
			{"professional cannot reschedule", c.professional, "PATCH", "/appointments/" + busy, map[string]any{"starts_at": rfc(c.at(0, 15, 0))}, 403, "forbidden", ""},
			{"start in the past", c.receptionist, "POST", "/appointments", valid(map[string]any{"starts_at": rfc(time.Now().Add(-time.Hour))}), 400, "invalid", "starts_at"},
			{"outside working hours", c.receptionist, "POST", "/appointments", valid(map[string]any{"starts_at": rfc(c.at(0, 19, 0))}), 400, "invalid", "starts_at"},
			{"end before start", c.receptionist, "POST", "/appointments", valid(map[string]any{"ends_at": rfc(c.at(0, 10, 0))}), 400, "invalid", "ends_at"},
			{"missing patient", c.receptionist, "POST", "/appointments", valid(map[string]any{"patient_id": nil}), 400, "invalid", "patient_id"},
			{"unknown field", c.receptionist, "POST", "/appointments", valid(map[string]any{"colour": "red"}), 400, "invalid", "colour"},
			{"start not a string", c.receptionist, "POST", "/appointments", valid(map[string]any{"starts_at": 9}), 400, "invalid", "starts_at"},
			{"unknown status", c.receptionist, "POST", "/appointments/" + busy + "/status", map[string]any{"status": "done"}, 400, "invalid", "status"},
			{"list without from", c.receptionist, "GET", "/appointments?to=" + day, nil, 400, "invalid", "from"},
			{"list without to", c.receptionist, "GET", "/appointments?from=" + day, nil, 400, "invalid", "to"},
			{"list over 62 days", c.receptionist, "GET", "/appointments?from=" + day + "&to=" + c.at(62, 0, 0).Format(time.DateOnly), nil, 400, "invalid", "to"},
			{"list with a bad bound", c.receptionist, "GET", "/appointments?from=tomorrow&to=" + day, nil, 400, "invalid", "from"},
			{"list with a bad limit", c.receptionist, "GET", "/appointments?from=" + day + "&to=" + day + "&limit=x", nil, 400, "invalid", "limit"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := tt.client.Do(tt.method, c.path(tt.path), tt.body)
				require.Equal(t, tt.status, res.Status, "%s", res.Body)
				require.Equal(t, tt.code, res.ErrorCode())
				if tt.field != "" {
					fields, _ := res.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)
					require.Contains(t, fields, tt.field, "%s", res.Body)
				}
			})
		}

		// Overrides by the roles that may; a conflict names what is in the way.
		res := c.receptionist.Do("POST", c.path("/appointments"), valid(map[string]any{"starts_at": rfc(c.at(5, 9, 0)), "override_working_hours": true}))
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		res = c.owner.Do("POST", c.path("/appointments"), valid(map[string]any{"starts_at": rfc(c.at(0, 9, 15))}))
		require.Equal(t, http.StatusConflict, res.Status, "%s", res.Body)
		require.Equal(t, "conflict", res.ErrorCode())
		details := res.JSON(t)["error"].(map[string]any)["details"].(map[string]any)
		require.Equal(t, busy, details["conflicting_appointment_id"])
	})
}

func TestAppointmentSeriesAPI(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := apptNewClinic(t, in)
		blockers := []string{c.book(t, c.profID, c.at(7, 9, 0)), c.book(t, c.profID, c.at(21, 9, 15))}
		series := map[string]any{"patient_id": c.patientID, "professional_id": c.profID, "room_id": c.roomID,
			"starts_at": c.at(0, 9, 0).Format(time.RFC3339), "duration_minutes": 30, "procedure": "Fisioterapia",
			"recurrence": map[string]any{"every_days": 7, "count": 5}}
		res := c.receptionist.Do("POST", c.path("/appointment-series"), series)
		require.Equal(t, http.StatusConflict, res.Status, "%s", res.Body)
		require.Equal(t, "conflict", res.ErrorCode())
		var e struct {
			Error struct {
				Details struct {
					Conflicts []struct {
						StartsAt                 time.Time `json:"starts_at"`
						ConflictingAppointmentID string    `json:"conflicting_appointment_id"`
					}
				}
			}
		}
		apptDecode(t, res, &e)
		require.Len(t, e.Error.Details.Conflicts, 2, "%s", res.Body)
		for i, want := range []time.Time{c.at(7, 9, 0), c.at(21, 9, 0)} {
			require.True(t, e.Error.Details.Conflicts[i].StartsAt.Equal(want))
			require.Equal(t, blockers[i], e.Error.Details.Conflicts[i].ConflictingAppointmentID)
		}
		require.Equal(t, 2, appointmenttest.Count(t, in.DB, c.id), "nothing was booked")

		series["starts_at"] = c.at(0, 14, 0).Format(time.RFC3339)
		res = c.receptionist.Do("POST", c.path("/appointment-series"), series)
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		var s struct {
			SeriesID string   `json:"series_id"`
			IDs      []string `json:"ids"`
			Items    []struct {
				ID       string `json:"id"`
				SeriesID string `json:"series_id"`
			}
		}
		apptDecode(t, res, &s)
		require.Len(t, s.IDs, 5)
		require.NotEmpty(t, s.SeriesID)
		for i, it := range s.Items {
			require.Equal(t, s.IDs[i], it.ID)
			require.Equal(t, s.SeriesID, it.SeriesID)
		}
		require.Equal(t, 7, appointmenttest.Count(t, in.DB, c.id))

		res = c.financial.Do("POST", c.path("/appointment-series"), series)
		require.Equal(t, http.StatusForbidden, res.Status)
	})
}

// apptPost sends one JSON POST with client's cookies to base (safe from any
// goroutine) and returns the status and body; an exchange that does not
// match the OpenAPI document is an error.
func apptPost(client *apptest.Client, base, path string, body any) (int, []byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequest("POST", base+path, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err == nil {
		err = apptest.CheckExchange("POST", path, b, res.StatusCode, res.Header, out)
	}
	return res.StatusCode, out, err
}

// apptStorm fires one booking per body at once, spread over bases, and
// checks that exactly one is created and every other one answers 409.
func apptStorm(t *testing.T, client *apptest.Client, bases []string, path string, bodies []map[string]any) {
	t.Helper()
	type result struct {
		status int
		body   []byte
		err    error
	}
	results := make([]result, len(bodies))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, body := range bodies {
		wg.Go(func() {
			<-start
			st, b, err := apptPost(client, bases[i%len(bases)], path, body)
			results[i] = result{st, b, err}
		})
	}
	close(start)
	wg.Wait()
	created := 0
	for i, r := range results {
		require.NoError(t, r.err, "request %d", i)
		switch r.status {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
			var e struct {
				Error struct {
					Code    string
					Details map[string]any
				}
			}
			require.NoError(t, json.Unmarshal(r.body, &e))
			require.Equal(t, "conflict", e.Error.Code)
			require.NotEmpty(t, e.Error.Details["conflicting_appointment_id"], "%s", r.body)
		default:
			t.Fatalf("request %d answered %d: %s", i, r.status, r.body)
		}
	}
	require.Equal(t, 1, created, "exactly one booking wins")
}

// TestConcurrentBookingsNeverOverlap is the acceptance test of
// double-booking: 50 simultaneous bookings of one slot, of one professional
// and then of one room by 50 professionals, on each engine.
func TestConcurrentBookingsNeverOverlap(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := apptNewClinic(t, in)
		const n = 50
		bodies := make([]map[string]any, n)
		for i := range bodies {
			bodies[i] = map[string]any{"patient_id": c.patientID, "professional_id": c.profID,
				"starts_at": c.at(0, 10, 0).Add(time.Duration(i%3) * 10 * time.Minute).Format(time.RFC3339), "duration_minutes": 30}
		}
		apptStorm(t, c.receptionist, []string{in.URL}, c.path("/appointments"), bodies)

		for i := range bodies {
			prof := appointmenttest.Professional(t, in.DB, c.id, fmt.Sprintf("Profissional %02d", i), 30, "")
			bodies[i] = map[string]any{"patient_id": c.patientID, "professional_id": prof, "room_id": c.roomID,
				"starts_at": c.at(1, 10, 0).Add(time.Duration(i%3) * 10 * time.Minute).Format(time.RFC3339), "duration_minutes": 30,
				"override_working_hours": true}
		}
		apptStorm(t, c.receptionist, []string{in.URL}, c.path("/appointments"), bodies)

		require.Empty(t, appointmenttest.Overlaps(t, in.DB, c.id))
		require.Equal(t, 2, appointmenttest.Count(t, in.DB, c.id))
	})
}

// TestConcurrentBookingsAcrossTwoInstances runs the storm against two app
// instances sharing one PostgreSQL database.
func TestConcurrentBookingsAcrossTwoInstances(t *testing.T) {
	t.Parallel()
	url := dbtest.PostgresURL(t)
	a := apptest.New(t, url, nil)
	b := apptest.New(t, url, nil)
	c := apptNewClinic(t, a)
	const n = 50
	bodies := make([]map[string]any, n)
	for i := range bodies {
		bodies[i] = map[string]any{"patient_id": c.patientID, "professional_id": c.prof2ID,
			"room_id": c.roomID, "starts_at": c.at(0, 10, 0).Add(time.Duration(i%3) * 10 * time.Minute).Format(time.RFC3339), "duration_minutes": 30}
	}
	// Sessions live in the shared database: the same cookie works on both.
	apptStorm(t, c.receptionist, []string{a.URL, b.URL}, c.path("/appointments"), bodies)
	for i := range bodies {
		prof := appointmenttest.Professional(t, a.DB, c.id, fmt.Sprintf("Profissional %02d", i), 30, "")
		bodies[i] = map[string]any{"patient_id": c.patientID, "professional_id": prof, "room_id": c.roomID,
			"starts_at": c.at(1, 10, 0).Format(time.RFC3339), "duration_minutes": 30, "override_working_hours": true}
	}
	apptStorm(t, c.receptionist, []string{a.URL, b.URL}, c.path("/appointments"), bodies)
	require.Empty(t, appointmenttest.Overlaps(t, a.DB, c.id))
	require.Equal(t, 2, appointmenttest.Count(t, a.DB, c.id))
}

// TestAgendaShowsRenamesAtOnce: the agenda is cached, but renaming a patient
// or a professional shows in it at once.
func TestAgendaShowsRenamesAtOnce(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := apptNewClinic(t, in)
		start := c.at(3, 10, 0)
		c.book(t, c.profID, start)
		day := start.Format(time.DateOnly)
		agenda := func() string {
			res := c.owner.Do("GET", c.path("/appointments?from="+day+"&to="+day), nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			return string(res.Body)
		}
		require.Contains(t, agenda(), "Maria Silva")
		res := c.owner.Do("PATCH", c.path("/patients/"+c.patientID), map[string]any{"full_name": "Maria Souza"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Contains(t, agenda(), "Maria Souza")
		res = c.owner.Do("PATCH", c.path("/professionals/"+c.profID), map[string]any{"name": "Dra. Ana Lima"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Contains(t, agenda(), "Dra. Ana Lima")
	})
}
