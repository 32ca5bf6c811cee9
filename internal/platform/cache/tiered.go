package cache

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"clinic/internal/platform/redisx"
)

// Tiered is a Memory in front of Redis for hot keys, shared by any number of
// instances (processes) that use the same Redis, key prefix and channel.
//
// Get answers from the local layer when it can and otherwise reads Redis and
// keeps the value locally for at most LocalTTL (and never past its Redis
// expiry). Set and Delete write Redis, drop the keys locally, then publish
// them on the channel; every instance subscribes and drops published keys
// from its local layer.
//
// Consistency: another instance stops returning an old value once it has
// received the invalidation, normally within milliseconds of Set or Delete
// returning, and in any case within LocalTTL. If the subscription is lost
// (error, or no answer to the health-check ping sent every second), the local
// layer is flushed and bypassed until the subscription is confirmed again, so
// an invalidation missed while disconnected is never served stale. A value
// read from Redis is only kept locally if no invalidation of its key and no
// loss of the subscription happened while it was being read.
//
// Residual windows, all bounded by LocalTTL: an invalidation lost on a
// connection that died silently is noticed by the next failed ping (about two
// seconds); a Set or Delete whose Redis write succeeded but whose PUBLISH
// failed returns an error and leaves other instances' copies to expire.
type Tiered struct {
	local    *Memory
	remote   *Redis
	rdb      redis.UniversalClient
	channel  string
	localTTL time.Duration

	// live is true while the subscription is confirmed; the local layer is
	// only used then.
	live atomic.Bool
	// gen changes whenever the local layer is flushed for a lost or renewed
	// subscription; slots[h(key)] changes whenever key is invalidated. A Get
	// keeps a value read from Redis only if neither changed during the read.
	gen   atomic.Uint64
	seed  maphash.Seed
	slots [1024]atomic.Uint64

	healthEvery time.Duration
	// afterRead, when set (tests only), runs between reading Redis and
	// storing the value locally in Get.
	afterRead func(key string)
	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
	flights   singleflight.Group
}

var _ Cache = (*Tiered)(nil)

func newTiered(ctx context.Context, local *Memory, remote *Redis, rdb redis.UniversalClient, channel string, localTTL time.Duration) *Tiered {
	if localTTL <= 0 {
		localTTL = DefaultLocalTTL
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	t := &Tiered{
		local:       local,
		remote:      remote,
		rdb:         rdb,
		channel:     channel,
		localTTL:    localTTL,
		seed:        maphash.MakeSeed(),
		healthEvery: time.Second,
		cancel:      cancel,
		done:        make(chan struct{}),
	}
	go t.run(ctx)
	return t
}

// Subscribed reports whether the invalidation subscription is confirmed, that
// is whether the local layer is in use. It is false until the first
// subscription succeeds and while Redis is unreachable.
func (t *Tiered) Subscribed() bool { return t.live.Load() }

// Get returns the value under key from the local layer or Redis, or ErrMiss.
func (t *Tiered) Get(ctx context.Context, key string) ([]byte, error) {
	if t.live.Load() {
		if v, err := t.local.Get(ctx, key); err == nil {
			return v, nil
		}
	}
	slot := t.slot(key)
	gen, seq, live := t.gen.Load(), slot.Load(), t.live.Load()
	v, ttl, err := t.remote.getTTL(ctx, key)
	if err != nil {
		return nil, err
	}
	if t.afterRead != nil {
		t.afterRead(key)
	}
	if live && ttl > 0 {
		_ = t.local.Set(ctx, key, v, min(ttl, t.localTTL))
		// Checked after storing: an invalidation or flush that comes later
		// removes the entry itself.
		if !t.live.Load() || t.gen.Load() != gen || slot.Load() != seq {
			_ = t.local.Delete(ctx, key)
		}
	}
	return v, nil
}

// Set stores value under key in Redis, drops key locally and publishes it to
// the other instances.
func (t *Tiered) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkTTL("tiered", ttl); err != nil {
		return err
	}
	err := t.remote.Set(ctx, key, value, ttl)
	t.invalidate(key) // even on error: the write may have been applied
	if err != nil {
		return err
	}
	return t.publish(ctx, key)
}

// Delete removes keys from Redis and the local layer and publishes them to
// the other instances.
func (t *Tiered) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	err := t.remote.Delete(ctx, keys...)
	t.invalidate(keys...)
	if err != nil {
		return err
	}
	return t.publish(ctx, keys...)
}

// Close stops the subscription and drops the local layer. It does not close
// the Redis client.
func (t *Tiered) Close() error {
	t.closeOnce.Do(func() {
		t.cancel()
		<-t.done
		t.live.Store(false)
		_ = t.local.Close()
	})
	return nil
}

func (t *Tiered) flight(key string) (*singleflight.Group, string) { return &t.flights, key }

func (t *Tiered) slot(key string) *atomic.Uint64 {
	return &t.slots[maphash.String(t.seed, key)%uint64(len(t.slots))]
}

// invalidate drops keys locally and marks them changed for Gets in flight.
func (t *Tiered) invalidate(keys ...string) {
	for _, k := range keys {
		t.slot(k).Add(1)
	}
	_ = t.local.Delete(context.Background(), keys...)
}

func (t *Tiered) publish(ctx context.Context, keys ...string) error {
	if err := redisx.Publish(ctx, t.rdb, t.channel, t.channel, encodeKeys(keys)); err != nil {
		return fmt.Errorf("cache tiered: publish: %w", redisx.Err("PUBLISH", err))
	}
	return nil
}

// lost stops using the local layer: the subscription is gone and
// invalidations may be missed from now on.
func (t *Tiered) lost() {
	t.live.Store(false)
	t.gen.Add(1)
	t.local.flush()
}

// subscribed starts using a fresh local layer: invalidations are received
// from now on (any sent before may have been missed).
func (t *Tiered) subscribed() {
	t.gen.Add(1)
	t.local.flush()
	t.live.Store(true)
}

// run keeps a subscription to the channel until ctx is done, reconnecting
// with backoff.
func (t *Tiered) run(ctx context.Context) {
	defer close(t.done)
	const minBackoff, maxBackoff = 50 * time.Millisecond, 2 * time.Second
	backoff := minBackoff
	for {
		wasLive := t.session(ctx, t.rdb.Subscribe(ctx, t.channel))
		t.lost()
		if wasLive {
			backoff = minBackoff
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// session reads ps until it fails or ctx is done, and reports whether the
// subscription was confirmed on the way. It always closes ps.
func (t *Tiered) session(ctx context.Context, ps *redis.PubSub) (wasLive bool) {
	ctx, cancel := context.WithCancel(ctx)
	var lastSeen atomic.Int64 // unix nanoseconds of the last message of any kind
	lastSeen.Store(time.Now().UnixNano())
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		t.healthCheck(ctx, ps, &lastSeen)
	}()
	defer func() {
		cancel()
		<-checked
	}()

	for {
		msg, err := ps.Receive(ctx)
		if err != nil {
			return wasLive
		}
		lastSeen.Store(time.Now().UnixNano())
		switch m := msg.(type) {
		case *redis.Subscription:
			// A confirmation after the first one means go-redis reconnected
			// by itself: messages may have been lost in between.
			if m.Kind == "subscribe" && m.Channel == t.channel {
				t.subscribed()
				wasLive = true
			}
		case *redis.Message:
			if m.Channel != t.channel {
				continue
			}
			keys, err := decodeKeys(m.Payload)
			if err != nil {
				t.gen.Add(1) // unreadable invalidation: forget everything
				t.local.flush()
				continue
			}
			t.invalidate(keys...)
		}
	}
}

// healthCheck pings ps when it has been quiet for healthEvery and closes it
// (ending the session) when the ping fails or is not answered in time, or when
// ctx is done.
func (t *Tiered) healthCheck(ctx context.Context, ps *redis.PubSub, lastSeen *atomic.Int64) {
	defer ps.Close()
	tick := time.NewTicker(t.healthEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		quiet := time.Since(time.Unix(0, lastSeen.Load()))
		if quiet >= 2*t.healthEvery {
			return // the previous ping was not answered
		}
		if quiet >= t.healthEvery {
			pctx, cancel := context.WithTimeout(ctx, t.healthEvery)
			err := ps.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
		}
	}
}

// encodeKeys packs keys, each preceded by its length as a uvarint, so any
// bytes may appear in a key.
func encodeKeys(keys []string) string {
	n := 0
	for _, k := range keys {
		n += binary.MaxVarintLen64 + len(k)
	}
	b := make([]byte, 0, n)
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
	}
	return string(b)
}

// decodeKeys reverses encodeKeys.
func decodeKeys(s string) ([]string, error) {
	var keys []string
	b := []byte(s)
	for len(b) > 0 {
		n, w := binary.Uvarint(b)
		if w <= 0 || uint64(len(b)-w) < n {
			return nil, errors.New("cache tiered: malformed invalidation message")
		}
		keys = append(keys, string(b[w:w+int(n)]))
		b = b[w+int(n):]
	}
	return keys, nil
}
