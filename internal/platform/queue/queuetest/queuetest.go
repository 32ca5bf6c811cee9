// Package queuetest holds the contract suite of package queue, run against
// every database engine, and helpers for tests of code that enqueues jobs.
package queuetest

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"clinic/internal/platform/db"
	"clinic/internal/platform/queue"
)

// FastConfig returns a Config for tests: workers run, idle workers poll
// every 200ms and failed jobs are retried after a few milliseconds.
func FastConfig() queue.Config {
	return queue.Config{
		RunWorkers:        true,
		FetchPollInterval: 200 * time.Millisecond,
		RetryBackoff:      10 * time.Millisecond,
		MaxRetryBackoff:   50 * time.Millisecond,
		ShutdownTimeout:   10 * time.Second,
	}
}

// Logger returns a logger for queues under test: warnings and errors go to
// stderr, which go test shows for failing packages.
func Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// New migrates River's tables into d and returns a Queue on it with cfg and
// workers (nil is allowed without RunWorkers), not started; it is stopped
// when the test ends. reg may be nil.
func New(t testing.TB, d *db.DB, cfg queue.Config, workers *river.Workers, reg prometheus.Registerer) *queue.Queue {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := queue.Migrate(ctx, d)
	require.NoError(t, err, "migrate River's tables")
	q, err := queue.New(d, cfg, workers, reg, Logger())
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("queuetest: stop queue: %v", err)
		}
	})
	return q
}

// Start is New followed by Start.
func Start(t testing.TB, d *db.DB, cfg queue.Config, workers *river.Workers, reg prometheus.Registerer) *queue.Queue {
	t.Helper()
	q := New(t, d, cfg, workers, reg)
	require.NoError(t, q.Start(context.Background()))
	return q
}

// WaitForState waits until job id of clinicID is in state and returns it,
// failing the test after 20s.
func WaitForState(t testing.TB, q *queue.Queue, clinicID string, id int64, state string) queue.Job {
	t.Helper()
	var last queue.Job
	var lastErr error
	ok := waitUntil(20*time.Second, func() bool {
		last, lastErr = q.Get(context.Background(), clinicID, id)
		return lastErr == nil && last.State == state
	})
	require.Truef(t, ok, "job %d never reached state %q: last state %q, attempt %d, errors %v, get error %v",
		id, state, last.State, last.Attempt, last.Errors, lastErr)
	return last
}

// waitUntil polls cond every 20ms until it holds or timeout passes.
func waitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}
