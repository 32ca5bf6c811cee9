package sse_test

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/platform/pubsub"
	"clinic/internal/web/sse"
)

// wait bounds every wait: generous, the tests check what arrives.
const wait = 10 * time.Second

// fakeSub is a Subscription whose messages the test sends.
type fakeSub struct{ ch chan pubsub.Message }

var _ pubsub.Subscription = (*fakeSub)(nil)

func newFakeSub() *fakeSub                  { return &fakeSub{ch: make(chan pubsub.Message)} }
func (f *fakeSub) C() <-chan pubsub.Message { return f.ch }
func (f *fakeSub) Close() error             { return nil }

// event is one event (or comment) as an EventSource parses it.
type event struct {
	ID, Event, Data, Retry string
	Comment                string
}

// client reads a stream as a browser does.
type client struct {
	res    *http.Response
	events chan event
	errc   chan error
}

// open requests url and parses its events in the background until the
// response ends; cancel the returned function to go away.
func open(t *testing.T, url string) (*client, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = res.Body.Close() })
	c := &client{res: res, events: make(chan event, 100), errc: make(chan error, 1)}
	go c.read()
	return c, cancel
}

func (c *client) read() {
	defer close(c.events)
	sc := bufio.NewScanner(c.res.Body)
	var e event
	var data []string
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if data != nil || e.Retry != "" || e.Comment != "" {
				e.Data = strings.Join(data, "\n")
				c.events <- e
			}
			e, data = event{}, nil
			continue
		}
		if comment, ok := strings.CutPrefix(line, ":"); ok {
			e.Comment = strings.TrimSpace(comment)
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			e.ID = value
		case "event":
			e.Event = value
		case "data":
			data = append(data, value)
		case "retry":
			e.Retry = value
		}
	}
	c.errc <- sc.Err()
}

// next returns the next event that is not a comment.
func (c *client) next(t *testing.T) event {
	t.Helper()
	for {
		e := c.nextAny(t)
		if e.Comment == "" || e.Event != "" {
			return e
		}
	}
}

// nextAny returns the next event or comment.
func (c *client) nextAny(t *testing.T) event {
	t.Helper()
	select {
	case e, ok := <-c.events:
		require.True(t, ok, "the stream ended")
		return e
	case <-time.After(wait):
		t.Fatalf("no event within %s", wait)
		return event{}
	}
}

// ended waits for the stream to end.
func (c *client) ended(t *testing.T) {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case _, ok := <-c.events:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatalf("the stream did not end within %s", wait)
		}
	}
}

// server streams sub with opts; done receives what Stream returned.
func server(t *testing.T, sub pubsub.Subscription, opts ...sse.Option) (srv *httptest.Server, done chan error) {
	t.Helper()
	done = make(chan error, 1)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done <- sse.Stream(w, r, sub, opts...)
	}))
	t.Cleanup(srv.Close)
	return srv, done
}

func returned(t *testing.T, done chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(wait):
		t.Fatalf("Stream did not return within %s", wait)
		return nil
	}
}

func TestStreamSendsReadyThenEveryMessageInOrder(t *testing.T) {
	t.Parallel()
	sub := newFakeSub()
	srv, _ := server(t, sub, sse.Event("agenda"), sse.Retry(1500*time.Millisecond))
	c, _ := open(t, srv.URL)

	require.Equal(t, http.StatusOK, c.res.StatusCode)
	require.Equal(t, "text/event-stream", c.res.Header.Get("Content-Type"))
	require.Equal(t, "no-store", c.res.Header.Get("Cache-Control"))
	require.Equal(t, "no", c.res.Header.Get("X-Accel-Buffering"))
	require.Equal(t, event{ID: "1", Event: sse.EventReady, Data: "{}", Retry: "1500"}, c.next(t))

	tests := []struct {
		name string
		msg  pubsub.Message
		want event
	}{
		{"a message", pubsub.Message{Topic: "t", Payload: []byte(`{"kind":"created"}`)}, event{ID: "2", Event: "agenda", Data: `{"kind":"created"}`}},
		{"lines of a payload, whatever their breaks", pubsub.Message{Topic: "t", Payload: []byte("a\nb\r\nc\rd")}, event{ID: "3", Event: "agenda", Data: "a\nb\nc\nd"}},
		{"an empty payload", pubsub.Message{Topic: "t"}, event{ID: "4", Event: "agenda", Data: ""}},
		{"a gap", pubsub.Message{Topic: "t", Gap: true}, event{ID: "5", Event: sse.EventGap, Data: "{}"}},
		{"a message after a gap", pubsub.Message{Topic: "t", Payload: []byte("x")}, event{ID: "6", Event: "agenda", Data: "x"}},
	}
	// In order, on one stream: not parallel.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub.ch <- tt.msg
			require.Equal(t, tt.want, c.next(t))
		})
	}
}

func TestStreamDefaultsToMessageEvents(t *testing.T) {
	t.Parallel()
	sub := newFakeSub()
	srv, _ := server(t, sub)
	c, _ := open(t, srv.URL)
	require.Equal(t, event{ID: "1", Event: sse.EventReady, Data: "{}", Retry: "2000"}, c.next(t))
	sub.ch <- pubsub.Message{Payload: []byte("hi")}
	require.Equal(t, event{ID: "2", Event: sse.DefaultEvent, Data: "hi"}, c.next(t))
}

func TestStreamReturnsWhenTheClientGoesAway(t *testing.T) {
	t.Parallel()
	sub := newFakeSub()
	srv, done := server(t, sub)
	c, leave := open(t, srv.URL)
	require.Equal(t, sse.EventReady, c.next(t).Event)
	leave()
	require.NoError(t, returned(t, done))
}

func TestStreamEndsWhenTheSubscriptionEnds(t *testing.T) {
	t.Parallel()
	sub := newFakeSub()
	srv, done := server(t, sub)
	c, _ := open(t, srv.URL)
	require.Equal(t, sse.EventReady, c.next(t).Event)
	sub.ch <- pubsub.Message{Payload: []byte("last")}
	close(sub.ch)
	require.NoError(t, returned(t, done))
	require.Equal(t, "last", c.next(t).Data, "what was sent before the end arrives")
	c.ended(t)
	require.NoError(t, <-c.errc)
}

func TestStreamSendsHeartbeatsWhenIdle(t *testing.T) {
	t.Parallel()
	sub := newFakeSub()
	srv, _ := server(t, sub, sse.Heartbeat(20*time.Millisecond))
	c, _ := open(t, srv.URL)
	require.Equal(t, sse.EventReady, c.next(t).Event)
	for range 2 {
		e := c.nextAny(t)
		require.Equal(t, event{Comment: "heartbeat"}, e, "an idle stream sends only comments")
	}
	// Messages still arrive between heartbeats.
	sub.ch <- pubsub.Message{Payload: []byte("m")}
	require.Equal(t, "m", c.next(t).Data)
}

// TestStreamOutlivesTheServersTimeouts: a server with short read and write
// timeouts (as the app's) still streams past them.
func TestStreamOutlivesTheServersTimeouts(t *testing.T) {
	t.Parallel()
	sub := newFakeSub()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = sse.Stream(w, r, sub)
	}))
	srv.Config.ReadTimeout = 50 * time.Millisecond
	srv.Config.WriteTimeout = 50 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	c, _ := open(t, srv.URL)
	require.Equal(t, sse.EventReady, c.next(t).Event)
	time.Sleep(200 * time.Millisecond) // past both timeouts
	sub.ch <- pubsub.Message{Payload: []byte("later")}
	require.Equal(t, "later", c.next(t).Data)
}

// TestStreamOfARealSubscription streams an in-process pub/sub topic.
func TestStreamOfARealSubscription(t *testing.T) {
	t.Parallel()
	ps, err := pubsub.New(pubsub.Config{}, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ps.Close() })
	subscribed := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub, err := ps.Subscribe(r.Context(), "agenda:1")
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		defer sub.Close()
		close(subscribed)
		_ = sse.Stream(w, r, sub, sse.Event("agenda"))
	}))
	t.Cleanup(srv.Close)
	c, _ := open(t, srv.URL)
	require.Equal(t, sse.EventReady, c.next(t).Event)
	<-subscribed
	require.NoError(t, ps.Publish(t.Context(), "agenda:2", []byte("another clinic")))
	require.NoError(t, ps.Publish(t.Context(), "agenda:1", []byte(`{"kind":"created"}`)))
	require.Equal(t, event{ID: "2", Event: "agenda", Data: `{"kind":"created"}`}, c.next(t))
}

// noFlush is a ResponseWriter that cannot flush.
type noFlush struct{ h http.Header }

func (n *noFlush) Header() http.Header         { return n.h }
func (n *noFlush) Write(b []byte) (int, error) { return len(b), nil }
func (n *noFlush) WriteHeader(int)             {}

func TestStreamRefusesAWriterThatCannotFlush(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/", nil)
	err := sse.Stream(&noFlush{h: http.Header{}}, r, newFakeSub())
	require.ErrorIs(t, err, sse.ErrNotSupported)
	require.True(t, errors.Is(err, http.ErrNotSupported))
}
