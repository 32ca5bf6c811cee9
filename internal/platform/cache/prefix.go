package cache

import (
	"context"
	"time"

	"golang.org/x/sync/singleflight"
)

// WithPrefix returns a view of c in which every key is prefixed with prefix,
// for example a tenant prefix "t:<clinicID>:": keys of other prefixes can be
// neither read nor deleted through it. The view does not own c: its Close does
// nothing.
func WithPrefix(c Cache, prefix string) Cache {
	if p, ok := c.(*prefixed); ok {
		return &prefixed{next: p.next, prefix: p.prefix + prefix}
	}
	return &prefixed{next: c, prefix: prefix}
}

type prefixed struct {
	next   Cache
	prefix string
}

var _ Cache = (*prefixed)(nil)

func (p *prefixed) Get(ctx context.Context, key string) ([]byte, error) {
	return p.next.Get(ctx, p.prefix+key)
}

func (p *prefixed) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return p.next.Set(ctx, p.prefix+key, value, ttl)
}

func (p *prefixed) Delete(ctx context.Context, keys ...string) error {
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = p.prefix + k
	}
	return p.next.Delete(ctx, full...)
}

// Close does nothing: the view does not own the cache it wraps.
func (p *prefixed) Close() error { return nil }

func (p *prefixed) flight(key string) (*singleflight.Group, string) {
	return flightOf(p.next, p.prefix+key)
}

// ForTenant returns the view of c for one clinic: every key is prefixed with
// "t:<clinicID>:", so no clinic can read or drop another's entries.
func ForTenant(c Cache, clinicID string) Cache { return WithPrefix(c, "t:"+clinicID+":") }
