package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"clinic/internal/app"
	"clinic/internal/app/apptest"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

// closedRedisURL returns a redis:// URL on a local port nothing listens on.
func closedRedisURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "redis://" + addr + "/0"
}

func TestDependencyUpFollowsTheReadinessChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		redisURL func(t testing.TB) string
		want     string
	}{
		{"redis down", closedRedisURL, `clinic_dependency_up{backend="redis",name="redis"} 0`},
		{"redis up", testenv.RedisURL, `clinic_dependency_up{backend="redis",name="redis"} 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := apptest.New(t, dbtest.SQLiteURL(t), map[string]string{"REDIS_URL": tt.redisURL(t), "REDIS_PREFIX": testenv.RandomName("t") + ":"})
			want := "# HELP clinic_dependency_up Whether a dependency answered its health check (the checks of GET /readyz) during this scrape: 1 up, 0 down.\n" +
				"# TYPE clinic_dependency_up gauge\n" +
				`clinic_dependency_up{backend="file",name="files"} 1` + "\n" +
				`clinic_dependency_up{backend="sqlite",name="database"} 1` + "\n" +
				tt.want + "\n"
			require.NoError(t, testutil.GatherAndCompare(in.Registry, strings.NewReader(want), "clinic_dependency_up"))
		})
	}
}

func TestMemoryLimitIsExposed(t *testing.T) {
	t.Parallel()
	in := apptest.New(t, dbtest.SQLiteURL(t), nil)
	families, err := in.Registry.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == "clinic_memory_limit_bytes" {
			require.Len(t, f.GetMetric(), 1)
			require.Greater(t, f.GetMetric()[0].GetGauge().GetValue(), float64(64<<20), "at least 64 MiB")
			return
		}
	}
	t.Fatal("clinic_memory_limit_bytes is not registered (this test runs on Linux)")
}

func TestWorkerServesOnlyTheOperationsEndpoints(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t, dbtest.SQLiteURL(t), map[string]string{"WORKERS": "2"})
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.RunWorker(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	get := func(path string) (int, string) {
		res, err := http.Get(base + path)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(b)
	}
	status, body := get("/metrics")
	require.Equal(t, http.StatusOK, status)
	for _, name := range []string{"clinic_queue_jobs{", "clinic_dependency_up{", "process_cpu_seconds_total ", "go_sched_gomaxprocs_threads "} {
		require.Contains(t, body, "\n"+name)
	}
	status, _ = get("/healthz")
	require.Equal(t, http.StatusOK, status)
	status, body = get("/readyz")
	require.Equal(t, http.StatusOK, status, body)
	status, _ = get("/api/v1/me")
	require.Equal(t, http.StatusNotFound, status, "a worker serves no API")

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("RunWorker did not return within 30s of its context's end")
	}
	_, err = http.Get(base + "/healthz")
	require.Error(t, err, "the endpoints are closed with the worker")
}
