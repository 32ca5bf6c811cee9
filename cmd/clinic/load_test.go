package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/loadgen"
	"clinic/internal/platform/db/dbtest"
)

func TestLoadChecksItsFlagsBeforeSeeding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"-reuse"}, "-reuse needs -state"},
		{[]string{"-histogram", "run.png"}, "only .svg"},
		{[]string{"-mix", "login=3"}, `unknown endpoint "login"`},
		{[]string{"-mode", "half"}, `mode "half"`},
		{[]string{"-rate", "0"}, "rate must be at least 1/s"},
		{[]string{"-mode", "closed", "-concurrency", "0"}, "concurrency must be at least 1"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-rates", "50,fast"}, "-rates \"50,fast\": want comma-separated whole numbers"},
		{[]string{"-rates", "0"}, "each at least 1"},
		{[]string{"-rates", "50,100", "-mode", "closed"}, "-rates searches the open loop's capacity"},
	}
	for _, tt := range tests {
		t.Run(tt.wantErr, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			// No server listens there: every case fails before any request.
			args := append([]string{"load", "-url", "http://127.0.0.1:1"}, tt.args...)
			require.ErrorContains(t, run(context.Background(), args, &out, &errOut), tt.wantErr)
		})
	}
}

func TestLoadSeedsRunsAndWritesJSONAndAHistogram(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t, dbtest.SQLiteURL(t), map[string]string{"FILES_URL": "file://" + t.TempDir(), "WORKERS": "0",
		"RATE_LIMIT_LOGIN_EMAIL": "100000/1m", "RATE_LIMIT_API_CLINIC": "100000000/1m"})
	dir := t.TempDir()
	svg, state := filepath.Join(dir, "run.svg"), filepath.Join(dir, "state.json")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"load", "-url", srv.URL, "-clinics", "1", "-professionals", "1", "-patients", "10",
		"-appointments", "4", "-users", "2", "-rate", "30", "-duration", "1s", "-json", "-histogram", svg, "-state", state}, &out, &errOut)
	require.NoError(t, err, errOut.String())
	var rep loadgen.Report
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep), out.String())
	require.Equal(t, loadgen.Open, rep.Mode)
	require.Positive(t, rep.Total.Requests)
	require.Zero(t, rep.Total.Errors, out.String())
	b, err := os.ReadFile(svg)
	require.NoError(t, err)
	require.Contains(t, string(b), "<svg")
	st, err := loadgen.LoadState(state)
	require.NoError(t, err)
	require.Len(t, st.Clinics, 1)

	// -reuse runs again on the seed file, closed loop, as a table.
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"load", "-url", srv.URL, "-state", state, "-reuse", "-mode", "closed",
		"-concurrency", "1", "-duration", "1s"}, &out, &errOut), errOut.String())
	require.Contains(t, out.String(), "closed loop, 1 workers")
	require.Contains(t, out.String(), "total")
}

func TestHelpListsLoad(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"--help"}, &out, &out))
	require.Contains(t, out.String(), "  load ")
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"load", "-h"}, &out, &out))
	require.Contains(t, out.String(), "Usage: clinic load [flags]")
	require.Contains(t, out.String(), "-concurrency")
}
