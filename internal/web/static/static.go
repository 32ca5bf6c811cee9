// Package static holds the web UI's own CSS and JavaScript and the vendored
// browser libraries (htmx, Event Calendar; see vendor/VERSIONS), embedded in
// the binary, and serves them under content-hashed URLs:
//
//	static.URL("app.css")                    // "/static/app.3f2a9c1e.css"
//	static.URL("vendor/htmx/htmx.min.js")    // "/static/vendor/htmx/htmx.min.0b1c2d3e.js"
//	mux.Handle("GET /static/", static.Handler())
//
// A URL names one version of one file, so the answer may be cached for a
// year (Cache-Control: public, max-age=31536000, immutable); a changed file
// gets a new URL. A URL whose hash is not the file's current one answers 404,
// as does an unknown file. Text files are sent gzip-compressed to clients
// that accept it (compressed once, on first request).
//
// The hashes are computed once, on first use of any function here. The files
// under vendor/ are written by `go run ./tools/vendor-assets`; never edit
// them by hand.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed *.css *.js *.svg vendor
var embedded embed.FS

// Prefix is the path under which Handler answers; every URL starts with it.
const Prefix = "/static/"

// cacheControl is sent with every file: its URL changes when it does.
const cacheControl = "public, max-age=31536000, immutable"

var defaultSet = sync.OnceValue(func() *set {
	s, err := newSet(embedded)
	if err != nil {
		panic(err) // the embedded tree is fixed at build time; the tests read it
	}
	return s
})

// URL returns the content-hashed URL of the named file, a slash-separated
// path relative to this package's directory ("app.css",
// "vendor/event-calendar/event-calendar.min.js"). It panics when there is no
// such file: a misspelt name is a programming error, and a template calling
// URL reports the panic as its error.
func URL(name string) string { return defaultSet().get(name).url }

// Integrity returns the Subresource Integrity value ("sha384-…") of the named
// file, for an integrity attribute beside URL. It panics like URL.
func Integrity(name string) string { return defaultSet().get(name).integrity }

// Handler serves the URLs that URL returns, for GET and HEAD, with
// long-lived cache headers, the file's Content-Type, an ETag and, for text
// files and clients that accept it, gzip. Any other path under Prefix
// answers 404.
func Handler() http.Handler { return defaultSet() }

// asset is one embedded file.
type asset struct {
	name        string // path relative to the package directory
	url         string
	body        []byte
	contentType string
	etag        string // strong, of the uncompressed body
	integrity   string
	gzipped     func() []byte // nil when not worth compressing; else nil result when no smaller
}

// set is every file of one tree, by name and by URL. It does not change
// after newSet.
type set struct {
	byName map[string]*asset
	byURL  map[string]*asset
}

func newSet(fsys fs.FS) (*set, error) {
	s := &set{byName: map[string]*asset{}, byURL: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])
		sri := sha512.Sum384(body)
		a := &asset{
			name:        name,
			url:         Prefix + hashedName(name, hash[:8]),
			body:        body,
			contentType: contentType(name),
			etag:        `"` + hash[:32] + `"`,
			integrity:   "sha384-" + base64.StdEncoding.EncodeToString(sri[:]),
		}
		if compressible(a.contentType) {
			a.gzipped = sync.OnceValue(func() []byte { return gzipIfSmaller(body) })
		}
		if other, ok := s.byURL[a.url]; ok {
			return fmt.Errorf("static: %s and %s have the same URL %s", other.name, name, a.url)
		}
		s.byName[name] = a
		s.byURL[a.url] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static: read files: %w", err)
	}
	return s, nil
}

func (s *set) get(name string) *asset {
	a, ok := s.byName[name]
	if !ok {
		panic(fmt.Sprintf("static: no file %q", name))
	}
	return a
}

// hashedName puts the hash before the last extension: "dir/app.css" becomes
// "dir/app.<hash>.css", "htmx.min.js" "htmx.min.<hash>.js", "LICENSE"
// "LICENSE.<hash>".
func hashedName(name, hash string) string {
	dir, base := path.Split(name)
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		return dir + base[:i] + "." + hash + base[i:]
	}
	return dir + base + "." + hash
}

// contentTypes are set here rather than taken from the system's MIME table,
// which differs between machines (and lacks woff2 on some).
var contentTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".json":  "application/json",
	".map":   "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".webp":  "image/webp",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
	".woff":  "font/woff",
	".txt":   "text/plain; charset=utf-8",
	"":       "text/plain; charset=utf-8", // LICENSE, VERSIONS
}

func contentType(name string) string {
	if ct, ok := contentTypes[path.Ext(path.Base(name))]; ok {
		return ct
	}
	return "application/octet-stream"
}

func compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") || contentType == "image/svg+xml" || contentType == "application/json"
}

// gzipIfSmaller returns body compressed, or nil when that saves under a tenth.
func gzipIfSmaller(body []byte) []byte {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil
	}
	if _, err := zw.Write(body); err != nil {
		return nil
	}
	if err := zw.Close(); err != nil {
		return nil
	}
	if b.Len() > len(body)*9/10 {
		return nil
	}
	return b.Bytes()
}

// ServeHTTP implements Handler.
func (s *set) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	a, ok := s.byURL[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", cacheControl)
	h.Set("X-Content-Type-Options", "nosniff")
	body, etag := a.body, a.etag
	if a.gzipped != nil {
		h.Add("Vary", "Accept-Encoding")
		if gz := a.gzipped(); gz != nil && acceptsGzip(r.Header.Values("Accept-Encoding")) {
			body, etag = gz, strings.TrimSuffix(a.etag, `"`)+`-gzip"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	// ServeContent answers If-None-Match (304), HEAD and Range.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether Accept-Encoding lists gzip (or *) with a
// non-zero quality.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.ToLower(params), " ", "")
			if q == "q=0" || strings.HasPrefix(q, "q=0.") && strings.Trim(q[len("q=0."):], "0") == "" {
				continue
			}
			return true
		}
	}
	return false
}
