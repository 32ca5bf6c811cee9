package webtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
)

// Message is one message of a page's console: a call of the console API, an
// uncaught exception (or unhandled promise rejection), or an entry of the
// browser's own log (a failed request, a blocked script: what DevTools shows
// in red).
type Message struct {
	// Type is the console method ("log", "info", "warning", "error",
	// "assert", …), "exception" for an uncaught exception, or the level of a
	// browser log entry ("debug", "info", "warning", "error").
	Type string
	// Text is what DevTools shows: the arguments joined by spaces, or the
	// exception with its message.
	Text string
	// Source is the part of the browser that wrote a log entry ("network",
	// "security", …); empty for the console API and exceptions.
	Source string
	// URL and Line (from 1) tell where it came from, when known.
	URL  string
	Line int64
}

// IsProblem reports whether the message fails a test: a console error, a
// failed console.assert, an uncaught exception, or an error of the browser's
// log.
//
// A form the server refuses (409 conflict, 422 invalid input) answers the
// form again with its messages: Chromium logs that answer as a failed load,
// but it is the page working as meant, so it is not a problem.
func (m Message) IsProblem() bool {
	switch m.Type {
	case "error", "assert", "exception":
		return !(m.Source == "network" && refusedForm.MatchString(m.Text))
	}
	return false
}

// refusedForm matches the browser's log entry of a 409 or 422 answer.
var refusedForm = regexp.MustCompile(`^Failed to load resource: the server responded with a status of (409|422)\b`)

func (m Message) String() string {
	s := m.Type
	if m.Source != "" {
		s += " (" + m.Source + ")"
	}
	s += ": " + m.Text
	if m.URL != "" {
		s += " at " + m.URL
		if m.Line > 0 {
			s += ":" + strconv.FormatInt(m.Line, 10)
		}
	}
	return s
}

// Events returns the console messages of the page so far, oldest first.
func (p *Page) Events() []Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.messages)
}

// AllowConsole lets console errors and uncaught exceptions whose text
// contains substr happen from now on without failing the test (the check
// runs when the test ends, so it covers those that already happened too).
func (p *Page) AllowConsole(substr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.allow = append(p.allow, substr)
}

// Problems returns the messages that fail the test when it ends: console
// errors and uncaught exceptions that no AllowConsole allowed.
func (p *Page) Problems() []Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return problems(p.messages, p.allow)
}

// problems returns the messages of ms that are problems and contain none of
// the allowed substrings.
func problems(ms []Message, allow []string) []Message {
	var out []Message
	for _, m := range ms {
		if m.IsProblem() && !slices.ContainsFunc(allow, func(a string) bool { return strings.Contains(m.Text, a) }) {
			out = append(out, m)
		}
	}
	return out
}

// checkConsole fails t when the page had problems. It runs when the test
// ends.
func (p *Page) checkConsole(t testing.TB) {
	t.Helper()
	if ps := p.Problems(); len(ps) > 0 {
		t.Error(formatProblems(ps))
	}
}

func formatProblems(ps []Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "webtest: the page had %d console error(s) or uncaught exception(s) "+
		"(webtest.AllowConsole(substr) allows one that the test expects):", len(ps))
	for _, m := range ps {
		b.WriteString("\n  " + m.String())
	}
	return b.String()
}

func consoleMessage(ev *runtime.EventConsoleAPICalled) Message {
	args := make([]string, 0, len(ev.Args))
	for _, a := range ev.Args {
		args = append(args, remoteText(a))
	}
	m := Message{Type: string(ev.Type), Text: strings.Join(args, " ")}
	if ev.Type == runtime.ConsoleAPICalledTypeAssert && m.Text == "" {
		m.Text = "console.assert"
	}
	if ev.StackTrace != nil && len(ev.StackTrace.CallFrames) > 0 {
		f := ev.StackTrace.CallFrames[0]
		m.URL, m.Line = f.URL, f.LineNumber+1
	}
	return m
}

func exceptionMessage(ev *runtime.EventExceptionThrown) Message {
	d := ev.ExceptionDetails
	if d == nil {
		return Message{Type: "exception", Text: "uncaught exception"}
	}
	text := d.Text // "Uncaught", "Uncaught (in promise)"
	if d.Exception != nil {
		if s := remoteText(d.Exception); s != "" {
			// The description of an Error is its stack: keep the first line.
			first, _, _ := strings.Cut(s, "\n")
			text = strings.TrimSpace(text + " " + first)
		}
	}
	return Message{Type: "exception", Text: text, URL: d.URL, Line: d.LineNumber + 1}
}

// logMessage converts an entry of the browser log; ok is false for any
// other event.
func logMessage(ev any) (m Message, ok bool) {
	e, ok := ev.(*log.EventEntryAdded)
	if !ok || e.Entry == nil {
		return Message{}, false
	}
	typ := string(e.Entry.Level)
	if e.Entry.Level == log.EntryLevelVerbose {
		typ = "debug"
	}
	m = Message{Type: typ, Text: e.Entry.Text, Source: string(e.Entry.Source), URL: e.Entry.URL}
	if e.Entry.LineNumber > 0 {
		m.Line = e.Entry.LineNumber + 1
	}
	return m, true
}

// remoteText is how DevTools shows a value: a string as it is, anything else
// by its description or its JSON value.
func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if o.Type == runtime.RemoteObjectTypeString {
		var s string
		if err := json.Unmarshal(o.Value, &s); err == nil {
			return s
		}
	}
	switch {
	case o.Description != "":
		return o.Description
	case o.UnserializableValue != "":
		return string(o.UnserializableValue)
	case len(o.Value) > 0:
		return string(o.Value)
	}
	return string(o.Type)
}
