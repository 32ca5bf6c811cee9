package pubsub

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"clinic/internal/apperr"
	"clinic/internal/platform/redisx"
)

// subscribeTimeout bounds how long Subscribe waits for Redis to confirm.
const subscribeTimeout = 3 * time.Second

// redisPubSub publishes with PUBLISH and receives on one SUBSCRIBE
// connection for all its topics, fanning messages out in process (hub).
//
// Sessions: the connection is used for one session at a time. A session
// starts by subscribing to every topic that has local subscribers, and ends
// at the first receive error or when the health check (a PING whenever the
// connection has been quiet for healthEvery) goes unanswered; the next one
// starts after a backoff. Messages published between two sessions are lost,
// so when a new session is confirmed every topic that was live before gets a
// Gap.
//
// Confirmation: SUBSCRIBE's own reply cannot tell an old subscription from
// a new one, so each SUBSCRIBE is followed by a PING with a unique payload
// on the same connection; Redis answers in order, so its PONG means the
// SUBSCRIBE before it is in effect.
//
// Redis Cluster: every PUBLISH goes through the master of the prefix's hash
// slot, and each session's connection is opened there (by subscribing first
// to the channel named by the prefix alone), so messages keep the order and
// the "nothing from before Subscribe" guarantees of one server; the cluster
// forwards them to the subscribers of the other nodes.
type redisPubSub struct {
	rdb    redis.UniversalClient
	prefix string
	hub    *hub

	healthEvery time.Duration

	// mu guards the fields below and every write on ps, so that a topic's
	// SUBSCRIBE and PING go in order with the session's own.
	mu     sync.Mutex
	ps     *redis.PubSub // the current session's; nil between sessions
	topics map[string]*redisTopic
	// pending maps a PING payload to the topics its PONG confirms.
	pending map[string][]*redisTopic
	seq     uint64
	closed  bool

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// redisTopic is a topic with local subscribers.
type redisTopic struct {
	name string
	n    int // local subscriptions
	// ready is closed once Redis first confirmed the subscription; live is
	// true from then on (both guarded by redisPubSub.mu).
	ready chan struct{}
	live  bool
}

var _ PubSub = (*redisPubSub)(nil)

func newRedis(rdb redis.UniversalClient, prefix string, buffer int) *redisPubSub {
	ctx, cancel := context.WithCancel(context.Background())
	r := &redisPubSub{
		rdb: rdb, prefix: prefix, hub: newHub(buffer), healthEvery: time.Second,
		topics: map[string]*redisTopic{}, pending: map[string][]*redisTopic{},
		ctx: ctx, cancel: cancel, done: make(chan struct{}),
	}
	go r.run()
	return r
}

// Publish sends payload with PUBLISH (on a Redis Cluster, through the master
// of the prefix's slot, the node every session's connection is on, see
// redisx.Publish); local subscribers receive it back from Redis like every
// other server's.
func (r *redisPubSub) Publish(ctx context.Context, topic string, payload []byte) error {
	if err := checkTopic("redis", "publish", topic); err != nil {
		return err
	}
	if r.ctx.Err() != nil {
		return ErrClosed
	}
	if err := redisx.Publish(ctx, r.rdb, r.prefix, r.prefix+topic, payload); err != nil {
		return fmt.Errorf("pubsub redis: publish %q: %w", topic, redisx.Err("PUBLISH", err))
	}
	return nil
}

// Subscribe adds a local subscription of topic; the first one of a topic
// subscribes in Redis and waits (at most subscribeTimeout) for the
// confirmation.
func (r *redisPubSub) Subscribe(ctx context.Context, topic string) (Subscription, error) {
	if err := checkTopic("redis", "subscribe", topic); err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	s, err := r.hub.add(topic, r.release)
	if err != nil {
		r.mu.Unlock()
		return nil, err
	}
	t := r.topics[topic]
	if t == nil {
		t = &redisTopic{name: topic, ready: make(chan struct{})}
		r.topics[topic] = t
		if r.ps != nil {
			// A failed write ends the session (the receive fails too), and
			// the next session subscribes to t.
			token := r.token()
			r.pending[token] = []*redisTopic{t}
			if err := r.ps.Subscribe(r.ctx, r.prefix+topic); err == nil {
				_ = r.ps.Ping(r.ctx, token)
			}
		}
	}
	t.n++
	ready := t.ready
	r.mu.Unlock()

	timer := time.NewTimer(subscribeTimeout)
	defer timer.Stop()
	select {
	case <-ready:
		return s, nil
	case <-ctx.Done():
		_ = s.Close()
		return nil, fmt.Errorf("pubsub redis: subscribe %q: %w", topic, ctx.Err())
	case <-r.ctx.Done():
		_ = s.Close()
		return nil, ErrClosed
	case <-timer.C:
		_ = s.Close()
		return nil, apperr.Wrap(fmt.Errorf("pubsub redis: subscribe %q: not confirmed within %s", topic, subscribeTimeout),
			apperr.Unavailable, "A required service is temporarily unavailable. Please try again shortly.")
	}
}

// release takes s off the hub, and unsubscribes in Redis when it was the
// topic's last local subscription.
func (r *redisPubSub) release(s *sub) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hub.remove(s)
	t := r.topics[s.topic]
	if t == nil {
		return
	}
	if t.n--; t.n > 0 {
		return
	}
	delete(r.topics, s.topic)
	if r.ps != nil {
		_ = r.ps.Unsubscribe(r.ctx, r.prefix+s.topic)
	}
}

// Close stops the sessions and ends every subscription.
func (r *redisPubSub) Close() error {
	r.once.Do(func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		r.cancel()
		<-r.done
		r.hub.close()
	})
	return nil
}

// token returns a PING payload no other PING of r uses (r.mu held).
func (r *redisPubSub) token() string {
	r.seq++
	return "pubsub:" + strconv.FormatUint(r.seq, 10)
}

// run keeps a session going until Close, with backoff between failures.
func (r *redisPubSub) run() {
	defer close(r.done)
	const minBackoff, maxBackoff = 50 * time.Millisecond, 2 * time.Second
	backoff := minBackoff
	for {
		if r.session() {
			backoff = minBackoff
		}
		select {
		case <-r.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// session runs one session (see redisPubSub) and reports whether Redis
// answered during it.
func (r *redisPubSub) session() (answered bool) {
	// The channel named by the prefix alone (no topic is empty, so nothing
	// is published on it) puts the connection, on a Redis Cluster, on the
	// node that Publish sends every topic through (see redisx.Publish).
	ps := r.rdb.Subscribe(r.ctx, r.prefix)
	if !r.start(ps) {
		_ = ps.Close()
		return false
	}
	ctx, cancel := context.WithCancel(r.ctx)
	var lastSeen atomic.Int64 // unix nanoseconds of the last reply of any kind
	lastSeen.Store(time.Now().UnixNano())
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		r.healthCheck(ctx, ps, &lastSeen)
	}()
	defer func() {
		r.mu.Lock()
		if r.ps == ps {
			r.ps = nil
		}
		r.mu.Unlock()
		cancel()
		<-checked // closes ps
	}()
	for {
		msg, err := ps.Receive(ctx)
		if err != nil {
			return answered
		}
		lastSeen.Store(time.Now().UnixNano())
		answered = true
		switch m := msg.(type) {
		case *redis.Pong:
			r.confirmed(m.Payload)
		case *redis.Message:
			topic, ok := strings.CutPrefix(m.Channel, r.prefix)
			if !ok || topic == "" {
				continue
			}
			r.hub.deliver(Message{Topic: topic, Payload: []byte(m.Payload)})
		}
	}
}

// start makes ps the current session's and subscribes it to every topic
// with local subscribers; false when that cannot be sent.
func (r *redisPubSub) start(ps *redis.PubSub) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	clear(r.pending)
	if len(r.topics) > 0 {
		channels := make([]string, 0, len(r.topics))
		topics := make([]*redisTopic, 0, len(r.topics))
		for _, t := range r.topics {
			channels = append(channels, r.prefix+t.name)
			topics = append(topics, t)
		}
		token := r.token()
		if err := ps.Subscribe(r.ctx, channels...); err != nil {
			return false
		}
		if err := ps.Ping(r.ctx, token); err != nil {
			return false
		}
		r.pending[token] = topics
	}
	r.ps = ps
	return true
}

// confirmed handles the PONG of the PING with payload token: the topics it
// confirms are subscribed. A topic that was live before (in an earlier
// session) may have lost messages in between and gets a Gap.
func (r *redisPubSub) confirmed(token string) {
	r.mu.Lock()
	topics := r.pending[token]
	delete(r.pending, token)
	var gaps []string
	for _, t := range topics {
		if r.topics[t.name] != t {
			continue // unsubscribed meanwhile
		}
		if t.live {
			gaps = append(gaps, t.name)
			continue
		}
		t.live = true
		close(t.ready)
	}
	r.mu.Unlock()
	for _, name := range gaps {
		r.hub.deliver(Message{Topic: name, Gap: true})
	}
}

// healthCheck pings ps when it has been quiet for healthEvery, and closes it
// (ending the session) when a ping is not answered within another
// healthEvery, or when ctx is done.
func (r *redisPubSub) healthCheck(ctx context.Context, ps *redis.PubSub, lastSeen *atomic.Int64) {
	defer ps.Close()
	tick := time.NewTicker(r.healthEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		quiet := time.Since(time.Unix(0, lastSeen.Load()))
		if quiet >= 2*r.healthEvery {
			return // the previous ping was not answered
		}
		if quiet >= r.healthEvery {
			pctx, cancel := context.WithTimeout(ctx, r.healthEvery)
			err := ps.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
		}
	}
}
