package queue

import (
	"context"
	"log/slog"
)

// levelFloor drops the records of h below min, so that River's routine info
// logs (client started, job errored and retrying…) do not flood the log.
type levelFloor struct {
	min slog.Level
	h   slog.Handler
}

var _ slog.Handler = levelFloor{}

// Enabled implements slog.Handler.
func (l levelFloor) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= l.min && l.h.Enabled(ctx, level)
}

// Handle implements slog.Handler.
func (l levelFloor) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < l.min {
		return nil
	}
	return l.h.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (l levelFloor) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelFloor{min: l.min, h: l.h.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (l levelFloor) WithGroup(name string) slog.Handler {
	return levelFloor{min: l.min, h: l.h.WithGroup(name)}
}
