package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/platform/db/dbtest"
)

func TestEveryAnswerCarriesTheSecurityHeaders(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
	}
	requests := []struct {
		name   string
		method string
		path   string
		body   func() any
		header http.Header
		status int
	}{
		{"signup (201)", "POST", "/api/v1/signup", func() any {
			return map[string]string{"clinic_name": "C", "name": "N", "email": email("headers"), "password": password}
		}, nil, http.StatusCreated},
		{"invalid body (400)", "POST", "/api/v1/signup", func() any { return `{"clinic_name":` }, nil, http.StatusBadRequest},
		{"no session (401)", "GET", "/api/v1/me", func() any { return nil }, nil, http.StatusUnauthorized},
		{"cross-site (403)", "POST", "/api/v1/logout", func() any { return nil }, http.Header{"Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"no such route (404)", "GET", "/api/v1/nope", func() any { return nil }, nil, http.StatusNotFound},
		{"OpenAPI document", "GET", "/api/v1/openapi.json", func() any { return nil }, nil, http.StatusOK},
		{"healthz", "GET", "/healthz", func() any { return nil }, nil, http.StatusOK},
		{"metrics", "GET", "/metrics", func() any { return nil }, nil, http.StatusOK},
	}
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		for _, rq := range requests {
			t.Run(rq.name, func(t *testing.T) {
				t.Parallel()
				res := in.Client(t).Do(rq.method, rq.path, rq.body(), rq.header)
				require.Equal(t, rq.status, res.Status, "%s", res.Body)
				for k, v := range want {
					require.Equal(t, v, res.Header.Get(k), k)
				}
				require.Empty(t, res.Header.Get("Strict-Transport-Security"), "BASE_URL is http")
			})
		}
	})
}

func TestHSTSOnlyWhenBaseURLIsHTTPS(t *testing.T) {
	t.Parallel()
	in := apptest.New(t, dbtest.SQLiteURL(t), map[string]string{"BASE_URL": "https://clinic.example"})
	for _, path := range []string{"/healthz", "/api/v1/me"} {
		res := in.Client(t).Do("GET", path, nil)
		require.Equal(t, "max-age=31536000", res.Header.Get("Strict-Transport-Security"), path)
		require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), path)
	}
}
