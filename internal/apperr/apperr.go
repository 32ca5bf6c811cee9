// Package apperr defines the error type shared by every layer of clinic.
//
// An *Error carries a machine-readable Code that the HTTP layer maps to a
// status and the JSON shape {"error":{"code":…,"message":…,"fields":{…}}}, and a
// Message that is safe to show to a user. Anything else (the wrapped cause) is
// for the log only and never reaches a client.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for clients. The set is closed: the HTTP layer
// maps every Code to exactly one status.
type Code string

// The error codes clinic answers with.
const (
	Invalid      Code = "invalid"
	NotFound     Code = "not_found"
	Conflict     Code = "conflict"
	Unauthorized Code = "unauthorized"
	Forbidden    Code = "forbidden"
	RateLimited  Code = "rate_limited"
	TooLarge     Code = "too_large"
	// Unsupported is content of a type that is not accepted (an upload
	// that is not a PDF, JPEG or PNG): HTTP 415.
	Unsupported Code = "unsupported_media_type"
	Unavailable Code = "unavailable"
	Internal    Code = "internal"
)

// Error is an error with a client-facing code and message.
type Error struct {
	Code    Code
	Message string
	// Fields names invalid input fields with a message for each (Invalid only).
	Fields map[string]string
	// Details carries extra machine-readable data for the client, such as the
	// id of a conflicting row. It must never hold internal information.
	Details map[string]any
	// Err is the underlying cause; it is logged, never shown.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error with the given code and message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with the given code and message that wraps cause.
func Wrap(cause error, code Code, message string) *Error {
	return &Error{Code: code, Message: message, Err: cause}
}

// Validation returns an Invalid error listing the offending fields.
func Validation(fields map[string]string) *Error {
	return &Error{Code: Invalid, Message: "Some fields are invalid.", Fields: fields}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain, or an Internal error wrapping err.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Message: "An internal error occurred.", Err: err}
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return CodeOf(err) == code }
