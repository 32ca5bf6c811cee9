package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/singleflight"
)

// flighter is implemented by the caches of this package: it names the
// singleflight group and key that Load uses for key, so that every view of one
// underlying cache (WithPrefix, metrics) shares one group.
type flighter interface {
	flight(key string) (*singleflight.Group, string)
}

// flightOf returns c's group and flight key for key, or nil when c is not a
// cache of this package.
func flightOf(c Cache, key string) (*singleflight.Group, string) {
	if f, ok := c.(flighter); ok {
		return f.flight(key)
	}
	return nil, ""
}

// Load returns the value under key, calling load and storing its result for
// ttl on a miss. Concurrent Loads of one key in this process share one call
// of load (for caches built by this package; other Cache implementations get
// no deduplication), and a Load that starts while another is storing the
// value finds it in the cache.
//
// The shared call of load runs with the values and deadline of the first
// caller's ctx but is not canceled with it; each caller stops waiting when its
// own ctx is done. Errors of load are returned as they are and not cached.
//
// Cache failures are returned, never hidden: when Get fails (for example an
// apperr.Unavailable error because Redis is unreachable) Load returns that
// error without calling load, and the caller decides whether to load uncached;
// when storing the loaded value fails, Load returns the value together with
// the error, so the caller can still use it.
func Load(ctx context.Context, c Cache, key string, ttl time.Duration, load func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	if ttl <= 0 {
		return nil, fmt.Errorf("cache: load %q: ttl must be > 0, got %s", key, ttl)
	}
	v, err := c.Get(ctx, key)
	if !errors.Is(err, ErrMiss) {
		return v, err
	}
	g, fkey := flightOf(c, key)
	if g == nil {
		return loadAndSet(ctx, c, key, ttl, load)
	}
	ch := g.DoChan(fkey, func() (any, error) {
		lctx, cancel := detach(ctx)
		defer cancel()
		return loadAndSet(lctx, c, key, ttl, load)
	})
	select {
	case r := <-ch:
		v, _ := r.Val.([]byte)
		if r.Shared && v != nil {
			v = append(make([]byte, 0, len(v)), v...)
		}
		return v, r.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// loadAndSet looks key up once more (a previous flight may just have stored
// it), then calls load and stores its result.
func loadAndSet(ctx context.Context, c Cache, key string, ttl time.Duration, load func(ctx context.Context) ([]byte, error)) (v []byte, err error) {
	v, err = c.Get(ctx, key)
	if !errors.Is(err, ErrMiss) {
		return v, err
	}
	v, err = callLoad(ctx, key, load)
	if err != nil {
		return nil, err
	}
	if err := c.Set(ctx, key, v, ttl); err != nil {
		return v, err
	}
	return v, nil
}

// callLoad calls load, turning a panic into an error: the call may run on a
// goroutine of its own, where a panic would end the process.
func callLoad(ctx context.Context, key string, load func(ctx context.Context) ([]byte, error)) (v []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, fmt.Errorf("cache: load %q: loader panicked: %v", key, p)
		}
	}()
	return load(ctx)
}

// detach returns a context with the values and deadline of ctx that is not
// canceled when ctx is.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	d := context.WithoutCancel(ctx)
	if deadline, ok := ctx.Deadline(); ok {
		return context.WithDeadline(d, deadline)
	}
	return context.WithCancel(d)
}

// LoadJSON is Load for a value stored as JSON. A cached value that no longer
// decodes into T (its type changed) is deleted and loaded again. Errors are
// as for Load (a failed Set returns the loaded value with the error).
func LoadJSON[T any](ctx context.Context, c Cache, key string, ttl time.Duration, load func(ctx context.Context) (T, error)) (T, error) {
	loadBytes := func(ctx context.Context) ([]byte, error) {
		v, err := load(ctx)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("cache: load %q: encode: %w", key, err)
		}
		return b, nil
	}
	var zero T
	for attempt := 0; ; attempt++ {
		b, err := Load(ctx, c, key, ttl, loadBytes)
		if err != nil && b == nil {
			return zero, err
		}
		var v T
		derr := json.Unmarshal(b, &v)
		if derr == nil {
			return v, err
		}
		if attempt > 0 {
			return zero, fmt.Errorf("cache: load %q: decode: %w", key, derr)
		}
		if err := c.Delete(ctx, key); err != nil {
			return zero, err
		}
	}
}
