package session_test

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/redisx"
	"clinic/internal/platform/session"
)

func TestNewPicksBackendByName(t *testing.T) {
	t.Parallel()
	d := dbtest.SQLite(t)
	rdb, err := redisx.New("redis://127.0.0.1:6379/0") // never dialled here
	require.NoError(t, err)
	t.Cleanup(func() { _ = rdb.Close() })

	cases := []struct {
		backend string
		want    session.Store
	}{
		{"memory", (*session.Memory)(nil)},
		{"db", (*session.DB)(nil)},
		{"redis", (*session.Redis)(nil)},
	}
	for _, c := range cases {
		s, err := session.New(c.backend, d, rdb, "session:")
		require.NoError(t, err, c.backend)
		require.IsType(t, c.want, s, c.backend)
		if cl, ok := s.(io.Closer); ok {
			require.NoError(t, cl.Close(), c.backend)
		}
	}
}

func TestNewRejectsUnknownBackendOrMissingDependency(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, backend, wantErr string
	}{
		{"unknown backend is named", "memcached", `"memcached"`},
		{"empty backend", "", `unknown backend ""`},
		{"db without database", "db", "needs a database"},
		{"redis without client", "redis", "needs a Redis client"},
	}
	for _, c := range cases {
		s, err := session.New(c.backend, nil, nil, "")
		require.ErrorContains(t, err, c.wantErr, c.name)
		require.Nil(t, s, c.name)
	}
}
