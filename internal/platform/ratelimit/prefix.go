package ratelimit

import (
	"context"
	"io"
)

// WithPrefix returns a Limiter that puts prefix in front of every key, so that
// callers can namespace their keys ("login:ip:", "login:user:"). When l counts
// metrics (see New), the decisions made through the result are labelled with
// the prefix, without a trailing colon, as name ("login:ip"); prefixes must
// therefore be fixed strings, never user input. The result implements
// io.Closer and closes l.
func WithPrefix(l Limiter, prefix string) Limiter {
	switch v := l.(type) {
	case *metered:
		return &metered{inner: WithPrefix(v.inner, prefix), counts: v.counts, name: v.name + prefix}
	case *prefixed:
		return &prefixed{inner: v.inner, prefix: v.prefix + prefix}
	}
	return &prefixed{inner: l, prefix: prefix}
}

// prefixed puts a prefix in front of every key.
type prefixed struct {
	inner  Limiter
	prefix string
}

var _ Limiter = (*prefixed)(nil)

// Allow implements Limiter.
func (p *prefixed) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	return p.inner.Allow(ctx, p.prefix+key, l)
}

// Reset implements Limiter.
func (p *prefixed) Reset(ctx context.Context, key string) error {
	return p.inner.Reset(ctx, p.prefix+key)
}

// Close closes the wrapped Limiter when it is an io.Closer.
func (p *prefixed) Close() error {
	if c, ok := p.inner.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
