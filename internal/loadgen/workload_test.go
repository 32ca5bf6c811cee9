package loadgen

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// fakeState is a seeded state with made-up ids (no server).
func fakeState(t *testing.T, clinics, pros, appts int) *State {
	t.Helper()
	st := &State{}
	for c := range clinics {
		cl := Clinic{ID: fmt.Sprintf("c%d", c), TimeZone: "America/Sao_Paulo", FirstDay: time.Now().AddDate(0, 0, 1).Format(time.DateOnly), Days: 1,
			Users: []User{{Email: "a@example.com", Cookie: "sa"}, {Email: "b@example.com", Cookie: "sb"}}}
		for p := range pros {
			cl.Professionals = append(cl.Professionals, Professional{ID: fmt.Sprintf("c%d-p%d", c, p), NextSlot: appts})
			for a := range appts {
				cl.Appointments = append(cl.Appointments, Appointment{ID: fmt.Sprintf("c%d-p%d-a%d", c, p, a), Professional: p})
			}
		}
		for i := range 30 {
			cl.Patients = append(cl.Patients, PatientRef{ID: fmt.Sprintf("c%d-pt%d", c, i), Name: patientName(i)})
		}
		st.Clinics = append(st.Clinics, cl)
	}
	return st
}

// TestBookingsAndReschedulesTakeDistinctSlotsInWorkingHours drives the
// workload without a server, answering every request with success, and
// checks that no two bookings or reschedules of a professional ask for the
// same start, and that each falls in the seeded working hours.
func TestBookingsAndReschedulesTakeDistinctSlotsInWorkingHours(t *testing.T) {
	t.Parallel()
	st := fakeState(t, 2, 3, 5)
	w, err := newWorkload("http://clinic.test", st, Mix{Book: 3, Status: 1, Move: 2, Agenda: 1}, 9)
	require.NoError(t, err)
	loc, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)

	// Which professional each appointment id belongs to, as the server knows.
	proOf := map[string]string{}
	for _, c := range st.Clinics {
		for _, a := range c.Appointments {
			proOf[a.ID] = c.Professionals[a.Professional].ID
		}
	}
	taken := map[string]bool{} // professional + start
	booked, moved, cancelled, confirmed := 0, 0, 0, 0
	for i := range 5000 {
		var tg vegeta.Target
		require.NoError(t, w.targeter()(&tg))
		require.True(t, strings.HasPrefix(tg.Header.Get("Cookie"), sessionCookie+"=s"), "every request carries a session cookie")
		var body map[string]any
		if tg.Body != nil {
			require.NoError(t, json.Unmarshal(tg.Body, &body))
		}
		path, _, _ := strings.Cut(strings.TrimPrefix(tg.URL, "http://clinic.test"), "#")
		res := &vegeta.Result{Method: tg.Method, URL: tg.URL, Code: 200}
		var start, pro string
		switch {
		case tg.Method == http.MethodPost && strings.HasSuffix(path, "/appointments"):
			start, pro = body["starts_at"].(string), body["professional_id"].(string)
			id := fmt.Sprintf("new-%d", i)
			proOf[id] = pro
			res.Code, res.Body = 201, []byte(`{"id":"`+id+`"}`)
			booked++
		case tg.Method == http.MethodPatch:
			start, pro = body["starts_at"].(string), proOf[path[strings.LastIndex(path, "/")+1:]]
			moved++
		case strings.HasSuffix(path, "/status") && body["status"] == "cancelled":
			cancelled++
		case strings.HasSuffix(path, "/status"):
			require.Equal(t, "confirmed", body["status"])
			confirmed++
		}
		if start != "" {
			require.NotEmpty(t, pro)
			at, err := time.Parse(time.RFC3339, start)
			require.NoError(t, err)
			local := at.In(loc)
			minutes := local.Hour()*60 + local.Minute()
			require.True(t, minutes >= 8*60 && minutes+30 <= 18*60, "%s is outside 08:00–18:00", local)
			require.True(t, at.After(time.Now()), "%s is in the past", at)
			require.False(t, taken[pro+start], "%s at %s handed out twice", pro, start)
			taken[pro+start] = true
		}
		e, err := w.complete(res)
		require.NoError(t, err)
		require.NotEmpty(t, e)
	}
	require.Empty(t, w.ops, "every operation was completed")
	for _, n := range []int{booked, moved, cancelled, confirmed} {
		require.Positive(t, n, "booked %d, moved %d, cancelled %d, confirmed %d", booked, moved, cancelled, confirmed)
	}
}

func TestEveryEndpointMakesItsRequest(t *testing.T) {
	t.Parallel()
	want := map[Endpoint]string{
		Agenda:       "GET /api/v1/clinics/c0/appointments?from=",
		Availability: "GET /api/v1/clinics/c0/availability?professional_id=c0-p",
		Search:       "GET /api/v1/clinics/c0/patients?limit=20&q=",
		Patient:      "GET /api/v1/clinics/c0/patients/c0-pt",
		Book:         "POST /api/v1/clinics/c0/appointments#",
		Status:       "POST /api/v1/clinics/c0/appointments/c0-p",
		Move:         "/api/v1/clinics/c0/appointments/c0-p",
	}
	for _, e := range Endpoints {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			w, err := newWorkload("http://clinic.test", fakeState(t, 1, 2, 3), Mix{e: 1}, 1)
			require.NoError(t, err)
			var tg vegeta.Target
			require.NoError(t, w.targeter()(&tg))
			require.Contains(t, tg.Method+" "+strings.TrimPrefix(tg.URL, "http://clinic.test"), want[e])
			got, err := w.complete(&vegeta.Result{URL: tg.URL, Code: 200})
			require.NoError(t, err)
			require.Equal(t, e, got)
		})
	}
}

func TestStatusChangesBookWhenNoAppointmentIsLeft(t *testing.T) {
	t.Parallel()
	w, err := newWorkload("http://clinic.test", fakeState(t, 1, 1, 0), Mix{Status: 1}, 1)
	require.NoError(t, err)
	var tg vegeta.Target
	require.NoError(t, w.targeter()(&tg))
	require.Equal(t, http.MethodPost, tg.Method)
	require.True(t, strings.HasPrefix(tg.URL, "http://clinic.test/api/v1/clinics/c0/appointments#"), tg.URL)
}
