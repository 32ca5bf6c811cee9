package demo_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/demo"
	"clinic/internal/platform/db/dbtest"
)

func TestSeedMakesALivingAgenda(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		in := apptest.New(t, url, nil)
		res, err := demo.Seed(context.Background(), demo.Services{
			Accounts: in.Accounts, Patients: in.Patients, Schedule: in.Schedule, Appointments: in.Appointments,
		}, demo.Options{Patients: 40, Days: 7, Seed: 42})
		require.NoError(t, err)
		require.Greater(t, res.Patients, 30)
		require.Greater(t, res.Appointments, 20)

		c := in.Client(t)
		require.Equal(t, http.StatusOK, c.Login(res.Email, res.Password).Status)
		pros := c.Do("GET", "/api/v1/clinics/"+res.ClinicID+"/professionals", nil)
		require.Equal(t, http.StatusOK, pros.Status)
		require.Contains(t, string(pros.Body), "Dra. Ana Souza")
		pts := c.Do("GET", "/api/v1/clinics/"+res.ClinicID+"/patients?limit=5", nil)
		require.Equal(t, http.StatusOK, pts.Status)
		require.NotEmpty(t, pts.JSON(t)["items"])
		from := time.Now().Format(time.DateOnly)
		to := time.Now().AddDate(0, 0, 8).Format(time.DateOnly)
		agenda := c.Do("GET", "/api/v1/clinics/"+res.ClinicID+"/appointments?from="+from+"&to="+to+"&limit=500", nil)
		require.Equal(t, http.StatusOK, agenda.Status, "%s", agenda.Body)
		items := agenda.JSON(t)["items"].([]any)
		require.Len(t, items, res.Appointments, "the agenda shows every seeded appointment")
		for _, it := range items {
			a := it.(map[string]any)
			require.NotEmpty(t, a["procedure_id"], "every demo appointment is for a procedure")
			require.Regexp(t, `^#[0-9a-f]{6}$`, a["procedure_color"])
			require.NotEmpty(t, a["procedure"])
		}
		procs := c.Do("GET", "/api/v1/clinics/"+res.ClinicID+"/procedures?active=true", nil)
		require.Equal(t, http.StatusOK, procs.Status)
		require.Len(t, procs.JSON(t)["items"], 5)

		// The public booking page is open, with every procedure.
		page := in.Client(t).Do("GET", "/api/v1/public/clinics/"+res.Slug, nil)
		require.Equal(t, http.StatusOK, page.Status, "%s", page.Body)
		require.Len(t, page.JSON(t)["procedures"], 5)
		require.Len(t, page.JSON(t)["professionals"], 5)
	})
}
