package notify

import (
	"fmt"
	"log/slog"
)

// Config selects and configures one channel. Only the part named by Kind
// is read.
type Config struct {
	// Kind is KindWhatsApp, KindSMS, KindEmail or KindLog.
	Kind     string
	WhatsApp WhatsAppConfig
	SMS      SMSConfig
	Email    EmailConfig
	// Logger is the log channel's logger (slog.Default() when nil).
	Logger *slog.Logger
}

// New returns the channel cfg.Kind names, configured from its part of cfg
// (with defaults, validated). An unknown kind is an error.
func New(cfg Config) (Channel, error) {
	// Each case checks its error so that a failed constructor gives a nil
	// Channel, not an interface holding a nil pointer.
	switch cfg.Kind {
	case KindWhatsApp:
		c, err := NewWhatsApp(cfg.WhatsApp)
		if err != nil {
			return nil, err
		}
		return c, nil
	case KindSMS:
		c, err := NewSMS(cfg.SMS)
		if err != nil {
			return nil, err
		}
		return c, nil
	case KindEmail:
		c, err := NewEmail(cfg.Email)
		if err != nil {
			return nil, err
		}
		return c, nil
	case KindLog:
		return NewLog(cfg.Logger), nil
	default:
		return nil, fmt.Errorf("notify: unknown channel kind %q (want %s, %s, %s or %s)",
			cfg.Kind, KindWhatsApp, KindSMS, KindEmail, KindLog)
	}
}
