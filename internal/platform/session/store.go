// Package session stores clinic's server-side session data: opaque bytes kept
// under a key until an expiry time, in the style of alexedwards/scs stores.
//
// The manager above this package owns cookies, timeouts, encoding and the
// hashing of tokens; a Store only ever sees a key derived from the token (a
// hash), never the token itself, so a leaked store does not leak live
// sessions.
//
// Backends, picked by name in New:
//   - "memory": in-process map, lost on restart, one server only (Memory);
//   - "db": the sessions table of clinic's database, SQLite or PostgreSQL,
//     shared by every server using that database (DB);
//   - "redis": Redis keys with an absolute expiry, shared by every server
//     using that Redis (Redis). Every command is of one session's one key,
//     so it works unchanged on a Redis Cluster (see package redisx).
//
// Memory and DB keep expired rows until something deletes them: they
// implement Cleaner, and RunCleaner calls it periodically. Redis expires keys
// by itself.
//
// Tables: sessions.
package session

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Store keeps session data under a key (a hash of the session token, never
// the token itself). Implementations are safe for concurrent use.
//
// Data is copied on the way in and out: a caller may modify the slice it
// passed to Save, and owns the slice Find returns.
type Store interface {
	// Find returns the data saved under key, or ErrNotFound when the key is
	// missing or expired (expiresAt not after the current time). Any other
	// error means the store could not answer; an unreachable Redis gives an
	// apperr.Unavailable error.
	Find(ctx context.Context, key string) ([]byte, error)
	// Save stores data under key until expiresAt, replacing any previous data
	// and expiry. Saving with an expiresAt that has already passed leaves the
	// key not found.
	Save(ctx context.Context, key string, data []byte, expiresAt time.Time) error
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Cleaner is implemented by stores that must delete expired sessions
// themselves (Memory, DB); Redis expires keys on its own.
type Cleaner interface {
	// DeleteExpired removes every entry whose expiry has passed, leaving
	// live entries untouched, and returns how many it removed.
	DeleteExpired(ctx context.Context) (int64, error)
}

// ErrNotFound is returned by Find when a key is missing or expired.
var ErrNotFound = errors.New("session: not found")

// DefaultCleanupInterval is how often RunCleaner (given a non-positive
// interval) and the janitor of a Memory made by New delete expired sessions.
const DefaultCleanupInterval = 5 * time.Minute

// RunCleaner deletes expired sessions from s once at start and then every
// interval (DefaultCleanupInterval when every <= 0) until ctx is done, and
// returns then. It returns at once when s does not implement Cleaner. Counts
// are logged at debug level, errors at warn level; an error does not stop the
// loop. log may be nil.
//
// Run it in its own goroutine. Several servers may clean the same shared
// store at once; deleting an expired row twice is harmless.
func RunCleaner(ctx context.Context, s Store, every time.Duration, log *slog.Logger) {
	c, ok := s.(Cleaner)
	if !ok {
		return
	}
	if every <= 0 {
		every = DefaultCleanupInterval
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	clean := func() {
		n, err := c.DeleteExpired(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			// Shutting down: the interrupted delete is not worth a warning.
		case err != nil:
			log.WarnContext(ctx, "session cleaner: delete expired sessions", "error", err)
		default:
			log.DebugContext(ctx, "session cleaner: deleted expired sessions", "count", n)
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		clean()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
