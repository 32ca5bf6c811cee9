package db_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

func TestMigrationsMatchAcrossEngines(t *testing.T) {
	t.Parallel()
	lite, err := db.Migrations(db.SQLite)
	require.NoError(t, err)
	pg, err := db.Migrations(db.Postgres)
	require.NoError(t, err)
	require.NotEmpty(t, lite)
	require.Len(t, pg, len(lite), "both engines must carry the same migrations")
	for i := range lite {
		require.Equal(t, lite[i].Version, pg[i].Version)
		require.Equal(t, lite[i].Name, pg[i].Name)
	}

	// The schemas they produce: tables, columns, indexes and constraints,
	// by name (see schema_test.go for what is compared and what may differ).
	t.Run("schemas", func(t *testing.T) {
		ctx := context.Background()
		pgSchema := postgresSchema(ctx, t, dbtest.Postgres(t)) // skips without TEST_DATABASE_URL (fails under CI)
		liteSchema := sqliteSchema(ctx, t, dbtest.SQLite(t))
		require.NotEmpty(t, liteSchema)
		require.NotEmpty(t, pgSchema)
		if diff := diffSchemas(liteSchema, pgSchema); len(diff) > 0 {
			t.Errorf("the migrations produce different schemas on SQLite and PostgreSQL:\n%s", strings.Join(diff, "\n"))
		}
	})
}

func TestMigrateFromEmptyIsIdempotent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// dbtest already migrated once: a second run applies nothing.
		applied, err := d.Migrate(ctx)
		require.NoError(t, err)
		require.Empty(t, applied)
		st, err := d.MigrationStatus(ctx)
		require.NoError(t, err)
		for _, s := range st {
			require.False(t, s.AppliedAt.IsZero(), "migration %d not applied", s.Version)
		}
	})
}

func TestTimesRoundTripAndUniqueViolation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := db.Time(time.Date(2026, 3, 8, 6, 30, 0, 123456789, time.FixedZone("X", -5*3600)))
		_, err := d.ExecContext(ctx, `INSERT INTO clinics (id, name, slug, created_at) VALUES ($1, $2, $3, $4)`,
			"0190a1b2-0000-7000-8000-000000000001", "A", "a", now)
		require.NoError(t, err)
		var got time.Time
		require.NoError(t, d.QueryRowContext(ctx, `SELECT created_at FROM clinics WHERE slug = $1`, "a").Scan(&got))
		require.True(t, now.Equal(got), "want %v got %v", now, got)

		_, err = d.ExecContext(ctx, `INSERT INTO clinics (id, name, slug, created_at) VALUES ($1, $2, $3, $4)`,
			"0190a1b2-0000-7000-8000-000000000002", "B", "a", now)
		require.Error(t, err)
		require.True(t, db.IsUniqueViolation(err), "want unique violation, got %v", err)
	})
}

func TestTxRollsBackOnError(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO clinics (id, name, slug, created_at) VALUES ($1, 'A', 'a', $2)`,
				"0190a1b2-0000-7000-8000-000000000003", db.Time(time.Now()))
			require.NoError(t, err)
			return boom
		})
		require.ErrorIs(t, err, boom)
		var n int
		require.NoError(t, d.QueryRowContext(ctx, `SELECT COUNT(*) FROM clinics`).Scan(&n))
		require.Zero(t, n)
	})
}

func TestOpenRejectsUnknownScheme(t *testing.T) {
	t.Parallel()
	_, err := db.Open(context.Background(), "mysql://root@localhost/x", db.Options{})
	require.ErrorContains(t, err, "unsupported database URL scheme")
}

func TestRedactHidesPassword(t *testing.T) {
	t.Parallel()
	require.Equal(t, "postgres://u:xxxxx@h/db", db.Redact("postgres://u:secret@h/db"))
}

func TestPostgresStatementTimeoutAndCancelKeepTheConnection(t *testing.T) {
	t.Parallel()
	url := dbtest.PostgresURL(t)
	ctx := context.Background()
	d, err := db.Open(ctx, url, db.Options{MaxConns: 1, StatementTimeout: 200 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })

	var setting string
	require.NoError(t, d.QueryRowContext(ctx, `SHOW statement_timeout`).Scan(&setting))
	require.Equal(t, "200ms", setting)
	var pid int
	require.NoError(t, d.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid))

	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"statement_timeout", func() (context.Context, context.CancelFunc) { return context.WithCancel(ctx) }},
		{"context deadline", func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 50*time.Millisecond) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qctx, cancel := tt.ctx()
			defer cancel()
			_, err := d.ExecContext(qctx, `SELECT pg_sleep(30)`)
			require.Error(t, err)
			if qctx.Err() == nil {
				require.True(t, db.IsCanceled(err), "want a cancelled statement, got %v", err)
			}
			// The pool's only connection was kept and is usable.
			var again int
			require.NoError(t, d.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&again))
			require.Equal(t, pid, again, "the connection was replaced instead of kept")
		})
	}
}

func TestSchemaVersionIsTheHighestAppliedMigration(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ms, err := db.Migrations(d.Dialect)
		require.NoError(t, err)
		v, err := d.SchemaVersion(t.Context())
		require.NoError(t, err)
		require.Equal(t, ms[len(ms)-1].Version, v)
		_, err = d.ExecContext(t.Context(), `DELETE FROM schema_migrations WHERE version > 3`)
		require.NoError(t, err)
		v, err = d.SchemaVersion(t.Context())
		require.NoError(t, err)
		require.Equal(t, 3, v)
	})
}
