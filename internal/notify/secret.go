package notify

import (
	"fmt"
	"log/slog"
)

// Secret is a credential (token, auth token, password, app secret). It
// prints, formats and logs as "[redacted]" so that a configuration can be
// logged or wrapped in an error without leaking it; the value itself is
// string(s). encoding/json still writes the value (the configuration is
// stored encrypted as JSON): the configuration types implement
// slog.LogValuer so that slog's JSON handler does not.
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

// LogValue logs the configuration with its secrets redacted.
func (c Config) LogValue() slog.Value { return slog.StringValue(fmt.Sprintf("%+v", plainConfig(c))) }

// LogValue logs the configuration with its secrets redacted.
func (c WhatsAppConfig) LogValue() slog.Value {
	return slog.StringValue(fmt.Sprintf("%+v", plainWhatsApp(c)))
}

// LogValue logs the configuration with its secrets redacted.
func (c SMSConfig) LogValue() slog.Value { return slog.StringValue(fmt.Sprintf("%+v", plainSMS(c))) }

// LogValue logs the configuration with its secrets redacted.
func (c EmailConfig) LogValue() slog.Value {
	return slog.StringValue(fmt.Sprintf("%+v", plainEmail(c)))
}

// Types without the LogValue method, so that fmt prints the fields (and
// each Secret's Format) instead of recursing.
type (
	plainConfig   Config
	plainWhatsApp WhatsAppConfig
	plainSMS      SMSConfig
	plainEmail    EmailConfig
)
