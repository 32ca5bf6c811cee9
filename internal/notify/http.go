package notify

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// DefaultHTTPTimeout bounds one request to an HTTP provider when the
// configuration gives no client and no timeout.
const DefaultHTTPTimeout = 15 * time.Second

// maxResponseBody bounds what is read of a provider's answer.
const maxResponseBody = 1 << 20

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// validPhone reports whether s is a phone number in E.164 (+ then 7 to 15
// digits, the first not 0).
func validPhone(s string) bool { return e164.MatchString(s) }

func httpClient(c *http.Client, timeout time.Duration) *http.Client {
	if c != nil {
		return c
	}
	if timeout <= 0 {
		timeout = DefaultHTTPTimeout
	}
	return &http.Client{Timeout: timeout}
}

// roundTrip sends req and returns the status and (bounded) body. A failure
// to send or to read the answer is a *TransportError.
func roundTrip(kind string, c *http.Client, req *http.Request) (int, []byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, &TransportError{Kind: kind, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return resp.StatusCode, nil, &TransportError{Kind: kind, Err: fmt.Errorf("reading the answer (HTTP %d): %w", resp.StatusCode, err)}
	}
	return resp.StatusCode, body, nil
}

// temporaryStatus reports whether an HTTP status means "try again later".
func temporaryStatus(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// snippet returns the start of an unparseable body for an error message.
func snippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func joinURL(base string, parts ...string) string {
	return strings.TrimRight(base, "/") + "/" + strings.Join(parts, "/")
}
