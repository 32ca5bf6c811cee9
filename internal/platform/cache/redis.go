package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"clinic/internal/platform/redisx"
)

// Redis is a Cache in Redis: SET with an expiry for Set, DEL for Delete. Every
// instance sharing the Redis (and key prefix) sees a change at once. Errors go
// through redisx.Err, so an unreachable Redis gives an apperr.Unavailable error.
type Redis struct {
	rdb     redis.UniversalClient
	prefix  string
	cluster bool
	flights singleflight.Group
}

var _ Cache = (*Redis)(nil)

func newRedis(rdb redis.UniversalClient, prefix string) *Redis {
	_, cluster := rdb.(*redis.ClusterClient)
	return &Redis{rdb: rdb, prefix: prefix, cluster: cluster}
}

// Get returns the value under key, or ErrMiss.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := r.rdb.Get(ctx, r.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrMiss
	}
	if err != nil {
		return nil, fmt.Errorf("cache redis: get: %w", redisx.Err("GET", err))
	}
	return v, nil
}

// getTTL returns the value under key and its remaining time to live (which
// is <= 0 when Redis reports no expiry or the key vanished in between).
func (r *Redis) getTTL(ctx context.Context, key string) ([]byte, time.Duration, error) {
	pipe := r.rdb.Pipeline()
	get := pipe.Get(ctx, r.prefix+key)
	pttl := pipe.PTTL(ctx, r.prefix+key)
	_, _ = pipe.Exec(ctx) // errors are read per command below
	v, err := get.Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, 0, ErrMiss
	}
	if err != nil {
		return nil, 0, fmt.Errorf("cache redis: get: %w", redisx.Err("GET", err))
	}
	ttl, err := pttl.Result()
	if err != nil {
		return nil, 0, fmt.Errorf("cache redis: get: %w", redisx.Err("PTTL", err))
	}
	return v, ttl, nil
}

// Set stores value under key with SET … PX ttl (EX when ttl is whole seconds).
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkTTL("redis", ttl); err != nil {
		return err
	}
	ttl = max(ttl, time.Millisecond) // Redis expiries have millisecond precision
	if err := r.rdb.Set(ctx, r.prefix+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("cache redis: set: %w", redisx.Err("SET", err))
	}
	return nil
}

// Delete removes keys with DEL (one DEL per key on a Redis Cluster, where keys
// may live in different slots).
func (r *Redis) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = r.prefix + k
	}
	var err error
	if r.cluster && len(full) > 1 {
		_, err = r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range full {
				p.Del(ctx, k)
			}
			return nil
		})
	} else {
		err = r.rdb.Del(ctx, full...).Err()
	}
	if err != nil {
		return fmt.Errorf("cache redis: delete: %w", redisx.Err("DEL", err))
	}
	return nil
}

// Close does nothing: the Redis client is shared and closed by its owner.
func (r *Redis) Close() error { return nil }

func (r *Redis) flight(key string) (*singleflight.Group, string) { return &r.flights, key }
