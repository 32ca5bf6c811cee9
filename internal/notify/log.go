package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
)

// Log is the development channel: it writes each message to a logger
// instead of sending it and returns a generated id. It never fails except
// for a message without a recipient.
type Log struct {
	logger *slog.Logger
}

var _ Channel = (*Log)(nil)

// NewLog returns a log channel writing to logger (slog.Default() when nil).
func NewLog(logger *slog.Logger) *Log {
	if logger == nil {
		logger = slog.Default()
	}
	return &Log{logger: logger}
}

// Kind returns KindLog.
func (l *Log) Kind() string { return KindLog }

// Send logs msg at level Info with its recipient, subject, text, HTML and
// template, and returns an id "log-" followed by 16 hex characters.
func (l *Log) Send(ctx context.Context, msg Message) (Receipt, error) {
	if msg.To == "" {
		return Receipt{}, invalid(KindLog, "no recipient")
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return Receipt{}, fmt.Errorf("log: %w", err)
	}
	id := "log-" + hex.EncodeToString(b)
	attrs := []slog.Attr{
		slog.String("id", id),
		slog.String("to", msg.To),
	}
	if msg.Subject != "" {
		attrs = append(attrs, slog.String("subject", msg.Subject))
	}
	if msg.Text != "" {
		attrs = append(attrs, slog.String("text", msg.Text))
	}
	if msg.HTML != "" {
		attrs = append(attrs, slog.String("html", msg.HTML))
	}
	for _, f := range msg.Inline {
		attrs = append(attrs, slog.String("inline", f.Name+" ("+f.ContentType+", cid "+f.ContentID+")"))
	}
	if t := msg.Template; t != nil {
		payloads := make([]string, 0, len(t.Buttons))
		for _, b := range t.Buttons {
			payloads = append(payloads, fmt.Sprintf("%d:%s", b.Index, b.Payload))
		}
		attrs = append(attrs, slog.Group("template",
			slog.String("name", t.Name),
			slog.String("language", t.Language),
			slog.Any("params", t.BodyParams),
			slog.Any("buttons", payloads)))
	}
	l.logger.LogAttrs(ctx, slog.LevelInfo, "notify: message not sent (log channel)", attrs...)
	return Receipt{ProviderMessageID: id}, nil
}
