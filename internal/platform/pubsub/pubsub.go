// Package pubsub sends small messages on named topics to whoever is
// subscribed at that moment, in one process ("memory") or across every
// server sharing a Redis ("redis").
//
// Delivery is at most once and nothing is kept: a message published while
// nobody listens is gone, and a subscriber that falls behind loses messages
// rather than slowing the publisher. A subscriber always learns that it may
// have lost something: a Message with Gap set arrives after the loss, so that
// whoever keeps state built from the messages (an open agenda) reloads it.
// Within one topic, messages from one publisher arrive in the order they were
// published.
//
// New picks the backend by name:
//
//   - "memory": in-process fan-out; every subscriber of the process receives
//     what the process publishes, and nothing crosses servers.
//   - "redis": PUBLISH and SUBSCRIBE on a shared Redis client; every
//     subscriber of every server using the same Redis and prefix receives
//     what any of them publishes. Each PubSub holds one subscription
//     connection whatever the number of topics and subscribers. On a Redis
//     Cluster, which forwards PUBLISH to the subscribers of every node, all
//     of a prefix's messages go through one node, the one the subscription
//     connections are on, so the guarantees above hold there too (see
//     redisx.Publish).
package pubsub

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// PubSub publishes messages on topics and subscribes to them. Safe for
// concurrent use.
type PubSub interface {
	// Publish sends payload to every subscription of topic that exists when
	// it is called (on every server, for a shared backend). Publishing to a
	// topic nobody subscribes to is not an error and the message is lost.
	// The payload is copied: the caller may reuse it. A backend that cannot
	// be reached returns an apperr.Unavailable error; after Close, ErrClosed.
	Publish(ctx context.Context, topic string, payload []byte) error
	// Subscribe subscribes to topic. It returns once the subscription is in
	// place: every message published after it returns is delivered, or
	// followed by a Gap if lost. ctx bounds only the subscribing; the
	// subscription lasts until its Close or the PubSub's. A backend that
	// cannot subscribe in time returns an apperr.Unavailable error; after
	// Close, ErrClosed.
	Subscribe(ctx context.Context, topic string) (Subscription, error)
	// Close ends every subscription (their channels close) and releases the
	// backend's resources, never the shared Redis client. Calling it again
	// is harmless.
	Close() error
}

// Subscription is one subscriber of one topic.
type Subscription interface {
	// C returns the channel messages arrive on, in order. It is closed when
	// the subscription ends (its Close or the PubSub's); messages buffered
	// before may still be read from it then.
	C() <-chan Message
	// Close ends the subscription and closes C. Calling it again, or after
	// the PubSub's Close, is harmless.
	Close() error
}

// Message is one message received on a topic, or a Gap.
type Message struct {
	// Topic is the topic the message was published on.
	Topic string
	// Payload is what the publisher sent (empty for a Gap). It is shared by
	// the topic's subscribers: do not modify it.
	Payload []byte
	// Gap reports that messages of Topic published before this point may
	// have been lost: the subscriber fell behind (its buffer was full) or
	// the connection to the backend was lost and is back. Whoever keeps
	// state built from the messages should reload it.
	Gap bool
}

// ErrClosed is returned by Publish and Subscribe after Close.
var ErrClosed = errors.New("pubsub: closed")

// Backend names accepted in Config.Backend.
const (
	BackendMemory = "memory"
	BackendRedis  = "redis"
)

// Defaults applied by Config.WithDefaults.
const (
	// DefaultBuffer is how many messages a subscription holds before it
	// drops the following ones (and queues a Gap).
	DefaultBuffer = 64
	// DefaultPrefix is put in front of every topic to make the Redis channel.
	DefaultPrefix = "clinic:pubsub:"
)

// Config selects and tunes a backend.
type Config struct {
	// Backend is "memory" (default) or "redis".
	Backend string
	// Buffer is how many messages each subscription holds unread before it
	// drops further ones, which it then replaces by one Gap; default
	// DefaultBuffer. A subscriber that reads as fast as messages come never
	// loses any.
	Buffer int
	// Prefix is put in front of every topic to make its Redis channel
	// (redis); default DefaultPrefix. PubSubs sharing a Redis exchange
	// messages only when they share the prefix.
	Prefix string
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Backend == "" {
		c.Backend = BackendMemory
	}
	if c.Buffer == 0 {
		c.Buffer = DefaultBuffer
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	return c
}

func (c Config) validate() error {
	switch c.Backend {
	case BackendMemory, BackendRedis:
	default:
		return fmt.Errorf("pubsub: unknown backend %q (want %q or %q)", c.Backend, BackendMemory, BackendRedis)
	}
	if c.Buffer < 1 {
		return fmt.Errorf("pubsub: Buffer must be at least 1, got %d", c.Buffer)
	}
	return nil
}

// New returns the backend named by cfg.Backend (after WithDefaults). The
// redis backend needs rdb, which New and Close never close; New does not
// wait for Redis, so a Redis that is down at start-up is used as soon as it
// is back (Subscribe answers apperr.Unavailable meanwhile).
func New(cfg Config, rdb redis.UniversalClient) (PubSub, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	switch cfg.Backend {
	case BackendRedis:
		if rdb == nil {
			return nil, fmt.Errorf("pubsub: backend %q needs a Redis client", cfg.Backend)
		}
		return newRedis(rdb, cfg.Prefix, cfg.Buffer), nil
	default:
		return newMemory(cfg.Buffer), nil
	}
}

// checkTopic refuses an empty topic.
func checkTopic(backend, op, topic string) error {
	if topic == "" {
		return fmt.Errorf("pubsub %s: %s: empty topic", backend, op)
	}
	return nil
}
