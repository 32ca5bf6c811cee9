package cache

import (
	"container/list"
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// entryOverhead approximates the bookkeeping bytes of one Memory entry (map
// slot, list element, entry struct) so that many tiny values still respect
// MaxBytes.
const entryOverhead = 96

// Memory is an in-process Cache bounded by total bytes (keys, values and
// bookkeeping) that evicts the least recently used entries first. Expired
// entries are removed when read or when they reach the end of the LRU list.
//
// Get costs one map lookup, a list move under a mutex and a copy of the value.
type Memory struct {
	mu       sync.Mutex
	maxBytes int64
	size     int64
	items    map[string]*list.Element // of *memEntry
	lru      list.List                // front: most recently used
	flights  singleflight.Group
}

type memEntry struct {
	key     string
	value   []byte
	expires time.Time
}

func (e *memEntry) size() int64 { return int64(len(e.key)+len(e.value)) + entryOverhead }

var _ Cache = (*Memory)(nil)

func newMemory(maxBytes int64) *Memory {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Memory{maxBytes: maxBytes, items: make(map[string]*list.Element)}
}

// Get returns a copy of the value under key, or ErrMiss.
func (m *Memory) Get(_ context.Context, key string) ([]byte, error) {
	now := time.Now()
	m.mu.Lock()
	el, ok := m.items[key]
	if !ok {
		m.mu.Unlock()
		return nil, ErrMiss
	}
	e := el.Value.(*memEntry)
	if !now.Before(e.expires) {
		m.remove(el)
		m.mu.Unlock()
		return nil, ErrMiss
	}
	m.lru.MoveToFront(el)
	v := e.value // never modified once stored, so copying outside the lock is safe
	m.mu.Unlock()
	return append(make([]byte, 0, len(v)), v...), nil
}

// Set stores a copy of value under key for ttl, evicting least recently used
// entries to stay within MaxBytes. A value larger than MaxBytes is not stored
// (and any previous value under key is removed).
func (m *Memory) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkTTL("memory", ttl); err != nil {
		return err
	}
	e := &memEntry{key: key, value: append(make([]byte, 0, len(value)), value...), expires: time.Now().Add(ttl)}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.items[key]; ok {
		m.remove(old)
	}
	if e.size() > m.maxBytes {
		return nil
	}
	m.items[key] = m.lru.PushFront(e)
	m.size += e.size()
	for m.size > m.maxBytes {
		m.remove(m.lru.Back())
	}
	return nil
}

// Delete removes keys; missing keys are ignored.
func (m *Memory) Delete(_ context.Context, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		if el, ok := m.items[k]; ok {
			m.remove(el)
		}
	}
	return nil
}

// Close drops every entry. The Memory stays usable (empty) afterwards.
func (m *Memory) Close() error {
	m.flush()
	return nil
}

// flush drops every entry.
func (m *Memory) flush() {
	m.mu.Lock()
	clear(m.items)
	m.lru.Init()
	m.size = 0
	m.mu.Unlock()
}

// remove deletes el; m.mu must be held.
func (m *Memory) remove(el *list.Element) {
	e := m.lru.Remove(el).(*memEntry)
	delete(m.items, e.key)
	m.size -= e.size()
}

func (m *Memory) flight(key string) (*singleflight.Group, string) { return &m.flights, key }
