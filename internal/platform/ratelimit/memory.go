package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// memoryShards is the number of independently locked maps of a Memory.
const memoryShards = 32

// MemoryConfig configures a Memory. The zero value is ready to use.
type MemoryConfig struct {
	// Now returns the current time; time.Now when nil. Tests inject a fake
	// clock here.
	Now func() time.Time
	// CleanupInterval is how often the janitor drops keys whose bucket is full
	// again; one minute when 0.
	CleanupInterval time.Duration
}

// WithDefaults returns c with zero fields set to their defaults.
func (c MemoryConfig) WithDefaults() MemoryConfig {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.CleanupInterval <= 0 {
		c.CleanupInterval = time.Minute
	}
	return c
}

// Memory is a Limiter that keeps its state in this process: each app server
// limits on its own. State lives in a sharded map; a janitor goroutine drops
// keys whose bucket is full again until Close is called.
type Memory struct {
	shards [memoryShards]memoryShard
	seed   maphash.Seed
	now    func() time.Time

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// memoryShard holds the theoretical arrival times (Unix nanoseconds) of some
// keys.
type memoryShard struct {
	mu   sync.Mutex
	tats map[string]int64
}

var _ Limiter = (*Memory)(nil)

// NewMemory returns a Memory and starts its janitor; call Close to stop it.
func NewMemory(cfg MemoryConfig) *Memory {
	cfg = cfg.WithDefaults()
	m := &Memory{
		seed: maphash.MakeSeed(),
		now:  cfg.Now,
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	for i := range m.shards {
		m.shards[i].tats = make(map[string]int64)
	}
	go m.janitor(cfg.CleanupInterval)
	return m
}

func (m *Memory) shard(key string) *memoryShard {
	return &m.shards[maphash.String(m.seed, key)%memoryShards]
}

// Allow implements Limiter.
func (m *Memory) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	if err := l.Validate(); err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	now := m.now().UnixNano()
	s := m.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	tat, r := decide(s.tats[key], now, l)
	if r.Allowed {
		s.tats[key] = tat
	}
	return r, nil
}

// Reset implements Limiter.
func (m *Memory) Reset(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s := m.shard(key)
	s.mu.Lock()
	delete(s.tats, key)
	s.mu.Unlock()
	return nil
}

// Len returns the number of keys whose state is held, including keys whose
// bucket is full again but that the janitor has not dropped yet.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.tats)
		s.mu.Unlock()
	}
	return n
}

// Close stops the janitor. The Memory keeps working without it, but no
// longer forgets idle keys. Close is idempotent and always returns nil.
func (m *Memory) Close() error {
	m.closeOnce.Do(func() { close(m.stop) })
	<-m.done
	return nil
}

func (m *Memory) janitor(every time.Duration) {
	defer close(m.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-tick.C:
			m.sweep()
		}
	}
}

// sweep drops every key whose bucket is full again: forgetting it changes
// nothing, since an unknown key starts full.
func (m *Memory) sweep() {
	now := m.now().UnixNano()
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		for k, tat := range s.tats {
			if tat <= now {
				delete(s.tats, k)
			}
		}
		s.mu.Unlock()
	}
}
