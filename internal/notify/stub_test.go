package notify_test

import (
	"fmt"
	"net/http"
	"testing"

	"clinic/internal/notify/notifytest"
)

// answer is what a provider stub replies: a status and a body, or a hang
// (no reply until the client gives up).
type answer struct {
	status int
	body   string
	hang   bool
}

// providerStub is a provider's local server (package notifytest) that also
// checks every request with the test's own check (what is wrong with it):
// a request that fails a check is answered 400 with the problems, and the
// problems are kept for the test goroutine.
type providerStub struct {
	srv *notifytest.Server
}

func newWhatsAppStub(t *testing.T, check func(r *http.Request, body []byte) []string, a answer) *providerStub {
	t.Helper()
	return withAnswer(notifytest.NewWhatsApp(t, notifytest.WhatsAppConfig{Check: check}), a)
}

func newTwilioStub(t *testing.T, check func(r *http.Request, body []byte) []string, a answer) *providerStub {
	t.Helper()
	return withAnswer(notifytest.NewTwilio(t, notifytest.TwilioConfig{Check: check}), a)
}

func withAnswer(s *notifytest.Server, a answer) *providerStub {
	// An empty body stays empty (the stub would write its success body).
	body := a.body
	if body == "" {
		body = " "
	}
	s.AnswerAll(notifytest.Reply{Status: a.status, Body: body, Hang: a.hang})
	return &providerStub{srv: s}
}

// seen returns how many requests arrived and what was wrong with them.
func (s *providerStub) seen() (int, []string) {
	return s.srv.Count(), s.srv.Problems()
}

func expect(problems *[]string, what string, got, want any) {
	if fmt.Sprint(got) != fmt.Sprint(want) {
		*problems = append(*problems, fmt.Sprintf("%s: got %q, want %q", what, got, want))
	}
}
