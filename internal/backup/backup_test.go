package backup_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app"
	"clinic/internal/app/apptest"
	"clinic/internal/backup"
	"clinic/internal/config"
	"clinic/internal/demo"
	"clinic/internal/document"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

// pdf is a small PDF the documents' upload accepts.
var pdf = []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")

// A backup of a seeded clinic, restored into a new empty database and file
// store, gives back every table with the same rows and the uploaded file.
func TestBackupWipeRestoreGivesBackEveryTableAndFile(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, dbURL string) {
		if strings.HasPrefix(dbURL, "postgres") {
			requirePgTools(t)
		}
		ctx := t.Context()
		log := testLog(t)
		// SECRET_KEY is kept apart from backups (README): both instances share it.
		cfg := apptest.Config(t, dbURL, map[string]string{"FILES_URL": "file://" + t.TempDir(), "SECRET_KEY": strings.Repeat("5e", 32)})
		a := newApp(t, cfg)
		res, err := demo.Seed(ctx, demo.Services{Accounts: a.Accounts, Patients: a.Patients, Schedule: a.Schedule,
			Appointments: a.Appointments, Reminders: a.Reminders, Records: a.Records, Billing: a.Billing},
			demo.Options{Patients: 20, Days: 3, Seed: 13})
		require.NoError(t, err)
		owner, err := a.Accounts.Authenticate(ctx, res.Email, res.Password)
		require.NoError(t, err)
		p := kernel.Principal{UserID: owner.ID, ClinicID: res.ClinicID, Role: kernel.RoleOwner}
		doc, err := a.Documents.Upload(ctx, p, document.UploadInput{PatientID: res.Encounter.PatientID, FileName: "exam.pdf", Body: bytes.NewReader(pdf)})
		require.NoError(t, err)

		before := snapshot(t, a.DB)
		filled := 0
		for _, tb := range before {
			if tb.Rows > 0 {
				filled++
			}
		}
		require.GreaterOrEqual(t, filled, 15, "the seed should fill many tables: %v", before)

		path, m, err := app.Backup(ctx, cfg, log, t.TempDir())
		require.NoError(t, err)
		require.Equal(t, 1, m.FileCount)
		require.Equal(t, int64(len(pdf)), m.FileBytes)
		require.Equal(t, a.DB.Dialect, m.Engine)
		require.Positive(t, m.SchemaVersion)
		require.NoError(t, a.Close())

		// Wipe: a new empty database (SQLite: another file; PostgreSQL: the
		// schema dropped and made again, empty) and a new file store.
		restored := cfg
		restored.FilesURL = "file://" + t.TempDir()
		if m.Engine == db.SQLite {
			restored.DatabaseURL = dbtest.SQLiteURL(t)
		} else {
			wipeSchema(t, dbURL, m.Schema)
		}
		got, err := app.Restore(ctx, restored, log, path)
		require.NoError(t, err)
		require.Equal(t, m, got)

		d, err := db.Open(ctx, restored.DatabaseURL, db.Options{MaxConns: 2})
		require.NoError(t, err)
		after := snapshot(t, d)
		require.NoError(t, d.Close())
		require.Empty(t, diff(before, after), "every table's row count and checksum, before the backup and after the restore")

		a2 := newApp(t, restored)
		_, rc, err := a2.Documents.Open(ctx, p, doc.ID)
		require.NoError(t, err)
		body, err := io.ReadAll(rc)
		require.NoError(t, rc.Close())
		require.NoError(t, err)
		require.Equal(t, pdf, body, "the uploaded file is back")

		// A second restore meets a database that is no longer empty.
		_, err = app.Restore(ctx, restored, log, path)
		require.ErrorIs(t, err, backup.ErrNotEmpty)
	})
}

// table is one table's row count and the checksum of its rows.
type table struct {
	Rows int
	Sum  string
}

// snapshot returns every table of d with its row count and a checksum of
// its rows: the SHA-256 of the sorted SHA-256s of the rows, each of every
// column's type and value (order-free, so no table needs a key).
func snapshot(t *testing.T, d *db.DB) map[string]table {
	t.Helper()
	ctx := t.Context()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	if d.Dialect == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := d.QueryContext(ctx, q)
	require.NoError(t, err)
	var names []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	require.NotEmpty(t, names)

	out := map[string]table{}
	for _, name := range names {
		out[name] = tableSum(t, d.DB, name)
	}
	return out
}

func tableSum(t *testing.T, d *sql.DB, name string) table {
	t.Helper()
	rows, err := d.QueryContext(t.Context(), `SELECT * FROM "`+name+`"`)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var sums []string
	for rows.Next() {
		require.NoError(t, rows.Scan(ptrs...))
		h := sha256.New()
		for i, v := range vals {
			switch v := v.(type) {
			case time.Time:
				fmt.Fprintf(h, "%s=time:%s\x00", cols[i], v.UTC().Format(time.RFC3339Nano))
			case []byte:
				fmt.Fprintf(h, "%s=bytes:%x\x00", cols[i], v)
			default:
				fmt.Fprintf(h, "%s=%T:%v\x00", cols[i], v, v)
			}
		}
		sums = append(sums, hex.EncodeToString(h.Sum(nil)))
	}
	require.NoError(t, rows.Err())
	slices.Sort(sums)
	all := sha256.Sum256([]byte(strings.Join(sums, "\n")))
	return table{Rows: len(sums), Sum: hex.EncodeToString(all[:])}
}

// diff lists the tables whose rows differ between two snapshots.
func diff(before, after map[string]table) []string {
	var out []string
	for name, b := range before {
		if a, ok := after[name]; !ok {
			out = append(out, name+": missing after the restore")
		} else if a != b {
			out = append(out, fmt.Sprintf("%s: %d rows (sum %.12s) before, %d rows (sum %.12s) after", name, b.Rows, b.Sum, a.Rows, a.Sum))
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			out = append(out, name+": only after the restore")
		}
	}
	slices.Sort(out)
	return out
}

// wipeSchema drops the test's schema and makes it again, empty.
func wipeSchema(t *testing.T, dbURL, schema string) {
	t.Helper()
	require.NotEmpty(t, schema, "a test database URL names its schema")
	admin, err := sql.Open("pgx", testenv.DatabaseURL(t))
	require.NoError(t, err)
	defer admin.Close()
	_, err = admin.ExecContext(t.Context(), `DROP SCHEMA `+schema+` CASCADE`)
	require.NoError(t, err)
	_, err = admin.ExecContext(t.Context(), `CREATE SCHEMA `+schema)
	require.NoError(t, err)
	require.Contains(t, dbURL, schema)
}

// newApp builds an app that runs no job (the tables stay as written).
func newApp(t *testing.T, cfg config.Config) *app.App {
	t.Helper()
	a, err := app.New(context.Background(), cfg, testLog(t), app.EnqueueOnly())
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// requirePgTools skips a PostgreSQL test without pg_dump and pg_restore
// (fails it under CI=true, where .ci/start-pg-tools.sh installs them).
func requirePgTools(t *testing.T) {
	t.Helper()
	if _, err := (backup.Tools{}).Find(); err != nil {
		if testenv.CI() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}
