package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

const password = "uma senha bem longa"

func email(prefix string) string { return testenv.RandomName(prefix) + "@example.com" }

// page is one answer of the UI, its body read.
type page struct {
	Status int
	Header http.Header
	Body   string
	URL    *url.URL
}

func get(t testing.TB, c *apptest.Client, path string, header http.Header) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.Base+path, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	return do(t, c, req)
}

func postForm(t testing.TB, c *apptest.Client, path string, form url.Values, header http.Header) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.Base+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return do(t, c, req)
}

func do(t testing.TB, c *apptest.Client, req *http.Request) page {
	t.Helper()
	res, err := c.HTTP.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return page{Status: res.StatusCode, Header: res.Header, Body: string(b), URL: res.Request.URL}
}

// signupPage signs a clinic up through the page's form and returns the
// logged-in client and the dashboard it lands on.
func signupPage(t *testing.T, in *apptest.Instance, clinic, name string) (*apptest.Client, page) {
	t.Helper()
	c := in.Client(t)
	p := postForm(t, c, "/signup", url.Values{"clinic_name": {clinic}, "name": {name}, "email": {email("owner")}, "password": {password}}, nil)
	require.Equal(t, http.StatusOK, p.Status, "%s", p.Body)
	require.True(t, strings.HasPrefix(p.URL.Path, "/clinics/"), "lands on the dashboard, not %s", p.URL)
	return c, p
}

func TestPagesCarryTheSecurityHeaders(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, dbURL string) {
		in := apptest.New(t, dbURL, nil)
		owner, dash := signupPage(t, in, "Clínica Cabeçalhos", "Ana Souza")
		anon := in.Client(t)
		pages := []struct {
			name     string
			c        *apptest.Client
			path     string
			status   int
			noStore  bool
			language string
		}{
			{"login", anon, "/login", http.StatusOK, false, "pt-BR"},
			{"signup", anon, "/signup", http.StatusOK, false, "pt-BR"},
			{"no such page", anon, "/nope", http.StatusNotFound, false, "pt-BR"},
			{"dashboard", owner, dash.URL.Path, http.StatusOK, true, "pt-BR"},
			{"another clinic", owner, "/clinics/00000000-0000-4000-8000-000000000000/", http.StatusNotFound, true, "pt-BR"},
		}
		for _, tt := range pages {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				p := get(t, tt.c, tt.path, nil)
				require.Equal(t, tt.status, p.Status, "%s", p.Body)
				csp := p.Header.Get("Content-Security-Policy")
				for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "object-src 'none'", "base-uri 'none'"} {
					assert.Contains(t, csp, want)
				}
				for _, never := range []string{"unsafe-inline", "unsafe-eval", "*"} {
					assert.NotContains(t, csp, never)
				}
				assert.Equal(t, "nosniff", p.Header.Get("X-Content-Type-Options"))
				assert.Equal(t, "DENY", p.Header.Get("X-Frame-Options"))
				assert.Equal(t, "no-referrer", p.Header.Get("Referrer-Policy"))
				assert.Equal(t, "text/html; charset=utf-8", p.Header.Get("Content-Type"))
				if tt.noStore {
					assert.Equal(t, "no-store", p.Header.Get("Cache-Control"), "an authenticated page is never stored")
				}
				assert.Contains(t, p.Body, `<html lang="`+tt.language+`">`)
				assert.NotContains(t, p.Body, "<script>", "no inline script")
				assert.NotContains(t, p.Body, " style=", "no inline style")
			})
		}
	})
}

func TestCrossSiteFormsAreRefused(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, dbURL string) {
		in := apptest.New(t, dbURL, nil)
		owner, _ := signupPage(t, in, "Clínica Formulários", "Ana Souza")
		crossSite := http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}
		clinics := in.RowCount(t, "clinics")
		for _, tt := range []struct {
			name string
			path string
			form url.Values
		}{
			{"signup", "/signup", url.Values{"clinic_name": {"Forjada"}, "name": {"X"}, "email": {email("forged")}, "password": {password}}},
			{"login", "/login", url.Values{"email": {"a@example.com"}, "password": {password}}},
			{"logout", "/logout", nil},
			{"language", "/language", url.Values{"locale": {"en"}}},
		} {
			p := postForm(t, owner, tt.path, tt.form, crossSite)
			assert.Equal(t, http.StatusForbidden, p.Status, tt.name)
			assert.Contains(t, p.Body, "Requisição de outro site recusada.", tt.name)
		}
		assert.Equal(t, clinics, in.RowCount(t, "clinics"), "the forged signup created nothing")
		// Still logged in: the forged logout did nothing.
		p := get(t, owner, "/", nil)
		assert.Equal(t, http.StatusOK, p.Status)
		assert.True(t, strings.HasPrefix(p.URL.Path, "/clinics/"), "still logged in: %s", p.URL)
	})
}

func TestUserContentIsEscaped(t *testing.T) {
	t.Parallel()
	in := apptest.New(t, dbtest.SQLiteURL(t), nil)
	const evil = `<script>alert(1)</script>`
	_, dash := signupPage(t, in, evil+" Clínica", evil)
	assert.NotContains(t, dash.Body, evil)
	assert.Contains(t, dash.Body, "&lt;script&gt;alert(1)&lt;/script&gt;")
}

func TestLoginFormAnswersInTheVisitorsLanguageAndKeepsTheEmail(t *testing.T) {
	t.Parallel()
	in := apptest.New(t, dbtest.SQLiteURL(t), nil)
	c := in.Client(t)
	for _, tt := range []struct {
		acceptLanguage string
		lang           string
		label          string
	}{
		{"", "pt-BR", "Senha"},
		{"en-US,en;q=0.9", "en", "Password"},
		{"fr-FR", "pt-BR", "Senha"},
	} {
		h := http.Header{}
		if tt.acceptLanguage != "" {
			h.Set("Accept-Language", tt.acceptLanguage)
		}
		p := postForm(t, c, "/login", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password"}}, h)
		require.Equal(t, http.StatusUnauthorized, p.Status, "%s", p.Body)
		assert.Contains(t, p.Body, `<html lang="`+tt.lang+`">`)
		assert.Contains(t, p.Body, tt.label)
		assert.Contains(t, p.Body, `value="nobody@example.com"`, "the e-mail typed is kept")
		assert.NotContains(t, p.Body, "wrong password", "the password is never sent back")
	}
}

func TestPagesBehindALoginSendTheVisitorToLogIn(t *testing.T) {
	t.Parallel()
	in := apptest.New(t, dbtest.SQLiteURL(t), nil)
	c := in.Client(t)
	p := get(t, c, "/clinics/00000000-0000-4000-8000-000000000000/", nil)
	require.Equal(t, http.StatusOK, p.Status)
	assert.Equal(t, "/login", p.URL.Path)
	assert.Equal(t, "/clinics/00000000-0000-4000-8000-000000000000/", p.URL.Query().Get("next"))
}
