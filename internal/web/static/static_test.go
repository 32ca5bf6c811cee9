package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

// testFiles is a small tree with one file of each kind the UI may serve.
func testFiles() fstest.MapFS {
	return fstest.MapFS{
		"app.css":             {Data: []byte(strings.Repeat("body { color: #1f2937; }\n", 40))},
		"app.js":              {Data: []byte(strings.Repeat("document.title = 'x';\n", 40))},
		"img/logo.svg":        {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)},
		"fonts/a.woff2":       {Data: []byte("wOF2\x00\x01\x00\x00")},
		"vendor/x/x.min.js":   {Data: []byte("var x=1;")},
		"vendor/x/LICENSE":    {Data: []byte("MIT")},
		"vendor/x/data.bin":   {Data: []byte{0, 1, 2}},
		"vendor/x/tiny.css":   {Data: []byte("a{}")},
		"vendor/x/random.txt": {Data: []byte("k3j4h5g6f7d8s9a0")},
	}
}

func testSet(t *testing.T) *set {
	t.Helper()
	s, err := newSet(testFiles())
	require.NoError(t, err)
	return s
}

var hashedURL = regexp.MustCompile(`^/static/(.+/)?[^/]+\.[0-9a-f]{8}(\.[a-z0-9]+)?$`)

func TestURLPutsAContentHashBeforeTheExtension(t *testing.T) {
	t.Parallel()
	s := testSet(t)
	again := testSet(t)
	tests := []struct {
		name, pattern string
	}{
		{"app.css", `^/static/app\.[0-9a-f]{8}\.css$`},
		{"vendor/x/x.min.js", `^/static/vendor/x/x\.min\.[0-9a-f]{8}\.js$`},
		{"img/logo.svg", `^/static/img/logo\.[0-9a-f]{8}\.svg$`},
		{"vendor/x/LICENSE", `^/static/vendor/x/LICENSE\.[0-9a-f]{8}$`},
	}
	for _, tt := range tests {
		url := s.get(tt.name).url
		require.Regexp(t, tt.pattern, url, tt.name)
		require.Equal(t, url, again.get(tt.name).url, "%s: same content, same URL", tt.name)
	}
}

func TestURLChangesWithTheContent(t *testing.T) {
	t.Parallel()
	files := testFiles()
	before := testSet(t).get("app.css").url
	files["app.css"] = &fstest.MapFile{Data: []byte("body { color: red; }")}
	changed, err := newSet(files)
	require.NoError(t, err)
	require.NotEqual(t, before, changed.get("app.css").url)
}

func TestURLPanicsOnAnUnknownName(t *testing.T) {
	t.Parallel()
	s := testSet(t)
	require.PanicsWithValue(t, `static: no file "app.scss"`, func() { s.get("app.scss") })
}

func TestHandlerServesHashedURLsWithLongCacheHeaders(t *testing.T) {
	t.Parallel()
	s := testSet(t)
	tests := []struct {
		name        string
		contentType string
	}{
		{"app.js", "text/javascript; charset=utf-8"},
		{"app.css", "text/css; charset=utf-8"},
		{"img/logo.svg", "image/svg+xml"},
		{"fonts/a.woff2", "font/woff2"},
		{"vendor/x/LICENSE", "text/plain; charset=utf-8"},
		{"vendor/x/data.bin", "application/octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := s.get(tt.name)
			w := serve(s, http.MethodGet, a.url, nil)
			require.Equal(t, http.StatusOK, w.Code)
			require.Equal(t, tt.contentType, w.Header().Get("Content-Type"))
			require.Equal(t, "public, max-age=31536000, immutable", w.Header().Get("Cache-Control"))
			require.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
			require.Regexp(t, `^"[0-9a-f]{32}"$`, w.Header().Get("ETag"))
			require.Empty(t, w.Header().Get("Content-Encoding"), "no Accept-Encoding, no gzip")
			require.Equal(t, a.body, w.Body.Bytes())
		})
	}
}

func TestHandlerAnswers404ForAnythingButACurrentURL(t *testing.T) {
	t.Parallel()
	s := testSet(t)
	css := s.get("app.css").url
	tests := []struct {
		name, path string
	}{
		{"wrong hash", "/static/app.00000000.css"},
		{"no hash", "/static/app.css"},
		{"hash of another file", strings.Replace(css, "app.", "app2.", 1)},
		{"unknown file", "/static/nope.12345678.css"},
		{"directory", "/static/vendor/"},
		{"the prefix", "/static/"},
		{"outside the prefix", strings.TrimPrefix(css, "/static")},
		{"hash in upper case", strings.ToUpper(css[:len(css)-4]) + ".css"},
	}
	for _, tt := range tests {
		w := serve(s, http.MethodGet, tt.path, nil)
		require.Equal(t, http.StatusNotFound, w.Code, "%s: %s", tt.name, tt.path)
		require.NotEqual(t, cacheControl, w.Header().Get("Cache-Control"), "%s: a 404 is not cached for a year", tt.name)
	}
}

func TestHandlerConditionalAndMethodAnswers(t *testing.T) {
	t.Parallel()
	s := testSet(t)
	js := s.get("app.js")
	tests := []struct {
		name   string
		method string
		header http.Header
		status int
		body   bool
	}{
		{"matching ETag", http.MethodGet, http.Header{"If-None-Match": {js.etag}}, http.StatusNotModified, false},
		{"other ETag", http.MethodGet, http.Header{"If-None-Match": {`"abc"`}}, http.StatusOK, true},
		{"HEAD", http.MethodHead, nil, http.StatusOK, false},
		{"POST", http.MethodPost, nil, http.StatusMethodNotAllowed, true},
	}
	for _, tt := range tests {
		w := serve(s, tt.method, js.url, tt.header)
		require.Equal(t, tt.status, w.Code, tt.name)
		if tt.body {
			require.NotEmpty(t, w.Body.Bytes(), tt.name)
		} else {
			require.Empty(t, w.Body.Bytes(), tt.name)
		}
	}
}

func TestHandlerSendsGzipToClientsThatAcceptIt(t *testing.T) {
	t.Parallel()
	s := testSet(t)
	tests := []struct {
		name, file, acceptEncoding string
		gzip                       bool
	}{
		{"css, gzip accepted", "app.css", "gzip, deflate, br", true},
		{"js, any accepted", "app.js", "*", true},
		{"gzip refused", "app.css", "gzip;q=0, br", false},
		{"gzip refused with decimals", "app.css", "br, gzip; q=0.000", false},
		{"only br", "app.css", "br", false},
		{"gzip with a quality", "app.css", "br;q=1.0, gzip;q=0.5", true},
		{"already compressed kind", "fonts/a.woff2", "gzip", false},
		{"too small to gain", "vendor/x/tiny.css", "gzip", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := s.get(tt.file)
			w := serve(s, http.MethodGet, a.url, http.Header{"Accept-Encoding": {tt.acceptEncoding}})
			require.Equal(t, http.StatusOK, w.Code)
			if !tt.gzip {
				require.Empty(t, w.Header().Get("Content-Encoding"))
				require.Equal(t, a.body, w.Body.Bytes())
				return
			}
			require.Equal(t, "gzip", w.Header().Get("Content-Encoding"))
			require.Equal(t, "Accept-Encoding", w.Header().Get("Vary"))
			require.NotEqual(t, a.etag, w.Header().Get("ETag"), "the compressed form has its own ETag")
			zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
			require.NoError(t, err)
			plain, err := io.ReadAll(zr)
			require.NoError(t, err)
			require.Equal(t, a.body, plain)
		})
	}
}

func TestIntegrityIsTheSHA384OfTheFile(t *testing.T) {
	t.Parallel()
	s := testSet(t)
	// printf 'var x=1;' | openssl dgst -sha384 -binary | base64
	require.Equal(t, "sha384-BwzaVmfR2Z8Hw41+fRO+TIZbn7izcFNa6M7alUbyZch7de2M4C0zAYah4PoBtX6E", s.get("vendor/x/x.min.js").integrity)
}

// TestEmbeddedFiles checks the real tree: every file has a hashed URL that
// the handler serves, and the names the templates use exist.
func TestEmbeddedFiles(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"app.css", "app.js", "favicon.svg", "icons.svg",
		"vendor/htmx/htmx.min.js",
		"vendor/event-calendar/event-calendar.min.js",
		"vendor/event-calendar/event-calendar.min.css",
		"vendor/htmx/LICENSE", "vendor/event-calendar/LICENSE", "vendor/VERSIONS",
	} {
		url := URL(name)
		require.Regexp(t, hashedURL, url, name)
		require.Regexp(t, `^sha384-[A-Za-z0-9+/]{64}$`, Integrity(name), name)
		w := serve(Handler(), http.MethodGet, url, nil)
		require.Equal(t, http.StatusOK, w.Code, name)
	}
}

// TestNoExternalReferences keeps the embedded CSS and our JavaScript within
// the CSP (default-src 'self', no unsafe-eval): no url() of another origin
// or of data:, no @import, and in our scripts no URL, eval or innerHTML.
func TestNoExternalReferences(t *testing.T) {
	t.Parallel()
	urlRE := regexp.MustCompile(`(?i)url\(\s*['"]?\s*(https?:|//|data:)|@import`)
	jsRE := regexp.MustCompile(`https?://|\beval\(|new Function|\.innerHTML\b`)
	checked := 0
	for name, a := range defaultSet().byName {
		var re *regexp.Regexp
		switch {
		case strings.HasSuffix(name, ".css"):
			re = urlRE
		case strings.HasSuffix(name, ".js") && !strings.HasPrefix(name, "vendor/"):
			re = jsRE // vendored scripts are reviewed when pinned
		default:
			continue
		}
		checked++
		if m := re.Find(a.body); m != nil {
			t.Errorf("%s contains %q", name, m)
		}
	}
	require.GreaterOrEqual(t, checked, 3, "app.css, app.js and the calendar's CSS are checked")
}

func serve(h http.Handler, method, path string, header http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
