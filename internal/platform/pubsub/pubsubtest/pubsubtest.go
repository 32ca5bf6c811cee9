// Package pubsubtest is the contract suite every pubsub.PubSub backend must
// pass: Run for one instance, RunShared for two instances that exchange
// messages (two servers on one Redis).
package pubsubtest

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/platform/pubsub"
)

// Wait bounds every wait for a message: generous, since the suite checks
// what arrives, not how fast.
const Wait = 10 * time.Second

// Run checks that PubSubs made by newPubSub keep the pubsub.PubSub contract.
// newPubSub is called once per subtest, possibly in parallel; each PubSub it
// returns must have its own topic space (for example a random Redis prefix),
// use the default buffer (pubsub.DefaultBuffer) or a smaller one, and be
// closed by newPubSub through t.Cleanup (closing it again is part of the
// contract).
func Run(t *testing.T, newPubSub func(t *testing.T) pubsub.PubSub) {
	t.Helper()

	t.Run("a subscriber receives what is published after Subscribe", func(t *testing.T) {
		t.Parallel()
		ps := newPubSub(t)
		s := subscribe(t, ps, "agenda:1")
		publish(t, ps, "agenda:1", "hello")
		m := Receive(t, s)
		require.Equal(t, pubsub.Message{Topic: "agenda:1", Payload: []byte("hello")}, m)
	})

	t.Run("messages of a topic arrive in the order they were published", func(t *testing.T) {
		t.Parallel()
		ps := newPubSub(t)
		s := subscribe(t, ps, "t")
		const n = 50
		for i := range n {
			publish(t, ps, "t", strconv.Itoa(i))
		}
		requirePayloads(t, s, seq(0, n)...)
	})

	t.Run("a subscriber receives only its own topic", func(t *testing.T) {
		t.Parallel()
		ps := newPubSub(t)
		// "t:1" is a prefix of "t:10": neither may see the other's.
		one, ten := subscribe(t, ps, "t:1"), subscribe(t, ps, "t:10")
		publish(t, ps, "t:10", "for ten")
		publish(t, ps, "other", "for nobody")
		publish(t, ps, "t:1", "for one")
		// One publisher's messages arrive in order across topics too, so a
		// leak would arrive before the subscriber's own message.
		requirePayloads(t, one, "for one")
		publish(t, ps, "t:10", "ten again")
		requirePayloads(t, ten, "for ten", "ten again")
	})

	t.Run("every subscriber of a topic receives every message in order", func(t *testing.T) {
		t.Parallel()
		ps := newPubSub(t)
		subs := make([]pubsub.Subscription, 8)
		for i := range subs {
			subs[i] = subscribe(t, ps, "t")
		}
		const n = 20
		for i := range n {
			publish(t, ps, "t", strconv.Itoa(i))
		}
		for i, s := range subs {
			t.Logf("subscriber %d", i)
			requirePayloads(t, s, seq(0, n)...)
		}
	})

	t.Run("a closed subscription ends and the others go on", func(t *testing.T) {
		t.Parallel()
		ps := newPubSub(t)
		gone, stays := subscribe(t, ps, "t"), subscribe(t, ps, "t")
		publish(t, ps, "t", "before")
		require.NoError(t, gone.Close())
		require.NoError(t, gone.Close(), "a second Close")
		publish(t, ps, "t", "after")
		requirePayloads(t, stays, "before", "after")
		for _, m := range Drain(t, gone) {
			require.Equal(t, "before", string(m.Payload), "received after its Close")
		}
	})

	t.Run("a topic subscribed again after its last subscriber left receives again", func(t *testing.T) {
		t.Parallel()
		ps := newPubSub(t)
		for i := range 3 {
			s := subscribe(t, ps, "t")
			publish(t, ps, "t", strconv.Itoa(i))
			requirePayloads(t, s, strconv.Itoa(i))
			require.NoError(t, s.Close())
		}
	})

	t.Run("publishing to a topic nobody subscribes to succeeds and keeps nothing", func(t *testing.T) {
		t.Parallel()
		ps := newPubSub(t)
		publish(t, ps, "t", "lost")
		s := subscribe(t, ps, "t")
		publish(t, ps, "t", "seen")
		requirePayloads(t, s, "seen")
	})

	t.Run("the payload is copied on Publish", func(t *testing.T) {
		t.Parallel()
		ps := newPubSub(t)
		s := subscribe(t, ps, "t")
		b := []byte("original")
		require.NoError(t, ps.Publish(t.Context(), "t", b))
		copy(b, "CHANGED!")
		requirePayloads(t, s, "original")
	})

	t.Run("an empty payload arrives empty", func(t *testing.T) {
		t.Parallel()
		ps := newPubSub(t)
		s := subscribe(t, ps, "t")
		require.NoError(t, ps.Publish(t.Context(), "t", nil))
		m := Receive(t, s)
		require.False(t, m.Gap)
		require.Empty(t, m.Payload)
	})

	t.Run("an empty topic is refused", func(t *testing.T) {
		t.Parallel()
		ps := newPubSub(t)
		require.Error(t, ps.Publish(t.Context(), "", []byte("x")))
		_, err := ps.Subscribe(t.Context(), "")
		require.Error(t, err)
	})

	t.Run("Close ends every subscription and refuses further use", func(t *testing.T) {
		t.Parallel()
		ps := newPubSub(t)
		a, b := subscribe(t, ps, "a"), subscribe(t, ps, "b")
		require.NoError(t, ps.Close())
		Drain(t, a)
		Drain(t, b)
		require.ErrorIs(t, ps.Publish(t.Context(), "a", []byte("x")), pubsub.ErrClosed)
		_, err := ps.Subscribe(t.Context(), "a")
		require.ErrorIs(t, err, pubsub.ErrClosed)
		require.NoError(t, a.Close(), "a subscription's Close after the PubSub's")
		require.NoError(t, ps.Close(), "a second Close")
	})

	t.Run("a subscriber that does not read loses messages with a Gap and never blocks the publisher", func(t *testing.T) {
		t.Parallel()
		ps := newPubSub(t)
		s := subscribe(t, ps, "t")
		n := 4 * pubsub.DefaultBuffer
		published := make(chan error, 1)
		go func() {
			for i := range n {
				if err := ps.Publish(t.Context(), "t", []byte(strconv.Itoa(i))); err != nil {
					published <- err
					return
				}
			}
			published <- nil
		}()
		select {
		case err := <-published:
			require.NoError(t, err)
		case <-time.After(Wait):
			t.Fatalf("%d publishes to an unread subscription did not return within %s: the publisher is blocked", n, Wait)
		}
		// What the buffer kept, then (if anything was lost) a Gap; a later
		// message arrives once the subscriber reads again.
		got, gap := readUntil(t, s, "end", func() { publish(t, ps, "t", "end") })
		requireIncreasing(t, got)
		if len(got) < n {
			require.True(t, gap, "lost %d of %d messages without a Gap", n-len(got), n)
		}
	})

	t.Run("concurrent publishers keep their own order", func(t *testing.T) {
		t.Parallel()
		ps := newPubSub(t)
		s := subscribe(t, ps, "t")
		const publishers, each = 4, 25
		var wg sync.WaitGroup
		errs := make(chan error, publishers)
		for p := range publishers {
			wg.Go(func() {
				for i := range each {
					if err := ps.Publish(t.Context(), "t", fmt.Appendf(nil, "%d:%d", p, i)); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		// Read while they publish.
		last := map[int]int{}
		received, gap := 0, false
		for received < publishers*each && !gap {
			m := Receive(t, s)
			if m.Gap {
				gap = true
				continue
			}
			var p, i int
			_, err := fmt.Sscanf(string(m.Payload), "%d:%d", &p, &i)
			require.NoError(t, err, "payload %q", m.Payload)
			if prev, ok := last[p]; ok {
				require.Greater(t, i, prev, "publisher %d: %d after %d", p, i, prev)
			}
			last[p] = i
			received++
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	})
}

// RunShared checks that two PubSubs made by newPair on one shared backend
// exchange messages as one: both must use the same topic space (the same
// Redis and prefix) and nothing else may use it; newPair closes them through
// t.Cleanup.
func RunShared(t *testing.T, newPair func(t *testing.T) (a, b pubsub.PubSub)) {
	t.Helper()

	t.Run("a message published on one is received by the subscribers of both", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		onA, onB := subscribe(t, a, "agenda:1"), subscribe(t, b, "agenda:1")
		publish(t, a, "agenda:1", "from a")
		publish(t, b, "agenda:1", "from b")
		requirePayloads(t, onA, "from a", "from b")
		requirePayloads(t, onB, "from a", "from b")
	})

	t.Run("one publisher's messages arrive in order on the other", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		s := subscribe(t, b, "t")
		const n = 30
		for i := range n {
			publish(t, a, "t", strconv.Itoa(i))
		}
		requirePayloads(t, s, seq(0, n)...)
	})

	t.Run("topics stay apart across instances", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		s := subscribe(t, b, "t:1")
		publish(t, a, "t:10", "not for t:1")
		publish(t, a, "t:1", "for t:1")
		requirePayloads(t, s, "for t:1")
	})

	t.Run("closing one leaves the other receiving", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		onA, onB := subscribe(t, a, "t"), subscribe(t, b, "t")
		require.NoError(t, a.Close())
		Drain(t, onA)
		publish(t, b, "t", "still here")
		requirePayloads(t, onB, "still here")
	})
}

// Receive returns the next message of s, failing the test when none comes
// within Wait or the subscription ends.
func Receive(t testing.TB, s pubsub.Subscription) pubsub.Message {
	t.Helper()
	select {
	case m, ok := <-s.C():
		require.True(t, ok, "the subscription ended")
		return m
	case <-time.After(Wait):
		t.Fatalf("no message within %s", Wait)
		return pubsub.Message{}
	}
}

// Drain reads s until its channel is closed and returns what it read,
// failing the test when it is not closed within Wait.
func Drain(t testing.TB, s pubsub.Subscription) []pubsub.Message {
	t.Helper()
	var out []pubsub.Message
	timeout := time.After(Wait)
	for {
		select {
		case m, ok := <-s.C():
			if !ok {
				return out
			}
			out = append(out, m)
		case <-timeout:
			t.Fatalf("the subscription's channel was not closed within %s", Wait)
			return nil
		}
	}
}

func subscribe(t *testing.T, ps pubsub.PubSub, topic string) pubsub.Subscription {
	t.Helper()
	s, err := ps.Subscribe(t.Context(), topic)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func publish(t *testing.T, ps pubsub.PubSub, topic, payload string) {
	t.Helper()
	require.NoError(t, ps.Publish(t.Context(), topic, []byte(payload)))
}

// requirePayloads reads len(want) messages from s and checks them against
// want, in order (a Gap fails).
func requirePayloads(t *testing.T, s pubsub.Subscription, want ...string) {
	t.Helper()
	got := make([]string, 0, len(want))
	for range want {
		m := Receive(t, s)
		require.False(t, m.Gap, "a Gap after %q", got)
		got = append(got, string(m.Payload))
	}
	require.Equal(t, want, got)
}

// readUntil reads s until the payload end, calling send after each Gap and
// once the buffer looks drained, so that end is sent when there is room for
// it. It returns the numeric payloads read before end and whether a Gap
// came.
func readUntil(t *testing.T, s pubsub.Subscription, end string, send func()) (nums []int, gap bool) {
	t.Helper()
	send()
	for {
		m := Receive(t, s)
		switch {
		case m.Gap:
			gap = true
			send() // end may have been dropped with the others
		case string(m.Payload) == end:
			return nums, gap
		default:
			n, err := strconv.Atoi(string(m.Payload))
			require.NoError(t, err, "payload %q", m.Payload)
			nums = append(nums, n)
		}
	}
}

func requireIncreasing(t *testing.T, nums []int) {
	t.Helper()
	for i := 1; i < len(nums); i++ {
		require.Greater(t, nums[i], nums[i-1], "message %d after %d", nums[i], nums[i-1])
	}
}

func seq(from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, strconv.Itoa(i))
	}
	return out
}
