package httpapi

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func gunzipString(t *testing.T, gz []byte) string {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(gz))
	require.NoError(t, err)
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(b)
}

func TestGzipCacheCompressesOncePerVersion(t *testing.T) {
	t.Parallel()
	page := []byte(`{"items":[` + strings.Repeat(`{"id":"x"},`, 100) + `{}]}`)
	c := newGzipCache(1 << 20)

	first := c.compressed("v1", page)
	require.Equal(t, string(page), gunzipString(t, first))
	again := c.compressed("v1", []byte("ignored: the version names the page"))
	require.Same(t, &first[0], &again[0], "a version is compressed once")

	unversioned := c.compressed("", page)
	require.Equal(t, string(page), gunzipString(t, unversioned))
	require.NotContains(t, c.cur, "", "a page without a version is not kept")
}

func TestGzipCacheStaysWithinItsSize(t *testing.T) {
	t.Parallel()
	c := newGzipCache(4 << 10)
	page := []byte(strings.Repeat("agenda ", 50))
	for i := range 1000 {
		c.compressed(strings.Repeat("v", 10)+string(rune('a'+i%26))+strings.Repeat("x", i%7)+string(rune(i)), page)
	}
	total := c.curBytes
	for v, gz := range c.old {
		total += len(v) + len(gz)
	}
	require.LessOrEqual(t, total, 4<<10)

	// An entry of the old generation is kept when used again.
	c.compressed("hot", page)
	c.old, c.cur, c.curBytes = c.cur, map[string][]byte{}, 0
	hot := c.old["hot"]
	require.Same(t, &hot[0], &c.compressed("hot", nil)[0])
	require.Contains(t, c.cur, "hot")
}

func TestAcceptsGzip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		accept []string
		want   bool
	}{
		{nil, false},
		{[]string{"identity"}, false},
		{[]string{"gzip"}, true},
		{[]string{"br;q=1.0, gzip;q=0.8"}, true},
		{[]string{"*"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip; q=0.000"}, false},
		{[]string{"br", "gzip"}, true},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, acceptsGzip(tt.accept), "%q", tt.accept)
	}
}
