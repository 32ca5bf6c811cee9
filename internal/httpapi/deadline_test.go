package httpapi_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

// tableLock is a lock on the patients table held by the test, as a long
// transaction of another client would hold it: on PostgreSQL an ACCESS
// EXCLUSIVE lock (reads and writes wait), on SQLite the database's write
// lock (writes wait).
type tableLock struct {
	d  *db.DB
	tx *sql.Tx
	// app is the application_name of the instance's PostgreSQL connections.
	app string
}

// appURL returns url with a PostgreSQL application_name of its own, so that
// pg_stat_activity tells the instance's connections apart from every other
// test's.
func appURL(url, name string) string {
	if !strings.HasPrefix(url, "postgres") {
		return url
	}
	return url + "&application_name=" + name
}

// lockPatients takes the lock on the database of url; appName is the
// application_name of the instance under test (see appURL).
func lockPatients(t *testing.T, url, appName string) *tableLock {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, url, db.Options{MaxConns: 2})
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	tx, err := d.BeginTx(ctx, nil) // SQLite: BEGIN IMMEDIATE takes the write lock
	require.NoError(t, err)
	l := &tableLock{d: d, tx: tx, app: appName}
	t.Cleanup(l.release)
	if d.Dialect == db.Postgres {
		_, err = tx.ExecContext(ctx, `LOCK TABLE patients IN ACCESS EXCLUSIVE MODE`)
		require.NoError(t, err)
	}
	return l
}

func (l *tableLock) release() { _ = l.tx.Rollback() }

// waiting counts the instance's PostgreSQL queries waiting for a lock (0 on
// SQLite, which has no such view).
func (l *tableLock) waiting(t *testing.T) int {
	t.Helper()
	if l.d.Dialect != db.Postgres {
		return 0
	}
	var n int
	require.NoError(t, l.d.QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, l.app).Scan(&n))
	return n
}

// waitWaiting polls (up to 10 s) until want queries of the instance wait for
// a lock (PostgreSQL only: on SQLite it returns at once).
func (l *tableLock) waitWaiting(t *testing.T, want int) {
	t.Helper()
	if l.d.Dialect != db.Postgres {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for l.waiting(t) != want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	require.Equal(t, want, l.waiting(t), "queries of the instance waiting for a lock")
}

func TestRequestPastTheDeadlineAnswers503AndFreesItsConnection(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		// Short, but long enough for the set-up requests on a busy machine.
		name := testenv.RandomName("clinic_")
		in := apptest.New(t, appURL(url, name), map[string]string{"REQUEST_TIMEOUT": "1s"})
		owner := in.Client(t)
		clinicID, _ := owner.Signup("Clinic", email("owner"))
		patients := "/api/v1/clinics/" + clinicID + "/patients"

		lock := lockPatients(t, url, name)
		res := owner.Do("POST", patients, map[string]string{"full_name": "Blocked by the lock"})
		require.Equal(t, http.StatusServiceUnavailable, res.Status, "%s", res.Body)
		require.Equal(t, "unavailable", res.ErrorCode())
		require.Contains(t, string(res.Body), "The request took too long. Please try again.")
		// The lock is still held, yet the server no longer waits for it: the
		// statement was cancelled, not left running.
		lock.waitWaiting(t, 0)

		lock.release()
		res = owner.Do("POST", patients, map[string]string{"full_name": "After the lock"})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		res = owner.Do("GET", patients, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Contains(t, string(res.Body), "After the lock")
		require.NotContains(t, string(res.Body), "Blocked by the lock", "the timed-out insert was rolled back")
		lock.waitWaiting(t, 0)
	})
}

func TestClientThatDisconnectsIsLoggedAsCancelledNotAsAnError(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		var logs apptest.LogBuffer
		name := testenv.RandomName("clinic_")
		in := apptest.StartWithLog(t, apptest.Config(t, appURL(url, name), nil), slog.New(slog.NewJSONHandler(&logs, nil)))
		owner := in.Client(t)
		clinicID, _ := owner.Signup("Clinic", email("owner"))
		route := "POST /api/v1/clinics/{clinic_id}/patients"

		lock := lockPatients(t, url, name)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var once sync.Once
		wrote := make(chan struct{})
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { once.Do(func() { close(wrote) }) }})
		req, err := http.NewRequestWithContext(ctx, "POST", in.URL+"/api/v1/clinics/"+clinicID+"/patients", strings.NewReader(`{"full_name":"Never mind"}`))
		require.NoError(t, err)
		req.Header.Set("Cookie", "clinic_session="+owner.SessionToken(t))
		done := make(chan error, 1)
		go func() {
			res, err := http.DefaultClient.Do(req)
			if err == nil {
				res.Body.Close()
				err = errors.New("the request was answered " + res.Status + " before the client gave up")
			}
			done <- err
		}()
		<-wrote
		lock.waitWaiting(t, 1) // PostgreSQL: the request waits for the lock
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)

		recs := logs.WaitFor(t, "request cancelled by the client")
		require.Equal(t, "INFO", recs[0]["level"])
		require.Equal(t, "/api/v1/clinics/"+clinicID+"/patients", recs[0]["path"])
		lock.waitWaiting(t, 0)
		lock.release()

		metric := `clinic_http_requests_total{route="` + route + `",status="499"} 1`
		deadline := time.Now().Add(10 * time.Second)
		var m *apptest.Response
		for {
			m = owner.Do("GET", "/metrics", nil)
			if strings.Contains(string(m.Body), metric) || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		require.Contains(t, string(m.Body), metric, "a disconnect is counted under 499")
		require.NotContains(t, string(m.Body), `route="`+route+`",status="5`, "and not as a 5xx")
		for _, rec := range logs.Records(t) {
			require.NotEqual(t, "ERROR", rec["level"], "logged as an error: %v", rec)
		}
	})
}
