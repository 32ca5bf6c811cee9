package session_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/platform/redisx"
	"clinic/internal/platform/session"
)

func TestRedisUnreachableIsUnavailable(t *testing.T) {
	t.Parallel()
	rdb, err := redisx.New("redis://127.0.0.1:1/0") // nothing listens on port 1
	require.NoError(t, err)
	t.Cleanup(func() { _ = rdb.Close() })
	s := session.NewRedis(rdb, "session:")
	ctx := t.Context()

	ops := []struct {
		name string
		run  func() error
	}{
		{"find", func() error { _, err := s.Find(ctx, "k"); return err }},
		{"save", func() error { return s.Save(ctx, "k", []byte("v"), time.Now().Add(time.Hour)) }},
		{"save expired", func() error { return s.Save(ctx, "k", []byte("v"), time.Now().Add(-time.Hour)) }},
		{"delete", func() error { return s.Delete(ctx, "k") }},
	}
	for _, op := range ops {
		err := op.run()
		require.Error(t, err, op.name)
		require.NotErrorIs(t, err, session.ErrNotFound, op.name)
		require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "%s: %v", op.name, err)
	}
}
