package loadgen_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/loadgen"
	"clinic/internal/platform/db/dbtest"
)

// loadEnv is the configuration a server under load needs: rate limits that
// a load run does not reach.
var loadEnv = map[string]string{
	"RATE_LIMIT_SIGNUP_IP": "100000/1m", "RATE_LIMIT_LOGIN_IP": "100000/1m", "RATE_LIMIT_LOGIN_EMAIL": "100000/1m",
	"RATE_LIMIT_API_CLINIC": "100000000/1m", "WORKERS": "0", "LOG_LEVEL": "warn",
}

// TestARunAgainstARealServerHasEveryEndpointAndNoError seeds a real server
// (SQLite, then PostgreSQL) through its API and runs the mix for two seconds
// at a low rate in both modes: every endpoint is drawn and answered, none
// fails.
func TestARunAgainstARealServerHasEveryEndpointAndNoError(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, testRun)
}

func testRun(t *testing.T, dbURL string) {
	env := map[string]string{"FILES_URL": "file://" + t.TempDir()}
	for k, v := range loadEnv {
		env[k] = v
	}
	srv := apptest.New(t, dbURL, env)
	ctx := context.Background()
	st, err := loadgen.Seed(ctx, srv.URL, loadgen.HTTPClient(), loadgen.SeedOptions{Clinics: 2, Professionals: 2, Patients: 30, Appointments: 8, Users: 2})
	require.NoError(t, err)
	require.Len(t, st.Clinics, 2)
	for _, c := range st.Clinics {
		require.Len(t, c.Professionals, 2)
		require.Len(t, c.Patients, 30)
		require.Len(t, c.Appointments, 16)
		require.Len(t, c.Users, 2)
	}

	check := func(name string, rep *loadgen.Report) {
		t.Helper()
		var table bytes.Buffer
		require.NoError(t, rep.WriteTable(&table))
		t.Logf("%s:\n%s", name, table.String())
		for _, e := range loadgen.Endpoints {
			s, ok := rep.Get(e)
			require.True(t, ok, "%s: no %s requests", name, e)
			require.Positive(t, s.Requests, "%s: %s", name, e)
			require.Zero(t, s.Errors, "%s: %s errors, answers by status %v", name, e, s.Codes)
			require.Contains(t, table.String(), string(e))
		}
		require.Zero(t, rep.Total.Errors, name)
		require.Zero(t, rep.Total.Conflicts, "%s: distinct slots never conflict", name)
		require.Equal(t, rep.Total.Requests, sumRequests(rep), name)
		require.Contains(t, table.String(), "total")
	}

	rep, err := loadgen.Run(ctx, st, loadgen.Options{BaseURL: srv.URL, Mode: loadgen.Open, Rate: 60, Duration: 2 * time.Second, Seed: 5})
	require.NoError(t, err)
	check("open loop", rep)

	// The seed file, written after the run, round-trips and its users log
	// in again (-reuse): the closed loop goes on where the open one ended.
	path := filepath.Join(t.TempDir(), "state.json")
	require.NoError(t, loadgen.SaveState(path, st))
	reused, err := loadgen.LoadState(path)
	require.NoError(t, err)
	require.Equal(t, st.Clinics[1].Patients, reused.Clinics[1].Patients)
	require.Equal(t, st.Clinics[1].Professionals, reused.Clinics[1].Professionals)
	require.NoError(t, loadgen.Login(ctx, srv.URL, loadgen.HTTPClient(), reused, 4))
	rep, err = loadgen.Run(ctx, reused, loadgen.Options{BaseURL: srv.URL, Mode: loadgen.Closed, Concurrency: 2, Duration: 2 * time.Second, Seed: 6})
	require.NoError(t, err)
	check("closed loop, reused state", rep)
}
func sumRequests(rep *loadgen.Report) int {
	n := 0
	for _, s := range rep.Endpoints {
		n += s.Requests
	}
	return n
}

// TestSeedingStopsWithAClearErrorOn429 seeds a server with its default
// sign-up limit (5 an hour per IP): the sixth clinic is refused, and the
// error says which limits to raise.
func TestSeedingStopsWithAClearErrorOn429(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t, dbtest.SQLiteURL(t), map[string]string{"RATE_LIMIT_SIGNUP_IP": "2/1h", "FILES_URL": "file://" + t.TempDir(), "WORKERS": "0"})
	_, err := loadgen.Seed(context.Background(), srv.URL, loadgen.HTTPClient(),
		loadgen.SeedOptions{Clinics: 3, Professionals: 1, Patients: 1, Users: 1})
	require.ErrorIs(t, err, loadgen.ErrRateLimited)
	require.ErrorContains(t, err, "POST /api/v1/signup: 429")
	require.True(t, strings.Contains(err.Error(), "RATE_LIMIT_SIGNUP_IP") && strings.Contains(err.Error(), "RATE_LIMIT_LOGIN_IP"), err.Error())
}
