package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
)

// scheduleClinic is a clinic with an owner, a professional user, a
// receptionist and a financial user, each logged in with their own client.
type scheduleClinic struct {
	id                              string
	owner, pro, recep, fin          *apptest.Client
	ownerID, proUserID, recepUserID string
}

func newScheduleClinic(t *testing.T, in *apptest.Instance, name string) *scheduleClinic {
	t.Helper()
	sc := &scheduleClinic{owner: in.Client(t)}
	sc.id, sc.ownerID = sc.owner.Signup(name, email("owner"))
	sc.pro, sc.proUserID = in.Member(t, sc.owner, sc.id, "professional")
	sc.recep, sc.recepUserID = in.Member(t, sc.owner, sc.id, "receptionist")
	sc.fin, _ = in.Member(t, sc.owner, sc.id, "financial")
	return sc
}

func (sc *scheduleClinic) path(p string) string { return "/api/v1/clinics/" + sc.id + p }

// create POSTs body as the owner, requires 201 and returns the new id.
func (sc *scheduleClinic) create(t *testing.T, p string, body any) string {
	t.Helper()
	res := sc.owner.Do("POST", sc.path(p), body)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	return res.JSON(t)["id"].(string)
}

func TestScheduleAPI(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		a := newScheduleClinic(t, in, "Clinic A")
		b := newScheduleClinic(t, in, "Clinic B")

		roomA := a.create(t, "/rooms", map[string]any{"name": "Sala 1"})
		proA := a.create(t, "/professionals", map[string]any{
			"name": "Dra. Ana", "specialty": "Cardiologia", "council_registration": "CRM 12345/SP", "color": "#112233",
			"default_duration_minutes": 45, "user_id": a.proUserID,
		})
		otherProA := a.create(t, "/professionals", map[string]any{"name": "Dr. Bruno"})
		roomB := b.create(t, "/rooms", map[string]any{"name": "Sala 1"})
		proB := b.create(t, "/professionals", map[string]any{"name": "Dr. B"})

		// Reads are open to everyone in the clinic.
		for _, c := range []*apptest.Client{a.owner, a.pro, a.recep, a.fin} {
			res := c.Do("GET", a.path("/professionals/"+proA), nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			p := res.JSON(t)
			require.Equal(t, "CRM 12345/SP", p["council_registration"])
			require.Equal(t, a.proUserID, p["user_id"])
			require.EqualValues(t, 45, p["default_duration_minutes"])
			require.Equal(t, true, p["active"])
			require.Equal(t, http.StatusOK, c.Do("GET", a.path("/rooms"), nil).Status)
			require.Equal(t, http.StatusOK, c.Do("GET", a.path("/professionals/"+proA+"/working-hours"), nil).Status)
		}
		list := a.recep.Do("GET", a.path("/professionals"), nil).JSON(t)["items"].([]any)
		require.Len(t, list, 2)
		require.Equal(t, "Dr. Bruno", list[0].(map[string]any)["name"], "sorted by name")
		require.Nil(t, list[0].(map[string]any)["user_id"])

		// Working hours: the whole week is replaced.
		week := map[string]any{"rules": []map[string]any{
			{"weekday": 1, "start": "08:00", "end": "12:00", "room_id": roomA},
			{"weekday": 1, "start": "14:00", "end": "18:00", "room_id": nil},
			{"weekday": 3, "start": "08:00", "end": "12:00"},
		}}
		res := a.owner.Do("PUT", a.path("/professionals/"+proA+"/working-hours"), week)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res = a.fin.Do("GET", a.path("/professionals/"+proA+"/working-hours"), nil)
		var hours struct {
			Rules []struct {
				Weekday    int
				Start, End string
				RoomID     *string `json:"room_id"`
			}
		}
		res.Decode(t, &hours)
		require.Len(t, hours.Rules, 3)
		require.Equal(t, "08:00", hours.Rules[0].Start)
		require.Equal(t, roomA, *hours.Rules[0].RoomID)
		require.Nil(t, hours.Rules[1].RoomID)
		res = a.owner.Do("PUT", a.path("/professionals/"+proA+"/working-hours"), map[string]any{"rules": []any{week["rules"].([]map[string]any)[2]}})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.Decode(t, &hours)
		require.Len(t, hours.Rules, 1, "PUT replaces the week")

		// A professional manages their own time off.
		res = a.pro.Do("POST", a.path("/professionals/"+proA+"/exceptions"), map[string]any{"date": "2027-02-10", "kind": "off", "reason": "Congress"})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		eid := res.JSON(t)["id"].(string)
		res = a.pro.Do("POST", a.path("/professionals/"+proA+"/exceptions"), map[string]any{"date": "2027-03-10", "kind": "extra", "start": "18:00", "end": "20:00", "room_id": roomA})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		require.Equal(t, "18:00", res.JSON(t)["start"])
		items := a.recep.Do("GET", a.path("/professionals/"+proA+"/exceptions?from=2027-02-01&to=2027-02-28"), nil).JSON(t)["items"].([]any)
		require.Len(t, items, 1)
		require.Equal(t, eid, items[0].(map[string]any)["id"])
		require.Nil(t, items[0].(map[string]any)["start"], "whole day")
		require.Len(t, a.recep.Do("GET", a.path("/professionals/"+proA+"/exceptions"), nil).JSON(t)["items"].([]any), 2)
		require.Equal(t, http.StatusNoContent, a.pro.Do("DELETE", a.path("/professionals/"+proA+"/exceptions/"+eid), nil).Status)

		// PATCH keeps absent fields and unlinks with null.
		res = a.owner.Do("PATCH", a.path("/professionals/"+proA), map[string]any{"specialty": "Clínica geral", "user_id": nil})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "Clínica geral", res.JSON(t)["specialty"])
		require.Nil(t, res.JSON(t)["user_id"])
		require.Equal(t, "Dra. Ana", res.JSON(t)["name"])
		res = a.owner.Do("PATCH", a.path("/professionals/"+proA), map[string]any{"user_id": a.proUserID})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)

		unknown := "01900000-0000-7000-8000-000000000000"
		tests := []struct {
			name   string
			c      *apptest.Client
			method string
			path   string
			body   any
			status int
			fields []string
		}{
			{"receptionist cannot add professionals", a.recep, "POST", "/professionals", map[string]any{"name": "X"}, 403, nil},
			{"professional cannot add professionals", a.pro, "POST", "/professionals", map[string]any{"name": "X"}, 403, nil},
			{"receptionist cannot change professionals", a.recep, "PATCH", "/professionals/" + proA, map[string]any{"name": "X"}, 403, nil},
			{"receptionist cannot add rooms", a.recep, "POST", "/rooms", map[string]any{"name": "X"}, 403, nil},
			{"professional cannot set working hours", a.pro, "PUT", "/professionals/" + proA + "/working-hours", map[string]any{"rules": []any{}}, 403, nil},
			{"professional cannot add time off for a colleague", a.pro, "POST", "/professionals/" + otherProA + "/exceptions", map[string]any{"date": "2027-01-10", "kind": "off"}, 403, nil},
			{"receptionist cannot add time off", a.recep, "POST", "/professionals/" + proA + "/exceptions", map[string]any{"date": "2027-01-10", "kind": "off"}, 403, nil},
			{"invalid professional", a.owner, "POST", "/professionals", map[string]any{"name": "", "color": "blue", "default_duration_minutes": 2}, 400, []string{"name", "color", "default_duration_minutes"}},
			{"user who is not a member", a.owner, "POST", "/professionals", map[string]any{"name": "X", "user_id": b.ownerID}, 400, []string{"user_id"}},
			{"user already linked", a.owner, "PATCH", "/professionals/" + otherProA, map[string]any{"user_id": a.proUserID}, 409, []string{"user_id"}},
			{"unknown field", a.owner, "POST", "/professionals", map[string]any{"name": "X", "crm": "1"}, 400, []string{"crm"}},
			{"room name taken", a.owner, "POST", "/rooms", map[string]any{"name": "Sala 1"}, 409, []string{"name"}},
			{"time 25:00", a.owner, "PUT", "/professionals/" + proA + "/working-hours", map[string]any{"rules": []map[string]any{{"weekday": 1, "start": "25:00", "end": "26:00"}}}, 400, []string{"rules[0].start", "rules[0].end"}},
			{"end before start", a.owner, "PUT", "/professionals/" + proA + "/working-hours", map[string]any{"rules": []map[string]any{{"weekday": 1, "start": "12:00", "end": "08:00"}}}, 400, []string{"rules[0].end"}},
			{"overlapping rules", a.owner, "PUT", "/professionals/" + proA + "/working-hours", map[string]any{"rules": []map[string]any{
				{"weekday": 2, "start": "08:00", "end": "12:00"}, {"weekday": 2, "start": "11:30", "end": "14:00"}}}, 400, []string{"rules[1]"}},
			{"weekday 7", a.owner, "PUT", "/professionals/" + proA + "/working-hours", map[string]any{"rules": []map[string]any{{"weekday": 7, "start": "08:00", "end": "12:00"}}}, 400, []string{"rules[0].weekday"}},
			{"missing rules", a.owner, "PUT", "/professionals/" + proA + "/working-hours", map[string]any{}, 400, []string{"rules"}},
			{"unknown room in a rule", a.owner, "PUT", "/professionals/" + proA + "/working-hours", map[string]any{"rules": []map[string]any{{"weekday": 1, "start": "08:00", "end": "12:00", "room_id": unknown}}}, 404, nil},
			{"another clinic's room in a rule", a.owner, "PUT", "/professionals/" + proA + "/working-hours", map[string]any{"rules": []map[string]any{{"weekday": 1, "start": "08:00", "end": "12:00", "room_id": roomB}}}, 404, nil},
			{"unknown professional", a.owner, "GET", "/professionals/" + unknown, nil, 404, nil},
			{"malformed professional id", a.owner, "GET", "/professionals/nope", nil, 404, nil},
			{"another clinic's professional", a.owner, "GET", "/professionals/" + proB, nil, 404, nil},
			{"changing another clinic's professional", a.owner, "PATCH", "/professionals/" + proB, map[string]any{"name": "X"}, 404, nil},
			{"another clinic's professional's hours", a.owner, "GET", "/professionals/" + proB + "/working-hours", nil, 404, nil},
			{"setting another clinic's professional's hours", a.owner, "PUT", "/professionals/" + proB + "/working-hours", map[string]any{"rules": []any{}}, 404, nil},
			{"another clinic's professional's exceptions", a.owner, "GET", "/professionals/" + proB + "/exceptions", nil, 404, nil},
			{"another clinic's room", a.owner, "GET", "/rooms/" + roomB, nil, 404, nil},
			{"deleting an unknown exception", a.owner, "DELETE", "/professionals/" + proA + "/exceptions/" + unknown, nil, 404, nil},
			{"exception with a bad date", a.owner, "POST", "/professionals/" + proA + "/exceptions", map[string]any{"date": "2027-02-30", "kind": "off"}, 400, []string{"date"}},
			{"exception with a bad kind", a.owner, "POST", "/professionals/" + proA + "/exceptions", map[string]any{"date": "2027-02-10", "kind": "vacation"}, 400, []string{"kind"}},
			{"exception with start only", a.owner, "POST", "/professionals/" + proA + "/exceptions", map[string]any{"date": "2027-02-10", "kind": "off", "start": "08:00"}, 400, []string{"start"}},
			{"exception ending before it starts", a.owner, "POST", "/professionals/" + proA + "/exceptions", map[string]any{"date": "2027-02-10", "kind": "off", "start": "10:00", "end": "09:00"}, 400, []string{"end"}},
			{"exceptions filter with a bad date", a.owner, "GET", "/professionals/" + proA + "/exceptions?from=tomorrow", nil, 400, []string{"from"}},
			{"availability over 31 days", a.recep, "GET", "/availability?from=2027-01-01&to=2027-02-01", nil, 400, []string{"to"}},
			{"availability without from", a.recep, "GET", "/availability?to=2027-02-01", nil, 400, []string{"from"}},
			{"availability with a bad time", a.recep, "GET", "/availability?from=2027-01-01T25:00:00Z&to=2027-01-02", nil, 400, []string{"from"}},
			{"availability with a bad duration", a.recep, "GET", "/availability?from=2027-01-01&to=2027-01-02&duration=abc", nil, 400, []string{"duration"}},
			{"availability of an unknown professional", a.recep, "GET", "/availability?from=2027-01-01&to=2027-01-02&professional_id=" + unknown, nil, 404, nil},
			{"availability of another clinic's professional", a.recep, "GET", "/availability?from=2027-01-01&to=2027-01-02&professional_id=" + proB, nil, 404, nil},
			{"availability in another clinic's room", a.recep, "GET", "/availability?from=2027-01-01&to=2027-01-02&room_id=" + roomB, nil, 404, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := tt.c.Do(tt.method, a.path(tt.path), tt.body)
				require.Equal(t, tt.status, res.Status, "%s", res.Body)
				if len(tt.fields) > 0 {
					fields, _ := res.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)
					for _, f := range tt.fields {
						require.Contains(t, fields, f, "%s", res.Body)
					}
				}
			})
		}

		for _, p := range []string{"/professionals", "/rooms", "/professionals/" + proB, "/availability?from=2027-01-01&to=2027-01-02"} {
			res := a.owner.Do("GET", "/api/v1/clinics/"+b.id+p, nil)
			require.Equal(t, http.StatusNotFound, res.Status, "another clinic altogether: %s: %s", p, res.Body)
		}

		// Every change is audited.
		res = a.owner.Do("GET", a.path("/audit?limit=200"), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		seen := map[string]bool{}
		for _, e := range res.JSON(t)["entries"].([]any) {
			e := e.(map[string]any)
			seen[e["entity"].(string)+" "+e["action"].(string)] = true
		}
		for _, want := range []string{"professional create", "professional update", "room create", "working_hours update",
			"schedule_exception create", "schedule_exception delete"} {
			require.True(t, seen[want], "audit has %q: %v", want, seen)
		}
	})
}

func TestAvailabilityAPI(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		a := newScheduleClinic(t, in, "Clinic NY")
		pro := a.create(t, "/professionals", map[string]any{"name": "Dr. Bob", "default_duration_minutes": 60, "user_id": a.proUserID})
		room := a.create(t, "/rooms", map[string]any{"name": "Room 1"})
		put := func(rules ...map[string]any) {
			t.Helper()
			res := a.owner.Do("PUT", a.path("/professionals/"+pro+"/working-hours"), map[string]any{"rules": rules})
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		}
		type slot struct {
			ProfessionalID string `json:"professional_id"`
			Start, End     string
			RoomID         *string `json:"room_id"`
		}
		avail := func(c *apptest.Client, query string) []slot {
			t.Helper()
			res := c.Do("GET", a.path("/availability?"+query), nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			var out struct{ Slots []slot }
			res.Decode(t, &out)
			return out.Slots
		}
		starts := func(slots []slot) []string {
			out := []string{}
			for _, s := range slots {
				out = append(out, s.Start)
			}
			return out
		}

		// 2027-03-14 is the spring-forward Sunday in New York.
		put(map[string]any{"weekday": 0, "start": "08:00", "end": "12:00"})
		q := "professional_id=" + pro + "&from=2027-03-14&to=2027-03-14"
		require.Equal(t, []string{
			"2027-03-14T08:00:00-03:00", "2027-03-14T09:00:00-03:00", "2027-03-14T10:00:00-03:00", "2027-03-14T11:00:00-03:00",
		}, starts(avail(a.recep, q)), "São Paulo, the default zone")

		res := a.owner.Do("PATCH", a.path(""), map[string]any{"time_zone": "America/New_York"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		slots := avail(a.fin, q)
		require.Equal(t, []string{
			"2027-03-14T08:00:00-04:00", "2027-03-14T09:00:00-04:00", "2027-03-14T10:00:00-04:00", "2027-03-14T11:00:00-04:00",
		}, starts(slots), "the zone change shows at once; the DST day keeps its local hours")
		first, err := time.Parse(time.RFC3339, slots[0].Start)
		require.NoError(t, err)
		require.Equal(t, "12:00", first.UTC().Format("15:04"), "08:00 EDT is 12:00 UTC")
		require.Equal(t, "2027-03-14T09:00:00-04:00", slots[0].End)
		require.Equal(t, pro, slots[0].ProfessionalID)
		require.Nil(t, slots[0].RoomID)

		// A change of working hours shows at once (the cache is invalidated).
		put(map[string]any{"weekday": 0, "start": "08:00", "end": "10:00", "room_id": room})
		slots = avail(a.pro, q)
		require.Equal(t, []string{"2027-03-14T08:00:00-04:00", "2027-03-14T09:00:00-04:00"}, starts(slots))
		require.Equal(t, room, *slots[0].RoomID)

		// So does time off taken by the professional.
		res = a.pro.Do("POST", a.path("/professionals/"+pro+"/exceptions"), map[string]any{"date": "2027-03-14", "kind": "off", "start": "08:00", "end": "09:00"})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		require.Equal(t, []string{"2027-03-14T09:00:00-04:00"}, starts(avail(a.owner, q)))

		// Duration and RFC 3339 bounds; all professionals by default.
		require.Equal(t, []string{"2027-03-14T09:00:00-04:00", "2027-03-14T09:30:00-04:00"},
			starts(avail(a.owner, "duration=30&from=2027-03-14T00:00:00-05:00&to=2027-03-15T00:00:00-04:00")))
		require.Empty(t, avail(a.owner, "professional_id="+pro+"&from=2027-03-15&to=2027-03-20"), "no hours on weekdays")
		require.Empty(t, avail(a.owner, "professional_id="+pro+"&from=2020-03-15&to=2020-03-16"), "nothing in the past")
	})
}
