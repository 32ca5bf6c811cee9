package app_test

import (
	"net"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

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
