package queue

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"clinic/internal/platform/db"
)

// Migration is one version of River's schema.
type Migration struct {
	Version int
	Name    string
}

// MigrationState is a version of River's schema and whether it is applied.
type MigrationState struct {
	Migration
	Applied bool
}

// migrateLockKey, with a hash of the schema, keys the PostgreSQL advisory
// lock that serialises concurrent Migrate calls on one schema.
const migrateLockKey = 727274002

func newMigrator(d *db.DB) (*rivermigrate.Migrator[*sql.Tx], error) {
	cfg := &rivermigrate.Config{Logger: slog.New(levelFloor{min: slog.LevelWarn, h: slog.Default().Handler()})}
	switch d.Dialect {
	case db.SQLite:
		return rivermigrate.New(riversqlite.New(d.DB), cfg)
	case db.Postgres:
		return rivermigrate.New(riverdatabasesql.New(d.DB), cfg)
	default:
		return nil, fmt.Errorf("queue: migrate: unsupported database dialect %q", d.Dialect)
	}
}

// Migrate creates or upgrades River's tables in d (in the schema of its
// search_path on PostgreSQL) and returns the versions it applied. It is
// idempotent, and safe when several processes start at once: on PostgreSQL
// an advisory lock serialises them, on SQLite the database's write lock.
func Migrate(ctx context.Context, d *db.DB) ([]Migration, error) {
	m, err := newMigrator(d)
	if err != nil {
		return nil, err
	}
	var res *rivermigrate.MigrateResult
	if d.Dialect == db.Postgres {
		res, err = migratePostgres(ctx, d, m)
	} else {
		res, err = migrateSQLite(ctx, d, m)
	}
	if err != nil {
		return nil, fmt.Errorf("queue: migrate: %w", err)
	}
	applied := make([]Migration, len(res.Versions))
	for i, v := range res.Versions {
		applied[i] = Migration{Version: v.Version, Name: v.Name}
	}
	return applied, nil
}

// migratePostgres runs m while holding a transaction-scoped advisory lock on
// another connection, which PostgreSQL releases whatever happens to this
// process.
func migratePostgres(ctx context.Context, d *db.DB, m *rivermigrate.Migrator[*sql.Tx]) (*rivermigrate.MigrateResult, error) {
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`, migrateLockKey); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	return m.Migrate(ctx, rivermigrate.DirectionUp, nil)
}

// migrateSQLite runs m in one immediate transaction (db.DB opens them with
// _txlock=immediate), which holds SQLite's write lock from its start: a
// concurrent Migrate waits for it (busy timeout) and then finds every version
// applied. River deprecates MigrateTx because some PostgreSQL migrations
// cannot share a transaction; its SQLite migrations can.
func migrateSQLite(ctx context.Context, d *db.DB, m *rivermigrate.Migrator[*sql.Tx]) (*rivermigrate.MigrateResult, error) {
	var res *rivermigrate.MigrateResult
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil) //lint:ignore SA1019 see above
		return err
	})
	return res, err
}

// MigrationStatus lists every version of River's schema this build knows,
// oldest first, with whether it is applied in d.
func MigrationStatus(ctx context.Context, d *db.DB) ([]MigrationState, error) {
	m, err := newMigrator(d)
	if err != nil {
		return nil, err
	}
	existing, err := m.ExistingVersions(ctx)
	if err != nil {
		return nil, fmt.Errorf("queue: migration status: %w", err)
	}
	applied := make(map[int]bool, len(existing))
	for _, e := range existing {
		applied[e.Version] = true
	}
	all := m.AllVersions()
	out := make([]MigrationState, len(all))
	for i, v := range all {
		out[i] = MigrationState{Migration: Migration{Version: v.Version, Name: v.Name}, Applied: applied[v.Version]}
	}
	return out, nil
}
