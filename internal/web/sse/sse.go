// Package sse streams a pub/sub subscription to a browser as Server-Sent
// Events (text/event-stream, read by the browser's EventSource).
//
// The stream is made of:
//
//   - first, an event named "ready" (EventReady) with the reconnection delay
//     (retry:): the subscription is in place, so whatever changes from now on
//     is sent. A browser that loaded its data before the stream opened, or
//     that reconnects after losing it, reloads on ready;
//   - one event per message, named by the Event option (default "message"),
//     whose data is the message's payload (one data: line per line of it);
//   - an event named "gap" (EventGap) when messages may have been lost
//     (pubsub.Message.Gap): the browser reloads;
//   - a comment every Heartbeat (default 15 s), so that proxies keep the
//     connection open and a client that went away is noticed.
//
// Every event has an increasing id: (from 1 on each stream). Nothing is
// replayed on reconnection (the pub/sub keeps no history): the new stream's
// ready says to reload instead.
//
// Stream must not sit behind middleware that buffers or compresses the
// response, or that cancels requests after a timeout: each event is flushed
// as it is written, and the stream lasts as long as the browser keeps it.
package sse

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"clinic/internal/platform/pubsub"
)

// Names of the events Stream sends besides the messages'.
const (
	EventReady = "ready"
	EventGap   = "gap"
)

// Defaults of the options.
const (
	DefaultEvent        = "message"
	DefaultRetry        = 2 * time.Second
	DefaultHeartbeat    = 15 * time.Second
	DefaultWriteTimeout = 10 * time.Second
)

// Option adjusts a Stream.
type Option func(*options)

type options struct {
	event        string
	retry        time.Duration
	heartbeat    time.Duration
	writeTimeout time.Duration
}

// Event names the events that carry messages (default "message"; the
// browser's EventSource.onmessage hears only those). Line breaks are removed
// from name.
func Event(name string) Option {
	name = strings.NewReplacer("\r", "", "\n", "").Replace(name)
	return func(o *options) {
		if name != "" {
			o.event = name
		}
	}
}

// Retry sets how long the browser waits before reconnecting after the stream
// ends (default 2 s).
func Retry(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.retry = d
		}
	}
}

// Heartbeat sets how often a comment is sent when nothing else is (default
// 15 s).
func Heartbeat(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.heartbeat = d
		}
	}
}

// WriteTimeout bounds each write to the client (default 10 s): a client that
// stops reading ends the stream instead of holding it.
func WriteTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.writeTimeout = d
		}
	}
}

// ErrNotSupported is returned (wrapped) by Stream when w cannot be flushed:
// nothing can be streamed through it.
var ErrNotSupported = errors.New("sse: the response cannot be flushed")

// Stream answers r with sub's messages as Server-Sent Events (see the
// package documentation) until the client goes away (r's context is done)
// or the subscription ends (its channel closes), and then returns nil; it
// returns an error when writing to the client fails. It sets the response's
// headers (Content-Type: text/event-stream, Cache-Control: no-store,
// X-Accel-Buffering: no, against buffering proxies), and lifts the server's
// read and write deadlines for the stream, bounding each write by
// WriteTimeout instead. The caller keeps ownership of sub (and closes it).
func Stream(w http.ResponseWriter, r *http.Request, sub pubsub.Subscription, opts ...Option) error {
	o := options{event: DefaultEvent, retry: DefaultRetry, heartbeat: DefaultHeartbeat, writeTimeout: DefaultWriteTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	rc := http.NewResponseController(w)
	// Nothing more of the request is read: lift the server's read deadline.
	if err := rc.SetReadDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("sse: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	h.Del("Content-Length")

	s := stream{w: w, rc: rc, writeTimeout: o.writeTimeout}
	// The headers and the first event in one write; the flush reveals
	// whether w can stream at all.
	s.buf.WriteString("retry: ")
	s.buf.WriteString(strconv.FormatInt(o.retry.Milliseconds(), 10))
	s.buf.WriteByte('\n')
	s.event(EventReady, []byte("{}"))
	if err := s.send(); err != nil {
		if errors.Is(err, http.ErrNotSupported) {
			return fmt.Errorf("%w: %w", ErrNotSupported, err)
		}
		return err
	}

	heartbeat := time.NewTicker(o.heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case m, ok := <-sub.C():
			if !ok {
				return nil
			}
			if m.Gap {
				s.event(EventGap, []byte("{}"))
			} else {
				s.event(o.event, m.Payload)
			}
		case <-heartbeat.C:
			s.buf.WriteString(": heartbeat\n\n")
		}
		if err := s.send(); err != nil {
			if r.Context().Err() != nil {
				return nil // the client went away while we wrote
			}
			return err
		}
		heartbeat.Reset(o.heartbeat)
	}
}

// stream is one response being streamed.
type stream struct {
	w            http.ResponseWriter
	rc           *http.ResponseController
	writeTimeout time.Duration
	buf          bytes.Buffer
	id           uint64
}

// event appends an event named name with data, and the next id.
func (s *stream) event(name string, data []byte) {
	s.id++
	s.buf.WriteString("id: ")
	s.buf.WriteString(strconv.FormatUint(s.id, 10))
	s.buf.WriteString("\nevent: ")
	s.buf.WriteString(name)
	s.buf.WriteByte('\n')
	// One data: line per line of data, whatever its line breaks (CRLF, CR
	// or LF): the browser joins them with LF.
	for {
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 {
			break
		}
		s.line(data[:i])
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	s.line(data)
	s.buf.WriteByte('\n')
}

func (s *stream) line(data []byte) {
	s.buf.WriteString("data: ")
	s.buf.Write(data)
	s.buf.WriteByte('\n')
}

// send writes and flushes what is buffered, within writeTimeout.
func (s *stream) send() error {
	if err := s.rc.SetWriteDeadline(time.Now().Add(s.writeTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("sse: %w", err)
	}
	_, err := s.w.Write(s.buf.Bytes())
	s.buf.Reset()
	if err != nil {
		return fmt.Errorf("sse: write: %w", err)
	}
	if err := s.rc.Flush(); err != nil {
		return fmt.Errorf("sse: flush: %w", err)
	}
	return nil
}
