package db

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
)

// Rows is the result of Query: the rows of a *sql.Rows, or of a pgx query.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Row is the result of QueryRow. Its Scan returns an error matching
// sql.ErrNoRows when there is no row.
type Row interface {
	Scan(dest ...any) error
}

// Query runs query like QueryContext, but on PostgreSQL straight on the
// pgx pool: for the hot reads of wide rows (the agenda), database/sql's
// layer (a lock and a conversion per value) costs about as much as pgx's
// own decoding. The statement is prepared and cached per connection as
// through database/sql. Scan destinations are those both accept: strings,
// times, numbers, bools, sql.Null* and pointers for NULL.
func (d *DB) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if d.Pool == nil {
		return d.DB.QueryContext(ctx, query, args...)
	}
	rows, err := d.Pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgxRows{rows}, nil
}

// QueryRow is QueryRowContext, on PostgreSQL straight on the pgx pool (see
// Query).
func (d *DB) QueryRow(ctx context.Context, query string, args ...any) Row {
	if d.Pool == nil {
		return d.DB.QueryRowContext(ctx, query, args...)
	}
	return d.Pool.QueryRow(ctx, query, args...)
}

// pgxRows adapts pgx.Rows to Rows.
type pgxRows struct{ pgx.Rows }

func (r pgxRows) Close() error {
	r.Rows.Close()
	return r.Rows.Err()
}

var (
	_ Rows = (*sql.Rows)(nil)
	_ Row  = (*sql.Row)(nil)
)
