package httpx_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/httpx"
)

func multipartBody(t testing.TB, fields map[string]string, file []byte) (string, []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	if file != nil {
		w, err := mw.CreateFormFile("file", "../scan.png")
		require.NoError(t, err)
		_, err = w.Write(file)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), b.Bytes()
}

// TestReadUpload: the file is spooled whatever the order of parts, its
// last element kept as its name; an oversized file or body is TooLarge; a body that
// is not multipart is Invalid.
func TestReadUpload(t *testing.T) {
	t.Parallel()
	ctype, body := multipartBody(t, map[string]string{"kind": "exam"}, []byte("0123456789"))
	cases := []struct {
		name  string
		ctype string
		body  []byte
		max   int64
		code  apperr.Code
		size  int64
	}{
		{"fits", ctype, body, 10, "", 10},
		{"one byte over", ctype, body, 9, apperr.TooLarge, 0},
		{"not multipart", "application/json", []byte(`{}`), 10, apperr.Invalid, 0},
		{"broken multipart", ctype, body[:len(body)/2], 10, apperr.Invalid, 0},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(tc.body))
		r.Header.Set("Content-Type", tc.ctype)
		up, err := httpx.ReadUpload(r, "file", tc.max)
		if tc.code != "" {
			require.Equal(t, tc.code, apperr.CodeOf(err), "%s: %v", tc.name, err)
			continue
		}
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.size, up.Size)
		require.Equal(t, "exam", up.Fields["kind"])
		require.Equal(t, "scan.png", up.FileName, "mime/multipart keeps the last element only")
		b, err := io.ReadAll(up.File)
		require.NoError(t, err)
		require.Equal(t, "0123456789", string(b))
		up.Close()
	}
	require.True(t, httpx.IsMultipart(&http.Request{Header: http.Header{"Content-Type": {ctype}}}))
}

// FuzzReadUpload: whatever the body, ReadUpload answers an upload or an
// apperr, and never a file larger than the limit.
func FuzzReadUpload(f *testing.F) {
	ctype, body := multipartBody(f, map[string]string{"kind": "id"}, []byte("%PDF-1.4"))
	f.Add(body)
	f.Add([]byte("--x\r\n\r\n"))
	f.Add([]byte(strings.Repeat("a", 100)))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(b))
		r.Header.Set("Content-Type", ctype)
		up, err := httpx.ReadUpload(r, "file", 64)
		if err != nil {
			if apperr.CodeOf(err) == apperr.Internal {
				t.Fatalf("internal error: %v", err)
			}
			return
		}
		defer up.Close()
		if up.Size > 64 {
			t.Fatalf("size %d over the limit", up.Size)
		}
	})
}
