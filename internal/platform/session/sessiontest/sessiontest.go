// Package sessiontest is the contract suite every session.Store passes: run
// Run against each backend, and RunShared against each backend that several
// servers share.
package sessiontest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/platform/session"
	"clinic/internal/platform/testenv"
)

// Run checks the Store contract on stores made by newStore, which is called
// once per subtest and must return an empty store that no other test uses
// (and, for a Cleaner, one that does not delete expired entries by itself
// while the test runs). Subtests run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) session.Store) {
	t.Helper()

	t.Run("FindMissingKeyReturnsErrNotFound", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		requireNotFound(t, s, "missing")
	})

	t.Run("SaveThenFindReturnsTheSameBytes", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		cases := []struct {
			name string
			data []byte
		}{
			{"all byte values", allBytes()},
			{"nul and invalid utf8", []byte{0x00, 0xff, 0xfe, 0x00, 0xc3, 0x28}},
			{"one byte", []byte{'x'}},
			{"64 KiB", bytesOfLen(64 << 10)},
		}
		for _, c := range cases {
			key := "roundtrip:" + c.name
			require.NoError(t, s.Save(ctx, key, c.data, hourFromNow()))
			got, err := s.Find(ctx, key)
			require.NoError(t, err, c.name)
			require.Equal(t, c.data, got, c.name)
		}
	})

	t.Run("SaveCopiesDataAndFindReturnsACopy", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		data := []byte("original")
		require.NoError(t, s.Save(ctx, "k", data, hourFromNow()))
		copy(data, "CHANGED!")
		got, err := s.Find(ctx, "k")
		require.NoError(t, err)
		require.Equal(t, []byte("original"), got, "changing the slice passed to Save changed the stored data")
		copy(got, "MUTATED!")
		again, err := s.Find(ctx, "k")
		require.NoError(t, err)
		require.Equal(t, []byte("original"), again, "changing the slice returned by Find changed the stored data")
	})

	t.Run("SaveOverwriteReplacesData", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		require.NoError(t, s.Save(ctx, "k", []byte("a much longer first value"), hourFromNow()))
		require.NoError(t, s.Save(ctx, "k", []byte("second"), hourFromNow()))
		got, err := s.Find(ctx, "k")
		require.NoError(t, err)
		require.Equal(t, []byte("second"), got)
	})

	t.Run("SaveOverwriteWithPastExpiryHidesKey", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		require.NoError(t, s.Save(ctx, "k", []byte("live"), hourFromNow()))
		require.NoError(t, s.Save(ctx, "k", []byte("dead"), time.Now().Add(-time.Minute)))
		requireNotFound(t, s, "k")
	})

	t.Run("SaveOverwriteOfExpiredKeyRevivesIt", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		require.NoError(t, s.Save(ctx, "k", []byte("dead"), time.Now().Add(-time.Minute)))
		require.NoError(t, s.Save(ctx, "k", []byte("live"), hourFromNow()))
		got, err := s.Find(ctx, "k")
		require.NoError(t, err)
		require.Equal(t, []byte("live"), got)
	})

	t.Run("SaveOverwriteExtendsExpiry", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		short := time.Now().Add(200 * time.Millisecond)
		require.NoError(t, s.Save(ctx, "k", []byte("v1"), short))
		require.NoError(t, s.Save(ctx, "k", []byte("v2"), hourFromNow()))
		// Wait past the first expiry: the key must outlive it. (This wait
		// cannot make a correct store fail.)
		time.Sleep(time.Until(short) + 100*time.Millisecond)
		got, err := s.Find(ctx, "k")
		require.NoError(t, err, "the replaced, shorter expiry still applied")
		require.Equal(t, []byte("v2"), got)
	})

	t.Run("SaveWithPastExpiryIsNotFound", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		cases := []struct {
			name string
			ago  time.Duration
		}{
			{"a day ago", 24 * time.Hour},
			{"a minute ago", time.Minute},
			{"a millisecond ago", time.Millisecond},
		}
		for _, c := range cases {
			key := "expired:" + c.name
			require.NoError(t, s.Save(ctx, key, []byte("v"), time.Now().Add(-c.ago)), c.name)
			requireNotFound(t, s, key)
		}
	})

	t.Run("KeyIsNotFoundOnceItsExpiryIsReached", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		exp := time.Now().Add(time.Second)
		require.NoError(t, s.Save(ctx, "k", []byte("v"), exp))
		if time.Until(exp) > 300*time.Millisecond { // only when the machine was not too slow to tell
			got, err := s.Find(ctx, "k")
			require.NoError(t, err, "key expired before its expiry")
			require.Equal(t, []byte("v"), got)
		}
		require.Eventually(t, func() bool {
			_, err := s.Find(ctx, "k")
			return errors.Is(err, session.ErrNotFound)
		}, 10*time.Second, 20*time.Millisecond, "key still found after its expiry")
	})

	t.Run("DeleteRemovesKey", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		require.NoError(t, s.Save(ctx, "k", []byte("v"), hourFromNow()))
		require.NoError(t, s.Delete(ctx, "k"))
		requireNotFound(t, s, "k")
		require.NoError(t, s.Delete(ctx, "k"), "deleting twice")
	})

	t.Run("DeleteMissingKeyIsNotAnError", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		require.NoError(t, s.Delete(t.Context(), "never-saved"))
	})

	t.Run("KeysAreIndependent", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		keys := []string{"k", "k1", "k:1", "K", "k "}
		for _, k := range keys {
			require.NoError(t, s.Save(ctx, k, []byte("data of "+k), hourFromNow()))
		}
		for _, k := range keys {
			got, err := s.Find(ctx, k)
			require.NoError(t, err, k)
			require.Equal(t, []byte("data of "+k), got, k)
		}
		require.NoError(t, s.Delete(ctx, "k"))
		require.NoError(t, s.Save(ctx, "k1", []byte("new"), time.Now().Add(-time.Minute)))
		requireNotFound(t, s, "k")
		requireNotFound(t, s, "k1")
		for _, k := range keys[2:] {
			got, err := s.Find(ctx, k)
			require.NoError(t, err, "%q disappeared when other keys were deleted or expired", k)
			require.Equal(t, []byte("data of "+k), got, k)
		}
	})

	t.Run("ConcurrentSaveFindDelete", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		const workers, rounds = 8, 25
		var (
			mu   sync.Mutex
			errs []error
			wg   sync.WaitGroup
		)
		fail := func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
		for w := range workers {
			wg.Go(func() {
				own := fmt.Sprintf("own:%d", w)
				for r := range rounds {
					want := fmt.Appendf(nil, "worker %d round %d", w, r)
					if err := s.Save(ctx, own, want, hourFromNow()); err != nil {
						fail(fmt.Errorf("save %s: %w", own, err))
						return
					}
					got, err := s.Find(ctx, own)
					if err != nil || string(got) != string(want) {
						fail(fmt.Errorf("find %s = %q, %v; want %q", own, got, err, want))
						return
					}
					// A key every worker writes: any writer's value or not found.
					if err := s.Save(ctx, "shared", []byte("shared value"), hourFromNow()); err != nil {
						fail(fmt.Errorf("save shared: %w", err))
						return
					}
					if got, err := s.Find(ctx, "shared"); err == nil && string(got) != "shared value" {
						fail(fmt.Errorf("find shared = %q", got))
					} else if err != nil && !errors.Is(err, session.ErrNotFound) {
						fail(fmt.Errorf("find shared: %w", err))
					}
					if r%5 == 4 {
						if err := s.Delete(ctx, "shared"); err != nil {
							fail(fmt.Errorf("delete shared: %w", err))
						}
						if err := s.Delete(ctx, own); err != nil {
							fail(fmt.Errorf("delete %s: %w", own, err))
						}
						if _, err := s.Find(ctx, own); !errors.Is(err, session.ErrNotFound) {
							fail(fmt.Errorf("find %s after delete: err = %v, want ErrNotFound", own, err))
						}
					}
				}
			})
		}
		wg.Wait()
		require.Empty(t, errs)
	})

	t.Run("DeleteExpiredRemovesOnlyExpiredEntries", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		c, ok := s.(session.Cleaner)
		if !ok {
			t.Skipf("%T expires keys by itself (not a session.Cleaner)", s)
		}
		ctx := t.Context()
		require.NoError(t, s.Save(ctx, "expired1", []byte("x"), time.Now().Add(-time.Hour)))
		require.NoError(t, s.Save(ctx, "expired2", []byte("x"), time.Now().Add(-time.Millisecond)))
		require.NoError(t, s.Save(ctx, "live", []byte("alive"), hourFromNow()))

		n, err := c.DeleteExpired(ctx)
		require.NoError(t, err)
		require.Equal(t, int64(2), n, "entries deleted")
		got, err := s.Find(ctx, "live")
		require.NoError(t, err, "DeleteExpired removed a live entry")
		require.Equal(t, []byte("alive"), got)
		requireNotFound(t, s, "expired1")

		n, err = c.DeleteExpired(ctx)
		require.NoError(t, err)
		require.Equal(t, int64(0), n, "entries deleted by a second run")
	})
}

// RunShared checks that two stores made by newPair on the same backing
// storage (two servers) see each other's writes at once. newPair is called
// once per subtest; the pair need not be empty (keys are random).
func RunShared(t *testing.T, newPair func(t *testing.T) (a, b session.Store)) {
	t.Helper()

	t.Run("SavedThroughOneIsFoundThroughTheOther", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		ctx := t.Context()
		key := testenv.RandomName("shared:")
		require.NoError(t, a.Save(ctx, key, allBytes(), hourFromNow()))
		got, err := b.Find(ctx, key)
		require.NoError(t, err)
		require.Equal(t, allBytes(), got)
	})

	t.Run("OverwriteThroughOneIsSeenThroughTheOther", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		ctx := t.Context()
		key := testenv.RandomName("shared:")
		require.NoError(t, a.Save(ctx, key, []byte("v1"), hourFromNow()))
		require.NoError(t, b.Save(ctx, key, []byte("v2"), hourFromNow()))
		got, err := a.Find(ctx, key)
		require.NoError(t, err)
		require.Equal(t, []byte("v2"), got)
		require.NoError(t, b.Save(ctx, key, []byte("v3"), time.Now().Add(-time.Minute)))
		requireNotFound(t, a, key)
	})

	t.Run("DeletedThroughOneIsNotFoundThroughTheOther", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		ctx := t.Context()
		key := testenv.RandomName("shared:")
		require.NoError(t, a.Save(ctx, key, []byte("v"), hourFromNow()))
		_, err := b.Find(ctx, key)
		require.NoError(t, err)
		require.NoError(t, a.Delete(ctx, key))
		requireNotFound(t, b, key)
	})
}

func requireNotFound(t *testing.T, s session.Store, key string) {
	t.Helper()
	got, err := s.Find(t.Context(), key)
	require.ErrorIs(t, err, session.ErrNotFound, "Find(%q) returned %q", key, got)
	require.Nil(t, got, "Find(%q) returned data with ErrNotFound", key)
}

func hourFromNow() time.Time { return time.Now().Add(time.Hour) }

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func bytesOfLen(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}
