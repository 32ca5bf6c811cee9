package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"clinic/internal/platform/redisx"
)

// Redis is a Store in Redis: each session is one string key, prefix + key,
// written with SET … PXAT expiresAt (EXAT when expiresAt is whole seconds),
// so Redis expires it by itself and every server sharing the Redis and the
// prefix sees the same sessions. Errors go through redisx.Err, so an
// unreachable Redis gives an apperr.Unavailable error (503).
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ Store = (*Redis)(nil)

// NewRedis returns a Redis store that keeps sessions under prefix + key
// (for example prefix "clinic:session:"). It does not close rdb, which is
// shared with other subsystems.
func NewRedis(rdb redis.UniversalClient, prefix string) *Redis {
	return &Redis{rdb: rdb, prefix: prefix}
}

// Find returns the data under key with GET, or ErrNotFound when Redis has no
// such key (missing or expired).
func (r *Redis) Find(ctx context.Context, key string) ([]byte, error) {
	data, err := r.rdb.Get(ctx, r.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("session redis: find: %w", redisx.Err("GET", err))
	}
	return data, nil
}

// Save stores data under key with SET … PXAT expiresAt. When expiresAt has
// already passed, Save deletes the key instead, which is what an expired
// replacement means.
func (r *Redis) Save(ctx context.Context, key string, data []byte, expiresAt time.Time) error {
	if !time.Now().Before(expiresAt) {
		if err := r.rdb.Del(ctx, r.prefix+key).Err(); err != nil {
			return fmt.Errorf("session redis: save expired: %w", redisx.Err("DEL", err))
		}
		return nil
	}
	if data == nil {
		data = []byte{}
	}
	if err := r.rdb.SetArgs(ctx, r.prefix+key, data, redis.SetArgs{ExpireAt: expiresAt}).Err(); err != nil {
		return fmt.Errorf("session redis: save: %w", redisx.Err("SET", err))
	}
	return nil
}

// Delete removes key with DEL; a missing key is ignored.
func (r *Redis) Delete(ctx context.Context, key string) error {
	if err := r.rdb.Del(ctx, r.prefix+key).Err(); err != nil {
		return fmt.Errorf("session redis: delete: %w", redisx.Err("DEL", err))
	}
	return nil
}
