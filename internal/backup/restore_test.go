package backup_test

import (
	"archive/tar"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/stretchr/testify/require"

	"clinic/internal/backup"
	"clinic/internal/platform/blob"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

// small is a migrated SQLite database with one table row and a file store
// with two files, backed up once.
type small struct {
	db      *db.DB
	files   blob.Store
	archive string
	keys    []string
}

func newSmall(t *testing.T) small {
	t.Helper()
	ctx := t.Context()
	d := dbtest.SQLite(t)
	_, err := d.ExecContext(ctx, `CREATE TABLE notes_kept (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`)
	require.NoError(t, err)
	_, err = d.ExecContext(ctx, `INSERT INTO notes_kept (body) VALUES ('kept')`)
	require.NoError(t, err)
	files := newFiles(t)
	s := small{db: d, files: files}
	for _, content := range []string{"first file", "second file"} {
		key := blob.NewKey("clinics/1/documents")
		_, err := files.Put(ctx, key, strings.NewReader(content), blob.PutOptions{})
		require.NoError(t, err)
		s.keys = append(s.keys, key)
	}
	s.archive, _, err = backup.Create(ctx, t.TempDir(), backup.Source{DB: d, Files: files}, backup.Options{})
	require.NoError(t, err)
	return s
}

func newFiles(t *testing.T) blob.Store {
	t.Helper()
	f, err := blob.NewFile(t.Context(), t.TempDir())
	require.NoError(t, err)
	return f
}

// emptyTarget is a new SQLite file and file store.
func emptyTarget(t *testing.T) backup.Target {
	return backup.Target{DatabaseURL: dbtest.SQLiteURL(t), Files: newFiles(t)}
}

func TestRestoreOfSQLiteGivesBackTheRowsAndFiles(t *testing.T) {
	t.Parallel()
	s := newSmall(t)
	dst := emptyTarget(t)
	m, err := backup.Restore(t.Context(), s.archive, dst, backup.Options{})
	require.NoError(t, err)
	require.Equal(t, 2, m.FileCount)
	require.Equal(t, db.SQLite, m.Engine)

	d, err := db.Open(t.Context(), dst.DatabaseURL, db.Options{})
	require.NoError(t, err)
	defer d.Close()
	var body string
	require.NoError(t, d.QueryRowContext(t.Context(), `SELECT body FROM notes_kept`).Scan(&body))
	require.Equal(t, "kept", body)
	for i, key := range s.keys {
		rc, _, err := dst.Files.Open(t.Context(), key)
		require.NoError(t, err)
		got, err := io.ReadAll(rc)
		require.NoError(t, rc.Close())
		require.NoError(t, err)
		require.Equal(t, []string{"first file", "second file"}[i], string(got))
	}
}

// Restore refuses, touching nothing, a target that holds data, a backup of
// a newer schema, and an archive that is damaged.
func TestRestoreRefuses(t *testing.T) {
	t.Parallel()
	s := newSmall(t)
	tests := []struct {
		name    string
		archive func(t *testing.T) string
		target  func(t *testing.T) backup.Target
		want    error
		msg     string
	}{
		{"a database with tables", keep(s.archive), func(t *testing.T) backup.Target {
			return backup.Target{DatabaseURL: "sqlite:" + s.db.Path, Files: newFiles(t)}
		}, backup.ErrNotEmpty, "the database already has"},
		{"a file store with files", keep(s.archive), func(t *testing.T) backup.Target {
			return backup.Target{DatabaseURL: dbtest.SQLiteURL(t), Files: s.files}
		}, backup.ErrNotEmpty, "the file store already holds files"},
		{"a newer schema", func(t *testing.T) string {
			return rewrite(t, s.archive, func(name string, body []byte) []byte {
				if name == "manifest.json" {
					var m map[string]any
					require.NoError(t, json.Unmarshal(body, &m))
					m["schema_version"] = m["schema_version"].(float64) + 1
					body, _ = json.Marshal(m)
				}
				return body
			})
		}, emptyTarget, backup.ErrNewerSchema, "restore it with a newer clinic"},
		{"a changed file", func(t *testing.T) string {
			return rewrite(t, s.archive, func(name string, body []byte) []byte {
				if strings.HasPrefix(name, "files/") {
					body = bytes.ToUpper(body)
				}
				return body
			})
		}, emptyTarget, backup.ErrCorrupt, "the manifest says"},
		{"a missing manifest", func(t *testing.T) string {
			return rewrite(t, s.archive, func(name string, body []byte) []byte {
				if name == "manifest.json" {
					return nil
				}
				return body
			})
		}, emptyTarget, backup.ErrCorrupt, "no manifest.json"},
		{"a truncated archive", func(t *testing.T) string {
			b, err := os.ReadFile(s.archive)
			require.NoError(t, err)
			p := filepath.Join(t.TempDir(), "cut.tar.gz")
			require.NoError(t, os.WriteFile(p, b[:len(b)/2], 0o600))
			return p
		}, emptyTarget, backup.ErrCorrupt, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dst := tt.target(t)
			_, err := backup.Restore(t.Context(), tt.archive(t), dst, backup.Options{})
			require.ErrorIs(t, err, tt.want)
			require.ErrorContains(t, err, tt.msg)
			if tt.want != backup.ErrNotEmpty {
				requireEmpty(t, dst)
			}
		})
	}
}

func keep(path string) func(*testing.T) string { return func(*testing.T) string { return path } }

// requireEmpty checks that a refused restore wrote nothing.
func requireEmpty(t *testing.T, dst backup.Target) {
	t.Helper()
	d, err := db.Open(t.Context(), dst.DatabaseURL, db.Options{})
	require.NoError(t, err)
	defer d.Close()
	var n int
	require.NoError(t, d.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM sqlite_master`).Scan(&n))
	require.Zero(t, n, "tables in the target database")
	require.NoError(t, dst.Files.(blob.Lister).List(t.Context(), "", func(info blob.Info) error {
		t.Errorf("file %s in the target store", info.Key)
		return nil
	}))
}

// rewrite copies the archive at path with every entry's content passed
// through fn (nil drops the entry), keeping the order.
func rewrite(t *testing.T, path string, fn func(name string, body []byte) []byte) string {
	t.Helper()
	in, err := os.Open(path)
	require.NoError(t, err)
	defer in.Close()
	gz, err := gzip.NewReader(in)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	out := filepath.Join(t.TempDir(), "rewritten.tar.gz")
	f, err := os.Create(out)
	require.NoError(t, err)
	defer f.Close()
	gw := gzip.NewWriter(f)
	tw := tar.NewWriter(gw)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		if body = fn(h.Name, body); body == nil {
			continue
		}
		h.Size = int64(len(body))
		require.NoError(t, tw.WriteHeader(h))
		_, err = tw.Write(body)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gw.Close())
	return out
}

// The manifest counts and checks every entry, and comes last.
func TestArchiveHoldsTheDumpTheFilesAndTheManifestLast(t *testing.T) {
	t.Parallel()
	s := newSmall(t)
	var names []string
	rewrite(t, s.archive, func(name string, body []byte) []byte {
		names = append(names, name)
		return body
	})
	require.Len(t, names, 4)
	require.Equal(t, "database.sqlite", names[0])
	require.ElementsMatch(t, []string{"files/" + s.keys[0], "files/" + s.keys[1]}, names[1:3])
	require.Equal(t, "manifest.json", names[3])
	m, err := backup.Verify(s.archive)
	require.NoError(t, err)
	require.Equal(t, backup.Format, m.Format)
	require.Equal(t, 2, m.FileCount)
	require.Equal(t, int64(len("first file")+len("second file")), m.FileBytes)
	require.Len(t, m.Database.SHA256, 64)
	require.WithinDuration(t, time.Now(), m.CreatedAt, time.Hour)
}

// Prune keeps the newest N backups of a directory and nothing else is
// touched; Create names them so that names sort in time order.
func TestPruneKeepsTheNewestN(t *testing.T) {
	t.Parallel()
	d := dbtest.SQLite(t)
	files := newFiles(t)
	dir := t.TempDir()
	start := time.Date(2026, 12, 1, 23, 59, 59, 0, time.UTC)
	var paths []string
	for i := range 4 {
		at := start.Add(time.Duration(i) * 1500 * time.Millisecond)
		p, _, err := backup.Create(t.Context(), dir, backup.Source{DB: d, Files: files}, backup.Options{Now: func() time.Time { return at }})
		require.NoError(t, err)
		require.Equal(t, filepath.Join(dir, backup.FileName(at)), p)
		paths = append(paths, p)
	}
	other := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(other, []byte("not a backup"), 0o600))

	deleted, err := backup.Prune(dir, 0)
	require.NoError(t, err)
	require.Empty(t, deleted, "0 keeps all")

	deleted, err = backup.Prune(dir, 2)
	require.NoError(t, err)
	require.Equal(t, paths[:2], deleted)
	left, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	require.ElementsMatch(t, append(paths[2:], other), left)

	deleted, err = backup.Prune(dir, 2)
	require.NoError(t, err)
	require.Empty(t, deleted)
}

// A DATABASE_URL without search_path is backed up as a whole database
// (extensions included) and restored into another new database; it does
// not go into a schema.
func TestPostgresWholeDatabaseRestoresIntoANewDatabase(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	src := newDatabase(t)
	requirePgTools(t)
	d, err := db.Open(ctx, src, db.Options{MaxConns: 2})
	require.NoError(t, err)
	defer d.Close()
	_, err = d.Migrate(ctx)
	require.NoError(t, err)
	_, err = d.ExecContext(ctx, `INSERT INTO clinics (id, name, slug, created_at) VALUES ('6f1c7a52-0f7e-4d2a-9a51-3c2b1d0e9f11', 'Clínica Um', 'um', $1)`, db.Time(time.Now()))
	require.NoError(t, err)
	files := newFiles(t)
	_, err = files.Put(ctx, "clinics/c1/documents/x", strings.NewReader("scan"), blob.PutOptions{})
	require.NoError(t, err)
	before := snapshot(t, d)

	archive, m, err := backup.Create(ctx, t.TempDir(), backup.Source{DB: d, URL: src, Files: files}, backup.Options{})
	require.NoError(t, err)
	require.Empty(t, m.Schema, "the whole database")

	_, err = backup.Restore(ctx, archive, backup.Target{DatabaseURL: dbtest.PostgresURL(t), Files: newFiles(t)}, backup.Options{})
	require.ErrorContains(t, err, "the backup holds the whole database (no search_path); DATABASE_URL names schema test_")

	dst := backup.Target{DatabaseURL: newDatabase(t), Files: newFiles(t)}
	_, err = backup.Restore(ctx, archive, dst, backup.Options{})
	require.NoError(t, err)
	d2, err := db.Open(ctx, dst.DatabaseURL, db.Options{MaxConns: 2})
	require.NoError(t, err)
	defer d2.Close()
	require.Empty(t, diff(before, snapshot(t, d2)))
	_, info, err := dst.Files.Open(ctx, "clinics/c1/documents/x")
	require.NoError(t, err)
	require.Equal(t, int64(4), info.Size)
}

// newDatabase creates an empty PostgreSQL database, dropped at the end.
func newDatabase(t *testing.T) string {
	t.Helper()
	base := testenv.DatabaseURL(t)
	admin, err := sql.Open("pgx", base)
	require.NoError(t, err)
	defer admin.Close()
	name := testenv.RandomName("backup_")
	_, err = admin.ExecContext(t.Context(), `CREATE DATABASE `+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.ExecContext(context.Background(), `DROP DATABASE `+name+` WITH (FORCE)`)
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}
