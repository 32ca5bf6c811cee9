package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"
)

// metered counts the hits and misses of Get.
type metered struct {
	next         Cache
	hits, misses prometheus.Counter
}

var _ Cache = (*metered)(nil)

// withMetrics wraps c so that its Gets are counted in
// clinic_cache_hits_total and clinic_cache_misses_total{cache=name} on reg.
// Several caches may share reg (the collectors are registered once).
func withMetrics(c Cache, name string, reg prometheus.Registerer) (*metered, error) {
	hits, err := counterVec(reg, "clinic_cache_hits_total", "Cache Gets that found a value.")
	if err != nil {
		return nil, err
	}
	misses, err := counterVec(reg, "clinic_cache_misses_total", "Cache Gets that found no value (missing or expired).")
	if err != nil {
		return nil, err
	}
	return &metered{next: c, hits: hits.WithLabelValues(name), misses: misses.WithLabelValues(name)}, nil
}

func counterVec(reg prometheus.Registerer, name, help string) (*prometheus.CounterVec, error) {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"cache"})
	if err := reg.Register(v); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing, nil
			}
		}
		return nil, fmt.Errorf("cache: register %s: %w", name, err)
	}
	return v, nil
}

func (m *metered) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := m.next.Get(ctx, key)
	switch {
	case err == nil:
		m.hits.Inc()
	case errors.Is(err, ErrMiss):
		m.misses.Inc()
	}
	return v, err
}

func (m *metered) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return m.next.Set(ctx, key, value, ttl)
}

func (m *metered) Delete(ctx context.Context, keys ...string) error {
	return m.next.Delete(ctx, keys...)
}

func (m *metered) Close() error { return m.next.Close() }

func (m *metered) flight(key string) (*singleflight.Group, string) { return flightOf(m.next, key) }
