package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"clinic/internal/platform/db"
)

// ErrNoTool means pg_dump or pg_restore was not found.
var ErrNoTool = errors.New("backup: PostgreSQL client program not found")

// pgConn is a DATABASE_URL made fit for libpq's programs.
type pgConn struct {
	// url keeps only libpq's own parameters, and no password.
	url string
	// env carries the password (PGPASSWORD), which command lines would show.
	env []string
	// schema is the first schema of the URL's search_path, "" when it names
	// none or public: then the whole database is dumped.
	schema string
}

// libpqParams are the URL parameters libpq accepts; pgx accepts more (its
// pool settings, and any other as a run-time parameter such as
// search_path), which libpq would refuse.
var libpqParams = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "passfile": true,
	"connect_timeout": true, "client_encoding": true, "options": true, "application_name": true,
	"fallback_application_name": true, "keepalives": true, "keepalives_idle": true, "keepalives_interval": true,
	"keepalives_count": true, "tcp_user_timeout": true, "sslmode": true, "sslcompression": true, "sslcert": true,
	"sslkey": true, "sslpassword": true, "sslrootcert": true, "sslcrl": true, "sslcrldir": true, "sslsni": true,
	"requirepeer": true, "ssl_min_protocol_version": true, "ssl_max_protocol_version": true, "gssencmode": true,
	"krbsrvname": true, "gsslib": true, "service": true, "target_session_attrs": true, "channel_binding": true,
}

func parsePgURL(raw string) (pgConn, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return pgConn{}, fmt.Errorf("backup: parse DATABASE_URL %s: %w", db.Redact(raw), err)
	}
	c := pgConn{env: os.Environ()}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			c.env = append(c.env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
	}
	q := u.Query()
	c.schema = firstSchema(q.Get("search_path"))
	for k := range q {
		if !libpqParams[k] {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	c.url = u.String()
	return c, nil
}

// firstSchema returns the first schema of a search_path ("$user" skipped),
// or "" when that is public or there is none.
func firstSchema(searchPath string) string {
	for s := range strings.SplitSeq(searchPath, ",") {
		s = strings.TrimSpace(s)
		if s == "" || s == "$user" || s == `"$user"` {
			continue
		}
		if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
			s = strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
		} else {
			s = strings.ToLower(s)
		}
		if s == "public" {
			return ""
		}
		return s
	}
	return ""
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Find returns t with the paths of pg_dump and pg_restore filled in, or an
// error wrapping ErrNoTool that says how to install them.
func (t Tools) Find() (Tools, error) {
	var err error
	if t.PgDump, err = tool(t.PgDump, "pg_dump"); err != nil {
		return t, err
	}
	t.PgRestore, err = tool(t.PgRestore, "pg_restore")
	return t, err
}

// tool finds a PostgreSQL client program.
func tool(set, name string) (string, error) {
	if set != "" {
		p, err := exec.LookPath(set)
		if err != nil {
			return "", fmt.Errorf("%w: %s: %v: install PostgreSQL's client programs of the server's major version (Debian: apt-get install postgresql-client-15)", ErrNoTool, set, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	p := "/usr/bin/" + name
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p, nil
	}
	return "", fmt.Errorf("%w: %s is neither on PATH nor at %s: install PostgreSQL's client programs of the server's major version (Debian: apt-get install postgresql-client-15)", ErrNoTool, name, p)
}

// run runs a client program, returning its error with the end of its
// standard error.
func run(ctx context.Context, path string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = "…" + msg[len(msg)-2000:]
		}
		return nil, fmt.Errorf("backup: %s: %w: %s", filepath.Base(path), err, msg)
	}
	return stdout.Bytes(), nil
}

// dumpPostgres runs pg_dump (custom format, uncompressed: the archive is
// compressed once, as a whole) into dir, of the URL's schema alone when it
// names one.
func dumpPostgres(ctx context.Context, src Source, dir string, opts Options, m *Manifest) (string, error) {
	pgDump, err := tool(opts.PgDump, "pg_dump")
	if err != nil {
		return "", err
	}
	c, err := parsePgURL(src.URL)
	if err != nil {
		return "", err
	}
	before, err := schemaVersion(ctx, src.DB)
	if err != nil {
		return "", err
	}
	m.Schema = c.schema
	if c.schema != "" {
		if m.Extensions, err = extensions(ctx, src.DB); err != nil {
			return "", err
		}
	}
	out := filepath.Join(dir, postgresEntry)
	args := []string{"--format=custom", "--compress=0", "--no-owner", "--no-privileges", "--file=" + out}
	if c.schema != "" {
		args = append(args, "--schema="+quoteIdent(c.schema))
	}
	if _, err := run(ctx, pgDump, c.env, append(args, "--dbname="+c.url)...); err != nil {
		return "", err
	}
	if err := sameVersion(ctx, src.DB, before); err != nil {
		return "", err
	}
	m.SchemaVersion = before
	return out, nil
}

// extensions lists the database's extensions (plpgsql, always there, aside).
func extensions(ctx context.Context, d *db.DB) ([]Extension, error) {
	rows, err := d.QueryContext(ctx, `SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
		WHERE e.extname <> 'plpgsql' ORDER BY e.extname`)
	if err != nil {
		return nil, fmt.Errorf("backup: list extensions: %w", err)
	}
	defer rows.Close()
	var exts []Extension
	for rows.Next() {
		var e Extension
		if err := rows.Scan(&e.Name, &e.Schema); err != nil {
			return nil, fmt.Errorf("backup: list extensions: %w", err)
		}
		exts = append(exts, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("backup: list extensions: %w", err)
	}
	return exts, nil
}

// postgresRelations counts the relations (tables, sequences, views) in the
// schema, or in every user schema of the database when schema is "".
func postgresRelations(ctx context.Context, d *db.DB, schema string) (int, string, error) {
	q := `SELECT COUNT(*), COALESCE(MIN(n.nspname || '.' || c.relname), '') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND `
	args := []any{}
	if schema != "" {
		q += `n.nspname = $1`
		args = append(args, schema)
	} else {
		q += `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'`
	}
	var n int
	var first string
	if err := d.QueryRowContext(ctx, q, args...).Scan(&n, &first); err != nil {
		return 0, "", fmt.Errorf("backup: postgres: list relations: %w", err)
	}
	return n, first, nil
}

// restorePostgres runs pg_restore of the dump file into the URL's database
// (or schema), in one transaction that stops at the first error. For a
// schema's dump the schema and the extensions are created first, and the
// dump's CREATE SCHEMA is left out.
func restorePostgres(ctx context.Context, d *db.DB, rawURL, dump string, m Manifest, opts Options) error {
	pgRestore, err := tool(opts.PgRestore, "pg_restore")
	if err != nil {
		return err
	}
	c, err := parsePgURL(rawURL)
	if err != nil {
		return err
	}
	// No comments: clinic's schema has none, and a whole database's dump
	// carries COMMENT ON EXTENSION, which only a superuser may restore.
	args := []string{"--no-owner", "--no-privileges", "--no-comments", "--exit-on-error", "--single-transaction", "--dbname=" + c.url}
	if m.Schema != "" {
		for _, e := range m.Extensions {
			if _, err := d.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS `+quoteIdent(e.Name)+` WITH SCHEMA `+quoteIdent(e.Schema)); err != nil && !db.IsUniqueViolation(err) {
				return fmt.Errorf("backup: restore: create extension %s: %w", e.Name, err)
			}
		}
		if _, err := d.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+quoteIdent(m.Schema)); err != nil && !db.IsUniqueViolation(err) {
			return fmt.Errorf("backup: restore: create schema %s: %w", m.Schema, err)
		}
		toc, err := run(ctx, pgRestore, c.env, "--list", dump)
		if err != nil {
			return err
		}
		list := filepath.Join(filepath.Dir(dump), "restore.list")
		if err := os.WriteFile(list, withoutSchemaEntry(toc), 0o600); err != nil {
			return fmt.Errorf("backup: restore: %w", err)
		}
		args = append(args, "--use-list="+list)
	}
	_, err = run(ctx, pgRestore, c.env, append(args, dump)...)
	return err
}

// withoutSchemaEntry drops the "SCHEMA - name" line of a pg_restore --list
// (its CREATE SCHEMA would fail on the schema that exists already).
func withoutSchemaEntry(toc []byte) []byte {
	var out bytes.Buffer
	for line := range bytes.Lines(toc) {
		// 8; 2615 17128 SCHEMA - test_abc postgres
		if f := strings.Fields(string(line)); len(f) >= 4 && !strings.HasPrefix(f[0], ";") && f[3] == "SCHEMA" {
			continue
		}
		out.Write(line)
	}
	return out.Bytes()
}
