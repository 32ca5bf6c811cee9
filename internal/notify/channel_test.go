package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/notify"
)

func TestNewByKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     notify.Config
		want    string
		wantErr string
	}{
		{"whatsapp", notify.Config{Kind: "whatsapp", WhatsApp: notify.WhatsAppConfig{PhoneNumberID: "1", AccessToken: "t"}}, "whatsapp", ""},
		{"sms", notify.Config{Kind: "sms", SMS: notify.SMSConfig{AccountSID: "AC1", AuthToken: "t", From: "+15017122661"}}, "sms", ""},
		{"email", notify.Config{Kind: "email", Email: notify.EmailConfig{Host: "smtp.example", From: "Clínica <no-reply@clinic.example>"}}, "email", ""},
		{"log", notify.Config{Kind: "log"}, "log", ""},
		{"unknown kind", notify.Config{Kind: "telegram"}, "", `unknown channel kind "telegram"`},
		{"empty kind", notify.Config{}, "", "unknown channel kind"},
		{"invalid whatsapp config", notify.Config{Kind: "whatsapp"}, "", "PhoneNumberID"},
		{"invalid sms config", notify.Config{Kind: "sms"}, "", "AccountSID"},
		{"invalid email config", notify.Config{Kind: "email", Email: notify.EmailConfig{Host: "smtp.example", From: "not an address"}}, "", "From"},
		{"email TLS mode", notify.Config{Kind: "email", Email: notify.EmailConfig{Host: "h", From: "a@b.example", TLS: "ssl"}}, "", "TLS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ch, err := notify.New(tt.cfg)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.Nil(t, ch, "a failed New returns a nil Channel, not a typed nil")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, ch.Kind())
		})
	}
}

func TestEmailConfigDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tls      notify.TLSMode
		wantTLS  notify.TLSMode
		wantPort int
	}{
		{"", notify.TLSStartTLS, 587},
		{notify.TLSStartTLS, notify.TLSStartTLS, 587},
		{notify.TLSImplicit, notify.TLSImplicit, 465},
		{notify.TLSNone, notify.TLSNone, 25},
	}
	for _, tt := range tests {
		t.Run(string(tt.tls), func(t *testing.T) {
			t.Parallel()
			c := notify.EmailConfig{TLS: tt.tls}.WithDefaults()
			require.Equal(t, tt.wantTLS, c.TLS)
			require.Equal(t, tt.wantPort, c.Port)
		})
	}
}

func TestSecretsDoNotPrint(t *testing.T) {
	t.Parallel()
	cfg := notify.Config{
		Kind:     "whatsapp",
		WhatsApp: notify.WhatsAppConfig{PhoneNumberID: "1", AccessToken: "wa-secret-token"},
		SMS:      notify.SMSConfig{AccountSID: "AC1", AuthToken: "sms-secret-token"},
		Email:    notify.EmailConfig{Username: "u", Password: "smtp-secret-password"},
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", cfg, "token", cfg.SMS.AuthToken)
	for _, out := range []string{
		fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%s", cfg.Email.Password),
		fmt.Sprint(cfg.WhatsApp.AccessToken), logged.String(),
	} {
		for _, secret := range []string{"wa-secret-token", "sms-secret-token", "smtp-secret-password"} {
			require.NotContains(t, out, secret)
		}
	}
	require.Equal(t, "[redacted]", cfg.SMS.AuthToken.String())
	require.Equal(t, "", notify.Secret("").String())
}

func TestLogChannel(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	ch, err := notify.New(notify.Config{Kind: "log", Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	require.NoError(t, err)

	r1, err := ch.Send(context.Background(), notify.Message{
		To: "+5511987654321", Subject: "Lembrete", Text: "Consulta amanhã",
		Template: &notify.WhatsAppTemplate{Name: "appointment_reminder", Language: "pt_BR", BodyParams: []string{"Maria"},
			Buttons: []notify.QuickReply{{Index: 0, Payload: "confirm:1"}}},
	})
	require.NoError(t, err)
	r2, err := ch.Send(context.Background(), notify.Message{To: "maria@example.com", Text: "Oi", HTML: "<p>Oi</p>"})
	require.NoError(t, err)
	_, err = ch.Send(context.Background(), notify.Message{Text: "nobody"})
	require.ErrorIs(t, err, notify.ErrInvalidMessage)

	require.True(t, strings.HasPrefix(r1.ProviderMessageID, "log-"), r1.ProviderMessageID)
	require.NotEqual(t, r1.ProviderMessageID, r2.ProviderMessageID)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	var first, second map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &second))
	require.Equal(t, r1.ProviderMessageID, first["id"])
	require.Equal(t, "+5511987654321", first["to"])
	require.Equal(t, "Consulta amanhã", first["text"])
	require.Equal(t, map[string]any{"name": "appointment_reminder", "language": "pt_BR",
		"params": []any{"Maria"}, "buttons": []any{"0:confirm:1"}}, first["template"])
	require.Equal(t, "<p>Oi</p>", second["html"])
}
