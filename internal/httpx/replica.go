package httpx

import (
	"net/http"
	"strconv"
	"time"

	"clinic/internal/platform/db"
)

// LSNCookie carries, after a request that wrote, the primary's WAL position
// at its answer: the user's next reads go to a replica only once it has
// replayed that far (see package db, "Read replicas").
const LSNCookie = "clinic_lsn"

// ReadYourWrites makes a user's reads see their own writes when d has read
// replicas (it returns next unchanged without). A request carrying
// LSNCookie reads through db.WithMinLSN; the answer to a request that may
// have written (any method but GET, HEAD and OPTIONS) sets the cookie to the
// primary's position when its status is written, after the handler's
// commit. The cookie outlives maxLag by a minute: past maxLag every replica
// Reader may pick holds the write anyway. Clients without cookies (API
// tokens) get replicas' reads within maxLag.
func ReadYourWrites(d *db.DB, secure bool, maxLag time.Duration) func(http.Handler) http.Handler {
	if !d.HasReplicas() {
		return func(next http.Handler) http.Handler { return next }
	}
	maxAge := int((maxLag + time.Minute).Seconds())
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c, err := r.Cookie(LSNCookie); err == nil {
				if lsn, err := strconv.ParseUint(c.Value, 16, 64); err == nil {
					r = r.WithContext(db.WithMinLSN(r.Context(), db.LSN(lsn)))
				}
			}
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				next.ServeHTTP(w, r)
				return
			}
			lw := &lsnWriter{ResponseWriter: w, r: r, d: d, secure: secure, maxAge: maxAge}
			next.ServeHTTP(lw, r)
			lw.mark()
		})
	}
}

// lsnWriter sets LSNCookie just before the answer's header goes out.
type lsnWriter struct {
	http.ResponseWriter
	r      *http.Request
	d      *db.DB
	secure bool
	maxAge int
	marked bool
}

func (w *lsnWriter) mark() {
	if w.marked {
		return
	}
	w.marked = true
	lsn, err := w.d.CurrentLSN(w.r.Context())
	if err != nil {
		return // the primary is unreachable: nothing was written either
	}
	http.SetCookie(w.ResponseWriter, &http.Cookie{
		Name: LSNCookie, Value: strconv.FormatUint(uint64(lsn), 16), Path: "/",
		MaxAge: w.maxAge, HttpOnly: true, Secure: w.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (w *lsnWriter) WriteHeader(code int) {
	w.mark()
	w.ResponseWriter.WriteHeader(code)
}

func (w *lsnWriter) Write(b []byte) (int, error) {
	w.mark()
	return w.ResponseWriter.Write(b)
}

// Flush passes a flush on (marking first: the header goes out with it).
func (w *lsnWriter) Flush() {
	w.mark()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *lsnWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
