// Package ratelimittest is the contract suite that every ratelimit.Limiter
// implementation must pass.
package ratelimittest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"clinic/internal/platform/ratelimit"
)

// Run checks the Limiter contract against limiters made by newLimiter, which
// is called once per subtest and must return a limiter whose keys no other
// test uses (for a shared backend, wrap it with ratelimit.WithPrefix and a
// random prefix). Subtests run in parallel.
func Run(t *testing.T, newLimiter func(t *testing.T) ratelimit.Limiter) {
	t.Helper()
	ctx := context.Background()
	// long never refills during a test.
	long := ratelimit.Limit{Rate: 5, Period: time.Hour, Burst: 5}

	t.Run("AFreshKeyAllowsExactlyBurstThenDenies", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		limits := []ratelimit.Limit{
			{Rate: 3, Period: time.Hour, Burst: 7},
			{Rate: 7, Period: time.Hour, Burst: 3},
			{Rate: 4, Period: time.Hour}, // Burst 0 means Rate.
			{Rate: 1, Period: time.Hour, Burst: 1},
		}
		for i, lim := range limits {
			key := fmt.Sprintf("fresh-%d", i)
			burst := lim.Burst
			if burst == 0 {
				burst = lim.Rate
			}
			for n := range burst {
				r, err := l.Allow(ctx, key, lim)
				require.NoError(t, err)
				require.True(t, r.Allowed, "%+v: event %d of a burst of %d must be allowed", lim, n+1, burst)
				require.Equal(t, burst, r.Limit, "%+v: Limit is the effective burst", lim)
				require.Zero(t, r.RetryAfter, "%+v: RetryAfter of an allowed event", lim)
			}
			r, err := l.Allow(ctx, key, lim)
			require.NoError(t, err)
			require.False(t, r.Allowed, "%+v: event %d after a burst of %d must be denied", lim, burst+1, burst)
			require.Equal(t, burst, r.Limit)
			require.Zero(t, r.Remaining)
			require.Positive(t, r.RetryAfter)
			require.LessOrEqual(t, r.RetryAfter, lim.Period/time.Duration(lim.Rate)+time.Millisecond,
				"%+v: one event is allowed again after one emission interval", lim)
			require.Positive(t, r.ResetAfter)
		}
	})

	t.Run("RemainingDecreasesByOnePerAllowedEvent", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		for i := range long.Burst {
			r, err := l.Allow(ctx, "k", long)
			require.NoError(t, err)
			require.True(t, r.Allowed)
			require.Equal(t, long.Burst-1-i, r.Remaining, "after %d allowed events", i+1)
		}
	})

	t.Run("ResetAfterGrowsWithEachAllowedEvent", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		interval := long.Period / time.Duration(long.Rate)
		var prev time.Duration
		for i := range long.Burst {
			r, err := l.Allow(ctx, "k", long)
			require.NoError(t, err)
			require.Greater(t, r.ResetAfter, prev, "after %d allowed events", i+1)
			require.LessOrEqual(t, r.ResetAfter, time.Duration(i+1)*interval+time.Millisecond, "after %d allowed events", i+1)
			prev = r.ResetAfter
		}
	})

	t.Run("KeysAreIndependent", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		exhaust(t, l, "a", long)
		r, err := l.Allow(ctx, "b", long)
		require.NoError(t, err)
		require.True(t, r.Allowed, "exhausting a must not limit b")
		require.Equal(t, long.Burst-1, r.Remaining)
	})

	t.Run("KeysMayHoldAnyCharacters", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		keys := []string{"login:ip:2001:db8::1", "user@example.com", "ünïcødé key", "{tag}*?[x]"}
		for _, k := range keys {
			exhaust(t, l, k, long)
		}
		for _, k := range keys {
			require.NoError(t, l.Reset(ctx, k))
			r, err := l.Allow(ctx, k, long)
			require.NoError(t, err)
			require.True(t, r.Allowed, "key %q after Reset", k)
		}
	})

	t.Run("ResetRestoresAFullBucket", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		exhaust(t, l, "k", long)
		exhaust(t, l, "other", long)
		require.NoError(t, l.Reset(ctx, "k"))
		for i := range long.Burst {
			r, err := l.Allow(ctx, "k", long)
			require.NoError(t, err)
			require.True(t, r.Allowed, "event %d after Reset", i+1)
		}
		r, err := l.Allow(ctx, "other", long)
		require.NoError(t, err)
		require.False(t, r.Allowed, "Reset of k must not reset other")
	})

	t.Run("ResetOfAMissingKeyIsNotAnError", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		require.NoError(t, l.Reset(ctx, "never-seen"))
		require.NoError(t, l.Reset(ctx, "never-seen"))
	})

	t.Run("EventsAreAllowedAgainAfterWaiting", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		short := ratelimit.Limit{Rate: 2, Period: 200 * time.Millisecond}
		exhaust(t, l, "k", short)
		require.EventuallyWithT(t, func(ct *assert.CollectT) {
			r, err := l.Allow(ctx, "k", short)
			require.NoError(ct, err)
			assert.True(ct, r.Allowed, "still denied")
		}, 5*time.Second, 10*time.Millisecond)
	})

	t.Run("TheBucketIsFullAgainAfterResetAfter", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		short := ratelimit.Limit{Rate: 2, Period: 200 * time.Millisecond}
		denied := exhaust(t, l, "k", short)
		require.LessOrEqual(t, denied.ResetAfter, short.Period+time.Millisecond)
		// Waiting is not timing-sensitive: once ResetAfter has passed the
		// bucket stays full however long the wait.
		time.Sleep(denied.ResetAfter + 20*time.Millisecond)
		r, err := l.Allow(ctx, "k", short)
		require.NoError(t, err)
		require.True(t, r.Allowed)
		require.Equal(t, short.Rate-1, r.Remaining, "a full bucket after ResetAfter")
	})

	t.Run("ConcurrentEventsOnOneKeyAllowExactlyBurst", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		lim := ratelimit.Limit{Rate: 10, Period: time.Hour, Burst: 10}
		allowed := concurrently(t, 100, func(int) ratelimit.Limiter { return l }, "k", lim)
		require.Equal(t, int64(lim.Burst), allowed)
	})

	t.Run("AnInvalidLimitIsAnError", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		for _, lim := range []ratelimit.Limit{
			{Rate: 0, Period: time.Second},
			{Rate: -1, Period: time.Second},
			{Rate: 1, Period: 0},
			{Rate: 1, Period: time.Second, Burst: -1},
		} {
			_, err := l.Allow(ctx, "k", lim)
			require.ErrorIs(t, err, ratelimit.ErrInvalidLimit, "%+v", lim)
		}
	})
}

// RunShared checks that two limiters made by newPair, such as two Redis
// limiters on separate clients standing for two app servers, share their
// state: the burst holds across both together. The two must see the same
// keys and no other test may use them.
func RunShared(t *testing.T, newPair func(t *testing.T) (a, b ratelimit.Limiter)) {
	t.Helper()
	ctx := context.Background()
	lim := ratelimit.Limit{Rate: 10, Period: time.Hour, Burst: 10}

	t.Run("TheBurstHoldsAcrossInstances", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		pick := func(i int) ratelimit.Limiter {
			if i%2 == 0 {
				return a
			}
			return b
		}
		require.Equal(t, int64(lim.Burst), concurrently(t, 100, pick, "k", lim))
	})

	t.Run("RemainingCountsEventsOfBothInstances", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		r, err := a.Allow(ctx, "k", lim)
		require.NoError(t, err)
		require.Equal(t, lim.Burst-1, r.Remaining)
		r, err = b.Allow(ctx, "k", lim)
		require.NoError(t, err)
		require.Equal(t, lim.Burst-2, r.Remaining)
	})

	t.Run("AResetOnOneInstanceIsSeenByTheOther", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		exhaust(t, a, "k", lim)
		r, err := b.Allow(ctx, "k", lim)
		require.NoError(t, err)
		require.False(t, r.Allowed, "b must see a's events")
		require.NoError(t, b.Reset(ctx, "k"))
		r, err = a.Allow(ctx, "k", lim)
		require.NoError(t, err)
		require.True(t, r.Allowed, "a must see b's Reset")
	})
}

// exhaust spends the whole burst of key, which must be full, checks that
// the next event is denied and returns that denial.
func exhaust(t *testing.T, l ratelimit.Limiter, key string, lim ratelimit.Limit) ratelimit.Result {
	t.Helper()
	burst := lim.Burst
	if burst == 0 {
		burst = lim.Rate
	}
	for i := range burst {
		r, err := l.Allow(context.Background(), key, lim)
		require.NoError(t, err)
		require.True(t, r.Allowed, "key %q: event %d of a burst of %d", key, i+1, burst)
	}
	r, err := l.Allow(context.Background(), key, lim)
	require.NoError(t, err)
	require.False(t, r.Allowed, "key %q: event %d after a burst of %d", key, burst+1, burst)
	return r
}

// concurrently makes n Allow calls on key at once, call i through limiter(i),
// and returns how many were allowed.
func concurrently(t *testing.T, n int, limiter func(i int) ratelimit.Limiter, key string, lim ratelimit.Limit) int64 {
	t.Helper()
	var (
		allowed atomic.Int64
		wg      sync.WaitGroup
		start   = make(chan struct{})
		errs    = make(chan error, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			r, err := limiter(i).Allow(context.Background(), key, lim)
			if err != nil {
				errs <- err
				return
			}
			if r.Allowed {
				allowed.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	return allowed.Load()
}
