package app_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app"
	"clinic/internal/app/apptest"
	"clinic/internal/platform/db/dbtest"
)

func TestStartUpLogSaysWhichMailerSendsAccountEmails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want string
		// attrs are the record's attributes that must be there.
		attrs map[string]any
	}{
		{"no SMTP_URL", nil, "mail: log (e-mails are written to the log, not sent)", nil},
		{"STARTTLS by default", map[string]string{"SMTP_URL": "smtp://ana:s3cret@mail.example:2525"}, "mail: smtp",
			map[string]any{"host": "mail.example", "port": 2525.0, "tls": "starttls", "from": "clinic <no-reply@localhost>"}},
		{"implicit TLS", map[string]string{"SMTP_URL": "smtps://mail.example", "MAIL_FROM": "Clínica <c@clinic.example>"}, "mail: smtp",
			map[string]any{"port": 465.0, "tls": "tls", "from": "Clínica <c@clinic.example>"}},
		{"no TLS", map[string]string{"SMTP_URL": "smtp://127.0.0.1:1025?tls=none"}, "mail: smtp",
			map[string]any{"port": 1025.0, "tls": "none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs apptest.LogBuffer
			a, err := app.New(context.Background(), apptest.Config(t, dbtest.SQLiteURL(t), tt.env), slog.New(slog.NewJSONHandler(&logs, nil)))
			require.NoError(t, err)
			t.Cleanup(func() { _ = a.Close() })
			recs := logs.Find(t, tt.want)
			require.Len(t, recs, 1, "logs: %v", logs.Records(t))
			for k, v := range tt.attrs {
				require.Equal(t, v, recs[0][k], k)
			}
			for _, rec := range logs.Records(t) {
				for _, v := range rec {
					s, _ := v.(string)
					require.False(t, strings.Contains(s, "s3cret"), "the SMTP password is never logged: %v", rec)
				}
			}
		})
	}
}
