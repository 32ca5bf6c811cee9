package httpx

import (
	"io"
	"mime"
	"net/http"
	"strconv"
)

// WriteFile answers a stored file: its (sniffed) content type, its size, a
// Content-Disposition with the (sanitised) name, inline or as an
// attachment, nosniff and no caching.
func WriteFile(w http.ResponseWriter, contentType, name string, size int64, r io.Reader, attachment bool) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Set("Cache-Control", "private, no-store")
	disp := "inline"
	if attachment {
		disp = "attachment"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": name}))
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, r)
}
