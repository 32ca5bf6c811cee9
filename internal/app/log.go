package app

import (
	"io"
	"log/slog"
	"os"

	"clinic/internal/config"
)

// NewLogger returns the process logger: text on a terminal, JSON otherwise
// (or as LOG_FORMAT says), at LOG_LEVEL.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
