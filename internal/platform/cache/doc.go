// Package cache stores byte values by key with a time to live, in process
// memory, in Redis, or in both ("tiered").
//
// # Backends
//
// New picks the backend named by Config.Backend:
//
//   - "memory" (Memory): in-process, bounded by Config.MaxBytes with LRU
//     eviction. Each process has its own copy, so it suits a single instance
//     or data that may be briefly stale per instance.
//   - "redis" (Redis): every operation goes to Redis; all instances see one
//     value immediately.
//   - "tiered" (Tiered): a Memory in front of Redis for hot keys. Writes go to
//     Redis and publish the key on a pub/sub channel, and every instance drops
//     published keys from its local layer. Local entries live at most
//     Config.LocalTTL, and while the subscription is down the local layer is
//     flushed and bypassed.
//
// Both Redis backends work on a Redis Cluster too (a client from
// redisx.NewCluster): an entry is one key, GET and PTTL are of that one key,
// and a Delete of several keys, which may be in different hash slots, sends
// one DEL per key. Keys carry no hash tag, so entries spread over every
// master; see package redisx for the key rules.
//
// # Decorators
//
// WithPrefix confines a Cache to a key prefix (for example a tenant prefix
// "t:<clinicID>:"); New adds hit/miss metrics when given a registerer.
//
// # Loading
//
// Load and LoadJSON implement read-through caching with stampede protection:
// on a miss only one loader per key runs at a time in a process. A cache that
// fails (for example Redis is unreachable: an apperr.Unavailable error) makes
// Load return that error rather than call the loader; callers decide whether
// to serve uncached data:
//
//	v, err := cache.Load(ctx, c, key, time.Minute, load)
//	if apperr.Is(err, apperr.Unavailable) {
//		v, err = load(ctx) // Redis is away: serve uncached
//	}
package cache
