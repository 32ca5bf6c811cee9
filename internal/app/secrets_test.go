package app_test

import (
	"context"
	"encoding/base64"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app"
	"clinic/internal/app/apptest"
	"clinic/internal/platform/secret"
)

// newLoggedApp builds an App on the SQLite file in dir and returns it with
// what it logged.
func newLoggedApp(t *testing.T, dir string, env map[string]string) (*app.App, *apptest.LogBuffer, error) {
	t.Helper()
	var logs apptest.LogBuffer
	cfg := apptest.Config(t, "sqlite:"+filepath.Join(dir, "clinic.db"), env)
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logs, nil)), app.EnqueueOnly())
	if err == nil {
		t.Cleanup(func() { _ = a.Close() })
	}
	return a, &logs, err
}

func TestSecretKeyIsGeneratedIntoTheDataDirectoryOnceThenReused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, secret.KeyFileName)
	ad := secret.Bind("clinic", "c1", "smtp.password")

	first, logs, err := newLoggedApp(t, dir, nil)
	require.NoError(t, err)
	recs := logs.Find(t, "secret: key generated (embedded)")
	require.Len(t, recs, 1, "logs: %v", logs.Records(t))
	require.Equal(t, path, recs[0]["path"])
	require.Equal(t, "INFO", recs[0]["level"], "SQLite: one machine")
	require.Contains(t, recs[0]["to_share"], "SECRET_KEY")
	sealed, err := first.Secrets.Seal([]byte("hunter2"), ad)
	require.NoError(t, err)
	require.NoError(t, first.Close())

	second, logs, err := newLoggedApp(t, dir, nil)
	require.NoError(t, err)
	require.Len(t, logs.Find(t, "secret: key loaded from file (embedded)"), 1, "logs: %v", logs.Records(t))
	require.Empty(t, logs.Find(t, "secret: key generated (embedded)"))
	got, err := second.Secrets.Open(sealed, ad)
	require.NoError(t, err, "the restarted server opens what the first sealed")
	require.Equal(t, "hunter2", string(got))
}

func TestSecretKeyFromConfiguration(t *testing.T) {
	t.Parallel()
	key := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	keyFile := filepath.Join(t.TempDir(), "key")
	require.NoError(t, os.WriteFile(keyFile, []byte(key+"\n"), 0o600))
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"SECRET_KEY", map[string]string{"SECRET_KEY": key}, "secret: key loaded from SECRET_KEY"},
		{"SECRET_KEY_FILE", map[string]string{"SECRET_KEY_FILE": keyFile}, "secret: key loaded from SECRET_KEY_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			a, logs, err := newLoggedApp(t, dir, tt.env)
			require.NoError(t, err)
			require.Len(t, logs.Find(t, tt.want), 1, "logs: %v", logs.Records(t))
			require.NoFileExists(t, filepath.Join(dir, secret.KeyFileName), "nothing generated")
			for _, rec := range logs.Records(t) {
				require.NotContains(t, rec, key)
			}
			expires := time.Now().Add(time.Hour)
			tok, err := a.Secrets.Sign("appointment.confirm", []byte("a1"), expires)
			require.NoError(t, err)
			k, err := secret.ParseKey(key)
			require.NoError(t, err)
			other, err := secret.New(k)
			require.NoError(t, err)
			_, err = other.Verify("appointment.confirm", tok, time.Now())
			require.NoError(t, err, "another server with the same SECRET_KEY verifies the link")
		})
	}
}

func TestSecretKeyFileThatIsNotAKeyStopsStartUp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, secret.KeyFileName), []byte("garbage\n"), 0o600))
	_, _, err := newLoggedApp(t, dir, nil)
	require.ErrorContains(t, err, filepath.Join(dir, secret.KeyFileName))
	require.False(t, strings.Contains(err.Error(), "garbage"))
}
