package app_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app"
	"clinic/internal/app/apptest"
	"clinic/internal/platform/db/dbtest"
)

func TestStartUpLogSaysHowManyWorkersRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		env         map[string]string
		opts        []app.Option
		want        string
		wantWorkers int
	}{
		{"WORKERS unset", nil, nil, "jobs: sqlite queue, 10 workers in this process", 10},
		{"WORKERS=3", map[string]string{"WORKERS": "3"}, nil, "jobs: sqlite queue, 3 workers in this process", 3},
		{"WORKERS=0", map[string]string{"WORKERS": "0"}, nil, "jobs: sqlite queue, no workers in this process (WORKERS=0; run `clinic worker`)", 0},
		{"enqueue only (clinic demo)", nil, []app.Option{app.EnqueueOnly()}, "jobs: sqlite queue, enqueue only (the server works the jobs)", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs apptest.LogBuffer
			cfg := apptest.Config(t, dbtest.SQLiteURL(t), tt.env)
			a, err := app.New(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logs, nil)), tt.opts...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = a.Close() })
			require.Len(t, logs.Find(t, tt.want), 1, "logs: %v", logs.Records(t))
			require.Equal(t, tt.wantWorkers, a.Config.JobWorkers)
			if tt.wantWorkers > 0 || len(tt.opts) > 0 {
				for _, rec := range logs.Records(t) {
					require.NotContains(t, rec["msg"], "WORKERS=0")
				}
			}
		})
	}
}

func TestListeningLogNamesTheListenerAddress(t *testing.T) {
	t.Parallel()
	var logs apptest.LogBuffer
	cfg := apptest.Config(t, dbtest.SQLiteURL(t), map[string]string{"BASE_URL": "https://clinic.example"})
	in := apptest.StartWithLog(t, cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	recs := logs.WaitFor(t, "http: listening")
	require.Len(t, recs, 1)
	require.Equal(t, strings.TrimPrefix(in.URL, "http://"), recs[0]["addr"], "the address actually listened on")
	require.Equal(t, "https://clinic.example", recs[0]["base_url"])
}
