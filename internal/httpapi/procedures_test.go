package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
)

func TestProceduresAPI(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		a := newScheduleClinic(t, in, "Clinic A")
		b := newScheduleClinic(t, in, "Clinic B")

		id := a.create(t, "/procedures", map[string]any{"name": "Limpeza", "default_duration_minutes": 40, "color": "#06B6D4", "bookable_online": true})
		a.create(t, "/procedures", map[string]any{"name": "Consulta"})
		foreign := b.create(t, "/procedures", map[string]any{"name": "Limpeza"})

		// Everyone in the clinic reads; only owners and admins write.
		for _, c := range []*apptest.Client{a.owner, a.pro, a.recep, a.fin} {
			res := c.Do("GET", a.path("/procedures/"+id), nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			p := res.JSON(t)
			require.Equal(t, "#06b6d4", p["color"])
			require.EqualValues(t, 40, p["default_duration_minutes"])
			require.Equal(t, true, p["bookable_online"])
			require.Equal(t, true, p["active"])
		}
		for _, c := range []*apptest.Client{a.pro, a.recep, a.fin} {
			require.Equal(t, http.StatusForbidden, c.Do("POST", a.path("/procedures"), map[string]any{"name": "Retorno"}).Status)
			require.Equal(t, http.StatusForbidden, c.Do("PATCH", a.path("/procedures/"+id), map[string]any{"name": "Retorno"}).Status)
		}
		items := a.recep.Do("GET", a.path("/procedures"), nil).JSON(t)["items"].([]any)
		require.Len(t, items, 2)
		require.Equal(t, "Consulta", items[0].(map[string]any)["name"], "by name")

		// Another clinic's procedure is not found.
		require.Equal(t, http.StatusNotFound, a.owner.Do("GET", a.path("/procedures/"+foreign), nil).Status)
		require.Equal(t, http.StatusNotFound, a.owner.Do("PATCH", a.path("/procedures/"+foreign), map[string]any{"name": "X"}).Status)

		// Same name, whatever the case and accents: 409 naming the field.
		res := a.owner.Do("POST", a.path("/procedures"), map[string]any{"name": "LIMPEZA"})
		require.Equal(t, http.StatusConflict, res.Status, "%s", res.Body)
		require.Contains(t, res.JSON(t)["error"].(map[string]any)["fields"], "name")
		// Bad input: 400 with the fields, nothing written.
		res = a.owner.Do("POST", a.path("/procedures"), map[string]any{"name": "", "default_duration_minutes": 1000, "color": "blue"})
		require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
		fields := res.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)
		require.Contains(t, fields, "name")
		require.Contains(t, fields, "default_duration_minutes")
		require.Contains(t, fields, "color")
		require.Len(t, a.owner.Do("GET", a.path("/procedures"), nil).JSON(t)["items"], 2)

		// Deactivate (no deletion): it leaves the active list.
		res = a.owner.Do("PATCH", a.path("/procedures/"+id), map[string]any{"active": false, "name": "Limpeza dental"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, false, res.JSON(t)["active"])
		require.Equal(t, "Limpeza dental", res.JSON(t)["name"])
		require.Len(t, a.owner.Do("GET", a.path("/procedures?active=true"), nil).JSON(t)["items"], 1)
		require.Len(t, a.owner.Do("GET", a.path("/procedures?active=false"), nil).JSON(t)["items"], 1)
		require.Equal(t, http.StatusBadRequest, a.owner.Do("GET", a.path("/procedures?active=maybe"), nil).Status)
	})
}

func TestRoomsRenameAndDeactivateAPI(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		a := newScheduleClinic(t, in, "Clinic A")
		room := a.create(t, "/rooms", map[string]any{"name": "Sala 1"})
		a.create(t, "/rooms", map[string]any{"name": "Sala 2"})
		pro := a.create(t, "/professionals", map[string]any{"name": "Dra. Ana"})
		patient := a.create(t, "/patients", map[string]any{"full_name": "Maria Silva"})

		require.Equal(t, http.StatusForbidden, a.recep.Do("PATCH", a.path("/rooms/"+room), map[string]any{"name": "X"}).Status)
		res := a.owner.Do("PATCH", a.path("/rooms/"+room), map[string]any{"name": "Sala 2"})
		require.Equal(t, http.StatusConflict, res.Status, "%s", res.Body)
		res = a.owner.Do("PATCH", a.path("/rooms/"+room), map[string]any{"name": "Consultório 1", "active": false})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "Consultório 1", res.JSON(t)["name"])
		require.Equal(t, false, res.JSON(t)["active"])
		items := a.recep.Do("GET", a.path("/rooms?active=true"), nil).JSON(t)["items"].([]any)
		require.Len(t, items, 1)
		require.Equal(t, "Sala 2", items[0].(map[string]any)["name"])

		// An inactive room cannot be booked.
		start := time.Now().Add(72 * time.Hour).Truncate(time.Hour).Format(time.RFC3339)
		res = a.recep.Do("POST", a.path("/appointments"), map[string]any{"patient_id": patient, "professional_id": pro, "room_id": room,
			"starts_at": start, "override_working_hours": true})
		require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
		require.Contains(t, res.JSON(t)["error"].(map[string]any)["fields"], "room_id")
	})
}

func TestAppointmentWithAProcedureAPI(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		a := newScheduleClinic(t, in, "Clinic A")
		b := newScheduleClinic(t, in, "Clinic B")
		proc := a.create(t, "/procedures", map[string]any{"name": "Retorno", "default_duration_minutes": 20, "color": "#14b8a6"})
		foreign := b.create(t, "/procedures", map[string]any{"name": "Retorno"})
		pro := a.create(t, "/professionals", map[string]any{"name": "Dra. Ana"})
		patient := a.create(t, "/patients", map[string]any{"full_name": "Maria Silva"})
		start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
		book := func(body map[string]any) *apptest.Response {
			body["patient_id"], body["professional_id"], body["override_working_hours"] = patient, pro, true
			return a.recep.Do("POST", a.path("/appointments"), body)
		}

		res := book(map[string]any{"starts_at": start.Format(time.RFC3339), "procedure_id": proc})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		ap := res.JSON(t)
		require.Equal(t, "Retorno", ap["procedure"])
		require.Equal(t, proc, ap["procedure_id"])
		require.Equal(t, "#14b8a6", ap["procedure_color"])
		require.Equal(t, http.StatusNotFound, book(map[string]any{"starts_at": start.Add(time.Hour).Format(time.RFC3339), "procedure_id": foreign}).Status)
		require.Equal(t, http.StatusBadRequest, book(map[string]any{"starts_at": start.Add(time.Hour).Format(time.RFC3339), "procedure_id": proc, "procedure": "Outro"}).Status)

		// The agenda colours by procedure, and a recolour shows at once.
		agenda := func() map[string]any {
			res := a.recep.Do("GET", a.path("/appointments?from="+start.Add(-time.Hour).Format(time.RFC3339)+"&to="+start.Add(time.Hour).Format(time.RFC3339)), nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			items := res.JSON(t)["items"].([]any)
			require.Len(t, items, 1)
			return items[0].(map[string]any)
		}
		require.Equal(t, "#14b8a6", agenda()["procedure_color"])
		require.Equal(t, http.StatusOK, a.owner.Do("PATCH", a.path("/procedures/"+proc), map[string]any{"color": "#000000"}).Status)
		require.Equal(t, "#000000", agenda()["procedure_color"], "the cached agenda ended with the recolour")

		res = a.recep.Do("PATCH", a.path("/appointments/"+ap["id"].(string)), map[string]any{"procedure_id": nil})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.NotContains(t, res.JSON(t), "procedure_id")
		require.Equal(t, "Retorno", res.JSON(t)["procedure"])
	})
}

func TestProfileAPI(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := in.Client(t)
		clinicID, _ := c.Signup("Clinic", email("owner"))
		res := c.Do("PATCH", "/api/v1/me", map[string]any{"locale": "en"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "en", res.JSON(t)["user"].(map[string]any)["locale"])
		require.Equal(t, "en", c.Do("GET", "/api/v1/me", nil).JSON(t)["user"].(map[string]any)["locale"])
		res = c.Do("PATCH", "/api/v1/me", map[string]any{"locale": "de"})
		require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
		require.Contains(t, res.JSON(t)["error"].(map[string]any)["fields"], "locale")
		res = c.Do("PATCH", "/api/v1/me", map[string]any{"locale": nil})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "", res.JSON(t)["user"].(map[string]any)["locale"])

		// A token has no profile; nobody logged in gets 401.
		res = c.Do("POST", "/api/v1/clinics/"+clinicID+"/tokens", map[string]string{"name": "t", "role": "admin"})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		tok := in.Client(t)
		tok.Header.Set("Authorization", "Bearer "+res.JSON(t)["token"].(string))
		require.Equal(t, http.StatusForbidden, tok.Do("PATCH", "/api/v1/me", map[string]any{"locale": "en"}).Status)
		require.Equal(t, http.StatusUnauthorized, in.Client(t).Do("PATCH", "/api/v1/me", map[string]any{"locale": "en"}).Status)

		// Clinic settings: the public page's fields.
		res = c.Do("PATCH", "/api/v1/clinics/"+clinicID, map[string]any{"public_booking": true, "address": "Rua A, 1", "phone": "(11) 3333-4444"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, true, res.JSON(t)["public_booking"])
		res = c.Do("PATCH", "/api/v1/clinics/"+clinicID, map[string]any{"address": nil})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "", res.JSON(t)["address"])
		require.Equal(t, "(11) 3333-4444", res.JSON(t)["phone"])
	})
}
