// Package ratelimit decides whether one more event under a key is allowed,
// using the generic cell rate algorithm (GCRA).
//
// GCRA keeps a single number per key, the theoretical arrival time (TAT) of
// the next event. With an emission interval T = Period/Rate and a burst of B
// events, an event at time now is allowed when max(TAT, now) + T - now <= B*T,
// and then TAT becomes max(TAT, now) + T. A key whose TAT lies in the past is
// full again, which is why idle keys can simply be forgotten.
//
// Two backends implement Limiter: Memory (one process) and Redis (global
// across app servers). New picks one by name; WithPrefix namespaces keys.
// Redis keeps one key per limited subject and decides with a Lua script of
// that one KEY, so it works unchanged on a Redis Cluster, where each key's
// script runs on the master of its hash slot (see package redisx).
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Limit allows Rate events per Period with bursts of up to Burst (Burst 0
// means Rate).
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// ErrInvalidLimit is returned (wrapped) by Allow and Limit.Validate for a
// Limit that cannot be enforced.
var ErrInvalidLimit = errors.New("invalid limit")

// Validate returns an error wrapping ErrInvalidLimit that names the offending
// field when Rate or Period is not positive or Burst is negative.
func (l Limit) Validate() error {
	switch {
	case l.Rate <= 0:
		return fmt.Errorf("ratelimit: %w: Rate must be positive, got %d", ErrInvalidLimit, l.Rate)
	case l.Period <= 0:
		return fmt.Errorf("ratelimit: %w: Period must be positive, got %s", ErrInvalidLimit, l.Period)
	case l.Burst < 0:
		return fmt.Errorf("ratelimit: %w: Burst must not be negative, got %d", ErrInvalidLimit, l.Burst)
	}
	return nil
}

// burst returns the effective burst: Burst, or Rate when Burst is 0.
func (l Limit) burst() int {
	if l.Burst == 0 {
		return l.Rate
	}
	return l.Burst
}

// interval returns the emission interval Period/Rate, at least 1ns.
func (l Limit) interval() time.Duration {
	return max(l.Period/time.Duration(l.Rate), time.Nanosecond)
}

// Result of one Allow call.
type Result struct {
	// Allowed reports whether the event is allowed (and was counted).
	Allowed bool
	// Limit is the effective burst: the most events allowed at once.
	Limit int
	// Remaining is how many more events would be allowed right now.
	Remaining int
	// RetryAfter is how long to wait until one event is allowed again; 0 when
	// allowed.
	RetryAfter time.Duration
	// ResetAfter is how long until the bucket is full again.
	ResetAfter time.Duration
}

// Limiter decides whether one more event under key is allowed. Keys are
// independent; an unknown key starts full.
type Limiter interface {
	// Allow counts one event under key against l and reports whether it is
	// allowed. A denied event is not counted. The same key should always be
	// used with the same Limit. An invalid l returns an error wrapping
	// ErrInvalidLimit; a backend that cannot be reached returns an
	// apperr.Unavailable error.
	Allow(ctx context.Context, key string, l Limit) (Result, error)
	// Reset forgets key (e.g. after a successful login). Missing keys are not
	// an error.
	Reset(ctx context.Context, key string) error
}

// New returns the Limiter for backend: "memory" (per process) or "redis"
// (shared by every server using rdb, which must then be non-nil). When reg is
// non-nil the Limiter counts its decisions in clinic_ratelimit_requests_total.
//
// The result also implements io.Closer: Close stops background work (the
// memory janitor); it never closes rdb, which belongs to the caller.
func New(backend string, rdb redis.UniversalClient, reg prometheus.Registerer) (Limiter, error) {
	var l Limiter
	switch backend {
	case "memory":
		l = NewMemory(MemoryConfig{})
	case "redis":
		if rdb == nil {
			return nil, errors.New("ratelimit: backend \"redis\" needs a Redis client")
		}
		l = NewRedis(rdb)
	default:
		return nil, fmt.Errorf("ratelimit: unknown backend %q (want \"memory\" or \"redis\")", backend)
	}
	if reg == nil {
		return l, nil
	}
	m, err := newMetered(l, reg)
	if err != nil {
		if c, ok := l.(io.Closer); ok {
			_ = c.Close()
		}
		return nil, err
	}
	return m, nil
}
