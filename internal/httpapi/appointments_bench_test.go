package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

// BenchmarkAgendaListHTTP measures the authenticated agenda list end to end
// over HTTP on a local socket: session cookie, membership, clinic time zone
// (for the date bounds) and the agenda page, for a day of 20 appointments
// among 6 000 (ten clinics, 30 days). The per-clinic rate limit is lifted;
// the client runs in the same process and shares the 2 cores.
//
// Sub-benchmarks: "cached" asks the same day again and again (the page comes
// from the agenda cache, as between two bookings); "uncached" makes every
// request miss the cache (each asks a range one microsecond longer), so each
// runs the agenda query; "baseline" serves GET /clinics/{id} (session,
// membership and cached clinic settings, nothing of its own) the same way:
// the ceiling of any authenticated request on this machine.
func BenchmarkAgendaListHTTP(b *testing.B) {
	b.Run("sqlite-cached", func(b *testing.B) { benchAgendaHTTP(b, dbtest.SQLiteURL(b), "cached") })
	b.Run("sqlite-uncached", func(b *testing.B) { benchAgendaHTTP(b, dbtest.SQLiteURL(b), "uncached") })
	b.Run("postgres-cached", func(b *testing.B) { benchAgendaHTTP(b, dbtest.PostgresURL(b), "cached") })
	b.Run("postgres-uncached", func(b *testing.B) { benchAgendaHTTP(b, dbtest.PostgresURL(b), "uncached") })
	b.Run("postgres-baseline", func(b *testing.B) { benchAgendaHTTP(b, dbtest.PostgresURL(b), "baseline") })
}

func benchAgendaHTTP(b *testing.B, url, mode string) {
	in := apptest.New(b, url, map[string]string{"RATE_LIMIT_API_CLINIC": "1000000000/1m"})
	loc, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(b, err)
	first := time.Date(2031, 3, 3, 0, 0, 0, 0, loc)
	for range 9 {
		appointmenttest.BusyClinic(b, in.DB, appointmenttest.Clinic(b, in.DB, ""), loc, first, 30, 20)
	}
	owner := in.Client(b)
	clinicID, _ := owner.Signup("Clínica Cheia", email("owner"))
	appointmenttest.BusyClinic(b, in.DB, clinicID, loc, first, 30, 20)
	if in.DB.Dialect == db.Postgres { // as autovacuum would; SQLite is never analyzed in production
		_, err = in.DB.ExecContext(context.Background(), `ANALYZE`)
		require.NoError(b, err)
	}

	day := first.AddDate(0, 0, 10).Format(time.DateOnly)
	target := in.URL + "/api/v1/clinics/" + clinicID + "/appointments?from=" + day + "&to=" + day
	req, err := http.NewRequest("GET", target, nil)
	require.NoError(b, err)
	cookies := owner.HTTP.Jar.Cookies(req.URL)
	require.NotEmpty(b, cookies)
	res := owner.Do("GET", "/api/v1/clinics/"+clinicID+"/appointments?from="+day+"&to="+day, nil)
	require.Equal(b, http.StatusOK, res.Status, "%s", res.Body)
	var page struct{ Items []struct{ ID string } }
	res.Decode(b, &page)
	require.Len(b, page.Items, 20)
	if mode == "baseline" {
		target = in.URL + "/api/v1/clinics/" + clinicID
	}
	end := first.AddDate(0, 0, 11)
	var n atomic.Int64

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	b.Cleanup(client.CloseIdleConnections)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			u := target
			if mode == "uncached" {
				to := end.Add(time.Duration(n.Add(1)) * time.Microsecond).Format(time.RFC3339Nano)
				u = in.URL + "/api/v1/clinics/" + clinicID + "/appointments?from=" + day + "&to=" + strings.ReplaceAll(to, "+", "%2B")
			}
			req, _ := http.NewRequest("GET", u, nil)
			for _, c := range cookies {
				req.AddCookie(c)
			}
			// As a browser does; decompressing is the client's work, so
			// this client leaves the body compressed.
			req.Header.Set("Accept-Encoding", "gzip")
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
