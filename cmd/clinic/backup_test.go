package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// clinic backup writes an archive that clinic restore puts into a new
// database and file store, once: a second restore meets a full database.
func TestBackupAndRestoreCommands(t *testing.T) {
	files := t.TempDir()
	t.Setenv("DATABASE_URL", "sqlite:"+filepath.Join(t.TempDir(), "c.db"))
	t.Setenv("FILES_URL", "file://"+files)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"migrate", "up"}, &out, &out))
	require.NoError(t, os.MkdirAll(filepath.Join(files, "clinics", "1"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(files, "clinics", "1", "scan"), []byte("scanned card"), 0o600))

	dir := t.TempDir()
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"backup", "-o", dir}, &out, &out))
	m := regexp.MustCompile(`Backup written: (\S+)\n  sqlite database at schema version \d+, 1 files \(12 bytes\)`).FindStringSubmatch(out.String())
	require.NotNil(t, m, "output: %s", out.String())
	require.Equal(t, dir, filepath.Dir(m[1]))

	restored := t.TempDir()
	t.Setenv("DATABASE_URL", "sqlite:"+filepath.Join(t.TempDir(), "restored.db"))
	t.Setenv("FILES_URL", "file://"+restored)
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"restore", m[1]}, &out, &out))
	require.Contains(t, out.String(), "Restored "+m[1]+": sqlite database")
	got, err := os.ReadFile(filepath.Join(restored, "clinics", "1", "scan"))
	require.NoError(t, err)
	require.Equal(t, "scanned card", string(got))

	err = run(context.Background(), []string{"restore", m[1]}, &out, &out)
	require.ErrorContains(t, err, "restore needs an empty database and file store: the database already has")
	err = run(context.Background(), []string{"restore"}, &out, &out)
	require.ErrorContains(t, err, "usage: clinic restore FILE")
}
