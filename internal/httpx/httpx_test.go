package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"clinic/internal/apperr"
	"clinic/internal/httpx"
)

func TestStatusOfEveryCode(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		code apperr.Code
		want int
	}{
		{apperr.Invalid, http.StatusBadRequest},
		{apperr.NotFound, http.StatusNotFound},
		{apperr.Conflict, http.StatusConflict},
		{apperr.Unauthorized, http.StatusUnauthorized},
		{apperr.Forbidden, http.StatusForbidden},
		{apperr.RateLimited, http.StatusTooManyRequests},
		{apperr.TooLarge, http.StatusRequestEntityTooLarge},
		{apperr.Unavailable, http.StatusServiceUnavailable},
		{apperr.Internal, http.StatusInternalServerError},
		{apperr.Code("something new"), http.StatusInternalServerError},
	} {
		assert.Equal(t, tt.want, httpx.Status(tt.code), tt.code)
	}
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		remote     string
		xff        string
		trustProxy bool
		want       string
	}{
		{"peer", "192.0.2.1:5000", "", false, "192.0.2.1"},
		{"forwarded header ignored without a proxy", "192.0.2.1:5000", "203.0.113.9", false, "192.0.2.1"},
		{"our proxy's address: the last one", "10.0.0.1:5000", "198.51.100.7, 203.0.113.9", true, "203.0.113.9"},
		{"a forged header is not an address", "10.0.0.1:5000", "not-an-ip", true, "10.0.0.1"},
		{"IPv6 peer", "[2001:db8::1]:443", "", false, "2001:db8::1"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		assert.Equal(t, tt.want, httpx.ClientIP(tt.trustProxy, r), tt.name)
	}
}
