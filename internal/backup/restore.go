package backup

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/gzip"

	"clinic/internal/platform/blob"
	"clinic/internal/platform/db"
)

// Errors of Verify and Restore, matched with errors.Is.
var (
	// ErrNotEmpty means the target database or file store holds data.
	ErrNotEmpty = errors.New("backup: restore needs an empty database and file store")
	// ErrNewerSchema means the backup's schema is newer than this binary's.
	ErrNewerSchema = errors.New("backup: the backup's schema is newer than this clinic knows")
	// ErrCorrupt means the archive is not a complete, intact backup.
	ErrCorrupt = errors.New("backup: the archive is damaged or not a clinic backup")
)

// maxManifest bounds manifest.json (a million files take about 150 MB).
const maxManifest = 1 << 30

// Target is where a backup is restored to.
type Target struct {
	// DatabaseURL is the DATABASE_URL to restore into (as db.Open takes it).
	DatabaseURL string
	// Files is the file store; it must implement blob.Lister.
	Files blob.Store
}

// Verify reads the whole archive at path and returns its manifest once
// every entry matches the manifest's size and checksum and the manifest
// lists every entry. A damaged or incomplete archive is an ErrCorrupt.
func Verify(path string) (Manifest, error) {
	var m *Manifest
	got := map[string]Entry{}
	err := readArchive(path, func(h *tar.Header, r io.Reader) error {
		if h.Name == manifestName {
			m = new(Manifest)
			if err := json.NewDecoder(io.LimitReader(r, maxManifest)).Decode(m); err != nil {
				return fmt.Errorf("%w: manifest.json: %v", ErrCorrupt, err)
			}
			return nil
		}
		if m != nil {
			return fmt.Errorf("%w: %s after manifest.json", ErrCorrupt, h.Name)
		}
		e, err := hashEntry(h.Name, r)
		if err != nil {
			return err
		}
		got[h.Name] = e
		return nil
	})
	if err != nil {
		return Manifest{}, err
	}
	if m == nil {
		return Manifest{}, fmt.Errorf("%w: no manifest.json (the archive is truncated or not a clinic backup)", ErrCorrupt)
	}
	if m.Format > Format || m.Format < 1 {
		return Manifest{}, fmt.Errorf("%w: archive format %d, this clinic reads format %d: restore with the clinic that made it", ErrCorrupt, m.Format, Format)
	}
	want := append([]Entry{m.Database}, m.Files...)
	if m.FileCount != len(m.Files) {
		return Manifest{}, fmt.Errorf("%w: manifest counts %d files but lists %d", ErrCorrupt, m.FileCount, len(m.Files))
	}
	for _, w := range want {
		g, ok := got[w.Name]
		switch {
		case !ok:
			return Manifest{}, fmt.Errorf("%w: %s is missing", ErrCorrupt, w.Name)
		case g != w:
			return Manifest{}, fmt.Errorf("%w: %s has %d bytes, SHA-256 %s; the manifest says %d bytes, %s", ErrCorrupt, w.Name, g.Size, g.SHA256, w.Size, w.SHA256)
		}
	}
	if len(got) != len(want) {
		return Manifest{}, fmt.Errorf("%w: %d entries, the manifest lists %d", ErrCorrupt, len(got), len(want))
	}
	return *m, nil
}

// Restore restores the backup at path into dst: the database (SQLite: the
// file replaced; PostgreSQL: pg_restore, into the same schema when the
// backup is of one) and then every file into the file store.
//
// It first checks, touching nothing: the archive (Verify); that its engine
// is dst's; that its schema version is one this binary knows (else
// ErrNewerSchema; an older one is migrated up by the server's next start);
// for a schema's dump, that DATABASE_URL's search_path names that schema;
// and that the database holds no table and the file store no file (else
// ErrNotEmpty: there is no -force; restore into a new database, schema or
// file and a new directory or bucket prefix, or drop the old ones first).
// No server may use the database while it runs. A failure of the database
// step leaves the database empty (one transaction; the SQLite file is
// renamed into place at the end); a failure while copying files leaves the
// database restored and some files: empty both and restore again.
func Restore(ctx context.Context, path string, dst Target, opts Options) (Manifest, error) {
	lister, ok := dst.Files.(blob.Lister)
	if !ok {
		return Manifest{}, fmt.Errorf("backup: the file store (%T) cannot list its files", dst.Files)
	}
	m, err := Verify(path)
	if err != nil {
		return Manifest{}, err
	}
	d, err := db.Open(ctx, dst.DatabaseURL, db.Options{MaxConns: 2})
	if err != nil {
		return Manifest{}, err
	}
	defer func() {
		if d != nil {
			_ = d.Close()
		}
	}()
	if err := check(ctx, d, dst, lister, m); err != nil {
		return Manifest{}, err
	}
	log := opts.log()
	log.Info("backup: archive checked; restoring", "engine", m.Engine, "schema_version", m.SchemaVersion, "files", m.FileCount)

	if opts.TempDir == "" {
		opts.TempDir = filepath.Dir(path)
	}
	tmp, err := os.MkdirTemp(opts.TempDir, ".clinic-restore-")
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: restore: temporary directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()

	want := map[string]Entry{m.Database.Name: m.Database}
	for _, e := range m.Files {
		want[e.Name] = e
	}
	err = readArchive(path, func(h *tar.Header, r io.Reader) error {
		if h.Name == manifestName {
			return nil
		}
		e, ok := want[h.Name]
		if !ok {
			return fmt.Errorf("%w: %s is not in the manifest", ErrCorrupt, h.Name)
		}
		vr := &verifyingReader{r: r, h: sha256.New(), want: e}
		switch {
		case h.Name == m.Database.Name && m.Engine == db.SQLite:
			sqlitePath := d.Path
			if err := d.Close(); err != nil {
				return fmt.Errorf("backup: restore: close the database: %w", err)
			}
			d = nil
			return restoreSQLite(sqlitePath, vr)
		case h.Name == m.Database.Name:
			dump := filepath.Join(tmp, postgresEntry)
			if err := writeFile(dump, vr); err != nil {
				return err
			}
			if err := restorePostgres(ctx, d, dst.DatabaseURL, dump, m, opts); err != nil {
				return err
			}
			_ = os.Remove(dump)
			log.Info("backup: database restored")
			return nil
		default:
			key := strings.TrimPrefix(h.Name, filesPrefix)
			if _, err := dst.Files.Put(ctx, key, vr, blob.PutOptions{}); err != nil {
				return fmt.Errorf("backup: restore file %s: %w", key, err)
			}
			return nil
		}
	})
	if err != nil {
		return Manifest{}, err
	}
	log.Info("backup: restored", "files", m.FileCount, "file_bytes", m.FileBytes)
	return m, nil
}

// check refuses a restore that cannot or must not happen (see Restore).
func check(ctx context.Context, d *db.DB, dst Target, files blob.Lister, m Manifest) error {
	if d.Dialect != m.Engine {
		return fmt.Errorf("backup: the backup is of a %s database; DATABASE_URL names a %s one", m.Engine, d.Dialect)
	}
	known, err := knownVersion(d.Dialect)
	if err != nil {
		return err
	}
	if m.SchemaVersion > known {
		return fmt.Errorf("%w: it is at version %d, this clinic knows up to %d: restore it with a newer clinic", ErrNewerSchema, m.SchemaVersion, known)
	}
	var n int
	var first string
	switch d.Dialect {
	case db.SQLite:
		if d.Path == ":memory:" {
			return errors.New("backup: cannot restore into an in-memory SQLite database")
		}
		n, first, err = sqliteTables(ctx, d)
	default:
		c, perr := parsePgURL(dst.DatabaseURL)
		if perr != nil {
			return perr
		}
		if c.schema != m.Schema {
			return schemaMismatch(m.Schema, c.schema)
		}
		n, first, err = postgresRelations(ctx, d, m.Schema)
	}
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: the database already has %d tables (%s…): restore into a new database (or schema, or SQLite file), or drop its tables first", ErrNotEmpty, n, first)
	}
	stop := errors.New("stop")
	var key string
	err = files.List(ctx, "", func(info blob.Info) error {
		key = info.Key
		return stop
	})
	if err != nil && !errors.Is(err, stop) {
		return fmt.Errorf("backup: restore: list the file store: %w", err)
	}
	if key != "" {
		return fmt.Errorf("%w: the file store already holds files (%s…): restore into a new directory or bucket prefix (FILES_URL), or empty it first", ErrNotEmpty, key)
	}
	return nil
}

func schemaMismatch(backup, target string) error {
	name := func(s string) string {
		if s == "" {
			return "the whole database (no search_path)"
		}
		return "schema " + s + " (search_path=" + s + ")"
	}
	return fmt.Errorf("backup: the backup holds %s; DATABASE_URL names %s: restore into the same kind of place", name(backup), name(target))
}

// readArchive calls fn with every regular entry of the .tar.gz at path, in
// order.
func readArchive(path string, fn func(h *tar.Header, r io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", path, err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
		}
		if h.Typeflag != tar.TypeReg {
			return fmt.Errorf("%w: %s: entry %s is not a regular file", ErrCorrupt, path, h.Name)
		}
		if h.Name != manifestName && h.Name != sqliteEntry && h.Name != postgresEntry &&
			(!strings.HasPrefix(h.Name, filesPrefix) || blob.ValidateKey(strings.TrimPrefix(h.Name, filesPrefix)) != nil) {
			return fmt.Errorf("%w: %s: unexpected entry %q", ErrCorrupt, path, h.Name)
		}
		if err := fn(h, tr); err != nil {
			return err
		}
	}
}

func hashEntry(name string, r io.Reader) (Entry, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
	}
	return Entry{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// verifyingReader passes r through and fails at its end when the content
// is not the entry's (the archive changed since Verify read it).
type verifyingReader struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	want Entry
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if errors.Is(err, io.EOF) && (v.n != v.want.Size || hex.EncodeToString(v.h.Sum(nil)) != v.want.SHA256) {
		return n, fmt.Errorf("%w: %s changed since it was checked", ErrCorrupt, v.want.Name)
	}
	return n, err
}

func writeFile(path string, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: restore: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		return fmt.Errorf("backup: restore: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup: restore: %w", err)
	}
	return nil
}
