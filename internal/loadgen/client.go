package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// sessionCookie is the name of clinic's session cookie.
const sessionCookie = "clinic_session"

// ErrRateLimited is returned by Seed when the server answers 429: its rate
// limits are too low for a load run.
var ErrRateLimited = errors.New("the server answered 429 Too Many Requests: its rate limits are too low for a load run; " +
	"start it with larger limits, e.g. RATE_LIMIT_SIGNUP_IP=100000/1m RATE_LIMIT_LOGIN_IP=100000/1m " +
	"RATE_LIMIT_LOGIN_EMAIL=100000/1m RATE_LIMIT_API_CLINIC=100000000/1m (README, Load testing)")

// client calls the JSON API of one base URL.
type client struct {
	base string
	http *http.Client
}

// apiError is an answer outside 2xx.
type apiError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *apiError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Status, http.StatusText(e.Status), strings.TrimSpace(e.Body))
	if e.Status == http.StatusTooManyRequests {
		msg += "\n" + ErrRateLimited.Error()
	}
	return msg
}

// Unwrap makes a 429 answer an ErrRateLimited.
func (e *apiError) Unwrap() error {
	if e.Status == http.StatusTooManyRequests {
		return ErrRateLimited
	}
	return nil
}

// do sends in (as JSON, unless nil) to path with the session cookie (unless
// ""), decodes a 2xx answer into out (unless nil) and returns the session
// cookie the answer sets ("" if none). An answer outside 2xx is an *apiError.
func (c *client) do(ctx context.Context, method, path, cookie string, in, out any) (string, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return "", err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return "", err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
	}
	res, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return "", &apiError{Method: method, Path: path, Status: res.StatusCode, Body: string(b)}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return "", fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	for _, ck := range res.Cookies() {
		if ck.Name == sessionCookie {
			return ck.Value, nil
		}
	}
	return "", nil
}

// login logs email in and returns the session cookie.
func (c *client) login(ctx context.Context, email, password string) (string, error) {
	cookie, err := c.do(ctx, http.MethodPost, "/api/v1/login", "", map[string]string{"email": email, "password": password}, nil)
	if err != nil {
		return "", err
	}
	if cookie == "" {
		return "", fmt.Errorf("POST /api/v1/login: no %s cookie in the answer", sessionCookie)
	}
	return cookie, nil
}
