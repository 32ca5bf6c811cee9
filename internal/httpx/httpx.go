// Package httpx is the HTTP plumbing that the JSON API (internal/httpapi)
// and the web UI (internal/web) share, written once: the middleware stack
// every request passes (request id, security headers, panics, deadline,
// body limit, metrics and log), authentication (session cookie or API
// token, the cross-site check, clinic membership), rate limits, and the one
// mapping of error codes to HTTP statuses. Each front end only renders: JSON
// for the API, HTML for the UI.
package httpx

import (
	"context"
	"net"
	"net/http"
	"strings"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
)

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxPrincipal
)

// RequestID returns the id the stack gave the request (empty outside it).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxRequestID).(string)
	return id
}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p kernel.Principal) context.Context {
	return context.WithValue(ctx, ctxPrincipal, p)
}

// PrincipalOf returns the caller that Auth authenticated (the zero
// Principal when none).
func PrincipalOf(ctx context.Context) kernel.Principal {
	p, _ := ctx.Value(ctxPrincipal).(kernel.Principal)
	return p
}

// StatusClientClosed is the status recorded (metrics, log) for a request
// whose client went away before the answer, as nginx does: it is not an
// error of the server, so it is kept apart from the 5xx answers.
const StatusClientClosed = 499

// Status returns the HTTP status that answers an error code (the one place
// codes meet HTTP).
func Status(code apperr.Code) int {
	switch code {
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.Unsupported:
		return http.StatusUnsupportedMediaType
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// ClientIP returns the caller's IP: the peer address, or with trustProxy
// the last address in X-Forwarded-For (the one our own proxy appended).
func ClientIP(trustProxy bool, r *http.Request) string {
	if trustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(ip) != nil {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
