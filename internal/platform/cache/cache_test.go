package cache_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/cache/cachetest"
	"clinic/internal/platform/redisx"
	"clinic/internal/platform/redisx/redistest"
	"clinic/internal/platform/testenv"
)

func TestMemory(t *testing.T) {
	t.Parallel()
	cachetest.Run(t, func(t *testing.T) cache.Cache {
		return newCache(t, cache.Config{Backend: cache.BackendMemory}, nil)
	})
}

func TestRedis(t *testing.T) {
	t.Parallel()
	url := testenv.RedisURL(t)
	rdb := newClient(t, url, "")
	cachetest.Run(t, func(t *testing.T) cache.Cache {
		return newCache(t, cache.Config{Backend: cache.BackendRedis, KeyPrefix: randomPrefix()}, rdb)
	})
}

func TestRedisShared(t *testing.T) {
	t.Parallel()
	url := testenv.RedisURL(t)
	cachetest.RunShared(t, func(t *testing.T) (a, b cache.Cache) {
		cfg := cache.Config{Backend: cache.BackendRedis, KeyPrefix: randomPrefix()}
		return newCache(t, cfg, newClient(t, url, "")), newCache(t, cfg, newClient(t, url, ""))
	})
}

func TestTiered(t *testing.T) {
	t.Parallel()
	url := testenv.RedisURL(t)
	rdb := newClient(t, url, "")
	cachetest.Run(t, func(t *testing.T) cache.Cache {
		return newTiered(t, cache.Config{Backend: cache.BackendTiered, KeyPrefix: randomPrefix()}, rdb)
	})
}

func TestTieredShared(t *testing.T) {
	t.Parallel()
	url := testenv.RedisURL(t)
	cachetest.RunShared(t, func(t *testing.T) (a, b cache.Cache) {
		// A LocalTTL far above the propagation allowance: b can only pass by
		// receiving the invalidations.
		cfg := cache.Config{Backend: cache.BackendTiered, KeyPrefix: randomPrefix(), LocalTTL: time.Minute}
		return newTiered(t, cfg, newClient(t, url, "")), newTiered(t, cfg, newClient(t, url, ""))
	}, cachetest.Propagation(2*time.Second))
}

// The Redis Cluster runs: every cache key is one Redis key, GET and PTTL
// are of one key, Delete sends one DEL per key, and the tiered
// invalidations are PUBLISHed, which a cluster delivers on every node.

func TestRedisCluster(t *testing.T) {
	t.Parallel()
	rdb := redistest.Cluster(t)
	cachetest.Run(t, func(t *testing.T) cache.Cache {
		return newCache(t, cache.Config{Backend: cache.BackendRedis, KeyPrefix: randomPrefix()}, rdb)
	})
}

func TestRedisClusterShared(t *testing.T) {
	t.Parallel()
	redistest.Cluster(t)
	cachetest.RunShared(t, func(t *testing.T) (a, b cache.Cache) {
		cfg := cache.Config{Backend: cache.BackendRedis, KeyPrefix: randomPrefix()}
		return newCache(t, cfg, redistest.Cluster(t)), newCache(t, cfg, redistest.Cluster(t))
	})
}

func TestTieredCluster(t *testing.T) {
	t.Parallel()
	rdb := redistest.Cluster(t)
	cachetest.Run(t, func(t *testing.T) cache.Cache {
		return newTiered(t, cache.Config{Backend: cache.BackendTiered, KeyPrefix: randomPrefix()}, rdb)
	})
}

func TestTieredClusterShared(t *testing.T) {
	t.Parallel()
	redistest.Cluster(t)
	cachetest.RunShared(t, func(t *testing.T) (a, b cache.Cache) {
		// The two instances' subscriptions are on whichever nodes their
		// clients picked: b passes only if invalidations cross nodes.
		cfg := cache.Config{Backend: cache.BackendTiered, KeyPrefix: randomPrefix(), LocalTTL: time.Minute}
		return newTiered(t, cfg, redistest.Cluster(t)), newTiered(t, cfg, redistest.Cluster(t))
	}, cachetest.Propagation(2*time.Second))
}

// TestRedisClusterDeletesKeysOfManySlots: one Delete of keys that hash to
// many slots (a single DEL of them would fail with CROSSSLOT) removes them
// all, through a tenant view as the app uses it.
func TestRedisClusterDeletesKeysOfManySlots(t *testing.T) {
	t.Parallel()
	rdb := redistest.Cluster(t)
	prefix := randomPrefix()
	c := cache.ForTenant(newCache(t, cache.Config{Backend: cache.BackendRedis, KeyPrefix: prefix}, rdb), "clinic-1")
	ctx := t.Context()
	keys := make([]string, 40)
	for i := range keys {
		keys[i] = fmt.Sprintf("agenda:%d", i)
		require.NoError(t, c.Set(ctx, keys[i], []byte("v"), time.Minute))
	}
	slots := map[int64]bool{}
	for _, k := range keys {
		slot, err := rdb.ClusterKeySlot(ctx, prefix+"t:clinic-1:"+k).Result()
		require.NoError(t, err)
		slots[slot] = true
	}
	require.Greater(t, len(slots), 1, "the keys are in one slot: the test would prove nothing")

	require.NoError(t, c.Delete(ctx, keys...))
	for _, k := range keys {
		_, err := c.Get(ctx, k)
		require.ErrorIs(t, err, cache.ErrMiss, "key %s", k)
	}
}

// tieredPair returns two tiered instances on one Redis with their own
// clients, the raw client (to change Redis behind their backs), and the key
// prefix they use.
type tieredPair struct {
	a, b   *cache.Tiered
	raw    redis.UniversalClient
	prefix string
	bName  string // client name of b's connections
}

func newTieredPair(t *testing.T, localTTL time.Duration) tieredPair {
	t.Helper()
	url := testenv.RedisURL(t)
	p := tieredPair{prefix: randomPrefix(), bName: testenv.RandomName("cachetest-b-")}
	cfg := cache.Config{Backend: cache.BackendTiered, KeyPrefix: p.prefix, LocalTTL: localTTL}
	p.a = newTiered(t, cfg, newClient(t, url, ""))
	p.b = newTiered(t, cfg, newClient(t, url, p.bName))
	p.raw = newClient(t, url, "")
	return p
}

func TestTieredServesHotKeysFromTheLocalLayer(t *testing.T) {
	t.Parallel()
	p := newTieredPair(t, time.Minute)
	ctx := t.Context()
	// Written behind the caches' backs (nothing is published), so that no
	// invalidation in flight makes b drop the copy it reads.
	require.NoError(t, p.raw.Set(ctx, p.prefix+"k", "v1", time.Minute).Err())
	requireGet(t, p.b, "k", "v1")
	require.NoError(t, p.raw.Set(ctx, p.prefix+"k", "v2", time.Minute).Err())
	requireGet(t, p.b, "k", "v1") // b answers from its local copy
	requireGet(t, p.a, "k", "v2") // a never read k, so it asks Redis
}

func TestTieredLocalTTLBoundsStaleness(t *testing.T) {
	t.Parallel()
	p := newTieredPair(t, 200*time.Millisecond)
	ctx := t.Context()
	require.NoError(t, p.raw.Set(ctx, p.prefix+"k", "v1", time.Minute).Err())
	requireGet(t, p.b, "k", "v1")
	require.NoError(t, p.raw.Set(ctx, p.prefix+"k", "v2", time.Minute).Err())
	require.Eventually(t, func() bool { return get(t, p.b, "k") == "v2" }, 2*time.Second, 10*time.Millisecond)
}

func TestTieredLocalCopyNeverOutlivesTheRedisValue(t *testing.T) {
	t.Parallel()
	p := newTieredPair(t, time.Minute)
	require.NoError(t, p.raw.Set(t.Context(), p.prefix+"k", "v", 300*time.Millisecond).Err())
	requireGet(t, p.b, "k", "v")
	require.Eventually(t, func() bool { return get(t, p.b, "k") == "" }, 2*time.Second, 10*time.Millisecond)
}

func TestTieredFlushesAndBypassesTheLocalLayerWhenTheSubscriptionIsLost(t *testing.T) {
	t.Parallel()
	p := newTieredPair(t, time.Minute)
	ctx := t.Context()
	require.NoError(t, p.raw.Set(ctx, p.prefix+"k", "v1", time.Minute).Err())
	requireGet(t, p.b, "k", "v1")
	require.NoError(t, p.raw.Set(ctx, p.prefix+"k", "v1'", time.Minute).Err())
	requireGet(t, p.b, "k", "v1") // b serves its local copy

	killPubSubConns(t, p.raw, p.bName)
	// A change whose invalidation b cannot receive.
	require.NoError(t, p.raw.Set(ctx, p.prefix+"k", "v2", time.Minute).Err())
	require.Eventually(t, func() bool { return get(t, p.b, "k") == "v2" }, 2*time.Second, 10*time.Millisecond,
		"b kept serving its local copy after losing the subscription")

	// b subscribes again and uses invalidations again.
	require.Eventually(t, p.b.Subscribed, 5*time.Second, 10*time.Millisecond, "b never subscribed again")
	requireGet(t, p.b, "k", "v2")
	require.NoError(t, p.a.Set(ctx, "k", []byte("v3"), time.Minute))
	require.Eventually(t, func() bool { return get(t, p.b, "k") == "v3" }, 2*time.Second, 10*time.Millisecond)
}

func TestTieredNeverKeepsAValueChangedWhileItWasRead(t *testing.T) {
	t.Parallel()
	p := newTieredPair(t, time.Minute)
	ctx := t.Context()
	const writes = 300
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		for i := range writes {
			if err := p.a.Set(ctx, "k", []byte(strconv.Itoa(i)), time.Minute); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := p.b.Get(ctx, "k"); err != nil && !errors.Is(err, cache.ErrMiss) {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	final := strconv.Itoa(writes - 1)
	require.Eventually(t, func() bool { return get(t, p.b, "k") == final }, 2*time.Second, 10*time.Millisecond,
		"b kept a stale local copy")
}

func TestUnreachableRedisIsUnavailable(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{cache.BackendRedis, cache.BackendTiered} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			rdb, err := redisx.New("redis://127.0.0.1:1/0") // nothing listens on port 1
			require.NoError(t, err)
			t.Cleanup(func() { _ = rdb.Close() })
			c := newCache(t, cache.Config{Backend: backend}, rdb)
			ctx := t.Context()

			_, err = c.Get(ctx, "k")
			requireUnavailable(t, err, "Get")
			requireUnavailable(t, c.Set(ctx, "k", []byte("v"), time.Minute), "Set")
			requireUnavailable(t, c.Delete(ctx, "k"), "Delete")

			called := false
			_, err = cache.Load(ctx, c, "k", time.Minute, func(context.Context) ([]byte, error) {
				called = true
				return []byte("v"), nil
			})
			requireUnavailable(t, err, "Load")
			require.False(t, called, "Load called the loader although the cache is unavailable")
		})
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never used for a command
	t.Cleanup(func() { _ = rdb.Close() })
	cases := []struct {
		name    string
		cfg     cache.Config
		rdb     redis.UniversalClient
		wantErr string
	}{
		{name: "empty backend is memory", cfg: cache.Config{}},
		{name: "memory needs no client", cfg: cache.Config{Backend: "memory"}},
		{name: "redis with a client", cfg: cache.Config{Backend: "redis"}, rdb: rdb},
		{name: "unknown backend", cfg: cache.Config{Backend: "memcached"}, wantErr: `unknown backend "memcached"`},
		{name: "redis without a client", cfg: cache.Config{Backend: "redis"}, wantErr: `backend "redis" needs a Redis client`},
		{name: "tiered without a client", cfg: cache.Config{Backend: "tiered"}, wantErr: `backend "tiered" needs a Redis client`},
		{name: "negative MaxBytes", cfg: cache.Config{MaxBytes: -1}, wantErr: "MaxBytes must be >= 0"},
		{name: "negative LocalTTL", cfg: cache.Config{Backend: "tiered", LocalTTL: -time.Second}, rdb: rdb, wantErr: "LocalTTL must be >= 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := cache.New(t.Context(), tc.cfg, tc.rdb, nil)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.NoError(t, c.Close())
		})
	}
}

func TestConfigWithDefaults(t *testing.T) {
	t.Parallel()
	got := cache.Config{Backend: "tiered", KeyPrefix: "x:"}.WithDefaults()
	require.Equal(t, cache.Config{
		Backend:   "tiered",
		Name:      "tiered",
		MaxBytes:  64 << 20,
		LocalTTL:  5 * time.Second,
		KeyPrefix: "x:",
		Channel:   "x:invalidate",
	}, got)
}

func TestMetricsCountHitsAndMissesPerCache(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	sessions := newCache(t, cache.Config{Name: "sessions"}, nil, reg)
	pages := newCache(t, cache.Config{Name: "pages"}, nil, reg) // same registry: collectors are shared
	ctx := t.Context()

	_, err := sessions.Get(ctx, "k")
	require.ErrorIs(t, err, cache.ErrMiss)
	require.NoError(t, sessions.Set(ctx, "k", []byte("v"), time.Minute))
	for range 2 {
		_, err = sessions.Get(ctx, "k")
		require.NoError(t, err)
	}
	_, err = pages.Get(ctx, "k")
	require.ErrorIs(t, err, cache.ErrMiss)

	require.Equal(t, map[string]float64{
		"clinic_cache_hits_total/sessions":   2,
		"clinic_cache_misses_total/sessions": 1,
		"clinic_cache_hits_total/pages":      0,
		"clinic_cache_misses_total/pages":    1,
	}, gather(t, reg))
}

func BenchmarkMemoryGet(b *testing.B) {
	c, err := cache.New(b.Context(), cache.Config{Backend: cache.BackendMemory}, nil, nil)
	require.NoError(b, err)
	benchmarkGet(b, c)
}

func BenchmarkRedisGet(b *testing.B) {
	rdb := newClient(b, testenv.RedisURL(b), "")
	c, err := cache.New(b.Context(), cache.Config{Backend: cache.BackendRedis, KeyPrefix: randomPrefix()}, rdb, nil)
	require.NoError(b, err)
	benchmarkGet(b, c)
}

func BenchmarkTieredGet(b *testing.B) {
	rdb := newClient(b, testenv.RedisURL(b), "")
	c, err := cache.New(b.Context(), cache.Config{Backend: cache.BackendTiered, KeyPrefix: randomPrefix()}, rdb, nil)
	require.NoError(b, err)
	require.Eventually(b, c.(*cache.Tiered).Subscribed, 5*time.Second, 10*time.Millisecond)
	benchmarkGet(b, c)
}

func benchmarkGet(b *testing.B, c cache.Cache) {
	b.Cleanup(func() { _ = c.Close() })
	ctx := b.Context()
	value := make([]byte, 1024)
	require.NoError(b, c.Set(ctx, "k", value, time.Minute))
	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Get(ctx, "k"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func randomPrefix() string { return testenv.RandomName("cachetest:") + ":" }

// newClient returns a Redis client for url, named name on the server when
// name is not empty.
func newClient(tb testing.TB, url, name string) redis.UniversalClient {
	tb.Helper()
	var rdb redis.UniversalClient
	if name == "" {
		var err error
		rdb, err = redisx.New(url)
		require.NoError(tb, err)
	} else {
		opts, err := redis.ParseURL(url)
		require.NoError(tb, err)
		opts.ClientName = name
		rdb = redis.NewClient(opts)
	}
	tb.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

func newCache(t *testing.T, cfg cache.Config, rdb redis.UniversalClient, reg ...prometheus.Registerer) cache.Cache {
	t.Helper()
	var r prometheus.Registerer
	if len(reg) > 0 {
		r = reg[0]
	}
	c, err := cache.New(t.Context(), cfg, rdb, r)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

// newTiered returns a tiered cache whose invalidation subscription is up.
func newTiered(t *testing.T, cfg cache.Config, rdb redis.UniversalClient) *cache.Tiered {
	t.Helper()
	c := newCache(t, cfg, rdb).(*cache.Tiered)
	require.Eventually(t, c.Subscribed, 5*time.Second, 10*time.Millisecond, "never subscribed")
	return c
}

// killPubSubConns kills the subscribed connections of the client named name.
func killPubSubConns(t *testing.T, raw redis.UniversalClient, name string) {
	t.Helper()
	list, err := raw.ClientList(t.Context()).Result()
	require.NoError(t, err)
	killed := 0
	sc := bufio.NewScanner(strings.NewReader(list))
	for sc.Scan() {
		fields := map[string]string{}
		for f := range strings.FieldsSeq(sc.Text()) {
			k, v, _ := strings.Cut(f, "=")
			fields[k] = v
		}
		if fields["name"] != name || fields["sub"] == "0" {
			continue
		}
		require.NoError(t, raw.ClientKillByFilter(t.Context(), "ID", fields["id"]).Err())
		killed++
	}
	require.Positive(t, killed, "no subscribed connection named %q", name)
}

func requireGet(t *testing.T, c cache.Cache, key, want string) {
	t.Helper()
	got, err := c.Get(t.Context(), key)
	require.NoError(t, err, "Get(%q)", key)
	require.Equal(t, want, string(got), "Get(%q)", key)
}

// get returns the value under key, "" on a miss; errors fail t.
func get(t *testing.T, c cache.Cache, key string) string {
	v, err := c.Get(t.Context(), key)
	if errors.Is(err, cache.ErrMiss) {
		return ""
	}
	if err != nil {
		t.Errorf("Get(%q): %v", key, err)
	}
	return string(v)
}

func requireUnavailable(t *testing.T, err error, op string) {
	t.Helper()
	require.Error(t, err, op)
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "%s: %v", op, err)
}

// gather returns the cache counters of reg as "name/cache label" → value.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "cache" {
					got[fmt.Sprintf("%s/%s", mf.GetName(), l.GetValue())] = m.GetCounter().GetValue()
				}
			}
		}
	}
	return got
}
