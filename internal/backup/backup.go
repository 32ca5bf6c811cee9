package backup

import (
	"archive/tar"
	"bufio"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"

	"clinic/internal/platform/blob"
	"clinic/internal/platform/db"
)

// Format is the version of the archive layout this package writes; Restore
// refuses an archive of a higher one.
const Format = 1

// Names of the archive's entries.
const (
	manifestName   = "manifest.json"
	filesPrefix    = "files/"
	sqliteEntry    = "database.sqlite"
	postgresEntry  = "database.pgdump"
	fileNamePrefix = "clinic-backup-"
	fileNameSuffix = ".tar.gz"
)

// Entry is one file of an archive.
type Entry struct {
	// Name is the entry's path in the archive (files/KEY for an object).
	Name string `json:"name"`
	// Size is its length in bytes.
	Size int64 `json:"size"`
	// SHA256 is the hex SHA-256 of its content.
	SHA256 string `json:"sha256"`
}

// Extension is a PostgreSQL extension the dumped schema uses, created
// before a schema's dump is restored (a schema dump does not carry it).
type Extension struct {
	Name   string `json:"name"`
	Schema string `json:"schema"`
}

// Manifest describes an archive; it is its last entry, manifest.json.
type Manifest struct {
	// Format is the archive layout's version (Format).
	Format int `json:"format"`
	// CreatedAt is when the backup was started (UTC).
	CreatedAt time.Time `json:"created_at"`
	// Engine is the database the dump is of: sqlite or postgres.
	Engine db.Dialect `json:"engine"`
	// SchemaVersion is the highest version in schema_migrations.
	SchemaVersion int `json:"schema_version"`
	// Schema is the PostgreSQL schema dumped alone, "" for a whole
	// database (and on SQLite).
	Schema string `json:"schema,omitempty"`
	// Extensions are the database's extensions, for a schema's dump.
	Extensions []Extension `json:"extensions,omitempty"`
	// Database is the dump's entry.
	Database Entry `json:"database"`
	// FileCount and FileBytes count the file store's objects.
	FileCount int   `json:"file_count"`
	FileBytes int64 `json:"file_bytes"`
	// Files are the objects' entries.
	Files []Entry `json:"files"`
}

// Source is what a backup is taken of.
type Source struct {
	// DB is the open database.
	DB *db.DB
	// URL is the DATABASE_URL DB was opened with: pg_dump connects with it
	// (minus what only pgx understands), and a search_path in it picks the
	// one schema to dump. Unused on SQLite.
	URL string
	// Files is the file store; it must implement blob.Lister.
	Files blob.Store
}

// Tools names PostgreSQL's client programs. Empty fields mean the program
// found on PATH, else in /usr/bin (Debian's postgresql-client).
type Tools struct {
	PgDump    string
	PgRestore string
}

// Options tunes Write, Create and Restore.
type Options struct {
	Tools
	// Log receives one line per skipped object and per step; nil: none.
	Log *slog.Logger
	// TempDir holds the database's dump while it is archived or restored;
	// empty: the directory of the archive (Create, Restore), else the
	// system's temporary directory. It needs room for one dump.
	TempDir string
	// Now gives the backup's time; nil: time.Now.
	Now func() time.Time
}

func (o Options) log() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}

func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Now().UTC()
	}
	return o.Now().UTC()
}

// FileName is the name Create gives a backup taken at t, such as
// clinic-backup-20261202T034000.123Z.tar.gz: names sort in time order.
func FileName(t time.Time) string {
	return fileNamePrefix + t.UTC().Format("20060102T150405.000Z") + fileNameSuffix
}

// Create writes a backup to dest and returns its path and manifest. A dest
// that is an existing directory, ends in a slash or is empty (the working
// directory) gets a file named by FileName; any other dest is the file's
// path. The archive is written to a temporary file beside it and renamed
// into place once complete, so a failed or interrupted backup leaves no
// file that looks like a backup.
func Create(ctx context.Context, dest string, src Source, opts Options) (string, Manifest, error) {
	now := opts.now()
	opts.Now = func() time.Time { return now }
	path := dest
	if st, err := os.Stat(dest); dest == "" || strings.HasSuffix(dest, "/") || (err == nil && st.IsDir()) {
		if err := os.MkdirAll(cmp.Or(dest, "."), 0o700); err != nil {
			return "", Manifest{}, fmt.Errorf("backup: create directory %s: %w", dest, err)
		}
		path = filepath.Join(dest, FileName(now))
	}
	dir := filepath.Dir(path)
	if opts.TempDir == "" {
		opts.TempDir = dir
	}
	f, err := os.CreateTemp(dir, ".clinic-backup-*.partial")
	if err != nil {
		return "", Manifest{}, fmt.Errorf("backup: create %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	m, err := Write(ctx, bw, src, opts)
	if err != nil {
		return "", Manifest{}, err
	}
	if err := bw.Flush(); err != nil {
		return "", Manifest{}, fmt.Errorf("backup: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return "", Manifest{}, fmt.Errorf("backup: sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", Manifest{}, fmt.Errorf("backup: close %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return "", Manifest{}, fmt.Errorf("backup: rename to %s: %w", path, err)
	}
	done = true
	if err := syncDir(dir); err != nil {
		return "", Manifest{}, fmt.Errorf("backup: sync directory %s: %w", dir, err)
	}
	return path, m, nil
}

// Write streams a backup of src to w as a .tar.gz archive (see the package
// documentation) and returns its manifest.
func Write(ctx context.Context, w io.Writer, src Source, opts Options) (Manifest, error) {
	lister, ok := src.Files.(blob.Lister)
	if !ok {
		return Manifest{}, fmt.Errorf("backup: the file store (%T) cannot list its files", src.Files)
	}
	tmp, err := os.MkdirTemp(opts.TempDir, ".clinic-backup-")
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: temporary directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()

	m := Manifest{Format: Format, CreatedAt: opts.now().Truncate(time.Millisecond), Engine: src.DB.Dialect, Files: []Entry{}}
	var dump, name string
	switch src.DB.Dialect {
	case db.SQLite:
		name = sqliteEntry
		dump, err = dumpSQLite(ctx, src.DB, tmp, &m)
	case db.Postgres:
		name = postgresEntry
		dump, err = dumpPostgres(ctx, src, tmp, opts, &m)
	default:
		err = fmt.Errorf("backup: unknown engine %q", src.DB.Dialect)
	}
	if err != nil {
		return Manifest{}, err
	}
	opts.log().Info("backup: database dumped", "engine", m.Engine, "schema_version", m.SchemaVersion)

	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	if m.Database, err = addFile(tw, name, dump, m.CreatedAt); err != nil {
		return Manifest{}, err
	}
	_ = os.Remove(dump) // room for nothing else, but free it early
	err = lister.List(ctx, "", func(info blob.Info) error {
		e, err := addObject(ctx, tw, src.Files, info.Key)
		if errors.Is(err, blob.ErrNotFound) {
			opts.log().Info("backup: file deleted while the backup ran; skipped", "key", info.Key)
			return nil
		}
		if err != nil {
			return err
		}
		m.Files = append(m.Files, e)
		m.FileCount++
		m.FileBytes += e.Size
		return nil
	})
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: files: %w", err)
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: manifest: %w", err)
	}
	if err := tw.WriteHeader(header(manifestName, int64(len(body)), m.CreatedAt)); err != nil {
		return Manifest{}, fmt.Errorf("backup: manifest: %w", err)
	}
	if _, err := tw.Write(body); err != nil {
		return Manifest{}, fmt.Errorf("backup: manifest: %w", err)
	}
	if err := tw.Close(); err != nil {
		return Manifest{}, fmt.Errorf("backup: finish archive: %w", err)
	}
	if err := gz.Close(); err != nil {
		return Manifest{}, fmt.Errorf("backup: finish archive: %w", err)
	}
	opts.log().Info("backup: written", "files", m.FileCount, "file_bytes", m.FileBytes)
	return m, nil
}

func header(name string, size int64, t time.Time) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o600, ModTime: t}
}

// addFile copies the local file path into the archive as name.
func addFile(tw *tar.Writer, name, path string, t time.Time) (Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return Entry{}, fmt.Errorf("backup: %s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Entry{}, fmt.Errorf("backup: %s: %w", name, err)
	}
	return addStream(tw, name, f, st.Size(), t)
}

// addObject copies the store's object key into the archive.
func addObject(ctx context.Context, tw *tar.Writer, store blob.Store, key string) (Entry, error) {
	rc, info, err := store.Open(ctx, key)
	if err != nil {
		return Entry{}, err
	}
	defer rc.Close()
	return addStream(tw, filesPrefix+key, rc, info.Size, info.ModTime)
}

func addStream(tw *tar.Writer, name string, r io.Reader, size int64, t time.Time) (Entry, error) {
	if err := tw.WriteHeader(header(name, size, t)); err != nil {
		return Entry{}, fmt.Errorf("backup: %s: %w", name, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, h), r)
	if err != nil {
		return Entry{}, fmt.Errorf("backup: copy %s: %w", name, err)
	}
	if n != size {
		return Entry{}, fmt.Errorf("backup: copy %s: read %d bytes, its size is %d (changed while copied)", name, n, size)
	}
	return Entry{Name: name, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Prune deletes the oldest backups Create named in dir (FileName), keeping
// the newest keep, and returns the paths it deleted. A keep of 0 or less
// keeps every backup. Other files in dir are left alone.
func Prune(dir string, keep int) ([]string, error) {
	if keep <= 0 {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("backup: prune %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), fileNamePrefix) && strings.HasSuffix(e.Name(), fileNameSuffix) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var deleted []string
	for _, name := range names[:max(len(names)-keep, 0)] {
		p := filepath.Join(dir, name)
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return deleted, fmt.Errorf("backup: prune: %w", err)
		}
		deleted = append(deleted, p)
	}
	return deleted, nil
}

// schemaVersion is the highest applied migration.
func schemaVersion(ctx context.Context, d *db.DB) (int, error) {
	v, err := d.SchemaVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("backup: is this clinic's database? %w", err)
	}
	return v, nil
}

// knownVersion is the highest migration this binary carries for d.
func knownVersion(d db.Dialect) (int, error) {
	ms, err := db.Migrations(d)
	if err != nil || len(ms) == 0 {
		return 0, fmt.Errorf("backup: migrations of %s: %w", d, err)
	}
	return ms[len(ms)-1].Version, nil
}

// syncDir fsyncs a directory so a rename in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return err // (some file systems cannot fsync a directory: the rename is done)
	}
	return nil
}
