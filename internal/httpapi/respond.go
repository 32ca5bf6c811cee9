package httpapi

import (
	"encoding/json"
	"net/http"

	"clinic/internal/apperr"
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

// writeError answers err in the error shape. Internal details are logged,
// never sent: an error without a code becomes a generic internal error.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	status := apperr.Status(e.Code)
	attrs := []any{"method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context()), "code", e.Code}
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
