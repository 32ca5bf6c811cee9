package session_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/platform/session"
)

// fakeCleaner counts DeleteExpired calls and fails them with err when set.
type fakeCleaner struct {
	session.Store
	calls atomic.Int64
	err   error
}

func (f *fakeCleaner) DeleteExpired(context.Context) (int64, error) {
	f.calls.Add(1)
	if f.err != nil {
		return 0, f.err
	}
	return 3, nil
}

// syncBuffer is a bytes.Buffer safe for the cleaner goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runCleaner starts RunCleaner and returns a func that stops it and waits.
func runCleaner(t *testing.T, s session.Store, every time.Duration, log *slog.Logger) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		session.RunCleaner(ctx, s, every, log)
	}()
	stop = func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("RunCleaner did not return after its context was cancelled")
		}
	}
	t.Cleanup(stop)
	return stop
}

func TestRunCleanerDeletesExpiredPeriodicallyAndLogsCountAtDebug(t *testing.T) {
	t.Parallel()
	f := &fakeCleaner{Store: session.NewMemory(0)}
	var logs syncBuffer
	stop := runCleaner(t, f, 5*time.Millisecond, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))

	require.Eventually(t, func() bool { return f.calls.Load() >= 3 }, 5*time.Second, 5*time.Millisecond)
	stop()
	after := f.calls.Load()
	require.Contains(t, logs.String(), "level=DEBUG")
	require.Contains(t, logs.String(), "count=3")
	time.Sleep(20 * time.Millisecond) // would be several more ticks if still running
	require.Equal(t, after, f.calls.Load(), "DeleteExpired called after RunCleaner returned")
}

func TestRunCleanerLogsErrorsAtWarnAndKeepsGoing(t *testing.T) {
	t.Parallel()
	f := &fakeCleaner{Store: session.NewMemory(0), err: errors.New("database is on fire")}
	var logs syncBuffer
	runCleaner(t, f, 5*time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))

	require.Eventually(t, func() bool { return f.calls.Load() >= 2 }, 5*time.Second, 5*time.Millisecond,
		"an error stopped the cleaner")
	require.Contains(t, logs.String(), "level=WARN")
	require.Contains(t, logs.String(), "database is on fire")
}

// recordingCleaner is a Memory that adds up what DeleteExpired removed.
type recordingCleaner struct {
	*session.Memory
	deleted atomic.Int64
}

func (r *recordingCleaner) DeleteExpired(ctx context.Context) (int64, error) {
	n, err := r.Memory.DeleteExpired(ctx)
	r.deleted.Add(n)
	return n, err
}

func TestRunCleanerCleansOnceAtStart(t *testing.T) {
	t.Parallel()
	m := &recordingCleaner{Memory: session.NewMemory(0)}
	ctx := t.Context()
	require.NoError(t, m.Save(ctx, "expired", []byte("x"), time.Now().Add(-time.Second)))
	require.NoError(t, m.Save(ctx, "live", []byte("y"), time.Now().Add(time.Hour)))
	stop := runCleaner(t, m, time.Hour, nil) // nil logger is allowed

	require.Eventually(t, func() bool { return m.deleted.Load() == 1 }, 5*time.Second, 5*time.Millisecond,
		"the expired entry was not deleted at start")
	stop()
	got, err := m.Find(ctx, "live")
	require.NoError(t, err)
	require.Equal(t, []byte("y"), got)
}

func TestRunCleanerReturnsAtOnceForStoresThatExpireThemselves(t *testing.T) {
	t.Parallel()
	type plainStore struct{ session.Store } // hides Memory's DeleteExpired
	done := make(chan struct{})
	go func() {
		defer close(done)
		session.RunCleaner(t.Context(), plainStore{session.NewMemory(0)}, time.Millisecond, nil)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("RunCleaner kept running for a store that is not a Cleaner")
	}
}
