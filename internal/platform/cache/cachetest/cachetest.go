// Package cachetest is the contract suite every cache.Cache implementation
// must pass: Run for a single instance, RunShared for two instances that
// share their data (Redis, Tiered).
package cachetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"clinic/internal/platform/cache"
)

// Run checks that caches made by newCache keep the cache.Cache contract.
// newCache is called once per subtest, possibly in parallel; each cache it
// returns must start empty (its own key space, for example a random Redis key
// prefix) and be closed by newCache through t.Cleanup.
func Run(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	t.Helper()

	t.Run("Get of a missing key returns ErrMiss", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		_, err := c.Get(t.Context(), "missing")
		require.ErrorIs(t, err, cache.ErrMiss)
	})

	t.Run("Get returns the value Set stored", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		require.NoError(t, c.Set(t.Context(), "k", []byte("v"), time.Minute))
		requireValue(t, c, "k", []byte("v"))
	})

	t.Run("Set replaces the previous value", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		require.NoError(t, c.Set(t.Context(), "k", []byte("old"), time.Minute))
		require.NoError(t, c.Set(t.Context(), "k", []byte("new"), time.Minute))
		requireValue(t, c, "k", []byte("new"))
	})

	t.Run("Set with a non-positive ttl is an error and stores nothing", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		for _, ttl := range []time.Duration{0, -time.Second} {
			require.Error(t, c.Set(t.Context(), "k", []byte("v"), ttl), "ttl %s", ttl)
		}
		requireMiss(t, c, "k")
	})

	t.Run("a value expires after its ttl", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		require.NoError(t, c.Set(t.Context(), "long", []byte("l"), time.Minute))
		require.NoError(t, c.Set(t.Context(), "short", []byte("s"), 300*time.Millisecond))
		require.EventuallyWithT(t, func(ct *assert.CollectT) { assert.True(ct, isMiss(ct, t.Context(), c, "short")) },
			5*time.Second, 20*time.Millisecond, "the short-lived value never expired")
		requireValue(t, c, "long", []byte("l"))
	})

	t.Run("Set replaces the previous ttl", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		require.NoError(t, c.Set(t.Context(), "k", []byte("v1"), 300*time.Millisecond))
		require.NoError(t, c.Set(t.Context(), "k", []byte("v2"), time.Minute))
		require.NoError(t, c.Set(t.Context(), "probe", []byte("p"), 300*time.Millisecond))
		require.EventuallyWithT(t, func(ct *assert.CollectT) { assert.True(ct, isMiss(ct, t.Context(), c, "probe")) },
			5*time.Second, 20*time.Millisecond)
		requireValue(t, c, "k", []byte("v2"))
	})

	t.Run("Delete removes one key and leaves the others", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		require.NoError(t, c.Set(t.Context(), "a", []byte("1"), time.Minute))
		require.NoError(t, c.Set(t.Context(), "b", []byte("2"), time.Minute))
		require.NoError(t, c.Delete(t.Context(), "a"))
		requireMiss(t, c, "a")
		requireValue(t, c, "b", []byte("2"))
	})

	t.Run("Delete removes many keys at once", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		keys := []string{"a", "b", "c", "d"}
		for _, k := range keys {
			require.NoError(t, c.Set(t.Context(), k, []byte(k), time.Minute))
		}
		require.NoError(t, c.Delete(t.Context(), keys[:3]...))
		for _, k := range keys[:3] {
			requireMiss(t, c, k)
		}
		requireValue(t, c, "d", []byte("d"))
	})

	t.Run("Delete of missing keys or of no keys is not an error", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		require.NoError(t, c.Delete(t.Context(), "missing"))
		require.NoError(t, c.Delete(t.Context(), "missing1", "missing2"))
		require.NoError(t, c.Delete(t.Context()))
	})

	t.Run("WithPrefix isolates the keys of each prefix", func(t *testing.T) {
		t.Parallel()
		base := newCache(t)
		a, b := cache.WithPrefix(base, "a:"), cache.WithPrefix(base, "b:")
		ctx := t.Context()

		require.NoError(t, a.Set(ctx, "k", []byte("from a"), time.Minute))
		requireMiss(t, b, "k")
		require.NoError(t, b.Set(ctx, "k", []byte("from b"), time.Minute))
		requireValue(t, a, "k", []byte("from a"))
		requireValue(t, b, "k", []byte("from b"))
		requireValue(t, base, "a:k", []byte("from a"))

		require.NoError(t, b.Delete(ctx, "k"))
		requireMiss(t, b, "k")
		requireValue(t, a, "k", []byte("from a"))

		nested := cache.WithPrefix(a, "x:")
		require.NoError(t, nested.Set(ctx, "k", []byte("nested"), time.Minute))
		requireValue(t, base, "a:x:k", []byte("nested"))
		requireValue(t, a, "k", []byte("from a"))
		require.NoError(t, nested.Close(), "closing a view")
		requireValue(t, base, "a:x:k", []byte("nested")) // the view does not own base
	})

	t.Run("binary keys and values round-trip", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		all := make([]byte, 256)
		for i := range all {
			all[i] = byte(i)
		}
		cases := []struct {
			name  string
			key   string
			value []byte
		}{
			{"every byte value", "all-bytes", all},
			{"binary key", "k\x00\xff\n é", []byte("binary key")},
			{"empty value", "empty", []byte{}},
		}
		for _, tc := range cases {
			require.NoError(t, c.Set(t.Context(), tc.key, tc.value, time.Minute), tc.name)
		}
		for _, tc := range cases {
			got, err := c.Get(t.Context(), tc.key)
			require.NoError(t, err, tc.name)
			require.True(t, bytes.Equal(tc.value, got), "%s: got %q, want %q", tc.name, got, tc.value)
		}
	})

	t.Run("a large value round-trips", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		big := make([]byte, 1<<20)
		r := rand.New(rand.NewPCG(1, 2))
		for i := range big {
			big[i] = byte(r.Uint32())
		}
		require.NoError(t, c.Set(t.Context(), "big", big, time.Minute))
		got, err := c.Get(t.Context(), "big")
		require.NoError(t, err)
		require.True(t, bytes.Equal(big, got), "1 MiB value differs after the round trip")
	})

	t.Run("the caller owns the slices it passes and gets", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		v := []byte("value")
		require.NoError(t, c.Set(t.Context(), "k", v, time.Minute))
		v[0] = 'X'
		got, err := c.Get(t.Context(), "k")
		require.NoError(t, err)
		require.Equal(t, "value", string(got), "modifying the slice passed to Set changed the cache")
		got[0] = 'Y'
		requireValue(t, c, "k", []byte("value"))
	})

	t.Run("concurrent Set, Get and Delete are safe", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		ctx := t.Context()
		// Each goroutine stops at its first problem and reports it here.
		problems := make([]error, 8)
		var wg sync.WaitGroup
		for g := range problems {
			wg.Go(func() {
				for i := range 200 {
					key := fmt.Sprintf("k%d", i%10)
					var err error
					switch (g + i) % 3 {
					case 0:
						err = c.Set(ctx, key, fmt.Appendf(nil, "value-%d-%d", g, i), time.Minute)
					case 1:
						var v []byte
						v, err = c.Get(ctx, key)
						if errors.Is(err, cache.ErrMiss) {
							err = nil
						} else if err == nil && !strings.HasPrefix(string(v), "value-") {
							err = fmt.Errorf("torn value %q", v)
						}
					case 2:
						err = c.Delete(ctx, key)
					}
					if err != nil {
						problems[g] = fmt.Errorf("op %d on %s: %w", i, key, err)
						return
					}
				}
			})
		}
		wg.Wait()
		for g, err := range problems {
			require.NoError(t, err, "goroutine %d", g)
		}
		require.NoError(t, c.Set(ctx, "k0", []byte("final"), time.Minute))
		requireValue(t, c, "k0", []byte("final"))
	})

	t.Run("Load runs the loader once for concurrent callers of one key", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		var calls atomic.Int32
		load := func(context.Context) ([]byte, error) {
			calls.Add(1)
			time.Sleep(50 * time.Millisecond) // widen the window in which callers overlap
			return []byte("loaded"), nil
		}
		const callers = 50
		got := make([][]byte, callers)
		errs := make([]error, callers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				<-start
				got[i], errs[i] = cache.Load(t.Context(), c, "k", time.Minute, load)
			})
		}
		close(start)
		wg.Wait()
		require.Equal(t, int32(1), calls.Load(), "loader calls")
		for i := range callers {
			require.NoError(t, errs[i], "caller %d", i)
			require.Equal(t, "loaded", string(got[i]), "caller %d", i)
		}
		requireValue(t, c, "k", []byte("loaded"))
	})

	t.Run("Load returns a cached value without calling the loader", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		require.NoError(t, c.Set(t.Context(), "k", []byte("cached"), time.Minute))
		got, err := cache.Load(t.Context(), c, "k", time.Minute, func(context.Context) ([]byte, error) {
			t.Error("loader called for a cached key")
			return nil, nil
		})
		require.NoError(t, err)
		require.Equal(t, "cached", string(got))
	})

	t.Run("Load returns the loader's error and caches nothing", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		errBoom := errors.New("boom")
		_, err := cache.Load(t.Context(), c, "k", time.Minute, func(context.Context) ([]byte, error) {
			return nil, errBoom
		})
		require.ErrorIs(t, err, errBoom)
		requireMiss(t, c, "k")

		got, err := cache.Load(t.Context(), c, "k", time.Minute, func(context.Context) ([]byte, error) {
			return []byte("second try"), nil
		})
		require.NoError(t, err)
		require.Equal(t, "second try", string(got))
	})

	t.Run("LoadJSON stores a value as JSON and reads it back", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		type patient struct {
			Name string
			Age  int
		}
		var calls atomic.Int32
		load := func(context.Context) (patient, error) {
			calls.Add(1)
			return patient{Name: "Ada", Age: 36}, nil
		}
		for range 2 {
			got, err := cache.LoadJSON(t.Context(), c, "p", time.Minute, load)
			require.NoError(t, err)
			require.Equal(t, patient{Name: "Ada", Age: 36}, got)
		}
		require.Equal(t, int32(1), calls.Load(), "loader calls")
		requireValue(t, c, "p", []byte(`{"Name":"Ada","Age":36}`))
	})

	t.Run("LoadJSON reloads a cached value that no longer decodes", func(t *testing.T) {
		t.Parallel()
		c := newCache(t)
		require.NoError(t, c.Set(t.Context(), "n", []byte(`"not a number"`), time.Minute))
		got, err := cache.LoadJSON(t.Context(), c, "n", time.Minute, func(context.Context) (int, error) { return 7, nil })
		require.NoError(t, err)
		require.Equal(t, 7, got)
		requireValue(t, c, "n", []byte("7"))
	})
}

// SharedOption adjusts RunShared.
type SharedOption func(*sharedConfig)

type sharedConfig struct{ within time.Duration }

// Propagation lets changes made on one instance reach the other within d
// instead of at once (for caches with a local layer such as Tiered).
func Propagation(d time.Duration) SharedOption {
	return func(c *sharedConfig) { c.within = d }
}

// RunShared checks that two instances made by newPair share their data: a
// change made through a is seen through b, at once unless Propagation says
// otherwise. Each pair must have its own key space and be closed by newPair
// through t.Cleanup.
func RunShared(t *testing.T, newPair func(t *testing.T) (a, b cache.Cache), opts ...SharedOption) {
	t.Helper()
	var cfg sharedConfig
	for _, o := range opts {
		o(&cfg)
	}
	// eventually checks cond at once, or within the allowed propagation time
	// (then on a goroutine of its own, reporting to a CollectT, not to t).
	eventually := func(t *testing.T, cond func(assert.TestingT) bool, msg string) {
		t.Helper()
		if cfg.within == 0 {
			require.True(t, cond(t), msg)
			return
		}
		require.EventuallyWithT(t, func(ct *assert.CollectT) { assert.True(ct, cond(ct), msg) }, cfg.within, 10*time.Millisecond, msg)
	}

	t.Run("a value set on one instance is read on the other", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		require.NoError(t, a.Set(t.Context(), "k", []byte("v"), time.Minute))
		requireValue(t, b, "k", []byte("v"))
	})

	t.Run("a change on one instance replaces the value the other has read", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		require.NoError(t, a.Set(t.Context(), "k", []byte("v1"), time.Minute))
		requireValue(t, b, "k", []byte("v1"))
		requireValue(t, b, "k", []byte("v1"))
		require.NoError(t, a.Set(t.Context(), "k", []byte("v2"), time.Minute))
		eventually(t, func(at assert.TestingT) bool { return isValue(at, t.Context(), b, "k", "v2") }, "b still reads the old value")

		require.NoError(t, b.Set(t.Context(), "k", []byte("v3"), time.Minute))
		eventually(t, func(at assert.TestingT) bool { return isValue(at, t.Context(), a, "k", "v3") }, "a still reads the old value")
	})

	t.Run("a delete on one instance makes the other miss", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		for _, k := range []string{"k1", "k2", "k3"} {
			require.NoError(t, a.Set(t.Context(), k, []byte(k), time.Minute))
			requireValue(t, b, k, []byte(k))
		}
		require.NoError(t, a.Delete(t.Context(), "k1"))
		eventually(t, func(at assert.TestingT) bool { return isMiss(at, t.Context(), b, "k1") }, "b still reads k1")
		require.NoError(t, a.Delete(t.Context(), "k2", "k3"))
		eventually(t, func(at assert.TestingT) bool {
			return isMiss(at, t.Context(), b, "k2") && isMiss(at, t.Context(), b, "k3")
		}, "b still reads k2 or k3")
	})
}

func requireValue(t *testing.T, c cache.Cache, key string, want []byte) {
	t.Helper()
	got, err := c.Get(t.Context(), key)
	require.NoError(t, err, "Get(%q)", key)
	require.Equal(t, string(want), string(got), "Get(%q)", key)
}

func requireMiss(t *testing.T, c cache.Cache, key string) {
	t.Helper()
	got, err := c.Get(t.Context(), key)
	require.ErrorIs(t, err, cache.ErrMiss, "Get(%q) returned %q", key, got)
}

// isMiss reports whether key is missing; errors other than ErrMiss fail t
// (the test's on its goroutine, a CollectT in an Eventually condition).
func isMiss(t assert.TestingT, ctx context.Context, c cache.Cache, key string) bool {
	_, err := c.Get(ctx, key)
	if errors.Is(err, cache.ErrMiss) {
		return true
	}
	assert.NoError(t, err, "Get(%q)", key)
	return false
}

// isValue reports whether key holds want; errors fail t (as for isMiss).
func isValue(t assert.TestingT, ctx context.Context, c cache.Cache, key, want string) bool {
	got, err := c.Get(ctx, key)
	if errors.Is(err, cache.ErrMiss) {
		return false
	}
	return assert.NoError(t, err, "Get(%q)", key) && string(got) == want
}
