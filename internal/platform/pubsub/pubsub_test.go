package pubsub_test

import (
	"bufio"
	"net"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/platform/pubsub"
	"clinic/internal/platform/pubsub/pubsubtest"
	"clinic/internal/platform/redisx"
	"clinic/internal/platform/redisx/redistest"
	"clinic/internal/platform/testenv"
)

func TestMemory(t *testing.T) {
	t.Parallel()
	pubsubtest.Run(t, func(t *testing.T) pubsub.PubSub {
		return newPubSub(t, pubsub.Config{Backend: pubsub.BackendMemory}, nil)
	})
}

func TestRedis(t *testing.T) {
	t.Parallel()
	rdb := newClient(t, testenv.RedisURL(t), "")
	pubsubtest.Run(t, func(t *testing.T) pubsub.PubSub {
		return newPubSub(t, pubsub.Config{Backend: pubsub.BackendRedis, Prefix: randomPrefix()}, rdb)
	})
}

func TestRedisShared(t *testing.T) {
	t.Parallel()
	url := testenv.RedisURL(t)
	pubsubtest.RunShared(t, func(t *testing.T) (a, b pubsub.PubSub) {
		cfg := pubsub.Config{Backend: pubsub.BackendRedis, Prefix: randomPrefix()}
		return newPubSub(t, cfg, newClient(t, url, "")), newPubSub(t, cfg, newClient(t, url, ""))
	})
}

// The Redis Cluster runs: plain SUBSCRIBE and PUBLISH, which a cluster
// forwards to the subscribers of every node (go-redis sends each PUBLISH to
// any node), so one subscription connection serves every topic.

func TestRedisCluster(t *testing.T) {
	t.Parallel()
	rdb := redistest.Cluster(t)
	pubsubtest.Run(t, func(t *testing.T) pubsub.PubSub {
		return newPubSub(t, pubsub.Config{Backend: pubsub.BackendRedis, Prefix: randomPrefix()}, rdb)
	})
}

func TestRedisClusterShared(t *testing.T) {
	t.Parallel()
	redistest.Cluster(t)
	pubsubtest.RunShared(t, func(t *testing.T) (a, b pubsub.PubSub) {
		cfg := pubsub.Config{Backend: pubsub.BackendRedis, Prefix: randomPrefix()}
		return newPubSub(t, cfg, redistest.Cluster(t)), newPubSub(t, cfg, redistest.Cluster(t))
	})
}

// TestRedisClusterDeliversWhatAnyMasterPublishes: a subscriber, whichever
// node its connection is on, receives a message PUBLISHed on each master.
func TestRedisClusterDeliversWhatAnyMasterPublishes(t *testing.T) {
	t.Parallel()
	rdb := redistest.Cluster(t)
	prefix := randomPrefix()
	ps := newPubSub(t, pubsub.Config{Backend: pubsub.BackendRedis, Prefix: prefix}, rdb)
	s, err := ps.Subscribe(t.Context(), "agenda")
	require.NoError(t, err)
	masters, err := redistest.Masters(t.Context(), rdb.(*redis.ClusterClient))
	require.NoError(t, err)
	for _, addr := range masters {
		node := redis.NewClient(&redis.Options{Addr: addr})
		err := node.Publish(t.Context(), prefix+"agenda", "from "+addr).Err()
		_ = node.Close()
		require.NoError(t, err)
		require.Equal(t, pubsub.Message{Topic: "agenda", Payload: []byte("from " + addr)}, pubsubtest.Receive(t, s))
	}
}

func TestNewPicksTheBackendByName(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled by New
	t.Cleanup(func() { _ = rdb.Close() })
	tests := []struct {
		name    string
		cfg     pubsub.Config
		rdb     redis.UniversalClient
		wantErr string
	}{
		{"empty is memory", pubsub.Config{}, nil, ""},
		{"memory", pubsub.Config{Backend: "memory"}, nil, ""},
		{"redis", pubsub.Config{Backend: "redis"}, rdb, ""},
		{"redis without a client", pubsub.Config{Backend: "redis"}, nil, `backend "redis" needs a Redis client`},
		{"unknown backend", pubsub.Config{Backend: "kafka"}, nil, `unknown backend "kafka"`},
		{"negative buffer", pubsub.Config{Buffer: -1}, nil, "Buffer must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ps, err := pubsub.New(tt.cfg, tt.rdb)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.Nil(t, ps)
				return
			}
			require.NoError(t, err)
			require.NoError(t, ps.Close())
		})
	}
}

func TestMemoryFullSubscriptionKeepsItsBufferThenOneGap(t *testing.T) {
	t.Parallel()
	ps := newPubSub(t, pubsub.Config{Buffer: 2}, nil)
	s, err := ps.Subscribe(t.Context(), "t")
	require.NoError(t, err)
	for _, p := range []string{"1", "2", "3", "4", "5"} {
		require.NoError(t, ps.Publish(t.Context(), "t", []byte(p)))
	}
	want := []pubsub.Message{{Topic: "t", Payload: []byte("1")}, {Topic: "t", Payload: []byte("2")}, {Topic: "t", Gap: true}}
	for i, w := range want {
		require.Equal(t, w, pubsubtest.Receive(t, s), "message %d", i)
	}
	// Read again, it receives again.
	require.NoError(t, ps.Publish(t.Context(), "t", []byte("6")))
	require.Equal(t, pubsub.Message{Topic: "t", Payload: []byte("6")}, pubsubtest.Receive(t, s))
	require.NoError(t, s.Close())
	require.Empty(t, pubsubtest.Drain(t, s), "nothing was left unread")
}

// TestRedisLostConnectionIsFollowedByAGap kills the subscription's
// connection: the subscriber gets a Gap once the subscription is back, and
// every message published after the Gap arrives.
func TestRedisLostConnectionIsFollowedByAGap(t *testing.T) {
	t.Parallel()
	url := testenv.RedisURL(t)
	name := testenv.RandomName("pubsubtest")
	raw := newClient(t, url, "")
	cfg := pubsub.Config{Backend: pubsub.BackendRedis, Prefix: randomPrefix()}
	ps := newPubSub(t, cfg, newClient(t, url, name))
	s, err := ps.Subscribe(t.Context(), "t")
	require.NoError(t, err)
	other, err := ps.Subscribe(t.Context(), "u")
	require.NoError(t, err)
	require.NoError(t, ps.Publish(t.Context(), "t", []byte("before")))
	require.Equal(t, "before", string(pubsubtest.Receive(t, s).Payload))

	killPubSubConns(t, raw, name)
	// Messages may be lost until the Gap; the first Gap means the
	// subscription is back.
	for m := pubsubtest.Receive(t, s); !m.Gap; m = pubsubtest.Receive(t, s) {
		require.Equal(t, "before", string(m.Payload))
	}
	require.True(t, pubsubtest.Receive(t, other).Gap, "every live topic learns of the loss")
	require.NoError(t, ps.Publish(t.Context(), "t", []byte("after")))
	require.Equal(t, pubsub.Message{Topic: "t", Payload: []byte("after")}, pubsubtest.Receive(t, s))
}

// TestRedisUnreachable: with nothing listening on Redis's address, Publish
// and Subscribe answer apperr.Unavailable instead of hanging.
func TestRedisUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // the port is now closed
	ps := newPubSub(t, pubsub.Config{Backend: pubsub.BackendRedis, Prefix: randomPrefix()}, newClient(t, "redis://"+addr+"/0", ""))

	err = ps.Publish(t.Context(), "t", []byte("x"))
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "publish: %v", err)
	_, err = ps.Subscribe(t.Context(), "t")
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "subscribe: %v", err)
}

func newPubSub(t *testing.T, cfg pubsub.Config, rdb redis.UniversalClient) pubsub.PubSub {
	t.Helper()
	ps, err := pubsub.New(cfg, rdb)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, ps.Close()) })
	return ps
}

// newClient returns a client for url, named name (for CLIENT KILL) unless
// name is "".
func newClient(tb testing.TB, url, name string) redis.UniversalClient {
	tb.Helper()
	var rdb redis.UniversalClient
	if name == "" {
		var err error
		rdb, err = redisx.New(url)
		require.NoError(tb, err)
	} else {
		opts, err := redis.ParseURL(url)
		require.NoError(tb, err)
		opts.ClientName = name
		rdb = redis.NewClient(opts)
	}
	tb.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

func randomPrefix() string { return testenv.RandomName("test:pubsub:") + ":" }

// killPubSubConns kills the subscribed connections of the client named name.
func killPubSubConns(t *testing.T, raw redis.UniversalClient, name string) {
	t.Helper()
	list, err := raw.ClientList(t.Context()).Result()
	require.NoError(t, err)
	killed := 0
	sc := bufio.NewScanner(strings.NewReader(list))
	for sc.Scan() {
		fields := map[string]string{}
		for f := range strings.FieldsSeq(sc.Text()) {
			k, v, _ := strings.Cut(f, "=")
			fields[k] = v
		}
		if fields["name"] != name || fields["sub"] == "0" {
			continue
		}
		require.NoError(t, raw.ClientKillByFilter(t.Context(), "ID", fields["id"]).Err())
		killed++
	}
	require.Positive(t, killed, "no subscribed connection named %q", name)
}
