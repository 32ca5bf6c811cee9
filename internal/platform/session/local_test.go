package session

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// watchedMemory is a Memory that counts Finds and whose deletions (and
// liveness) the test reports by hand, as another server's would arrive.
type watchedMemory struct {
	*Memory
	mu      sync.Mutex
	finds   int
	onFind  func() // runs inside Find, after reading
	deleted func(string)
	live    func(bool)
	ready   chan struct{}
}

func newWatchedMemory() *watchedMemory {
	return &watchedMemory{Memory: NewMemory(0), ready: make(chan struct{})}
}

func (w *watchedMemory) Find(ctx context.Context, key string) ([]byte, error) {
	b, err := w.Memory.Find(ctx, key)
	w.mu.Lock()
	w.finds++
	f := w.onFind
	w.mu.Unlock()
	if f != nil {
		f()
	}
	return b, err
}

func (w *watchedMemory) Watch(ctx context.Context, deleted func(string), live func(bool)) {
	w.deleted, w.live = deleted, live
	close(w.ready)
	<-ctx.Done()
}

func (w *watchedMemory) findCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.finds
}

// newWatchedManager returns a manager over a watchedMemory whose watcher
// is live, and the clock the manager reads.
func newWatchedManager(t *testing.T) (*Manager, *watchedMemory, *time.Time) {
	t.Helper()
	store := newWatchedMemory()
	m := NewManager(store, ManagerConfig{IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 2 * time.Hour})
	t.Cleanup(func() { _ = m.Close() })
	now := time.Now()
	m.now = func() time.Time { return now }
	<-store.ready
	store.live(true)
	return m, store, &now
}

func TestManagerServesWatchedSessionsFromMemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, store, now := newWatchedManager(t)
	token, _, err := m.Create(ctx, "u1")
	require.NoError(t, err)

	for range 3 {
		d, err := m.Load(ctx, token)
		require.NoError(t, err)
		require.Equal(t, "u1", d.UserID)
	}
	require.Equal(t, 1, store.findCount(), "the first Load reads the store, the next ones memory")

	// Past the refresh interval the store is read (and written) again.
	*now = now.Add(time.Minute)
	_, err = m.Load(ctx, token)
	require.NoError(t, err)
	require.Equal(t, 2, store.findCount())
	_, err = m.Load(ctx, token)
	require.NoError(t, err)
	require.Equal(t, 2, store.findCount())
}

func TestManagerRefusesSessionDeletedElsewhereOnceReported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, store, _ := newWatchedManager(t)
	token, _, err := m.Create(ctx, "u1")
	require.NoError(t, err)
	_, err = m.Load(ctx, token)
	require.NoError(t, err)

	// Another server logs the session out: its row goes, the watcher tells.
	require.NoError(t, store.Memory.Delete(ctx, key(token)))
	store.deleted(key(token))
	_, err = m.Load(ctx, token)
	require.ErrorIs(t, err, ErrNotFound)
}

func TestManagerDestroyEndsSessionAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, _, _ := newWatchedManager(t)
	token, _, err := m.Create(ctx, "u1")
	require.NoError(t, err)
	_, err = m.Load(ctx, token)
	require.NoError(t, err)
	require.NoError(t, m.Destroy(ctx, token))
	_, err = m.Load(ctx, token)
	require.ErrorIs(t, err, ErrNotFound)
}

func TestManagerKeepsNothingWhileWatcherIsNotLive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, store, _ := newWatchedManager(t)
	token, _, err := m.Create(ctx, "u1")
	require.NoError(t, err)
	_, err = m.Load(ctx, token)
	require.NoError(t, err)

	store.live(false) // deletions may be missed from now on
	for i := range 2 {
		_, err = m.Load(ctx, token)
		require.NoError(t, err)
		require.Equal(t, 2+i, store.findCount(), "every Load reads the store")
	}
	// Deleted while the watcher was down: refused, although it was held.
	require.NoError(t, store.Memory.Delete(ctx, key(token)))
	store.live(true)
	_, err = m.Load(ctx, token)
	require.ErrorIs(t, err, ErrNotFound)
}

func TestManagerDoesNotKeepSessionDeletedWhileBeingRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, store, _ := newWatchedManager(t)
	token, _, err := m.Create(ctx, "u1")
	require.NoError(t, err)

	// The deletion is reported after the store answered, before the
	// manager keeps the answer.
	store.mu.Lock()
	store.onFind = func() {
		store.mu.Lock()
		store.onFind = nil
		store.mu.Unlock()
		_ = store.Memory.Delete(ctx, key(token))
		store.deleted(key(token))
	}
	store.mu.Unlock()
	_, err = m.Load(ctx, token) // the answer read before the deletion
	require.NoError(t, err)
	_, err = m.Load(ctx, token)
	require.ErrorIs(t, err, ErrNotFound, "the session read during its deletion must not be kept")
}
