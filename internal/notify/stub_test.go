package notify_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// answer is what a provider stub replies: a status and a body, or a hang
// (no reply until the client gives up).
type answer struct {
	status int
	body   string
	hang   bool
}

// providerStub is a local HTTP server that checks every request against a
// provider's documented format (check returns what is wrong with it) and
// then gives its answer. A request that fails the check is answered 400
// with the problems, and the problems are kept for the test goroutine.
type providerStub struct {
	srv *httptest.Server

	mu       sync.Mutex
	problems []string
	requests int
}

func newProviderStub(t *testing.T, check func(r *http.Request, body []byte) []string, a answer) *providerStub {
	t.Helper()
	s := &providerStub{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		problems := check(r, body)
		if err != nil {
			problems = append(problems, "reading body: "+err.Error())
		}
		s.mu.Lock()
		s.requests++
		s.problems = append(s.problems, problems...)
		s.mu.Unlock()
		if len(problems) > 0 {
			http.Error(w, strings.Join(problems, "; "), http.StatusBadRequest)
			return
		}
		if a.hang {
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// seen returns how many requests arrived and what was wrong with them.
func (s *providerStub) seen() (int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, append([]string(nil), s.problems...)
}

func expect(problems *[]string, what string, got, want any) {
	if fmt.Sprint(got) != fmt.Sprint(want) {
		*problems = append(*problems, fmt.Sprintf("%s: got %q, want %q", what, got, want))
	}
}
