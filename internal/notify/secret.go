package notify

import (
	"fmt"
	"log/slog"
)

// Secret is a credential (token, auth token, password, app secret). It
// prints, formats and logs as "[redacted]" so that a configuration can be
// logged or wrapped in an error without leaking it; the value itself is
// string(s).
type Secret string

const redacted = "[redacted]"

// String returns "[redacted]" (or "" when the secret is empty).
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString is String, for %#v.
func (s Secret) GoString() string { return s.String() }

// Format makes every verb print String.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// LogValue keeps the secret out of slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
