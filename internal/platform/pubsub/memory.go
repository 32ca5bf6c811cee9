package pubsub

import (
	"context"
	"slices"
	"sync"
)

// hub fans messages out to the subscriptions of each topic in this process,
// without ever blocking: it is the memory backend, and the local end of the
// redis one.
//
// Each subscription's channel has room for buffer messages plus one Gap. A
// message is queued while fewer than buffer are waiting; otherwise it is
// dropped and a Gap is queued instead, once until the subscriber reads again
// (so a burst costs one Gap, not one per lost message). Only the hub sends
// on the channels, under its lock, so the room it sees cannot shrink.
type hub struct {
	mu     sync.Mutex
	buffer int
	topics map[string]map[*sub]struct{}
	closed bool
}

func newHub(buffer int) *hub {
	return &hub{buffer: buffer, topics: map[string]map[*sub]struct{}{}}
}

// sub is a Subscription of a hub.
type sub struct {
	topic string
	ch    chan Message
	// lastGap: the last message queued was a Gap (guarded by the hub's mu).
	lastGap bool
	// release takes the subscription off its hub (and its backend); it runs
	// once, on the first Close.
	release func(*sub)
	once    sync.Once
}

func (s *sub) C() <-chan Message { return s.ch }

func (s *sub) Close() error {
	s.once.Do(func() { s.release(s) })
	return nil
}

// add returns a new subscription of topic, or ErrClosed.
func (h *hub) add(topic string, release func(*sub)) (*sub, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	s := &sub{topic: topic, ch: make(chan Message, h.buffer+1), release: release}
	subs := h.topics[topic]
	if subs == nil {
		subs = map[*sub]struct{}{}
		h.topics[topic] = subs
	}
	subs[s] = struct{}{}
	return s, nil
}

// remove takes s off the hub and closes its channel (nothing once the hub
// is closed: its channel is closed already).
func (h *hub) remove(s *sub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	subs, ok := h.topics[s.topic]
	if !ok {
		return
	}
	if _, ok := subs[s]; !ok {
		return
	}
	delete(subs, s)
	if len(subs) == 0 {
		delete(h.topics, s.topic)
	}
	close(s.ch)
}

// deliver queues m for every subscription of m.Topic, or a Gap for those
// that are full (see hub).
func (h *hub) deliver(m Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.topics[m.Topic] {
		switch {
		case len(s.ch) < h.buffer:
			s.ch <- m
			s.lastGap = m.Gap
		case !s.lastGap:
			s.ch <- Message{Topic: m.Topic, Gap: true}
			s.lastGap = true
		}
	}
}

// close ends every subscription; add fails from now on.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for _, subs := range h.topics {
		for s := range subs {
			close(s.ch)
		}
	}
	clear(h.topics)
}

// memory is the in-process backend: a hub.
type memory struct{ hub *hub }

var _ PubSub = (*memory)(nil)

func newMemory(buffer int) *memory { return &memory{hub: newHub(buffer)} }

// Publish queues a copy of payload for every subscription of topic (see hub
// for a full one). It never blocks.
func (m *memory) Publish(_ context.Context, topic string, payload []byte) error {
	if err := checkTopic("memory", "publish", topic); err != nil {
		return err
	}
	m.hub.mu.Lock()
	closed := m.hub.closed
	m.hub.mu.Unlock()
	if closed {
		return ErrClosed
	}
	m.hub.deliver(Message{Topic: topic, Payload: slices.Clone(payload)})
	return nil
}

// Subscribe subscribes to topic at once.
func (m *memory) Subscribe(_ context.Context, topic string) (Subscription, error) {
	if err := checkTopic("memory", "subscribe", topic); err != nil {
		return nil, err
	}
	s, err := m.hub.add(topic, m.hub.remove)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Close ends every subscription.
func (m *memory) Close() error {
	m.hub.close()
	return nil
}
