package session

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"clinic/internal/platform/db"
)

// DB is a Store in the sessions table of clinic's database (SQLite or
// PostgreSQL), so every server using the same database shares sessions even
// without Redis. Expired rows are hidden from Find at once and removed by
// DeleteExpired (see RunCleaner).
//
// Each call is one statement on the primary key: Find is a SELECT, Save an
// INSERT … ON CONFLICT DO UPDATE, Delete a DELETE.
type DB struct {
	db *db.DB
}

var (
	_ Store   = (*DB)(nil)
	_ Cleaner = (*DB)(nil)
)

// NewDB returns a DB store on d, whose migrations must have been applied.
// The store does not close d.
func NewDB(d *db.DB) *DB { return &DB{db: d} }

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

// Delete removes the row of key; a missing row is ignored.
func (s *DB) Delete(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, key); err != nil {
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
