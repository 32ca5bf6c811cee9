package session

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func (m *Memory) len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.items)
}

func TestMemoryJanitorDeletesExpiredEntries(t *testing.T) {
	t.Parallel()
	m := NewMemory(10 * time.Millisecond)
	t.Cleanup(func() { _ = m.Close() })
	ctx := t.Context()
	require.NoError(t, m.Save(ctx, "expired", []byte("x"), time.Now().Add(-time.Second)))
	require.NoError(t, m.Save(ctx, "live", []byte("y"), time.Now().Add(time.Hour)))

	require.Eventually(t, func() bool { return m.len() == 1 }, 5*time.Second, 5*time.Millisecond,
		"janitor did not delete the expired entry")
	got, err := m.Find(ctx, "live")
	require.NoError(t, err)
	require.Equal(t, []byte("y"), got)
}

func TestMemoryCloseStopsJanitorAndKeepsData(t *testing.T) {
	t.Parallel()
	m := NewMemory(time.Millisecond)
	require.NoError(t, m.Save(t.Context(), "k", []byte("v"), time.Now().Add(time.Hour)))
	require.NoError(t, m.Close())
	require.NoError(t, m.Close(), "second Close")
	select {
	case <-m.done:
	default:
		t.Fatal("janitor still running after Close")
	}
	got, err := m.Find(t.Context(), "k")
	require.NoError(t, err)
	require.Equal(t, []byte("v"), got)
}

func TestMemoryWithoutJanitorKeepsExpiredUntilDeleteExpired(t *testing.T) {
	t.Parallel()
	m := NewMemory(0)
	require.NoError(t, m.Close(), "Close without janitor")
	require.NoError(t, m.Save(t.Context(), "k", []byte("v"), time.Now().Add(-time.Second)))
	require.Equal(t, 1, m.len())
	n, err := m.DeleteExpired(t.Context())
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	require.Equal(t, 0, m.len())
}
