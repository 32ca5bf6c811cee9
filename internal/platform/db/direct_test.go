package db_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

// Query and QueryRow answer as QueryContext and QueryRowContext do, on
// both engines (on PostgreSQL they bypass database/sql).
func TestQueryScansLikeDatabaseSQL(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_, err := d.ExecContext(ctx, `CREATE TABLE direct_test (id TEXT PRIMARY KEY, n INTEGER, at TIMESTAMP NOT NULL, note TEXT)`)
		require.NoError(t, err)
		at := db.Time(time.Now())
		_, err = d.ExecContext(ctx, `INSERT INTO direct_test (id, n, at, note) VALUES ($1, $2, $3, $4), ($5, $6, $7, $8)`,
			"a", 1, at, "x", "b", nil, at, nil)
		require.NoError(t, err)

		rows, err := d.Query(ctx, `SELECT id, n, at, note FROM direct_test WHERE at = $1 ORDER BY id`, at)
		require.NoError(t, err)
		type row struct {
			id   string
			n    sql.NullInt64
			at   time.Time
			note sql.NullString
		}
		var got []row
		for rows.Next() {
			var r row
			require.NoError(t, rows.Scan(&r.id, &r.n, &r.at, &r.note))
			r.at = r.at.UTC()
			got = append(got, r)
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		require.Equal(t, []row{
			{id: "a", n: sql.NullInt64{Int64: 1, Valid: true}, at: at, note: sql.NullString{String: "x", Valid: true}},
			{id: "b", at: at},
		}, got)

		var id string
		require.NoError(t, d.QueryRow(ctx, `SELECT id FROM direct_test WHERE n = $1`, 1).Scan(&id))
		require.Equal(t, "a", id)
		err = d.QueryRow(ctx, `SELECT id FROM direct_test WHERE id = $1`, "none").Scan(&id)
		require.ErrorIs(t, err, sql.ErrNoRows)
	})
}
