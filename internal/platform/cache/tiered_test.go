package cache

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/platform/redisx"
	"clinic/internal/platform/testenv"
)

func TestTieredDropsAValueInvalidatedWhileItWasRead(t *testing.T) {
	t.Parallel()
	url := testenv.RedisURL(t)
	cfg := Config{Backend: BackendTiered, KeyPrefix: testenv.RandomName("cachetest:") + ":", LocalTTL: time.Minute}.WithDefaults()
	newInstance := func() *Tiered {
		rdb, err := redisx.New(url)
		require.NoError(t, err)
		t.Cleanup(func() { _ = rdb.Close() })
		c := newTiered(t.Context(), newMemory(cfg.MaxBytes), newRedis(rdb, cfg.KeyPrefix), rdb, cfg.Channel, cfg.LocalTTL)
		t.Cleanup(func() { _ = c.Close() })
		require.Eventually(t, c.Subscribed, 5*time.Second, 10*time.Millisecond)
		return c
	}
	a, b := newInstance(), newInstance()
	ctx := t.Context()
	require.NoError(t, a.Set(ctx, "k", []byte("old"), time.Minute))
	// Let the invalidation of that first Set reach b before b reads.
	require.Eventually(t, func() bool { return b.slot("k").Load() > 0 }, 2*time.Second, time.Millisecond)

	// b has read "old" from Redis; a replaces it and b receives the
	// invalidation before storing "old" locally.
	first := true
	b.afterRead = func(string) {
		if !first {
			return
		}
		first = false
		seq := b.slot("k").Load()
		require.NoError(t, a.Set(ctx, "k", []byte("new"), time.Minute))
		require.Eventually(t, func() bool { return b.slot("k").Load() > seq }, 2*time.Second, time.Millisecond)
	}
	got, err := b.Get(ctx, "k")
	require.NoError(t, err)
	require.Equal(t, "old", string(got)) // what Redis held when b read it
	got, err = b.Get(ctx, "k")
	require.NoError(t, err)
	require.Equal(t, "new", string(got), "b kept the value invalidated during its read")
}
