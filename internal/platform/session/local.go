package session

import (
	"context"
	"sync"
	"time"
)

// Watcher is implemented by a Store that tells every server of the keys
// deleted through any of them: the DB store on PostgreSQL (LISTEN/NOTIFY).
// A Manager over a Watcher keeps the sessions it reads in memory (see
// NewManager).
type Watcher interface {
	// Watch reports every key deleted from the store by any server, until
	// ctx ends, and returns then. It calls deleted(key) for each deletion
	// once committed. It calls live(true) once it hears every deletion
	// made from then on, and live(false) when it may miss some (its
	// connection broke: it reconnects by itself, then calls live(true)
	// again). Calls are made from one goroutine, in order.
	Watch(ctx context.Context, deleted func(key string), live func(bool))
}

// local is a Manager's in-process copy of the sessions it has read, so that
// a request does not ask the store each time. It serves a session only
// while the store's watcher is live, and a session ended on any server
// leaves it as soon as the watcher reports the deletion (on this server:
// at once, in Destroy). An entry is served only while it needs no
// refresh of its last use (see Manager.Load), so it is never older than
// the refresh interval, and the idle timeout is always judged on the
// store's copy.
type local struct {
	mu   sync.RWMutex
	live bool
	// gen changes with every deletion heard and every change of live: a
	// session read from the store while it changed may have been deleted
	// meanwhile, and is not kept (see put).
	gen     uint64
	entries map[string]Data
	// swept is when entries last lost the ones needing a refresh.
	swept time.Time

	stop func()
	done chan struct{}
}

// watchLocal starts a local copy fed by w.
func watchLocal(w Watcher) *local {
	ctx, cancel := context.WithCancel(context.Background())
	l := &local{entries: map[string]Data{}, stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		w.Watch(ctx, l.forget, l.setLive)
	}()
	return l
}

// close stops the watcher and waits for it to return.
func (l *local) close() {
	l.stop()
	<-l.done
}

func (l *local) setLive(live bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.live = live
	l.gen++
	clear(l.entries) // deletions may have been missed
}

// forget drops key: its session was deleted.
func (l *local) forget(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gen++
	delete(l.entries, key)
}

// get returns the session of key, when held and the watcher is live.
func (l *local) get(key string) (Data, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if !l.live {
		return Data{}, false
	}
	d, ok := l.entries[key]
	return d, ok
}

// generation returns the current generation, to pass to put.
func (l *local) generation() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.gen
}

// put keeps d under key, unless the generation moved since gen (read
// before d was read from the store) or the watcher is not live. Every
// refresh interval, it first drops the entries that need a refresh (they
// would not be served any more).
func (l *local) put(key string, d Data, gen uint64, now time.Time, refresh time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.live || l.gen != gen {
		return
	}
	if now.Sub(l.swept) >= refresh {
		for k, e := range l.entries {
			if now.Sub(e.LastSeen) >= refresh {
				delete(l.entries, k)
			}
		}
		l.swept = now
	}
	l.entries[key] = d
}
