package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/platform/db"
)

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    apperr.Code       `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	Details map[string]any    `json:"details,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// errTimeout answers a request that ran past REQUEST_TIMEOUT.
var errTimeout = apperr.New(apperr.Unavailable, "The request took too long. Please try again.")

// msgInternal is the message of every internal error: what went wrong is
// in the log, under the request id.
const msgInternal = "An internal error occurred. Please try again; if it persists, contact support with the request id."

// apiLocale is the language of r's error messages: the one its
// Accept-Language header asks for among those clinic speaks (pt-BR, en),
// and English when it asks for none of them or sends none, as the API
// always answered before it spoke pt-BR.
func apiLocale(r *http.Request) i18n.Locale {
	return i18n.NegotiateOr(r.Header.Get("Accept-Language"), i18n.En)
}

// writeErrorBody answers e in the error shape, its message and field
// messages in the request's language (apiLocale).
func writeErrorBody(w http.ResponseWriter, r *http.Request, status int, e *apperr.Error) {
	loc := apiLocale(r)
	msg, fields := i18n.Message(loc, e)
	h := w.Header()
	h.Add("Vary", "Accept-Language")
	h.Set("Content-Language", string(loc))
	writeJSON(w, status, errorBody{Error: errorDetail{Code: e.Code, Message: msg, Fields: fields, Details: e.Details}})
}

// WriteError answers err in the error shape. Internal details are logged,
// never sent: an error without a code becomes a generic internal error.
// The message and the field messages are in the language the request asks
// for (see apiLocale).
//
// A failure because the request's context ended is not an internal error:
// when the client went away it is logged at info as a cancelled request and
// recorded as 499 (nobody reads the answer); when REQUEST_TIMEOUT passed it
// answers 503 unavailable.
func (s *Server) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	attrs := []any{"method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context())}
	if e.Code == apperr.Internal || e.Code == apperr.Unavailable {
		switch ctxErr := r.Context().Err(); {
		case errors.Is(ctxErr, context.Canceled):
			s.log.Info("request cancelled by the client", append(attrs, "err", err)...)
			w.WriteHeader(httpx.StatusClientClosed)
			return
		case errors.Is(ctxErr, context.DeadlineExceeded), db.IsCanceled(err):
			s.log.Warn("request timed out", append(attrs, "timeout", s.Config.RequestTimeout.String(), "err", err)...)
			writeErrorBody(w, r, httpx.Status(errTimeout.Code), errTimeout)
			return
		}
	}
	status := httpx.Status(e.Code)
	attrs = append(attrs, "code", e.Code)
	switch {
	case e.Code == apperr.Unavailable:
		// A dependency is down: readyz and the start-up log say which;
		// each refused request is a warning, not an error of ours.
		s.log.Warn("request refused: dependency unavailable", append(attrs, "err", err)...)
	case status >= 500:
		s.log.Error("request failed", append(attrs, "err", err)...)
	case e.Err != nil:
		s.log.Debug("request refused", append(attrs, "err", err)...)
	}
	if e.Code == apperr.Internal {
		e = &apperr.Error{Code: e.Code, Message: msgInternal, Fields: e.Fields, Details: e.Details}
	}
	writeErrorBody(w, r, status, e)
}
