package httpx_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/httpx"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

func lsnCookie(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == httpx.LSNCookie {
			return c
		}
	}
	return nil
}

func TestReadYourWritesCookie(t *testing.T) {
	t.Parallel()
	primaryURL := dbtest.PostgresURL(t)
	ctx := context.Background()
	d, err := db.Open(ctx, primaryURL, db.Options{MaxConns: 2, ReplicaURLs: []string{dbtest.ReplicaURL(t, primaryURL)}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	dbtest.ReplayRunning(t)

	var onReplica bool
	h := httpx.ReadYourWrites(d, true, time.Second)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, d.Reader(r.Context()).QueryRow(r.Context(), `SELECT pg_is_in_recovery()`).Scan(&onReplica))
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/", http.StatusSeeOther)
		case "/body":
			_, _ = w.Write([]byte("ok")) // no WriteHeader
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	serve := func(method, path string, cookie *http.Cookie) *http.Response {
		req := httptest.NewRequest(method, path, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}

	for _, tc := range []struct{ method, path string }{{"POST", "/"}, {"PUT", "/redirect"}, {"DELETE", "/body"}} {
		before, err := d.CurrentLSN(ctx)
		require.NoError(t, err)
		c := lsnCookie(serve(tc.method, tc.path, nil))
		require.NotNil(t, c, "%s %s set no cookie", tc.method, tc.path)
		lsn, err := strconv.ParseUint(c.Value, 16, 64)
		require.NoError(t, err)
		require.GreaterOrEqual(t, db.LSN(lsn), before, "%s %s", tc.method, tc.path)
		require.True(t, c.HttpOnly && c.Secure && c.MaxAge == 61, "%+v", c)
	}
	require.Nil(t, lsnCookie(serve("GET", "/", nil)), "a GET set the cookie")

	// Without a cookie reads reach the replica; with one from beyond the
	// replica's position, the primary.
	require.Eventually(t, func() bool { serve("GET", "/", nil); return onReplica }, 30*time.Second, 20*time.Millisecond)
	serve("GET", "/", &http.Cookie{Name: httpx.LSNCookie, Value: strconv.FormatUint(uint64(^db.LSN(0)), 16)})
	require.False(t, onReplica, "a read past the replica's position went to it")
	require.Eventually(t, func() bool {
		serve("GET", "/", &http.Cookie{Name: httpx.LSNCookie, Value: "not a position"})
		return onReplica
	}, 30*time.Second, 20*time.Millisecond, "a malformed cookie should be ignored")
}

func TestReadYourWritesIsNothingWithoutReplicas(t *testing.T) {
	t.Parallel()
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := httpx.ReadYourWrites(dbtest.SQLite(t), false, time.Second)(next)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	require.Nil(t, lsnCookie(rec.Result()))
}
