package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/appointment/appointmenttest"
)

// The indicators over the API: the report as JSON, a chart as CSV, the
// roles (receptionists 403, a professional their own figures), bad input.
func TestAnalyticsAPI(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		a := newScheduleClinic(t, in, "Clinic A")
		own := a.create(t, "/professionals", map[string]any{"name": "Dra. Ana", "user_id": a.proUserID})
		other := a.create(t, "/professionals", map[string]any{"name": "Dr. Bruno"})
		patient := appointmenttest.Patient(t, in.App.DB, a.id, "Maria")
		loc, err := time.LoadLocation("America/Sao_Paulo")
		require.NoError(t, err)
		for i, st := range []string{"completed", "no_show", "completed", "cancelled"} {
			prof := own
			if i == 3 {
				prof = other
			}
			appointmenttest.Appointment(t, in.App.DB, appointmenttest.Appt{ClinicID: a.id, PatientID: patient, ProfessionalID: prof,
				StartsAt: time.Date(2025, 3, 3+i, 23, 30, 0, 0, loc), Status: st})
		}
		q := "?from=2025-03-03&to=2025-03-09"

		res := a.owner.Do("GET", a.path("/analytics"+q), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		rep := res.JSON(t)
		sum := rep["summary"].(map[string]any)
		require.EqualValues(t, 4, sum["appointments"])
		require.Len(t, rep["days"], 7)
		require.EqualValues(t, 1, rep["days"].([]any)[0].(map[string]any)["appointments"], "23:30 local counts on its local day")
		rev, ok := rep["revenue"].(map[string]any)
		require.True(t, ok, "the owner sees revenue (billing's): %v", rep["revenue"])
		require.EqualValues(t, 0, rev["charged_cents"], "appointments written straight to the table were never completed through the service: no charge")

		// The CSV is read as a browser downloads it (apptest's Do checks
		// JSON answers against the OpenAPI document).
		raw, err := a.fin.HTTP.Get(a.fin.Base + a.path("/analytics/rates.csv"+q))
		require.NoError(t, err)
		body, err := io.ReadAll(raw.Body)
		require.NoError(t, err)
		require.NoError(t, raw.Body.Close())
		require.Equal(t, http.StatusOK, raw.StatusCode, "%s", body)
		require.True(t, strings.HasPrefix(raw.Header.Get("Content-Type"), "text/csv"))
		require.Contains(t, raw.Header.Get("Content-Disposition"), "indicadores-rates-2025-03-03-2025-03-09.csv")
		require.Contains(t, string(body), "2025-03-04,1,1,1,1.0000,0,0.0000\n", "the no-show on Tuesday")

		for _, c := range []string{"/analytics/nope.csv", "/analytics/rates"} {
			require.Equal(t, http.StatusNotFound, a.owner.Do("GET", a.path(c+q), nil).Status, c)
		}
		// Revenue's CSV: the owner's, not a professional's.
		raw, err = a.owner.HTTP.Get(a.owner.Base + a.path("/analytics/revenue-professionals.csv"+q))
		require.NoError(t, err)
		require.NoError(t, raw.Body.Close())
		require.Equal(t, http.StatusOK, raw.StatusCode)
		raw, err = a.pro.HTTP.Get(a.pro.Base + a.path("/analytics/revenue-professionals.csv"+q))
		require.NoError(t, err)
		require.NoError(t, raw.Body.Close())
		require.Equal(t, http.StatusNotFound, raw.StatusCode, "no revenue for a professional")

		res = a.recep.Do("GET", a.path("/analytics"+q), nil)
		require.Equal(t, http.StatusForbidden, res.Status)
		require.Equal(t, "Receptionists do not see reports.", res.JSON(t)["error"].(map[string]any)["message"])
		require.Equal(t, http.StatusForbidden, a.recep.Do("GET", a.path("/analytics/rates.csv"+q), nil).Status)

		res = a.pro.Do("GET", a.path("/analytics"+q), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.EqualValues(t, 3, res.JSON(t)["summary"].(map[string]any)["appointments"], "a professional's own")
		require.Equal(t, http.StatusForbidden, a.pro.Do("GET", a.path("/analytics"+q+"&professional_id="+other), nil).Status)

		res = a.owner.Do("GET", a.path("/analytics?from=2030-3-4&to=2030-03-01"), nil)
		require.Equal(t, http.StatusBadRequest, res.Status)
		require.Contains(t, res.JSON(t)["error"].(map[string]any)["fields"], "from")
	})
}
