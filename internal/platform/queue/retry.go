package queue

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// backoff is an exponential retry policy: the first retry waits base, each
// further one twice as long as the one before, never more than max, all with
// ±10% jitter so that jobs failing together do not retry together.
type backoff struct {
	base, max time.Duration
}

var _ river.ClientRetryPolicy = (*backoff)(nil)

// NextRetry implements river.ClientRetryPolicy.
func (b *backoff) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(jitter(b.delay(len(job.Errors))))
}

// delay returns the wait before the retry that follows the failure of a job
// that had already failed `failures` times.
func (b *backoff) delay(failures int) time.Duration {
	d := b.base
	for range failures {
		if d >= b.max/2 {
			return b.max
		}
		d *= 2
	}
	return min(d, b.max)
}

// jitter returns d changed by a random amount of at most 10%.
func jitter(d time.Duration) time.Duration {
	spread := int64(d / 10)
	if spread <= 0 {
		return d
	}
	return d + time.Duration(rand.Int64N(2*spread+1)-spread)
}
