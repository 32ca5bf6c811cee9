package queue

import (
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
)

func TestBackoffDoublesEachRetryUpToTheCap(t *testing.T) {
	t.Parallel()
	b := &backoff{base: 10 * time.Second, max: time.Hour}
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{
		{0, 10 * time.Second},
		{1, 20 * time.Second},
		{2, 40 * time.Second},
		{8, 2560 * time.Second},
		{9, time.Hour},
		{100, time.Hour},
	} {
		require.Equal(t, tc.want, b.delay(tc.failures), "after %d failures", tc.failures)
	}
}

func TestBackoffNextRetryIsJitteredByAtMostTenPercent(t *testing.T) {
	t.Parallel()
	b := &backoff{base: 10 * time.Second, max: time.Hour}
	job := &rivertype.JobRow{Errors: make([]rivertype.AttemptError, 2)} // third failure: 40s
	for range 100 {
		start := time.Now()
		got := b.NextRetry(job).Sub(start)
		require.GreaterOrEqual(t, got, 36*time.Second)
		require.LessOrEqual(t, got, 44*time.Second+time.Since(start))
	}
}
