package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Cache stores byte values by key with a time to live. Safe for concurrent use.
//
// Values are copied on the way in and out: a caller may modify the slice it
// passed to Set and owns the slice Get returns.
type Cache interface {
	// Get returns the value stored under key, or ErrMiss when the key is
	// missing or expired. Any other error means the cache could not answer;
	// an unreachable Redis gives an apperr.Unavailable error.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key for ttl (ttl must be > 0), replacing any
	// previous value and its ttl. A cache may evict the value earlier (Memory
	// drops values larger than its whole budget).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes keys; missing keys are not an error. Once Delete returns,
	// no instance sharing this cache returns the old values (Tiered: other
	// instances stop within the pub/sub delivery delay; see Tiered).
	Delete(ctx context.Context, keys ...string) error
	// Close releases resources (not the shared Redis client).
	Close() error
}

// ErrMiss is returned by Get when a key is missing or expired.
var ErrMiss = errors.New("cache: miss")

// Backend names accepted in Config.Backend.
const (
	BackendMemory = "memory"
	BackendRedis  = "redis"
	BackendTiered = "tiered"
)

// Defaults applied by Config.WithDefaults.
const (
	DefaultMaxBytes  int64 = 64 << 20
	DefaultLocalTTL        = 5 * time.Second
	DefaultKeyPrefix       = "clinic:cache:"
)

// Config selects and tunes a cache backend.
type Config struct {
	// Backend is "memory" (default), "redis" or "tiered".
	Backend string
	// Name labels the cache in metrics (label "cache"); default Backend.
	Name string
	// MaxBytes bounds the memory backend and the local layer of tiered
	// (keys, values and bookkeeping); default 64 MiB.
	MaxBytes int64
	// LocalTTL caps how long tiered keeps an entry locally; default 5s.
	LocalTTL time.Duration
	// KeyPrefix is prepended to every Redis key (redis, tiered); default
	// "clinic:cache:".
	KeyPrefix string
	// Channel is the Redis pub/sub channel tiered instances invalidate each
	// other on; default KeyPrefix + "invalidate". Instances sharing keys must
	// share the channel.
	Channel string
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Backend == "" {
		c.Backend = BackendMemory
	}
	if c.Name == "" {
		c.Name = c.Backend
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.LocalTTL == 0 {
		c.LocalTTL = DefaultLocalTTL
	}
	if c.KeyPrefix == "" {
		c.KeyPrefix = DefaultKeyPrefix
	}
	if c.Channel == "" {
		c.Channel = c.KeyPrefix + "invalidate"
	}
	return c
}

func (c Config) validate() error {
	switch c.Backend {
	case BackendMemory, BackendRedis, BackendTiered:
	default:
		return fmt.Errorf("cache: unknown backend %q (want %q, %q or %q)",
			c.Backend, BackendMemory, BackendRedis, BackendTiered)
	}
	if c.MaxBytes < 0 {
		return fmt.Errorf("cache: MaxBytes must be >= 0, got %d", c.MaxBytes)
	}
	if c.LocalTTL < 0 {
		return fmt.Errorf("cache: LocalTTL must be >= 0, got %s", c.LocalTTL)
	}
	return nil
}

// New returns the cache backend named by cfg.Backend (after WithDefaults).
// The redis and tiered backends need rdb, which New never closes. When reg is
// not nil, hits and misses are counted in clinic_cache_hits_total and
// clinic_cache_misses_total with label cache=cfg.Name.
//
// ctx is only used for its values: a tiered cache keeps subscribing until
// Close, whatever becomes of ctx, and New does not wait for Redis, so a Redis
// that is down at start-up is used as soon as it comes back.
func New(ctx context.Context, cfg Config, rdb redis.UniversalClient, reg prometheus.Registerer) (Cache, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Backend != BackendMemory && rdb == nil {
		return nil, fmt.Errorf("cache: backend %q needs a Redis client", cfg.Backend)
	}

	var c Cache
	switch cfg.Backend {
	case BackendMemory:
		c = newMemory(cfg.MaxBytes)
	case BackendRedis:
		c = newRedis(rdb, cfg.KeyPrefix)
	case BackendTiered:
		c = newTiered(ctx, newMemory(cfg.MaxBytes), newRedis(rdb, cfg.KeyPrefix), rdb, cfg.Channel, cfg.LocalTTL)
	}
	if reg != nil {
		m, err := withMetrics(c, cfg.Name, reg)
		if err != nil {
			_ = c.Close()
			return nil, err
		}
		c = m
	}
	return c, nil
}

// checkTTL reports a non-positive ttl as an error for backend's op.
func checkTTL(backend string, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("cache %s: set: ttl must be > 0, got %s", backend, ttl)
	}
	return nil
}
