package session

import (
	"fmt"

	"github.com/redis/go-redis/v9"

	"clinic/internal/platform/db"
)

// Backend names accepted by New.
const (
	BackendMemory = "memory"
	BackendDB     = "db"
	BackendRedis  = "redis"
)

// DefaultRedisPrefix is the Redis key prefix New uses when given none.
const DefaultRedisPrefix = "clinic:session:"

// New returns the Store named by backend:
//   - "memory": a Memory with a janitor deleting expired entries every
//     DefaultCleanupInterval; stop it with Close (the *Memory implements
//     io.Closer);
//   - "db": a DB store on d (required, already migrated);
//   - "redis": a Redis store on rdb (required) with keys prefix + key, or
//     DefaultRedisPrefix + key when prefix is "".
//
// Dependencies a backend does not use are ignored (and may be nil). New
// never closes d or rdb. An unknown backend or a missing dependency is an
// error.
func New(backend string, d *db.DB, rdb redis.UniversalClient, prefix string) (Store, error) {
	switch backend {
	case BackendMemory:
		return NewMemory(DefaultCleanupInterval), nil
	case BackendDB:
		if d == nil {
			return nil, fmt.Errorf("session: backend %q needs a database", backend)
		}
		return NewDB(d), nil
	case BackendRedis:
		if rdb == nil {
			return nil, fmt.Errorf("session: backend %q needs a Redis client", backend)
		}
		if prefix == "" {
			prefix = DefaultRedisPrefix
		}
		return NewRedis(rdb, prefix), nil
	default:
		return nil, fmt.Errorf("session: unknown backend %q (want %q, %q or %q)",
			backend, BackendMemory, BackendDB, BackendRedis)
	}
}
