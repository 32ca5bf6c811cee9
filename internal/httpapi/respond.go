package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"clinic/internal/apperr"
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

// statusClientClosed is the status recorded (metrics, log) for a request
// whose client went away before the answer, as nginx does: it is not an
// error of the server, so it is kept apart from the 5xx answers.
const statusClientClosed = 499

// errTimeout answers a request that ran past REQUEST_TIMEOUT.
var errTimeout = apperr.New(apperr.Unavailable, "The request took too long. Please try again.")

// writeError answers err in the error shape. Internal details are logged,
// never sent: an error without a code becomes a generic internal error.
//
// A failure because the request's context ended is not an internal error:
// when the client went away it is logged at info as a cancelled request and
// recorded as 499 (nobody reads the answer); when REQUEST_TIMEOUT passed it
// answers 503 unavailable.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	attrs := []any{"method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context())}
	if e.Code == apperr.Internal || e.Code == apperr.Unavailable {
		switch ctxErr := r.Context().Err(); {
		case errors.Is(ctxErr, context.Canceled):
			s.log.Info("request cancelled by the client", append(attrs, "err", err)...)
			w.WriteHeader(statusClientClosed)
			return
		case errors.Is(ctxErr, context.DeadlineExceeded), db.IsCanceled(err):
			s.log.Warn("request timed out", append(attrs, "timeout", s.Config.RequestTimeout.String(), "err", err)...)
			e = errTimeout
			writeJSON(w, apperr.Status(e.Code), errorBody{Error: errorDetail{Code: e.Code, Message: e.Message}})
			return
		}
	}
	status := apperr.Status(e.Code)
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
	msg := e.Message
	if e.Code == apperr.Internal {
		msg = "An internal error occurred. Please try again; if it persists, contact support with the request id."
	}
	writeJSON(w, status, errorBody{Error: errorDetail{Code: e.Code, Message: msg, Fields: e.Fields, Details: e.Details}})
}

// decodeJSON reads one JSON object from r's body into dst, refusing unknown
// fields, wrong types, trailing data and bodies over maxBytes. The body must
// be JSON whatever Content-Type says (so `curl -d '{…}'` works); cross-site
// form posts are stopped by the CSRF check, not by the content type. The error it
// returns is ready to answer (400 or 413).
func decodeJSON(w http.ResponseWriter, r *http.Request, maxBytes int64, dst any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, maxBytes)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err, maxBytes)
		}
		return apperr.New(apperr.Invalid, "The request body must contain a single JSON object.")
	}
	return nil
}

func decodeError(err error, maxBytes int64) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return apperr.New(apperr.TooLarge, "The request body is larger than %d bytes.", maxBytes)
	case errors.As(err, &syn):
		return apperr.New(apperr.Invalid, "The request body is not valid JSON (at byte %d).", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.Invalid, "The request body is not valid JSON (it ends too early).")
	case errors.Is(err, io.EOF):
		return apperr.New(apperr.Invalid, "The request body is empty; a JSON object is required.")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return apperr.New(apperr.Invalid, "The request body must be a JSON object.")
		}
		return apperr.Validation(map[string]string{typ.Field: fmt.Sprintf("Must be a %s.", jsonType(typ.Type.Kind().String()))})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Validation(map[string]string{name: "Unknown field."})
	default:
		return apperr.Wrap(err, apperr.Invalid, "The request body could not be read.")
	}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	case "slice", "array":
		return "list"
	default:
		return "JSON object"
	}
}
