package session

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"clinic/internal/platform/db"
)

// DB is a Store in the sessions table of clinic's database (SQLite or
// PostgreSQL), so every server using the same database shares sessions even
// without Redis. Expired rows are hidden from Find at once and removed by
// DeleteExpired (see RunCleaner).
//
// Each call is one statement on the primary key: Find is a SELECT, Save an
// INSERT … ON CONFLICT DO UPDATE, Delete a DELETE.
//
// On PostgreSQL a DB is also a Watcher: every Delete is announced to every
// server listening on the database (see Watch), which lets a Manager keep
// sessions in memory. NewDB returns it as a Store either way; the store
// that NewDB returns on SQLite is not a Watcher.
type DB struct {
	db *db.DB
}

// watchingDB is a DB on PostgreSQL.
type watchingDB struct{ *DB }

var (
	_ Store   = (*DB)(nil)
	_ Cleaner = (*DB)(nil)
	_ Watcher = watchingDB{}
)

// NewDB returns a DB store on d, whose migrations must have been applied:
// a Watcher as well on PostgreSQL. The store does not close d.
func NewDB(d *db.DB) Store {
	s := &DB{db: d}
	if d.Dialect == db.Postgres && d.Pool != nil {
		return watchingDB{s}
	}
	return s
}

// Find returns the data under key, or ErrNotFound when there is no row or
// its expiry has passed.
func (s *DB) Find(ctx context.Context, key string) ([]byte, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx,
		`SELECT data FROM sessions WHERE token_hash = $1 AND expires_at > $2`,
		key, db.Time(time.Now())).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("session db: find: %w", err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// Save upserts the row of key with data and expiresAt.
func (s *DB) Save(ctx context.Context, key string, data []byte, expiresAt time.Time) error {
	if data == nil {
		data = []byte{} // the column is NOT NULL
	}
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO sessions (token_hash, data, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (token_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
		key, data, db.Time(expiresAt))
	if err != nil {
		return fmt.Errorf("session db: save: %w", err)
	}
	return nil
}

// Delete removes the row of key; a missing row is ignored. On PostgreSQL
// the same statement tells every server's Watch (NOTIFY, delivered when
// the deletion commits).
func (s *DB) Delete(ctx context.Context, key string) error {
	query := `DELETE FROM sessions WHERE token_hash = $1`
	if s.db.Dialect == db.Postgres {
		query = `WITH deleted AS (DELETE FROM sessions WHERE token_hash = $1) SELECT pg_notify('` + deletedChannel + `', $1)`
	}
	if _, err := s.db.ExecContext(ctx, query, key); err != nil {
		return fmt.Errorf("session db: delete: %w", err)
	}
	return nil
}

// DeleteExpired removes every row whose expiry has passed (using the
// sessions_expires_idx index) and returns how many it removed.
func (s *DB) DeleteExpired(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, db.Time(time.Now()))
	if err != nil {
		return 0, fmt.Errorf("session db: delete expired: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("session db: delete expired: rows affected: %w", err)
	}
	return n, nil
}

// deletedChannel is the PostgreSQL notification channel of deleted
// sessions; the payload is the key.
const deletedChannel = "clinic_session_deleted"

// watchCheck is how long Watch waits for a notification before it checks
// again that the deletions announced through the pool reach it.
const watchCheck = 15 * time.Second

// probeWait is how long Watch waits for its own probe.
const probeWait = 5 * time.Second

// probePrefix starts the payload of a probe (a key is hexadecimal).
const probePrefix = "probe:"

// Watch listens on a connection of its own (outside the pool) for the
// deletions that any server's Delete announces, and reports them (see
// Watcher). It reports live only once a probe announced through the pool,
// the way Delete announces, has come back to it, and checks that again
// whenever it has heard nothing for a while: a connection that broke, or
// announcements that never arrive (a connection pooler that does not pass
// them on), report live(false) until it works again.
func (s watchingDB) Watch(ctx context.Context, deleted func(key string), live func(bool)) {
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		if s.listen(ctx, deleted, live) {
			pause = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// listen runs one listening connection until it fails or ctx ends, and
// reports whether it was live.
func (s watchingDB) listen(ctx context.Context, deleted func(key string), live func(bool)) bool {
	cfg := s.db.Pool.Config().ConnConfig.Copy()
	cfg.Tracer = nil // the pool's tracer counts requests' queries, not these
	// A wait that times out leaves the connection usable (the pool's
	// handler would send the server a cancel request each time instead).
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+deletedChannel); err != nil {
		return false
	}
	// wait reports the deletions heard within d, until the probe comes
	// back (ok) or d passes or the connection fails (not ok).
	wait := func(probe string, d time.Duration) bool {
		wctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		for {
			n, err := conn.WaitForNotification(wctx)
			if err != nil {
				return false
			}
			switch {
			case n.Payload == probe:
				return true
			case !strings.HasPrefix(n.Payload, probePrefix):
				deleted(n.Payload)
			}
		}
	}
	probe := func() bool {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		p := probePrefix + hex.EncodeToString(b)
		pctx, cancel := context.WithTimeout(ctx, probeWait)
		_, err := s.db.ExecContext(pctx, `SELECT pg_notify('`+deletedChannel+`', $1)`, p)
		cancel()
		return err == nil && wait(p, probeWait)
	}
	if !probe() {
		return false
	}
	live(true)
	defer live(false)
	for {
		if !wait("", watchCheck) {
			// Quiet for watchCheck, the connection broke or ctx ended:
			// carry on only if a probe still comes back.
			if ctx.Err() != nil || conn.IsClosed() || !probe() {
				return true
			}
		}
	}
}
