// Package apptest starts whole clinic instances for end-to-end API tests and
// gives them a small JSON client with a cookie jar.
package apptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app"
	"clinic/internal/config"
)

// Instance is a running clinic server.
type Instance struct {
	*app.App
	URL  string
	stop func()
}

// Stop shuts the instance down (gracefully) before the test ends; stopping
// twice is harmless.
func (in *Instance) Stop() { in.stop() }

// Config returns the configuration a test instance starts from: defaults,
// the given database URL, and cheap password hashing (still argon2id).
func Config(t testing.TB, databaseURL string, env map[string]string) config.Config {
	t.Helper()
	vars := map[string]string{
		"PASSWORD_HASH_MEMORY_KIB": "1024", "PASSWORD_HASH_ITERATIONS": "1",
		// Every test client comes from 127.0.0.1: per-IP limits would trip
		// across unrelated tests. Tests of those limits set them explicitly.
		"RATE_LIMIT_SIGNUP_IP": "100000/1m", "RATE_LIMIT_LOGIN_IP": "100000/1m",
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.LoadFrom(func(k string) string { return vars[k] })
	require.NoError(t, err)
	cfg.DatabaseURL = databaseURL
	return cfg
}

// Start runs an instance with cfg on a free local port until the test ends.
func Start(t testing.TB, cfg config.Config, opts ...app.Option) *Instance {
	t.Helper()
	level := slog.LevelWarn
	if os.Getenv("TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	return StartWithLog(t, cfg, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level})), opts...)
}

// StartWithLog is Start with the instance logging to log, for tests of what
// it logs.
func StartWithLog(t testing.TB, cfg config.Config, log *slog.Logger, opts ...app.Option) *Instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log, opts...)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				require.NoError(t, err)
			case <-time.After(30 * time.Second):
				t.Error("apptest: instance did not stop within 30s")
			}
			require.NoError(t, a.Close())
		})
	}
	t.Cleanup(stop)
	return &Instance{App: a, URL: "http://" + ln.Addr().String(), stop: stop}
}

// New starts an instance on databaseURL with env applied over the defaults.
func New(t testing.TB, databaseURL string, env map[string]string) *Instance {
	t.Helper()
	return Start(t, Config(t, databaseURL, env))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Client is a JSON API client with its own cookie jar (one browser).
type Client struct {
	t      testing.TB
	Base   string
	HTTP   *http.Client
	Header http.Header
}

// Client returns a new client (empty cookie jar) for the instance.
func (in *Instance) Client(t testing.TB) *Client { return NewClient(t, in.URL) }

// NewClient returns a client for base with an empty cookie jar.
func NewClient(t testing.TB, base string) *Client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &Client{t: t, Base: base, HTTP: &http.Client{Jar: jar, Timeout: 30 * time.Second}, Header: http.Header{}}
}

// Response is a finished request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map.
func (r *Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body: %s", r.Body)
	return m
}

// Decode decodes the body into v.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// ErrorCode returns error.code of an error answer ("" otherwise).
func (r *Response) ErrorCode() string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// Do sends body (marshalled to JSON unless it is a string or []byte) and
// returns the answer. The exchange is checked against the OpenAPI document
// (CheckExchange): a body that does not match fails the test.
func (c *Client) Do(method, path string, body any, header ...http.Header) *Response {
	c.t.Helper()
	var rd io.Reader
	var sent []byte
	switch b := body.(type) {
	case nil:
	case string:
		sent = []byte(b)
	case []byte:
		sent = b
	default:
		j, err := json.Marshal(b)
		require.NoError(c.t, err)
		sent = j
	}
	if body != nil {
		rd = bytes.NewReader(sent)
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	require.NoError(c.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	for _, h := range header {
		for k, v := range h {
			req.Header[k] = v
		}
	}
	res, err := c.HTTP.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	if err := CheckExchange(method, path, sent, res.StatusCode, res.Header, b); err != nil {
		c.t.Errorf("apptest: %v", err)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// Signup creates a clinic and logs this client in as its owner; it returns
// the clinic id and user id.
func (c *Client) Signup(clinicName, email string) (clinicID, userID string) {
	c.t.Helper()
	res := c.Do("POST", "/api/v1/signup", map[string]string{
		"clinic_name": clinicName, "name": "Owner of " + clinicName, "email": email, "password": "correct horse battery",
	})
	require.Equal(c.t, http.StatusCreated, res.Status, "signup: %s", res.Body)
	var out struct {
		Clinic struct{ ID string } `json:"clinic"`
		User   struct{ ID string } `json:"user"`
	}
	res.Decode(c.t, &out)
	return out.Clinic.ID, out.User.ID
}

// Login logs this client in.
func (c *Client) Login(email, password string) *Response {
	c.t.Helper()
	return c.Do("POST", "/api/v1/login", map[string]string{"email": email, "password": password})
}

// Member adds a user with role to the clinic (through owner, an owner or
// admin client) and returns a client logged in as that user, and the user's
// id.
func (in *Instance) Member(t testing.TB, owner *Client, clinicID, role string) (*Client, string) {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	addr := role + "-" + hex.EncodeToString(b) + "@example.com"
	const password = "correct horse battery"
	res := owner.Do("POST", "/api/v1/clinics/"+clinicID+"/users", map[string]any{"email": addr, "name": "User " + role, "role": role, "password": password})
	require.Equal(t, http.StatusCreated, res.Status, "add %s: %s", role, res.Body)
	var out struct{ User struct{ ID string } }
	res.Decode(t, &out)
	c := in.Client(t)
	require.Equal(t, http.StatusOK, c.Login(addr, password).Status)
	return c, out.User.ID
}

// SessionToken returns the session cookie this client holds (failing the
// test when it has none).
func (c *Client) SessionToken(t testing.TB) string {
	t.Helper()
	req, err := http.NewRequest("GET", c.Base+"/", nil)
	require.NoError(t, err)
	for _, ck := range c.HTTP.Jar.Cookies(req.URL) {
		if ck.Name == "clinic_session" {
			return ck.Value
		}
	}
	t.Fatal("apptest: the client has no session cookie")
	return ""
}

// Try is Do for a goroutine other than the test's (one the test starts, or
// the condition of require.Eventually): it returns the error instead of
// failing the test, and never touches the client's t. Check the error on the
// test goroutine.
func (c *Client) Try(method, path string, body any) (*Response, error) {
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		raw = j
	}
	return c.Raw(method, path, raw)
}

// LogBuffer is a goroutine-safe buffer of JSON log lines, for tests of what
// an instance logs (slog.New(slog.NewJSONHandler(buf, nil))).
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Records returns every line logged so far, decoded.
func (b *LogBuffer) Records(t testing.TB) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), "log line: %s", line)
		out = append(out, rec)
	}
	return out
}

// Find returns the records whose msg is msg.
func (b *LogBuffer) Find(t testing.TB, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, rec := range b.Records(t) {
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// WaitFor returns the records whose msg is msg once there is at least one,
// polling for up to 10 seconds (on the calling goroutine) for a line that an
// instance logs after an answer; it fails the test if none comes.
func (b *LogBuffer) WaitFor(t testing.TB, msg string) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if recs := b.Find(t, msg); len(recs) > 0 || time.Now().After(deadline) {
			require.NotEmpty(t, recs, "nothing logged %q; logs: %v", msg, b.Records(t))
			return recs
		}
		time.Sleep(10 * time.Millisecond)
	}
}
