package ratelimit_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/platform/ratelimit"
	"clinic/internal/platform/ratelimit/ratelimittest"
	"clinic/internal/platform/redisx"
	"clinic/internal/platform/redisx/redistest"
	"clinic/internal/platform/testenv"
)

func TestMemory(t *testing.T) {
	t.Parallel()
	ratelimittest.Run(t, func(t *testing.T) ratelimit.Limiter {
		m := ratelimit.NewMemory(ratelimit.MemoryConfig{})
		t.Cleanup(func() { _ = m.Close() })
		return m
	})
}

func TestMemoryWithPrefixAndMetrics(t *testing.T) {
	t.Parallel()
	ratelimittest.Run(t, func(t *testing.T) ratelimit.Limiter {
		l, err := ratelimit.New("memory", nil, prometheus.NewRegistry())
		require.NoError(t, err)
		t.Cleanup(func() { _ = l.(io.Closer).Close() })
		return ratelimit.WithPrefix(l, "contract:")
	})
}

// newRedisClient returns a client for TEST_REDIS_URL, closed when t ends.
func newRedisClient(t testing.TB) redis.UniversalClient {
	t.Helper()
	rdb, err := redisx.New(testenv.RedisURL(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

func TestRedis(t *testing.T) {
	t.Parallel()
	rdb := newRedisClient(t)
	ratelimittest.Run(t, func(t *testing.T) ratelimit.Limiter {
		return ratelimit.WithPrefix(ratelimit.NewRedis(rdb), testenv.RandomName("test:")+":")
	})
}

func TestRedisSharedAcrossServers(t *testing.T) {
	t.Parallel()
	testenv.RedisURL(t)
	ratelimittest.RunShared(t, func(t *testing.T) (ratelimit.Limiter, ratelimit.Limiter) {
		prefix := testenv.RandomName("test:") + ":"
		a := ratelimit.WithPrefix(ratelimit.NewRedis(newRedisClient(t)), prefix)
		b := ratelimit.WithPrefix(ratelimit.NewRedis(newRedisClient(t)), prefix)
		return a, b
	})
}

// The Redis Cluster runs: each decision is one Lua script with one KEY, so
// it runs on the master of that key's slot, whatever the key.

func TestRedisCluster(t *testing.T) {
	t.Parallel()
	rdb := redistest.Cluster(t)
	ratelimittest.Run(t, func(t *testing.T) ratelimit.Limiter {
		return ratelimit.WithPrefix(ratelimit.NewRedis(rdb), testenv.RandomName("test:")+":")
	})
}

func TestRedisClusterSharedAcrossServers(t *testing.T) {
	t.Parallel()
	redistest.Cluster(t)
	ratelimittest.RunShared(t, func(t *testing.T) (ratelimit.Limiter, ratelimit.Limiter) {
		prefix := testenv.RandomName("test:") + ":"
		a := ratelimit.WithPrefix(ratelimit.NewRedis(redistest.Cluster(t)), prefix)
		b := ratelimit.WithPrefix(ratelimit.NewRedis(redistest.Cluster(t)), prefix)
		return a, b
	})
}

func TestRedisKeysExpireWhenTheBucketIsFull(t *testing.T) {
	t.Parallel()
	rdb := newRedisClient(t)
	ctx := context.Background()
	prefix := testenv.RandomName("test:") + ":"
	l := ratelimit.WithPrefix(ratelimit.NewRedis(rdb), prefix)

	_, err := l.Allow(ctx, "k", ratelimit.Limit{Rate: 1, Period: time.Minute, Burst: 3})
	require.NoError(t, err)
	ttl, err := rdb.PTTL(ctx, "ratelimit:"+prefix+"k").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 50*time.Second, "one event of 1/min expires after about a minute")
	require.LessOrEqual(t, ttl, time.Minute)

	require.NoError(t, l.Reset(ctx, "k"))
	n, err := rdb.Exists(ctx, "ratelimit:"+prefix+"k").Result()
	require.NoError(t, err)
	require.Zero(t, n, "Reset deletes the key")
}

func TestRedisUnreachableIsUnavailable(t *testing.T) {
	t.Parallel()
	rdb, err := redisx.New("redis://127.0.0.1:1/0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = rdb.Close() })
	l := ratelimit.NewRedis(rdb)
	ctx := context.Background()

	_, err = l.Allow(ctx, "k", ratelimit.Limit{Rate: 1, Period: time.Second})
	require.Error(t, err)
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "Allow: %v", err)

	err = l.Reset(ctx, "k")
	require.Error(t, err)
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "Reset: %v", err)
}

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestMemoryFollowsGCRAExactly(t *testing.T) {
	t.Parallel()
	const ms = time.Millisecond
	type step struct {
		advance    time.Duration
		allowed    bool
		remaining  int
		retryAfter time.Duration
		resetAfter time.Duration
	}
	tests := []struct {
		name  string
		limit ratelimit.Limit
		steps []step
	}{
		{
			// Emission interval 100ms, tolerance 3 × 100ms.
			name:  "10/s with a burst of 3",
			limit: ratelimit.Limit{Rate: 10, Period: time.Second, Burst: 3},
			steps: []step{
				{0, true, 2, 0, 100 * ms},
				{0, true, 1, 0, 200 * ms},
				{0, true, 0, 0, 300 * ms},
				{0, false, 0, 100 * ms, 300 * ms},
				{40 * ms, false, 0, 60 * ms, 260 * ms},
				{60 * ms, true, 0, 0, 300 * ms},
				{250 * ms, true, 1, 0, 150 * ms},
				{time.Second, true, 2, 0, 100 * ms},
			},
		},
		{
			name:  "burst 0 means rate",
			limit: ratelimit.Limit{Rate: 2, Period: time.Second},
			steps: []step{
				{0, true, 1, 0, 500 * ms},
				{0, true, 0, 0, time.Second},
				{0, false, 0, 500 * ms, time.Second},
				{499 * ms, false, 0, 1 * ms, 501 * ms},
				{1 * ms, true, 0, 0, time.Second},
			},
		},
		{
			name:  "a burst larger than the rate",
			limit: ratelimit.Limit{Rate: 1, Period: time.Minute, Burst: 2},
			steps: []step{
				{0, true, 1, 0, time.Minute},
				{30 * time.Second, true, 0, 0, 90 * time.Second},
				{0, false, 0, 30 * time.Second, 90 * time.Second},
				{90 * time.Second, true, 1, 0, time.Minute},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			m := ratelimit.NewMemory(ratelimit.MemoryConfig{Now: clock.Now})
			t.Cleanup(func() { _ = m.Close() })
			burst := tt.limit.Burst
			if burst == 0 {
				burst = tt.limit.Rate
			}
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				got, err := m.Allow(context.Background(), "k", tt.limit)
				require.NoError(t, err)
				want := ratelimit.Result{
					Allowed: s.allowed, Limit: burst, Remaining: s.remaining,
					RetryAfter: s.retryAfter, ResetAfter: s.resetAfter,
				}
				require.Equal(t, want, got, "step %d (after advancing %s)", i+1, s.advance)
			}
		})
	}
}

func TestMemoryJanitorDropsOnlyFullBuckets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newFakeClock()
	m := ratelimit.NewMemory(ratelimit.MemoryConfig{Now: clock.Now, CleanupInterval: 5 * time.Millisecond})
	t.Cleanup(func() { _ = m.Close() })
	short := ratelimit.Limit{Rate: 1, Period: time.Second}
	long := ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 2}

	_, err := m.Allow(ctx, "short", short)
	require.NoError(t, err)
	_, err = m.Allow(ctx, "long", long)
	require.NoError(t, err)
	require.Equal(t, 2, m.Len())

	clock.Advance(time.Second)
	require.Eventually(t, func() bool { return m.Len() == 1 }, 5*time.Second, 5*time.Millisecond,
		"the janitor drops the full bucket of short")
	r, err := m.Allow(ctx, "long", long)
	require.NoError(t, err)
	require.True(t, r.Allowed)
	require.Zero(t, r.Remaining, "the janitor must keep the state of long")
}

func TestMemoryCloseStopsTheJanitorAndIsIdempotent(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	m := ratelimit.NewMemory(ratelimit.MemoryConfig{Now: clock.Now, CleanupInterval: time.Millisecond})
	require.NoError(t, m.Close())
	require.NoError(t, m.Close())

	_, err := m.Allow(context.Background(), "k", ratelimit.Limit{Rate: 1, Period: time.Second})
	require.NoError(t, err, "a closed Memory keeps limiting")
	clock.Advance(time.Hour)
	time.Sleep(20 * time.Millisecond) // gives a still-running janitor time to (wrongly) sweep
	require.Equal(t, 1, m.Len(), "no janitor runs after Close")
}

func TestMemoryHonoursACancelledContext(t *testing.T) {
	t.Parallel()
	m := ratelimit.NewMemory(ratelimit.MemoryConfig{})
	t.Cleanup(func() { _ = m.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := m.Allow(ctx, "k", ratelimit.Limit{Rate: 1, Period: time.Second})
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, m.Reset(ctx, "k"), context.Canceled)
}

func TestNewPicksTheBackendByName(t *testing.T) {
	t.Parallel()
	rdb, err := redisx.New("redis://127.0.0.1:1/0") // never dialled here
	require.NoError(t, err)
	t.Cleanup(func() { _ = rdb.Close() })
	tests := []struct {
		backend string
		rdb     redis.UniversalClient
		wantErr string
	}{
		{backend: "memory"},
		{backend: "redis", rdb: rdb},
		{backend: "redis", wantErr: "needs a Redis client"},
		{backend: "memcached", wantErr: `unknown backend "memcached"`},
		{backend: "", wantErr: `unknown backend ""`},
	}
	for _, tt := range tests {
		for _, withMetrics := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/rdb=%t/metrics=%t", tt.backend, tt.rdb != nil, withMetrics), func(t *testing.T) {
				t.Parallel()
				var reg prometheus.Registerer
				if withMetrics {
					reg = prometheus.NewRegistry()
				}
				l, err := ratelimit.New(tt.backend, tt.rdb, reg)
				if tt.wantErr != "" {
					require.ErrorContains(t, err, tt.wantErr)
					require.Nil(t, l)
					return
				}
				require.NoError(t, err)
				c, ok := l.(io.Closer)
				require.True(t, ok, "New's Limiter is an io.Closer")
				require.NoError(t, c.Close())
			})
		}
	}
}

func TestMetricsCountDecisionsByPrefix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	l, err := ratelimit.New("memory", nil, reg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.(io.Closer).Close() })
	// A second New on the same registry shares the counter.
	l2, err := ratelimit.New("memory", nil, reg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l2.(io.Closer).Close() })

	one := ratelimit.Limit{Rate: 1, Period: time.Hour}
	loginIP := ratelimit.WithPrefix(l, "login:ip:")
	for range 3 {
		_, err := loginIP.Allow(ctx, "192.0.2.1", one)
		require.NoError(t, err)
	}
	_, err = ratelimit.WithPrefix(ratelimit.WithPrefix(l2, "login:"), "user:").Allow(ctx, "ann", one)
	require.NoError(t, err)
	_, err = l.Allow(ctx, "k", one)
	require.NoError(t, err)
	_, err = l.Allow(ctx, "k", ratelimit.Limit{})
	require.Error(t, err)

	want := `
# HELP clinic_ratelimit_requests_total Rate limit decisions by limiter name (key prefix) and result (allowed, limited, error).
# TYPE clinic_ratelimit_requests_total counter
clinic_ratelimit_requests_total{name="default",result="allowed"} 1
clinic_ratelimit_requests_total{name="default",result="error"} 1
clinic_ratelimit_requests_total{name="login:ip",result="allowed"} 1
clinic_ratelimit_requests_total{name="login:ip",result="limited"} 2
clinic_ratelimit_requests_total{name="login:user",result="allowed"} 1
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want), "clinic_ratelimit_requests_total"))
}

func TestWithPrefixNamespacesKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	base := ratelimit.NewMemory(ratelimit.MemoryConfig{})
	t.Cleanup(func() { _ = base.Close() })
	one := ratelimit.Limit{Rate: 1, Period: time.Hour}
	nested := ratelimit.WithPrefix(ratelimit.WithPrefix(base, "a:"), "b:")

	r, err := nested.Allow(ctx, "k", one)
	require.NoError(t, err)
	require.True(t, r.Allowed)

	r, err = base.Allow(ctx, "a:b:k", one)
	require.NoError(t, err)
	require.False(t, r.Allowed, "nested prefixes concatenate, outer last")
	r, err = base.Allow(ctx, "k", one)
	require.NoError(t, err)
	require.True(t, r.Allowed, "the unprefixed key is another key")

	require.NoError(t, nested.Reset(ctx, "k"))
	r, err = base.Allow(ctx, "a:b:k", one)
	require.NoError(t, err)
	require.True(t, r.Allowed, "Reset goes through the prefix")

	require.NoError(t, nested.(io.Closer).Close(), "Close reaches the backend")
}

func TestLimitValidateNamesTheField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		limit   ratelimit.Limit
		wantErr string
	}{
		{ratelimit.Limit{Rate: 1, Period: time.Second}, ""},
		{ratelimit.Limit{Rate: 1, Period: time.Second, Burst: 5}, ""},
		{ratelimit.Limit{Rate: 0, Period: time.Second}, "Rate must be positive"},
		{ratelimit.Limit{Rate: 1}, "Period must be positive"},
		{ratelimit.Limit{Rate: 1, Period: time.Second, Burst: -1}, "Burst must not be negative"},
	}
	for _, tt := range tests {
		err := tt.limit.Validate()
		if tt.wantErr == "" {
			require.NoError(t, err, "%+v", tt.limit)
			continue
		}
		require.ErrorIs(t, err, ratelimit.ErrInvalidLimit, "%+v", tt.limit)
		require.ErrorContains(t, err, tt.wantErr, "%+v", tt.limit)
	}
}

func TestWriteHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		result ratelimit.Result
		want   http.Header
	}{
		{
			name:   "allowed: no Retry-After, Reset rounded up",
			result: ratelimit.Result{Allowed: true, Limit: 10, Remaining: 7, ResetAfter: 2100 * time.Millisecond},
			want:   http.Header{"Ratelimit-Limit": {"10"}, "Ratelimit-Remaining": {"7"}, "Ratelimit-Reset": {"3"}},
		},
		{
			name:   "allowed: whole seconds stay as they are",
			result: ratelimit.Result{Allowed: true, Limit: 5, Remaining: 4, ResetAfter: 12 * time.Second},
			want:   http.Header{"Ratelimit-Limit": {"5"}, "Ratelimit-Remaining": {"4"}, "Ratelimit-Reset": {"12"}},
		},
		{
			name:   "limited: Retry-After rounded up",
			result: ratelimit.Result{Limit: 5, RetryAfter: 1500 * time.Millisecond, ResetAfter: 60 * time.Second},
			want: http.Header{"Ratelimit-Limit": {"5"}, "Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {"60"},
				"Retry-After": {"2"}},
		},
		{
			name:   "limited: Retry-After is at least 1",
			result: ratelimit.Result{Limit: 5, RetryAfter: time.Microsecond, ResetAfter: time.Microsecond},
			want: http.Header{"Ratelimit-Limit": {"5"}, "Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {"1"},
				"Retry-After": {"1"}},
		},
		{
			name:   "limited with zero RetryAfter still says 1",
			result: ratelimit.Result{Limit: 1},
			want: http.Header{"Ratelimit-Limit": {"1"}, "Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {"0"},
				"Retry-After": {"1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			ratelimit.WriteHeaders(h, tt.result)
			require.Equal(t, tt.want, h)
		})
	}
}

func BenchmarkMemoryAllow(b *testing.B) {
	m := ratelimit.NewMemory(ratelimit.MemoryConfig{})
	b.Cleanup(func() { _ = m.Close() })
	benchmarkAllow(b, m)
}

func BenchmarkRedisAllow(b *testing.B) {
	rdb := newRedisClient(b)
	benchmarkAllow(b, ratelimit.WithPrefix(ratelimit.NewRedis(rdb), testenv.RandomName("bench:")+":"))
}

// benchmarkAllow calls Allow in parallel over 1024 keys.
func benchmarkAllow(b *testing.B, l ratelimit.Limiter) {
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("user:%d", i)
	}
	lim := ratelimit.Limit{Rate: 100, Period: time.Second}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := l.Allow(ctx, keys[i%len(keys)], lim); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}
