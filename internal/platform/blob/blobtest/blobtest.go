// Package blobtest is the contract suite every blob.Store backend must pass.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/platform/blob"
)

// Sample contents whose sniffed content types the suite checks.
var (
	// PNG is the start of a PNG image (signature and IHDR chunk).
	PNG = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
	// PDF is the start of a PDF document.
	PDF = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
	// Text is plain UTF-8 text.
	Text = []byte("Blood pressure 120/80, pulse 72. Patient feels well.\n")
)

// Run runs the contract suite against the stores newStore returns. Each
// subtest runs in parallel and calls newStore once; stores may share a
// backend, since subtests use keys from blob.NewKey under their own prefix.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	t.Helper()

	type testBundle struct {
		ctx   context.Context
		store blob.Store
		// key returns a fresh key unique to this subtest.
		key func() string
	}
	setup := func(t *testing.T) *testBundle {
		t.Helper()
		prefix := blob.NewKey("blobtest")
		return &testBundle{
			ctx:   t.Context(),
			store: newStore(t),
			key:   func() string { return blob.NewKey(prefix) },
		}
	}

	t.Run("PutThenOpenAndStatReturnTheContentAndItsInfo", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		key := b.key()
		before := time.Now()

		put, err := b.store.Put(b.ctx, key, bytes.NewReader(Text), blob.PutOptions{})
		require.NoError(t, err)
		want := blob.Info{Key: key, Size: int64(len(Text)), ContentType: "text/plain; charset=utf-8"}
		requireInfo(t, want, put, before)

		stat, err := b.store.Stat(b.ctx, key)
		require.NoError(t, err)
		requireInfo(t, want, stat, before)

		rc, info, err := b.store.Open(b.ctx, key)
		require.NoError(t, err)
		got, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		require.Equal(t, Text, got)
		requireInfo(t, want, info, before)
	})

	t.Run("ValidKeysOfEveryShapeRoundTrip", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		base := b.key()
		for _, suffix := range []string{
			"x",
			"clinics/42/attachments/report.v2-final_(1).pdf",
			"ünïcødé/名前 with spaces",
			"a+b=c&d;e,f@g$h!i~j'k",
			"trailing.dot.",
		} {
			key := base + "/" + suffix
			content := []byte("content of " + suffix)
			_, err := b.store.Put(b.ctx, key, bytes.NewReader(content), blob.PutOptions{})
			require.NoError(t, err, "key %q", key)
			requireContent(t, b.store, key, content)
		}
	})

	t.Run("ContentTypeIsSniffedFromTheContentOnly", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name    string
			keyExt  string // a misleading extension, which must not matter
			content []byte
			want    string
		}{
			{"PNG", ".pdf", PNG, "image/png"},
			{"PDF", ".png", PDF, "application/pdf"},
			{"Text", ".exe", Text, "text/plain; charset=utf-8"},
			{"HTML", ".txt", []byte("<!DOCTYPE html><html><script>alert(1)</script>"), "text/html; charset=utf-8"},
			{"Binary", ".jpg", []byte{0x00, 0x01, 0x02, 0xff, 0xfe}, "application/octet-stream"},
			{"Empty", ".png", nil, "text/plain; charset=utf-8"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				key := b.key() + tt.keyExt
				// One byte per Read: sniffing must not stop at a short read.
				put, err := b.store.Put(b.ctx, key, iotest.OneByteReader(bytes.NewReader(tt.content)), blob.PutOptions{})
				require.NoError(t, err)
				require.Equal(t, tt.want, put.ContentType, "Put")
				require.Equal(t, int64(len(tt.content)), put.Size)

				stat, err := b.store.Stat(b.ctx, key)
				require.NoError(t, err)
				require.Equal(t, tt.want, stat.ContentType, "Stat")

				rc, info, err := b.store.Open(b.ctx, key)
				require.NoError(t, err)
				require.NoError(t, rc.Close())
				require.Equal(t, tt.want, info.ContentType, "Open")
			})
		}
	})

	t.Run("PutOverMaxSizeFailsWithErrTooLargeAndStoresNothing", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name    string
			maxSize int64
			size    int64
		}{
			{"OneByteOver", 100, 101},
			{"LimitBelowSniffLength", 10, 4096},
			{"FarOverAfterSeveralMiB", 5<<20 + 300<<10, 7 << 20},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				key := b.key()
				src := &countingReader{r: io.LimitReader(newRandReader(1), tt.size)}
				_, err := b.store.Put(b.ctx, key, src, blob.PutOptions{MaxSize: tt.maxSize})
				require.ErrorIs(t, err, blob.ErrTooLarge)
				require.Equal(t, apperr.TooLarge, apperr.CodeOf(err), "error %v", err)
				require.LessOrEqual(t, src.n, tt.maxSize+64<<10, "Put read far past MaxSize")
				requireMissing(t, b.store, key)
			})
		}
	})

	t.Run("PutStopsReadingAnEndlessStreamPastMaxSize", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		key := b.key()
		const maxSize = 1 << 20
		// "Endless": it fails the Put instead of hanging the test when read
		// far past MaxSize.
		endless := io.MultiReader(io.LimitReader(newRandReader(2), 64<<20), iotest.ErrReader(errReadTooFar))
		src := &countingReader{r: endless}
		_, err := b.store.Put(b.ctx, key, src, blob.PutOptions{MaxSize: maxSize})
		require.ErrorIs(t, err, blob.ErrTooLarge)
		require.LessOrEqual(t, src.n, int64(maxSize+64<<10), "Put read far past MaxSize")
		requireMissing(t, b.store, key)
	})

	t.Run("PutOfExactlyMaxSizeSucceeds", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		key := b.key()
		content := bytes.Repeat([]byte("a"), 1000)
		info, err := b.store.Put(b.ctx, key, bytes.NewReader(content), blob.PutOptions{MaxSize: 1000})
		require.NoError(t, err)
		require.Equal(t, int64(1000), info.Size)
		requireContent(t, b.store, key, content)
	})

	t.Run("FailedPutLeavesThePreviousObjectInPlace", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name    string
			reader  func() io.Reader
			maxSize int64
			wantErr error
		}{
			{"TooLarge", func() io.Reader { return bytes.NewReader(make([]byte, 2048)) }, 1024, blob.ErrTooLarge},
			{"ReaderFailsMidway", func() io.Reader {
				return io.MultiReader(bytes.NewReader(PDF), iotest.ErrReader(errBoom))
			}, 0, errBoom},
			{"ReaderFailsAfterSeveralMiB", func() io.Reader {
				return io.MultiReader(io.LimitReader(newRandReader(3), 6<<20), iotest.ErrReader(errBoom))
			}, 0, errBoom},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				key := b.key()
				_, err := b.store.Put(b.ctx, key, bytes.NewReader(PNG), blob.PutOptions{})
				require.NoError(t, err)

				_, err = b.store.Put(b.ctx, key, tt.reader(), blob.PutOptions{MaxSize: tt.maxSize})
				require.ErrorIs(t, err, tt.wantErr)

				requireContent(t, b.store, key, PNG)
				info, err := b.store.Stat(b.ctx, key)
				require.NoError(t, err)
				require.Equal(t, "image/png", info.ContentType)
			})
		}
	})

	t.Run("PutWithFailingReaderStoresNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		key := b.key()
		_, err := b.store.Put(b.ctx, key, io.MultiReader(bytes.NewReader(Text), iotest.ErrReader(errBoom)), blob.PutOptions{})
		require.ErrorIs(t, err, errBoom)
		requireMissing(t, b.store, key)
	})

	t.Run("PutWithCancelledContextStoresNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		key := b.key()
		ctx, cancel := context.WithCancel(b.ctx)
		cancel()
		_, err := b.store.Put(ctx, key, bytes.NewReader(Text), blob.PutOptions{})
		require.ErrorIs(t, err, context.Canceled)
		requireMissing(t, b.store, key)
	})

	t.Run("ContextCancelledMidStreamStoresNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		key := b.key()
		ctx, cancel := context.WithCancel(b.ctx)
		defer cancel()
		// Past 5 MiB, so that an S3 store has begun a multipart upload.
		src := io.MultiReader(
			io.LimitReader(newRandReader(5), 6<<20),
			readerFunc(func([]byte) (int, error) { cancel(); return 0, io.EOF }),
			io.LimitReader(newRandReader(6), 1<<20),
		)
		_, err := b.store.Put(ctx, key, src, blob.PutOptions{})
		require.ErrorIs(t, err, context.Canceled)
		requireMissing(t, b.store, key)
	})

	t.Run("MissingKeyIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		key := b.key()

		_, err := b.store.Stat(b.ctx, key)
		require.ErrorIs(t, err, blob.ErrNotFound)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "Stat error %v", err)

		rc, _, err := b.store.Open(b.ctx, key)
		require.ErrorIs(t, err, blob.ErrNotFound)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "Open error %v", err)
		require.Nil(t, rc)
	})

	t.Run("KeyThatIsOnlyAPrefixOfOtherKeysIsNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		dir := b.key()
		_, err := b.store.Put(b.ctx, dir+"/child", bytes.NewReader(Text), blob.PutOptions{})
		require.NoError(t, err)
		requireMissing(t, b.store, dir)
		require.NoError(t, b.store.Delete(b.ctx, dir))
		requireContent(t, b.store, dir+"/child", Text)
	})

	t.Run("DeleteRemovesTheObject", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		key, other := b.key(), b.key()
		for _, k := range []string{key, other} {
			_, err := b.store.Put(b.ctx, k, bytes.NewReader(Text), blob.PutOptions{})
			require.NoError(t, err)
		}
		require.NoError(t, b.store.Delete(b.ctx, key))
		requireMissing(t, b.store, key)
		requireContent(t, b.store, other, Text)
	})

	t.Run("DeleteOfMissingKeyIsNotAnError", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		key := b.key()
		require.NoError(t, b.store.Delete(b.ctx, key))
		_, err := b.store.Put(b.ctx, key, bytes.NewReader(Text), blob.PutOptions{})
		require.NoError(t, err)
		require.NoError(t, b.store.Delete(b.ctx, key))
		require.NoError(t, b.store.Delete(b.ctx, key), "second delete")
	})

	t.Run("PutReplacesAnExistingObject", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		key := b.key()
		_, err := b.store.Put(b.ctx, key, bytes.NewReader(PNG), blob.PutOptions{})
		require.NoError(t, err)
		_, err = b.store.Put(b.ctx, key, bytes.NewReader(Text), blob.PutOptions{})
		require.NoError(t, err)

		requireContent(t, b.store, key, Text)
		info, err := b.store.Stat(b.ctx, key)
		require.NoError(t, err)
		require.Equal(t, int64(len(Text)), info.Size)
		require.Equal(t, "text/plain; charset=utf-8", info.ContentType)
	})

	t.Run("InvalidKeysAreRejectedByEveryMethod", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for name, key := range InvalidKeys() {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				requireInvalid := func(op string, err error) {
					t.Helper()
					require.ErrorIs(t, err, blob.ErrInvalidKey, "%s(%q)", op, key)
					require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "%s(%q): %v", op, key, err)
				}
				_, err := b.store.Put(b.ctx, key, bytes.NewReader(Text), blob.PutOptions{})
				requireInvalid("Put", err)
				rc, _, err := b.store.Open(b.ctx, key)
				requireInvalid("Open", err)
				require.Nil(t, rc)
				_, err = b.store.Stat(b.ctx, key)
				requireInvalid("Stat", err)
				requireInvalid("Delete", b.store.Delete(b.ctx, key))
			})
		}
	})

	t.Run("LargeObjectStreamsThrough", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		key := b.key()
		const size = 5<<20 + 12345 // just over 5 MiB, the smallest S3 multipart part
		want := sha256.New()
		// A pipe hides the length, so the store cannot learn it in advance.
		pr, pw := io.Pipe()
		go func() {
			_, err := io.Copy(io.MultiWriter(pw, want), io.LimitReader(newRandReader(4), size))
			pw.CloseWithError(err)
		}()
		info, err := b.store.Put(b.ctx, key, pr, blob.PutOptions{MaxSize: 6 << 20})
		require.NoError(t, err)
		require.Equal(t, int64(size), info.Size)
		require.Equal(t, "application/octet-stream", info.ContentType)

		rc, info, err := b.store.Open(b.ctx, key)
		require.NoError(t, err)
		defer func() { require.NoError(t, rc.Close()) }()
		require.Equal(t, int64(size), info.Size)
		got := sha256.New()
		n, err := io.Copy(got, rc)
		require.NoError(t, err)
		require.Equal(t, int64(size), n)
		require.Equal(t, want.Sum(nil), got.Sum(nil), "content differs")
	})

	t.Run("ConcurrentPutsOfDifferentKeysAllLand", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		const n = 8
		keys := make([]string, n)
		contents := make([][]byte, n)
		for i := range n {
			keys[i] = b.key()
			contents[i] = []byte(strings.Repeat(fmt.Sprintf("object %d\n", i), 100*(i+1)))
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errs[i] = b.store.Put(b.ctx, keys[i], bytes.NewReader(contents[i]), blob.PutOptions{})
			})
		}
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i], "put %d", i)
			requireContent(t, b.store, keys[i], contents[i])
		}
	})

	t.Run("NewKeyIsUniqueURLSafeAndValid", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		const prefix = "clinics/42/attachments/"
		seen := make(map[string]bool)
		for range 1000 {
			key := blob.NewKey(prefix)
			require.False(t, seen[key], "duplicate key %q", key)
			seen[key] = true
			require.True(t, strings.HasPrefix(key, prefix), "key %q lacks prefix", key)
			random := strings.TrimPrefix(key, prefix)
			require.GreaterOrEqual(t, len(random), 22, "random part %q too short for 128 bits", random)
			require.Equal(t, url.PathEscape(random), random, "random part %q is not URL-safe", random)
			require.NotContains(t, random, "/")
			require.NoError(t, blob.ValidateKey(key))
		}
		key := blob.NewKey(b.key() + "/")
		_, err := b.store.Put(b.ctx, key, bytes.NewReader(Text), blob.PutOptions{})
		require.NoError(t, err)
		requireContent(t, b.store, key, Text)
	})

	t.Run("ListFindsEveryObjectUnderThePrefixAndStopsAtTheFirstError", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		lister, ok := b.store.(blob.Lister)
		if !ok {
			t.Skipf("%T does not implement blob.Lister", b.store)
		}
		dir := b.key()
		want := map[string]int64{}
		for i, content := range [][]byte{Text, PNG, PDF} {
			key := blob.NewKey(fmt.Sprintf("%s/sub%d", dir, i%2))
			_, err := b.store.Put(b.ctx, key, bytes.NewReader(content), blob.PutOptions{})
			require.NoError(t, err)
			want[key] = int64(len(content))
		}
		other := b.key() // beside dir, not under it
		_, err := b.store.Put(b.ctx, other, bytes.NewReader(Text), blob.PutOptions{})
		require.NoError(t, err)

		got := map[string]int64{}
		require.NoError(t, lister.List(b.ctx, dir+"/", func(info blob.Info) error {
			require.NotContains(t, got, info.Key, "listed twice")
			require.False(t, info.ModTime.IsZero(), "%s has no ModTime", info.Key)
			got[info.Key] = info.Size
			return nil
		}))
		require.Equal(t, want, got)

		all := map[string]bool{}
		require.NoError(t, lister.List(b.ctx, "", func(info blob.Info) error {
			all[info.Key] = true
			return nil
		}))
		for key := range want {
			require.True(t, all[key], "List with no prefix misses %s", key)
		}
		require.True(t, all[other], "List with no prefix misses %s", other)

		stop := errors.New("stop")
		calls := 0
		err = lister.List(b.ctx, dir+"/", func(blob.Info) error {
			calls++
			return stop
		})
		require.ErrorIs(t, err, stop)
		require.Equal(t, 1, calls)
	})
}

// InvalidKeys returns keys every backend must reject, by name.
func InvalidKeys() map[string]string {
	return map[string]string{
		"Empty":           "",
		"LeadingSlash":    "/etc/passwd",
		"TrailingSlash":   "a/b/",
		"DoubleSlash":     "a//b",
		"DotDot":          "..",
		"DotDotPrefix":    "../secret",
		"DotDotInside":    "clinics/1/../2/x",
		"DotDotAtEnd":     "a/..",
		"Dot":             ".",
		"DotSegment":      "a/./b",
		"HiddenSegment":   "a/.upload-123",
		"Backslash":       `a\b`,
		"BackslashDotDot": `..\..\windows`,
		"NUL":             "a\x00b",
		"Newline":         "a\nb",
		"Tab":             "a\tb",
		"DEL":             "a\x7fb",
		"C1Control":       "a\u0085b",
		"InvalidUTF8":     "a\xffb",
		"LongerThan1024":  strings.Repeat("k", blob.MaxKeyLen+1),
	}
}

var (
	errBoom       = errors.New("blobtest: reader failed")
	errReadTooFar = errors.New("blobtest: Put kept reading far past MaxSize")
)

// requireInfo checks got against want, and that ModTime is plausible.
func requireInfo(t *testing.T, want, got blob.Info, before time.Time) {
	t.Helper()
	require.Equal(t, want.Key, got.Key, "Key")
	require.Equal(t, want.Size, got.Size, "Size")
	require.Equal(t, want.ContentType, got.ContentType, "ContentType")
	// Servers report modification times to the second, and may run on
	// another clock: only demand a time near now.
	require.WithinDuration(t, before, got.ModTime, 5*time.Minute, "ModTime")
}

// requireContent checks that key holds exactly want.
func requireContent(t *testing.T, store blob.Store, key string, want []byte) {
	t.Helper()
	rc, info, err := store.Open(t.Context(), key)
	require.NoError(t, err, "open %q", key)
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	require.Equal(t, want, got, "content of %q", key)
	require.Equal(t, int64(len(want)), info.Size, "size of %q", key)
}

// requireMissing checks that no object is stored under key.
func requireMissing(t *testing.T, store blob.Store, key string) {
	t.Helper()
	_, err := store.Stat(t.Context(), key)
	require.ErrorIs(t, err, blob.ErrNotFound, "stat %q", key)
	rc, _, err := store.Open(t.Context(), key)
	require.ErrorIs(t, err, blob.ErrNotFound, "open %q", key)
	require.Nil(t, rc)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readerFunc turns a function into an io.Reader.
type readerFunc func(p []byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// randReader is an endless stream of deterministic pseudo-random bytes.
type randReader struct{ r *rand.ChaCha8 }

func newRandReader(seed byte) *randReader {
	var s [32]byte
	s[0] = seed
	return &randReader{r: rand.NewChaCha8(s)}
}

func (r *randReader) Read(p []byte) (int, error) { return r.r.Read(p) }
