package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/config"
	"clinic/internal/demo"
)

func TestHelpListsCommandsAndEveryVariable(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"--help"}, &out, &out))
	for _, cmd := range []string{"serve", "worker", "migrate up", "migrate status", "version"} {
		require.Contains(t, out.String(), cmd)
	}
	for _, v := range config.Vars {
		require.Contains(t, out.String(), v.Name)
	}
}

func TestVersionAndUnknownCommand(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"version"}, &out, &errOut))
	require.Contains(t, out.String(), "clinic ")
	err := run(context.Background(), []string{"frobnicate"}, &out, &errOut)
	require.ErrorContains(t, err, `unknown command "frobnicate"`)
}

func TestInvalidConfigStopsStartUp(t *testing.T) {
	t.Setenv("SESSION_BACKEND", "mongo")
	var out bytes.Buffer
	err := run(context.Background(), []string{"serve"}, &out, &out)
	require.ErrorContains(t, err, `SESSION_BACKEND="mongo"`)
}

func TestMigrateUpAndStatus(t *testing.T) {
	t.Setenv("DATABASE_URL", "sqlite:"+t.TempDir()+"/c.db")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"migrate", "up"}, &out, &out))
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"migrate", "status"}, &out, &out))
	require.Contains(t, out.String(), "0001")
	require.Contains(t, out.String(), "river-")
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		require.False(t, strings.HasSuffix(line, "pending"), "not applied: %s", line)
	}
}

func TestDemoMessageSaysHowToStartTheServerOnTheSameDatabase(t *testing.T) {
	t.Parallel()
	res := demo.Result{Email: "demo@example.com", Password: "s3cret pass", Patients: 300, Appointments: 420}
	tests := []struct {
		name        string
		databaseURL string
		want        []string
		hidden      string
	}{
		{"default sqlite", "", []string{"./data/clinic.db", "same database", "\n    go run ./cmd/clinic\n"}, ""},
		{"sqlite file", "sqlite:/srv/clinic/demo.db", []string{"same DATABASE_URL", "DATABASE_URL='sqlite:/srv/clinic/demo.db' go run ./cmd/clinic"}, ""},
		{"postgres with password", "postgres://clinic:hunter2@db.internal:5432/clinic?sslmode=disable",
			[]string{"same DATABASE_URL", "DATABASE_URL='postgres://clinic:xxxxx@db.internal:5432/clinic?sslmode=disable' go run ./cmd/clinic", "password is hidden"}, "hunter2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.LoadFrom(func(k string) string {
				if k == "DATABASE_URL" {
					return tt.databaseURL
				}
				return ""
			})
			require.NoError(t, err)
			msg := demoMessage(cfg, res)
			for _, w := range append(tt.want, "http://localhost:8080", res.Email, res.Password) {
				require.Contains(t, msg, w)
			}
			if tt.hidden != "" {
				require.NotContains(t, msg, tt.hidden)
			}
		})
	}
}

func TestWorkerQueuesFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    []string
		wantSet bool
		wantErr string
	}{
		{"no flag runs every queue (or WORKER_QUEUES)", nil, nil, false, ""},
		{"one queue", []string{"--queues=ocr"}, []string{"ocr"}, true, ""},
		{"several, as separate argument", []string{"-queues", "reminders,maintenance"}, []string{"reminders", "maintenance"}, true, ""},
		{"empty means all", []string{"--queues="}, nil, true, ""},
		{"unknown queue names the valid ones", []string{"--queues=ocr,email"}, nil, false, `unknown queue "email" (want reminders, ocr, maintenance)`},
		{"River's own queue name is not a worker queue", []string{"--queues=messages"}, nil, false, `unknown queue "messages"`},
		{"unknown flag", []string{"--queue=ocr"}, nil, false, "flag provided but not defined: -queue"},
		{"stray argument", []string{"ocr"}, nil, false, `unexpected argument "ocr"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var q workerQueues
			var out bytes.Buffer
			err := q.parse(tt.args, &out)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, q.names)
			require.Equal(t, tt.wantSet, q.set)
			require.Empty(t, out.String())
		})
	}
}

func TestWorkerHelpListsTheQueues(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"worker", "--help"}, &out, &errOut))
	for _, q := range config.Queues {
		require.Contains(t, out.String(), "  "+q+"  ")
		require.Contains(t, out.String(), config.QueueHelp[q])
	}
	require.Contains(t, out.String(), "--queues=")
	require.Empty(t, errOut.String())
}

func TestWorkerRefusesAnUnknownQueueBeforeStarting(t *testing.T) {
	t.Setenv("DATABASE_URL", "sqlite:"+t.TempDir()+"/c.db")
	var out bytes.Buffer
	err := run(context.Background(), []string{"worker", "--queues=reminders,sms"}, &out, &out)
	require.ErrorContains(t, err, `unknown queue "sms" (want reminders, ocr, maintenance)`)
	require.NotContains(t, out.String(), "jobs:", "nothing started")
}
