package app_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app"
	"clinic/internal/app/apptest"
	"clinic/internal/backup"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

// With BACKUP_DIR set the workers take a backup at start and every
// BACKUP_INTERVAL, once for the whole deployment: two servers with workers
// on one PostgreSQL write one backup.
func TestPeriodicBackupIsTakenOnceAcrossWorkers(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		dir := t.TempDir()
		env := map[string]string{"BACKUP_DIR": dir, "BACKUP_INTERVAL": "1h", "BACKUP_KEEP": "3", "FILES_URL": "file://" + t.TempDir(), "WORKERS": "2"}
		servers := 1
		if strings.HasPrefix(url, "postgres") {
			servers = 2
			if _, err := (backup.Tools{}).Find(); err != nil {
				if testenv.CI() {
					t.Fatal(err)
				}
				t.Skip(err)
			}
		}
		logs := make([]*apptest.LogBuffer, servers)
		var first *apptest.Instance
		for i := range servers {
			logs[i] = &apptest.LogBuffer{}
			in := apptest.StartWithLog(t, apptest.Config(t, url, env), slog.New(slog.NewJSONHandler(logs[i], nil)))
			if first == nil {
				first = in
			}
		}
		const written = "backup: periodic backup written"
		deadline := time.Now().Add(60 * time.Second)
		var recs []map[string]any
		for len(recs) == 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			for _, l := range logs {
				recs = append(recs, l.Find(t, written)...)
			}
		}
		require.Len(t, recs, 1, "one backup for the deployment")
		path, _ := recs[0]["path"].(string)
		require.Equal(t, dir, filepath.Dir(path))
		_, err := backup.Verify(path)
		require.NoError(t, err)

		var jobs int
		require.NoError(t, first.DB.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM river_job WHERE kind = 'backup'`).Scan(&jobs))
		require.Equal(t, 1, jobs, "one backup job for the interval")
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Len(t, entries, 1, "one file in BACKUP_DIR")
	})
}

// One start-up line says whether periodic backups are on, and where.
func TestStartUpLogSaysWhetherPeriodicBackupsAreOn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"off", nil, "backups: periodic backups off"},
		{"on", map[string]string{"BACKUP_DIR": dir, "BACKUP_INTERVAL": "6h", "BACKUP_KEEP": "4"},
			"backups: every 6h0m0s into " + dir + ", keeping the newest 4, taken by one worker of the deployment"},
		{"keep all, no workers here", map[string]string{"BACKUP_DIR": dir, "BACKUP_KEEP": "0", "WORKERS": "0"},
			"backups: every 24h0m0s into " + dir + ", keeping all, taken by the worker processes (none in this one: WORKERS=0)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs apptest.LogBuffer
			cfg := apptest.Config(t, dbtest.SQLiteURL(t), tt.env)
			a, err := app.New(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
			require.NoError(t, err)
			t.Cleanup(func() { _ = a.Close() })
			var lines []string
			for _, rec := range logs.Records(t) {
				if msg, _ := rec["msg"].(string); strings.HasPrefix(msg, "backups:") {
					lines = append(lines, msg)
				}
			}
			require.Equal(t, []string{tt.want}, lines)
		})
	}
}
