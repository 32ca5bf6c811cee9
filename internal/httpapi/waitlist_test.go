package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// wlClinic is a clinic with rows the waitlist refers to, inserted with SQL.
type wlClinic struct {
	id           string
	owner        *apptest.Client
	patient      string
	professional string
}

func wlNewClinic(t *testing.T, in *apptest.Instance, name string) wlClinic {
	t.Helper()
	c := wlClinic{owner: in.Client(t)}
	c.id, _ = c.owner.Signup(name, email("owner"))
	c.patient = wlPatient(t, in, c.id, "Carla Dias", "")
	c.professional = wlProfessional(t, in, c.id, "Dra. Ana", "")
	return c
}

func wlExec(t *testing.T, in *apptest.Instance, q string, args ...any) {
	t.Helper()
	_, err := in.DB.ExecContext(context.Background(), q, args...)
	require.NoError(t, err, q)
}

func wlPatient(t *testing.T, in *apptest.Instance, clinicID, fullName, socialName string) string {
	t.Helper()
	id := kernel.NewID()
	wlExec(t, in, `INSERT INTO patients (id, clinic_id, full_name, social_name, search_text, created_at, updated_at) VALUES ($1, $2, $3, $4, $3, $5, $5)`,
		id, clinicID, fullName, socialName, db.Time(time.Now()))
	return id
}

func wlProfessional(t *testing.T, in *apptest.Instance, clinicID, name, userID string) string {
	t.Helper()
	id := kernel.NewID()
	var user any
	if userID != "" {
		user = userID
	}
	wlExec(t, in, `INSERT INTO professionals (id, clinic_id, name, user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
		id, clinicID, name, user, db.Time(time.Now()))
	return id
}

// wlUser adds a user with role to the clinic and returns a client logged in
// as that user, and the user's id.
func wlUser(t *testing.T, in *apptest.Instance, c wlClinic, role string) (*apptest.Client, string) {
	t.Helper()
	addr := email(role)
	res := c.owner.Do("POST", "/api/v1/clinics/"+c.id+"/users", map[string]any{"email": addr, "name": "User " + role, "role": role, "password": password})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var out struct{ User struct{ ID string } }
	res.Decode(t, &out)
	client := in.Client(t)
	require.Equal(t, http.StatusOK, client.Login(addr, password).Status)
	return client, out.User.ID
}

// wlDate is the clinic-local date (São Paulo, the default zone) days from
// today.
func wlDate(days int) string {
	loc, _ := time.LoadLocation("America/Sao_Paulo")
	return time.Now().In(loc).AddDate(0, 0, days).Format(time.DateOnly)
}

// wlCreate adds an entry and returns its id.
func wlCreate(t *testing.T, client *apptest.Client, clinicID string, body map[string]any) string {
	t.Helper()
	res := client.Do("POST", "/api/v1/clinics/"+clinicID+"/waitlist", body)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	return res.JSON(t)["id"].(string)
}

func TestWaitlistAddListRemove(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := wlNewClinic(t, in, "Clinic")
		joao := wlPatient(t, in, c.id, "Maria João Silva", "João Silva")
		bruno := wlProfessional(t, in, c.id, "Dr. Bruno", "")
		base := "/api/v1/clinics/" + c.id + "/waitlist"

		res := c.owner.Do("POST", base, map[string]any{
			"patient_id": c.patient, "professional_id": c.professional, "from_date": wlDate(0), "to_date": wlDate(14),
			"earliest": "08:00", "latest": "12:30", "duration_minutes": 40, "notes": "Prefers mornings",
		})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		first := res.JSON(t)
		for k, v := range map[string]any{
			"patient_id": c.patient, "patient_name": "Carla Dias", "professional_id": c.professional, "professional_name": "Dra. Ana",
			"from_date": wlDate(0), "to_date": wlDate(14), "earliest": "08:00", "latest": "12:30", "duration_minutes": 40.0,
			"notes": "Prefers mornings", "status": "waiting",
		} {
			require.Equal(t, v, first[k], k)
		}
		anyone := wlCreate(t, c.owner, c.id, map[string]any{"patient_id": joao, "professional_id": nil, "from_date": wlDate(1), "to_date": wlDate(1),
			"earliest": nil, "latest": nil, "duration_minutes": 30, "notes": ""})
		forBruno := wlCreate(t, c.owner, c.id, map[string]any{"patient_id": joao, "professional_id": bruno, "from_date": wlDate(1), "to_date": wlDate(3), "duration_minutes": 20})

		var page wlPage
		res = c.owner.Do("GET", base, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.Decode(t, &page)
		require.Equal(t, []string{first["id"].(string), anyone, forBruno}, page.ids(), "oldest first")
		require.Equal(t, "João Silva", page.Items[1].PatientName)
		require.Nil(t, page.Items[1].ProfessionalName)
		require.Nil(t, page.Items[1].Earliest)

		res = c.owner.Do("GET", base+"?professional_id="+bruno, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.Decode(t, &page)
		require.Equal(t, []string{anyone, forBruno}, page.ids(), "Bruno's entries and those for any professional")

		res = c.owner.Do("GET", base+"?limit=2", nil)
		res.Decode(t, &page)
		require.Len(t, page.Items, 2)
		require.NotEmpty(t, page.NextCursor)
		res = c.owner.Do("GET", base+"?limit=2&cursor="+page.NextCursor, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.Decode(t, &page)
		require.Equal(t, []string{forBruno}, page.ids())

		res = c.owner.Do("GET", base+"/"+anyone+"/offers", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.JSONEq(t, `{"items":[]}`, string(res.Body))

		require.Equal(t, http.StatusNoContent, c.owner.Do("DELETE", base+"/"+anyone, nil).Status)
		res = c.owner.Do("GET", base, nil)
		res.Decode(t, &page)
		require.Equal(t, []string{first["id"].(string), forBruno}, page.ids(), "a removed entry is no longer listed")
		require.Equal(t, http.StatusNotFound, c.owner.Do("DELETE", base+"/"+anyone, nil).Status, "removing twice")

		res = c.owner.Do("GET", "/api/v1/clinics/"+c.id+"/audit?patient_id="+joao, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var trail struct {
			Entries []struct {
				Action   string `json:"action"`
				Entity   string `json:"entity"`
				EntityID string `json:"entity_id"`
			} `json:"entries"`
		}
		res.Decode(t, &trail)
		var got []string
		for _, e := range trail.Entries {
			if e.Entity == "waitlist_entry" && e.EntityID == anyone {
				got = append(got, e.Action)
			}
		}
		require.Equal(t, []string{"delete", "create"}, got, "newest first")
	})
}

// wlPage is a page of the waitlist, as answered.
type wlPage struct {
	Items []struct {
		ID               string  `json:"id"`
		PatientName      string  `json:"patient_name"`
		ProfessionalID   *string `json:"professional_id"`
		ProfessionalName *string `json:"professional_name"`
		Earliest         *string `json:"earliest"`
		Latest           *string `json:"latest"`
		Status           string  `json:"status"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func (p wlPage) ids() []string {
	out := make([]string, len(p.Items))
	for i, it := range p.Items {
		out[i] = it.ID
	}
	return out
}

func TestWaitlistErrorsAndRoles(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		a := wlNewClinic(t, in, "Clinic A")
		b := wlNewClinic(t, in, "Clinic B")
		archived := wlPatient(t, in, a.id, "Archived Patient", "")
		wlExec(t, in, `UPDATE patients SET archived_at = $1 WHERE id = $2`, db.Time(time.Now()), archived)
		inactive := wlProfessional(t, in, a.id, "Dr. Inactive", "")
		wlExec(t, in, `UPDATE professionals SET active = FALSE WHERE id = $1`, inactive)

		recep, _ := wlUser(t, in, a, "receptionist")
		admin, _ := wlUser(t, in, a, "admin")
		financial, _ := wlUser(t, in, a, "financial")
		pro, proUser := wlUser(t, in, a, "professional")
		own := wlProfessional(t, in, a.id, "Dr. Own", proUser)

		valid := func(change func(map[string]any)) map[string]any {
			body := map[string]any{"patient_id": a.patient, "professional_id": a.professional, "from_date": wlDate(1), "to_date": wlDate(8),
				"earliest": "09:00", "latest": "17:00", "duration_minutes": 30, "notes": ""}
			if change != nil {
				change(body)
			}
			return body
		}
		forOther := wlCreate(t, a.owner, a.id, valid(nil))
		forOwn := wlCreate(t, a.owner, a.id, valid(func(m map[string]any) { m["professional_id"] = own }))
		forAny := wlCreate(t, a.owner, a.id, valid(func(m map[string]any) { m["professional_id"] = nil }))
		toRemove := wlCreate(t, a.owner, a.id, valid(nil))
		otherClinics := wlCreate(t, b.owner, b.id, map[string]any{"patient_id": b.patient, "from_date": wlDate(1), "to_date": wlDate(2)})

		base := "/api/v1/clinics/" + a.id + "/waitlist"
		unknown := "0190a1b2-0000-7000-8000-000000000009"
		tests := []struct {
			name   string
			client *apptest.Client
			method string
			path   string
			body   any
			status int
			field  string // the invalid field of a 400
		}{
			// 404: another clinic's ids, unknown ids.
			{"another clinic's patient", a.owner, "POST", base, valid(func(m map[string]any) { m["patient_id"] = b.patient }), 404, ""},
			{"another clinic's professional", a.owner, "POST", base, valid(func(m map[string]any) { m["professional_id"] = b.professional }), 404, ""},
			{"an unknown patient", a.owner, "POST", base, valid(func(m map[string]any) { m["patient_id"] = unknown }), 404, ""},
			{"an unknown professional", a.owner, "POST", base, valid(func(m map[string]any) { m["professional_id"] = unknown }), 404, ""},
			{"removing another clinic's entry", a.owner, "DELETE", base + "/" + otherClinics, nil, 404, ""},
			{"removing an unknown entry", a.owner, "DELETE", base + "/" + unknown, nil, 404, ""},
			{"removing a malformed id", a.owner, "DELETE", base + "/not-an-id", nil, 404, ""},
			{"offers of another clinic's entry", a.owner, "GET", base + "/" + otherClinics + "/offers", nil, 404, ""},
			{"offers of a malformed id", a.owner, "GET", base + "/x/offers", nil, 404, ""},
			{"the waitlist of another clinic", a.owner, "GET", "/api/v1/clinics/" + b.id + "/waitlist", nil, 404, ""},

			// 400: validation.
			{"no patient", a.owner, "POST", base, valid(func(m map[string]any) { delete(m, "patient_id") }), 400, "patient_id"},
			{"a malformed patient id", a.owner, "POST", base, valid(func(m map[string]any) { m["patient_id"] = "42" }), 400, "patient_id"},
			{"a malformed professional id", a.owner, "POST", base, valid(func(m map[string]any) { m["professional_id"] = "dr-ana" }), 400, "professional_id"},
			{"no from_date", a.owner, "POST", base, valid(func(m map[string]any) { delete(m, "from_date") }), 400, "from_date"},
			{"a malformed from_date", a.owner, "POST", base, valid(func(m map[string]any) { m["from_date"] = "2030-6-1" }), 400, "from_date"},
			{"an impossible to_date", a.owner, "POST", base, valid(func(m map[string]any) { m["to_date"] = "2030-02-30" }), 400, "to_date"},
			{"to_date before from_date", a.owner, "POST", base, valid(func(m map[string]any) { m["from_date"], m["to_date"] = wlDate(5), wlDate(4) }), 400, "to_date"},
			{"from_date in the past", a.owner, "POST", base, valid(func(m map[string]any) { m["from_date"] = wlDate(-1) }), 400, "from_date"},
			{"earliest equal to latest", a.owner, "POST", base, valid(func(m map[string]any) { m["earliest"], m["latest"] = "10:00", "10:00" }), 400, "latest"},
			{"earliest after latest", a.owner, "POST", base, valid(func(m map[string]any) { m["earliest"], m["latest"] = "15:00", "09:00" }), 400, "latest"},
			{"a malformed earliest", a.owner, "POST", base, valid(func(m map[string]any) { m["earliest"] = "9h" }), 400, "earliest"},
			{"earliest at 24:00", a.owner, "POST", base, valid(func(m map[string]any) { m["earliest"], m["latest"] = "24:00", nil }), 400, "earliest"},
			{"a malformed latest", a.owner, "POST", base, valid(func(m map[string]any) { m["latest"] = "17:60" }), 400, "latest"},
			{"a window shorter than the duration", a.owner, "POST", base, valid(func(m map[string]any) { m["earliest"], m["latest"], m["duration_minutes"] = "09:00", "09:20", 30 }), 400, "duration_minutes"},
			{"a duration too short", a.owner, "POST", base, valid(func(m map[string]any) { m["duration_minutes"] = 4 }), 400, "duration_minutes"},
			{"a duration too long", a.owner, "POST", base, valid(func(m map[string]any) { m["earliest"], m["latest"], m["duration_minutes"] = nil, nil, 721 }), 400, "duration_minutes"},
			{"a duration that is not a number", a.owner, "POST", base, valid(func(m map[string]any) { m["duration_minutes"] = "30" }), 400, "duration_minutes"},
			{"notes too long", a.owner, "POST", base, valid(func(m map[string]any) { m["notes"] = strings.Repeat("a", 2001) }), 400, "notes"},
			{"an unknown field", a.owner, "POST", base, valid(func(m map[string]any) { m["priority"] = 1 }), 400, "priority"},
			{"an archived patient", a.owner, "POST", base, valid(func(m map[string]any) { m["patient_id"] = archived }), 400, "patient_id"},
			{"an inactive professional", a.owner, "POST", base, valid(func(m map[string]any) { m["professional_id"] = inactive }), 400, "professional_id"},
			{"a malformed professional filter", a.owner, "GET", base + "?professional_id=x", nil, 400, "professional_id"},
			{"a malformed cursor", a.owner, "GET", base + "?cursor=%21%21", nil, 400, "cursor"},
			{"a limit of 0", a.owner, "GET", base + "?limit=0", nil, 400, "limit"},
			{"a limit over 200", a.owner, "GET", base + "?limit=201", nil, 400, "limit"},

			// 403: roles.
			{"financial listing", financial, "GET", base, nil, 403, ""},
			{"financial adding", financial, "POST", base, valid(nil), 403, ""},
			{"financial removing", financial, "DELETE", base + "/" + forAny, nil, 403, ""},
			{"financial reading offers", financial, "GET", base + "/" + forAny + "/offers", nil, 403, ""},
			{"a professional adding", pro, "POST", base, valid(func(m map[string]any) { m["professional_id"] = own }), 403, ""},
			{"a professional removing their own entry", pro, "DELETE", base + "/" + forOwn, nil, 403, ""},
			{"a professional filtering on another", pro, "GET", base + "?professional_id=" + a.professional, nil, 403, ""},
			{"a professional reading another's offers", pro, "GET", base + "/" + forOther + "/offers", nil, 403, ""},

			// Allowed.
			{"a receptionist adds", recep, "POST", base, valid(func(m map[string]any) { m["from_date"] = wlDate(0) }), 201, ""},
			{"an admin removes", admin, "DELETE", base + "/" + toRemove, nil, 204, ""},
			{"a receptionist lists", recep, "GET", base + "?professional_id=" + a.professional, nil, 200, ""},
			{"a professional reads their own offers", pro, "GET", base + "/" + forOwn + "/offers", nil, 200, ""},
			{"a professional reads offers for any professional", pro, "GET", base + "/" + forAny + "/offers", nil, 200, ""},
		}
		for _, tt := range tests {
			res := tt.client.Do(tt.method, tt.path, tt.body)
			require.Equal(t, tt.status, res.Status, "%s: %s", tt.name, res.Body)
			if tt.status == 400 {
				require.Equal(t, "invalid", res.ErrorCode(), tt.name)
				fields, _ := res.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)
				require.Contains(t, fields, tt.field, "%s: %s", tt.name, res.Body)
			}
		}

		// A professional sees the entries for themselves and for any.
		var page wlPage
		res := pro.Do("GET", base, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.Decode(t, &page)
		require.Equal(t, []string{forOwn, forAny}, page.ids())
	})
}

func TestWaitlistOfferAfterCancellationThroughTheJobQueue(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := wlNewClinic(t, in, "Clinic")
		waiting := wlPatient(t, in, c.id, "Davi Lima", "")
		loc, err := time.LoadLocation("America/Sao_Paulo")
		require.NoError(t, err)
		day := time.Now().In(loc).AddDate(0, 0, 3)
		start := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, loc)

		res := c.owner.Do("POST", "/api/v1/clinics/"+c.id+"/appointments", map[string]any{
			"patient_id": c.patient, "professional_id": c.professional, "starts_at": start.Format(time.RFC3339),
			"duration_minutes": 30, "override_working_hours": true,
		})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		appt := res.JSON(t)["id"].(string)
		entry := wlCreate(t, c.owner, c.id, map[string]any{"patient_id": waiting, "professional_id": nil,
			"from_date": day.Format(time.DateOnly), "to_date": day.Format(time.DateOnly), "earliest": "09:00", "latest": "12:00"})

		res = c.owner.Do("POST", "/api/v1/clinics/"+c.id+"/appointments/"+appt+"/status", map[string]any{"status": "cancelled"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)

		var offers struct {
			Items []struct {
				ProfessionalID string    `json:"professional_id"`
				StartsAt       time.Time `json:"starts_at"`
				EndsAt         time.Time `json:"ends_at"`
				Status         string    `json:"status"`
			} `json:"items"`
		}
		require.EventuallyWithT(t, func(ct *assert.CollectT) {
			res, err := c.owner.Try("GET", "/api/v1/clinics/"+c.id+"/waitlist/"+entry+"/offers", nil)
			require.NoError(ct, err)
			require.NoError(ct, json.Unmarshal(res.Body, &offers), "body: %s", res.Body)
			assert.NotEmpty(ct, offers.Items)
		}, 20*time.Second, 50*time.Millisecond, "the freed slot is offered to the waiting patient")
		require.Len(t, offers.Items, 1)
		o := offers.Items[0]
		require.Equal(t, c.professional, o.ProfessionalID)
		require.True(t, start.Equal(o.StartsAt), "starts_at %s", o.StartsAt)
		require.True(t, start.Add(30*time.Minute).Equal(o.EndsAt), "ends_at %s", o.EndsAt)
		require.Equal(t, "pending", o.Status)

		var page wlPage
		c.owner.Do("GET", "/api/v1/clinics/"+c.id+"/waitlist", nil).Decode(t, &page)
		require.Equal(t, []string{entry}, page.ids())
		require.Equal(t, "offered", page.Items[0].Status)
	})
}
