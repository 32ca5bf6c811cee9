// Package dbtest gives tests fresh, migrated databases on both engines:
// a SQLite file in a temporary directory, and a PostgreSQL schema of its own
// in TEST_DATABASE_URL that is dropped when the test ends.
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"clinic/internal/platform/db"
	"clinic/internal/platform/testenv"
)

// Each runs fn as two subtests, "sqlite" and "postgres", each with its own
// freshly migrated database. The postgres subtest skips (fails under CI)
// without TEST_DATABASE_URL.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, SQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, Postgres(t))
	})
}

// EachURL is like Each but hands fn a database URL instead of an open
// database, for tests that start whole app instances (SQLite file URL or
// PostgreSQL URL pinned to a fresh schema). The schema is not migrated.
func EachURL(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, SQLiteURL(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, PostgresURL(t))
	})
}

// SQLiteURL returns the URL of a new SQLite file in a temporary directory.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "clinic.db")
}

// SQLite opens and migrates a new SQLite database.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	return open(t, SQLiteURL(t))
}

// Postgres opens and migrates a new PostgreSQL schema.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	return open(t, PostgresURL(t))
}

// PostgresURL creates an empty schema in TEST_DATABASE_URL, drops it when the
// test ends, and returns a URL whose connections use it (search_path).
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := testenv.DatabaseURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("dbtest: open %s: %v", db.Redact(base), err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	extensionsOnce.Do(func() { extensionsErr = createExtensions(ctx, admin) })
	if extensionsErr != nil {
		t.Fatalf("dbtest: PostgreSQL at %s: %v", db.Redact(base), extensionsErr)
	}
	schema := testenv.RandomName("test_")
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("dbtest: PostgreSQL at %s unreachable or unusable: create schema: %v", db.Redact(base), err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = a.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("dbtest: parse %s: %v", db.Redact(base), err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}

var (
	extensionsOnce sync.Once
	extensionsErr  error
)

// createExtensions installs the extensions the migrations use into the public
// schema once, before any test schema is migrated: parallel CREATE EXTENSION
// calls could otherwise race, and an extension created inside a test schema
// would vanish with it.
func createExtensions(ctx context.Context, admin *sql.DB) error {
	for _, ext := range []string{"pg_trgm", "btree_gist"} {
		var err error
		for range 5 {
			if _, err = admin.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS `+ext+` WITH SCHEMA public`); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond) // another test process created it at the same moment
		}
		if err != nil {
			return fmt.Errorf("create extension %s: %w", ext, err)
		}
	}
	return nil
}

func open(t testing.TB, rawURL string) *db.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := db.Open(ctx, rawURL, db.Options{MaxConns: 8})
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatalf("dbtest: migrate: %v", err)
	}
	return d
}
