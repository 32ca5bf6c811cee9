package session

import (
	"context"
	"sync"
	"time"
)

// Memory is a Store in a map of this process: sessions are lost on restart
// and not shared with other servers, so it suits a single server or tests.
//
// Expired entries are invisible to Find at once and removed by
// DeleteExpired, which the optional janitor goroutine (see NewMemory) or
// RunCleaner calls. Close stops the janitor.
type Memory struct {
	mu    sync.RWMutex
	items map[string]memEntry

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

type memEntry struct {
	data    []byte
	expires time.Time
}

var (
	_ Store   = (*Memory)(nil)
	_ Cleaner = (*Memory)(nil)
)

// NewMemory returns an empty Memory. When cleanupEvery > 0 a janitor
// goroutine deletes expired entries every cleanupEvery until Close; with
// cleanupEvery <= 0 there is no janitor and expired entries stay in memory
// until DeleteExpired is called (for example by RunCleaner).
func NewMemory(cleanupEvery time.Duration) *Memory {
	m := &Memory{items: make(map[string]memEntry)}
	if cleanupEvery > 0 {
		m.stop = make(chan struct{})
		m.done = make(chan struct{})
		go m.janitor(cleanupEvery)
	}
	return m
}

// Find returns a copy of the data under key, or ErrNotFound when it is
// missing or expired.
func (m *Memory) Find(_ context.Context, key string) ([]byte, error) {
	now := time.Now()
	m.mu.RLock()
	e, ok := m.items[key]
	m.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return nil, ErrNotFound
	}
	// e.data is never modified once stored, so copying outside the lock is safe.
	return append(make([]byte, 0, len(e.data)), e.data...), nil
}

// Save stores a copy of data under key until expiresAt, replacing any
// previous entry.
func (m *Memory) Save(_ context.Context, key string, data []byte, expiresAt time.Time) error {
	e := memEntry{data: append(make([]byte, 0, len(data)), data...), expires: expiresAt}
	m.mu.Lock()
	m.items[key] = e
	m.mu.Unlock()
	return nil
}

// Delete removes key; a missing key is ignored.
func (m *Memory) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	delete(m.items, key)
	m.mu.Unlock()
	return nil
}

// DeleteExpired removes every expired entry and returns how many it removed.
func (m *Memory) DeleteExpired(_ context.Context) (int64, error) {
	now := time.Now()
	var n int64
	m.mu.Lock()
	for k, e := range m.items {
		if !now.Before(e.expires) {
			delete(m.items, k)
			n++
		}
	}
	m.mu.Unlock()
	return n, nil
}

// Close stops the janitor, if any, and waits for it to exit. The entries are
// kept and the Memory stays usable. Close is idempotent and always returns
// nil.
func (m *Memory) Close() error {
	if m.stop == nil {
		return nil
	}
	m.closeOnce.Do(func() { close(m.stop) })
	<-m.done
	return nil
}

func (m *Memory) janitor(every time.Duration) {
	defer close(m.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			_, _ = m.DeleteExpired(context.Background())
		}
	}
}
