package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"clinic/internal/platform/db"
)

// dumpSQLite copies the database with VACUUM INTO (one read transaction:
// writers go on meanwhile) into dir and records its schema version.
func dumpSQLite(ctx context.Context, d *db.DB, dir string, m *Manifest) (string, error) {
	before, err := schemaVersion(ctx, d)
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, sqliteEntry)
	if _, err := d.ExecContext(ctx, `VACUUM INTO $1`, out); err != nil {
		return "", fmt.Errorf("backup: sqlite: VACUUM INTO: %w", err)
	}
	if err := sameVersion(ctx, d, before); err != nil {
		return "", err
	}
	m.SchemaVersion = before
	return out, nil
}

// sameVersion fails when a migration ran while the database was dumped (the
// dump's version would be unknown).
func sameVersion(ctx context.Context, d *db.DB, before int) error {
	after, err := schemaVersion(ctx, d)
	if err != nil {
		return err
	}
	if after != before {
		return fmt.Errorf("backup: a migration ran during the backup (schema version %d, then %d): take it again", before, after)
	}
	return nil
}

// sqliteTables counts the target's schema objects (tables, indexes…).
func sqliteTables(ctx context.Context, d *db.DB) (int, string, error) {
	var n int
	var first string
	err := d.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(name), '') FROM sqlite_master WHERE type = 'table'`).Scan(&n, &first)
	if err != nil {
		return 0, "", fmt.Errorf("backup: sqlite: list tables: %w", err)
	}
	return n, first, nil
}

// restoreSQLite puts the dump read from r in place of the (empty) database
// file at path: written beside it, synced, then renamed over it. The empty
// database's -wal and -shm files go first, or SQLite would apply them to
// the restored file. No process may have the database open.
func restoreSQLite(path string, r io.Reader) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".clinic-restore-*")
	if err != nil {
		return fmt.Errorf("backup: restore sqlite: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, r); err != nil {
		return fmt.Errorf("backup: restore sqlite: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("backup: restore sqlite: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("backup: restore sqlite: %w", err)
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("backup: restore sqlite: %w", err)
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("backup: restore sqlite: %w", err)
	}
	done = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("backup: restore sqlite: %w", err)
	}
	return nil
}
