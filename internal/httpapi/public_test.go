package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
)

// publicClinic is a clinic with its public page open, a procedure offered
// online (30 minutes) and a professional working 08:00–12:00 every day.
type publicClinic struct {
	*scheduleClinic
	slug, proc, pro string
	// day is a clinic-local date three days ahead.
	day string
}

func newPublicClinic(t *testing.T, in *apptest.Instance) *publicClinic {
	t.Helper()
	pc := &publicClinic{scheduleClinic: newScheduleClinic(t, in, "Clínica Pública")}
	res := pc.owner.Do("PATCH", pc.path(""), map[string]any{"public_booking": true, "address": "Rua A, 1"})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	pc.slug = res.JSON(t)["slug"].(string)
	pc.proc = pc.create(t, "/procedures", map[string]any{"name": "Consulta", "default_duration_minutes": 30, "bookable_online": true})
	pc.pro = pc.create(t, "/professionals", map[string]any{"name": "Dra. Ana"})
	var rules []map[string]any
	for wd := range 7 {
		rules = append(rules, map[string]any{"weekday": wd, "start": "08:00", "end": "12:00"})
	}
	res = pc.owner.Do("PUT", pc.path("/professionals/"+pc.pro+"/working-hours"), map[string]any{"rules": rules})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	loc, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	pc.day = time.Now().In(loc).AddDate(0, 0, 3).Format(time.DateOnly)
	return pc
}

func (pc *publicClinic) public(p string) string { return "/api/v1/public/clinics/" + pc.slug + p }

// at is hh:mm of pc.day in São Paulo (UTC−3, no daylight saving).
func (pc *publicClinic) at(hhmm string) string { return pc.day + "T" + hhmm + ":00-03:00" }

func (pc *publicClinic) booking(hhmm, name, phone string) map[string]any {
	return map[string]any{"procedure_id": pc.proc, "professional_id": pc.pro, "starts_at": pc.at(hhmm), "name": name, "phone": phone,
		"consents": map[string]any{"whatsapp": true}}
}

func TestPublicBookingAPI(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		pc := newPublicClinic(t, in)
		visitor := in.Client(t)

		res := visitor.Do("GET", pc.public(""), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		page := res.JSON(t)
		require.Equal(t, "Clínica Pública", page["name"])
		require.Equal(t, "Rua A, 1", page["address"])
		require.Len(t, page["procedures"], 1)
		require.Len(t, page["professionals"], 1)
		require.NotContains(t, string(res.Body), pc.id, "no internal clinic id on the public page")

		slots := func() []any {
			res := visitor.Do("GET", pc.public("/slots?procedure_id="+pc.proc+"&from="+pc.day+"&days=1"), nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			return res.JSON(t)["slots"].([]any)
		}
		require.Len(t, slots(), 8)

		res = visitor.Do("POST", pc.public("/appointments"), pc.booking("09:00", "Maria Silva", "(11) 98765-4321"))
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		conf := res.JSON(t)
		require.Equal(t, "09:00", conf["time"])
		require.Equal(t, pc.day, conf["date"])
		apptID := conf["appointment_id"].(string)

		// It is on the staff's agenda; the taken slot is no longer offered.
		res = pc.recep.Do("GET", pc.path("/appointments/"+apptID), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "Maria Silva", res.JSON(t)["patient_name"])
		require.Equal(t, pc.proc, res.JSON(t)["procedure_id"])
		require.Len(t, slots(), 7)

		// The same phone again is the same patient.
		res = visitor.Do("POST", pc.public("/appointments"), pc.booking("10:00", "Maria Silva", "11 98765 4321"))
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		res = pc.recep.Do("GET", pc.path("/patients?q=11987654321"), nil)
		require.Len(t, res.JSON(t)["items"], 1)

		// The taken time is a conflict.
		res = visitor.Do("POST", pc.public("/appointments"), pc.booking("09:00", "Carla Dias", "(11) 95555-6666"))
		require.Equal(t, http.StatusConflict, res.Status, "%s", res.Body)

		// Bad input names the fields; a cross-site POST is refused.
		bad := pc.booking("11:00", "", "123")
		bad["cpf"] = "111.111.111-11"
		res = visitor.Do("POST", pc.public("/appointments"), bad)
		require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
		fields := res.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)
		for _, f := range []string{"name", "phone", "cpf"} {
			require.Contains(t, fields, f)
		}
		res = visitor.Do("POST", pc.public("/appointments"), pc.booking("11:00", "Ana", "(11) 97777-8888"), http.Header{"Sec-Fetch-Site": {"cross-site"}})
		require.Equal(t, http.StatusForbidden, res.Status, "%s", res.Body)
		require.Len(t, slots(), 6, "refused bookings take no slot")

		// The honeypot answers like a booking and books nothing.
		trap := pc.booking("11:00", "Bot", "(11) 97777-8888")
		trap["website"] = "http://spam.example"
		res = visitor.Do("POST", pc.public("/appointments"), trap)
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		require.Len(t, slots(), 6)
		require.Equal(t, http.StatusNotFound, pc.recep.Do("GET", pc.path("/appointments/"+res.JSON(t)["appointment_id"].(string)), nil).Status)

		// Unknown slugs, procedures not offered and a closed page: 404.
		require.Equal(t, http.StatusNotFound, visitor.Do("GET", "/api/v1/public/clinics/no-such-clinic", nil).Status)
		private := pc.create(t, "/procedures", map[string]any{"name": "Cirurgia"})
		require.Equal(t, http.StatusNotFound, visitor.Do("GET", pc.public("/slots?procedure_id="+private), nil).Status)
		require.Equal(t, http.StatusBadRequest, visitor.Do("GET", pc.public("/slots?procedure_id="+pc.proc+"&days=29"), nil).Status)
		require.Equal(t, http.StatusOK, pc.owner.Do("PATCH", pc.path(""), map[string]any{"public_booking": false}).Status)
		require.Equal(t, http.StatusNotFound, visitor.Do("GET", pc.public(""), nil).Status)
		require.Equal(t, http.StatusNotFound, visitor.Do("POST", pc.public("/appointments"), pc.booking("11:30", "Ana", "(11) 97777-8888")).Status)
	})
}

func TestPublicBookingRateLimits(t *testing.T) {
	t.Parallel()
	each(t, map[string]string{"RATE_LIMIT_PUBLIC_PHONE": "2/1h", "RATE_LIMIT_PUBLIC_IP": "12/1m"}, func(t *testing.T, in *apptest.Instance) {
		pc := newPublicClinic(t, in)
		visitor := in.Client(t)
		// Per phone, however it is written.
		for i, phone := range []string{"(11) 98765-4321", "11987654321"} {
			res := visitor.Do("POST", pc.public("/appointments"), pc.booking([]string{"08:00", "08:30"}[i], "Maria Silva", phone))
			require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		}
		res := visitor.Do("POST", pc.public("/appointments"), pc.booking("09:00", "Maria Silva", "+55 11 98765-4321"))
		require.Equal(t, http.StatusTooManyRequests, res.Status, "%s", res.Body)
		res = visitor.Do("POST", pc.public("/appointments"), pc.booking("09:00", "Ana Lima", "(11) 93333-4444"))
		require.Equal(t, http.StatusCreated, res.Status, "another phone is not limited: %s", res.Body)

		// Per IP, every public request.
		limited := false
		for range 12 {
			if visitor.Do("GET", pc.public(""), nil).Status == http.StatusTooManyRequests {
				limited = true
				break
			}
		}
		require.True(t, limited, "12 requests per minute from one IP")
	})
}
