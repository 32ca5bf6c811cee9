package app_test

import (
	"context"
	"io"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/kernel"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
	"clinic/internal/schedule"
)

const password = "correct horse battery"

func email(prefix string) string { return testenv.RandomName(prefix) + "@example.com" }

// TestTwoInstancesBehaveAsOne runs two servers on one PostgreSQL and one
// Redis, as behind a load balancer.
func TestTwoInstancesBehaveAsOne(t *testing.T) {
	t.Parallel()
	testTwoInstancesBehaveAsOne(t, map[string]string{"REDIS_URL": testenv.RedisURL(t)})
}

// TestTwoInstancesOnARedisClusterBehaveAsOne is the same with
// REDIS_CLUSTER_ADDRS: sessions, rate limits, cache and live updates on a
// Redis Cluster of three masters.
func TestTwoInstancesOnARedisClusterBehaveAsOne(t *testing.T) {
	t.Parallel()
	testTwoInstancesBehaveAsOne(t, map[string]string{"REDIS_CLUSTER_ADDRS": strings.Join(testenv.RedisClusterAddrs(t), ",")})
}

// testTwoInstancesBehaveAsOne starts two servers on one PostgreSQL and the
// Redis that redisEnv configures, and checks that they behave as one.
func testTwoInstancesBehaveAsOne(t *testing.T, redisEnv map[string]string) {
	pg := dbtest.PostgresURL(t)
	env := map[string]string{
		"REDIS_PREFIX":           testenv.RandomName("t") + ":",
		"RATE_LIMIT_LOGIN_EMAIL": "4/1m",
	}
	maps.Copy(env, redisEnv)
	a := apptest.New(t, pg, env)
	b := apptest.New(t, pg, env)
	_, cluster := a.Redis.(*redis.ClusterClient)
	require.Equal(t, redisEnv["REDIS_CLUSTER_ADDRS"] != "", cluster, "Redis client %T", a.Redis)
	for _, backend := range []string{a.Config.Session(), a.Config.RateLimit(), a.Config.Cache(), a.Config.PubSub()} {
		require.Equal(t, "redis", backend)
	}

	t.Run("a login made on one server is accepted by the other", func(t *testing.T) {
		addr := email("owner")
		ca := a.Client(t)
		ca.Signup("Clinic", addr)
		require.Equal(t, http.StatusOK, ca.Login(addr, password).Status)
		cb := b.Client(t)
		cb.Header.Set("Cookie", "clinic_session="+ca.SessionToken(t))
		res := cb.Do("GET", "/api/v1/me", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Contains(t, string(res.Body), addr)

		// Logging out on b ends the session on a too.
		require.Equal(t, http.StatusNoContent, cb.Do("POST", "/api/v1/logout", nil).Status)
		require.Equal(t, http.StatusUnauthorized, ca.Do("GET", "/api/v1/me", nil).Status)
	})

	t.Run("a limit of N login attempts allows N in total across both", func(t *testing.T) {
		addr := email("target")
		a.Client(t).Signup("Clinic", addr)
		results := make([]struct {
			res *apptest.Response
			err error
		}, 10)
		var wg sync.WaitGroup
		for i := range results {
			in := a
			if i%2 == 1 {
				in = b
			}
			c := in.Client(t)
			wg.Go(func() {
				results[i].res, results[i].err = c.Try("POST", "/api/v1/login", map[string]string{"email": addr, "password": "wrong password!"})
			})
		}
		wg.Wait()
		codes := map[int]int{}
		for i, r := range results {
			require.NoError(t, r.err, "login %d", i)
			codes[r.res.Status]++
		}
		require.Equal(t, map[int]int{http.StatusUnauthorized: 4, http.StatusTooManyRequests: 6}, codes)
	})

	t.Run("a cached value changed through one server is read fresh on both", func(t *testing.T) {
		owner := a.Client(t)
		clinicID, _ := owner.Signup("Before", email("owner"))
		onB := b.Client(t)
		onB.Header.Set("Cookie", "clinic_session="+owner.SessionToken(t))
		for _, c := range []*apptest.Client{owner, onB} {
			res := c.Do("GET", "/api/v1/clinics/"+clinicID, nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			require.Equal(t, "Before", res.JSON(t)["name"])
		}
		res := owner.Do("PATCH", "/api/v1/clinics/"+clinicID, map[string]any{"name": "After"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		for _, c := range []*apptest.Client{owner, onB} {
			require.Equal(t, "After", c.Do("GET", "/api/v1/clinics/"+clinicID, nil).JSON(t)["name"])
		}
	})

	t.Run("a change made through one server reaches the open agendas of the other", func(t *testing.T) {
		clinicID, userID := a.Client(t).Signup("Live", email("owner"))
		agendaOnB := listen(t, b.PubSub, clinicID)
		owner := kernel.Principal{UserID: userID, ClinicID: clinicID, Role: kernel.RoleOwner}
		pr, err := a.Schedule.CreateProfessional(context.Background(), owner, schedule.ProfessionalInput{Name: "Dra. Ana", DefaultDurationMinutes: 30})
		require.NoError(t, err)
		e := nextEvent(t, agendaOnB)
		require.Equal(t, pr.ID, e.ProfessionalID, "event %+v", e)
	})
}

// TestRestartKeepsUserLoggedIn: with nothing configured, sessions live in
// the database, so a restart does not log anyone out.
func TestRestartKeepsUserLoggedIn(t *testing.T) {
	t.Parallel()
	url := dbtest.SQLiteURL(t)
	first := apptest.New(t, url, nil)
	c := first.Client(t)
	c.Signup("Clinic", email("owner"))
	token := c.SessionToken(t)
	first.Stop()

	second := apptest.New(t, url, nil)
	c2 := second.Client(t)
	c2.Header.Set("Cookie", "clinic_session="+token)
	res := c2.Do("GET", "/api/v1/me", nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
}

// TestRedisOutageAndRecovery starts with REDIS_URL on a closed port: the
// process starts, /readyz names Redis as down, requests that need Redis fail
// fast with 503, and once Redis answers on that port the same process uses
// it without a restart.
func TestRedisOutageAndRecovery(t *testing.T) {
	t.Parallel()
	real := strings.TrimPrefix(strings.TrimSuffix(testenv.RedisURL(t), "/0"), "redis://")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().String()
	require.NoError(t, ln.Close()) // the port is now closed

	in := apptest.New(t, dbtest.SQLiteURL(t), map[string]string{
		"REDIS_URL":    "redis://" + port + "/0",
		"REDIS_PREFIX": testenv.RandomName("t") + ":",
	})
	c := in.Client(t)
	res := c.Do("GET", "/readyz", nil)
	require.Equal(t, http.StatusServiceUnavailable, res.Status)
	require.Contains(t, string(res.Body), `"name":"redis"`)
	require.Contains(t, string(res.Body), `"status":"error"`)
	require.Equal(t, http.StatusOK, c.Do("GET", "/healthz", nil).Status)

	// It fails with 503 rather than hanging until the client's timeout.
	res = c.Do("POST", "/api/v1/signup", map[string]string{"clinic_name": "C", "name": "N", "email": email("o"), "password": password})
	require.Equal(t, http.StatusServiceUnavailable, res.Status, "%s", res.Body)
	require.Equal(t, "unavailable", res.ErrorCode())

	// Redis comes back on the same address.
	proxy := startProxy(t, port, real)
	defer proxy()
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		res, err := c.Try("GET", "/readyz", nil)
		require.NoError(ct, err)
		assert.Equal(ct, http.StatusOK, res.Status, "%s", res.Body)
	}, 15*time.Second, 100*time.Millisecond)
	addr := email("owner")
	res = c.Do("POST", "/api/v1/signup", map[string]string{"clinic_name": "C", "name": "N", "email": addr, "password": password})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	require.Equal(t, http.StatusOK, c.Do("GET", "/api/v1/me", nil).Status)
}

// startProxy forwards TCP connections from listen to target until stopped.
func startProxy(t *testing.T, listen, target string) func() {
	t.Helper()
	ln, err := net.Listen("tcp", listen)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { <-ctx.Done(); conn.Close(); up.Close() }()
				go func() { _, _ = io.Copy(up, conn) }()
				_, _ = io.Copy(conn, up)
			})
		}
	})
	return func() { cancel(); ln.Close(); wg.Wait() }
}
