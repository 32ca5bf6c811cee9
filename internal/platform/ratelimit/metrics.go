package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// metered counts the decisions of a Limiter by name and result.
type metered struct {
	inner  Limiter
	counts *prometheus.CounterVec
	name   string // the key prefix given to WithPrefix
}

var _ Limiter = (*metered)(nil)

func newMetered(l Limiter, reg prometheus.Registerer) (*metered, error) {
	counts := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "clinic_ratelimit_requests_total",
		Help: "Rate limit decisions by limiter name (key prefix) and result (allowed, limited, error).",
	}, []string{"name", "result"})
	if err := reg.Register(counts); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, fmt.Errorf("ratelimit: register metrics: %w", err)
		}
		existing, ok := are.ExistingCollector.(*prometheus.CounterVec)
		if !ok {
			return nil, fmt.Errorf("ratelimit: register metrics: %w", err)
		}
		counts = existing
	}
	return &metered{inner: l, counts: counts}, nil
}

// Allow implements Limiter.
func (m *metered) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	r, err := m.inner.Allow(ctx, key, l)
	result := "allowed"
	switch {
	case err != nil:
		result = "error"
	case !r.Allowed:
		result = "limited"
	}
	name := strings.TrimSuffix(m.name, ":")
	if name == "" {
		name = "default"
	}
	m.counts.WithLabelValues(name, result).Inc()
	return r, err
}

// Reset implements Limiter.
func (m *metered) Reset(ctx context.Context, key string) error {
	return m.inner.Reset(ctx, key)
}

// Close closes the wrapped Limiter when it is an io.Closer.
func (m *metered) Close() error {
	if c, ok := m.inner.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
