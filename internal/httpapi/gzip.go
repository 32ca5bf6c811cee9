package httpapi

import (
	"bytes"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// gzipWriters recycles compressors (each holds about a megabyte of state).
// klauspost/compress writes the same format as compress/gzip, with its
// fastest level about 40 % quicker on an agenda page, for a page as small.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // a valid level never fails
	return w
}}

// gzipBytes compresses plain with gzip (fastest level).
func gzipBytes(plain []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(plain)/4 + 64)
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(&buf)
	_, _ = w.Write(plain) // writing to a bytes.Buffer never fails
	_ = w.Close()
	gzipWriters.Put(w)
	return buf.Bytes()
}

// acceptsGzip reports whether the client accepts gzip-encoded answers
// (Accept-Encoding lists gzip or *, without q=0).
func acceptsGzip(accept []string) bool {
	for _, v := range accept {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			coding = strings.TrimSpace(coding)
			if coding != "gzip" && coding != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
				return false
			}
			return true
		}
	}
	return false
}

// gzipCache keeps the compressed form of bodies by a version that names
// their content (appointment.Service.ListJSON's), so that a page served
// again is not compressed again. It is local to this server and holds about
// maxBytes at most: entries fill a current generation, which becomes the
// old one when full (the older one is dropped); an entry found in the old
// generation moves back to the current one. A version of content that
// changed is never asked for again and ages out.
type gzipCache struct {
	mu       sync.RWMutex
	cur, old map[string][]byte
	curBytes int
	maxBytes int
}

// newGzipCache returns a gzipCache of about maxBytes.
func newGzipCache(maxBytes int) *gzipCache {
	return &gzipCache{cur: map[string][]byte{}, maxBytes: maxBytes}
}

// get returns the compressed body of version, if the cache has it. The
// caller must not modify the result.
func (c *gzipCache) get(version string) ([]byte, bool) {
	if version == "" {
		return nil, false
	}
	c.mu.RLock()
	gz, ok := c.cur[version]
	c.mu.RUnlock()
	if ok {
		return gz, true
	}
	c.mu.Lock()
	gz, ok = c.old[version]
	c.mu.Unlock()
	if ok {
		c.put(version, gz)
	}
	return gz, ok
}

// compressed returns plain compressed, from the cache when version is in
// it (and then plain is not looked at); version "" is never cached. The
// caller must not modify the result.
func (c *gzipCache) compressed(version string, plain []byte) []byte {
	if gz, ok := c.get(version); ok {
		return gz
	}
	gz := gzipBytes(plain)
	if version != "" {
		c.put(version, gz)
	}
	return gz
}

func (c *gzipCache) put(version string, gz []byte) {
	size := len(version) + len(gz)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[version]; ok {
		return
	}
	if c.curBytes+size > c.maxBytes/2 {
		c.old, c.cur, c.curBytes = c.cur, map[string][]byte{}, 0
	}
	c.cur[version] = gz
	c.curBytes += size
}
