package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/config"
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
