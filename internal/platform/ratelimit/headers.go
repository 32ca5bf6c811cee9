package ratelimit

import (
	"net/http"
	"strconv"
	"time"
)

// WriteHeaders sets RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset
// (seconds until the bucket is full, rounded up) from r and, when r is not
// allowed, Retry-After (seconds, rounded up, at least 1).
func WriteHeaders(h http.Header, r Result) {
	h.Set("RateLimit-Limit", strconv.Itoa(r.Limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(max(r.Remaining, 0)))
	h.Set("RateLimit-Reset", strconv.FormatInt(ceilSeconds(r.ResetAfter), 10))
	if !r.Allowed {
		h.Set("Retry-After", strconv.FormatInt(max(ceilSeconds(r.RetryAfter), 1), 10))
	}
}

// ceilSeconds returns d in whole seconds, rounded up; 0 for d <= 0.
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}
