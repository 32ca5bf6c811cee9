package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/notify"
	"clinic/internal/platform/testenv"
)

// mailpitEmail returns an e-mail channel on TEST_SMTP_URL (mailpit,
// smtp://host:port, no TLS) and mailpit's HTTP API address from
// TEST_MAILPIT_URL.
func mailpitEmail(t *testing.T) (*notify.Email, string) {
	t.Helper()
	smtpURL := testenv.Require(t, "TEST_SMTP_URL", "an SMTP server (mailpit)")
	apiURL := testenv.Require(t, "TEST_MAILPIT_URL", "mailpit's HTTP API")
	u, err := url.Parse(smtpURL)
	require.NoError(t, err)
	port, err := strconv.Atoi(u.Port())
	require.NoError(t, err, "TEST_SMTP_URL needs a port")
	ch, err := notify.NewEmail(notify.EmailConfig{
		Host: u.Hostname(), Port: port, TLS: notify.TLSNone,
		From: "Clínica Bem-Estar <no-reply@clinic.example>", Timeout: 10 * time.Second,
	})
	require.NoError(t, err)
	return ch, strings.TrimRight(apiURL, "/")
}

// mailpitMessage is what mailpit's API says of one message.
type mailpitMessage struct {
	ID        string
	MessageID string
	From      struct{ Name, Address string }
	To        []struct{ Name, Address string }
	Subject   string
	Text      string
	HTML      string
}

func getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// findMailpitMessage lists mailpit's messages until one has messageID
// (other tests share the server) and returns it in full.
func findMailpitMessage(t *testing.T, api, messageID string) mailpitMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		var list struct {
			Messages []mailpitMessage `json:"messages"`
		}
		require.NoError(t, getJSON(ctx, api+"/api/v1/messages?limit=500", &list))
		for _, m := range list.Messages {
			if m.MessageID == messageID {
				var full mailpitMessage
				require.NoError(t, getJSON(ctx, api+"/api/v1/message/"+url.PathEscape(m.ID), &full))
				return full
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("message %s is not in mailpit", messageID)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func TestEmailSendToMailpit(t *testing.T) {
	t.Parallel()
	ch, api := mailpitEmail(t)
	tests := []struct {
		name string
		msg  notify.Message
	}{
		{"plain and HTML", notify.Message{
			Subject: "Lembrete: consulta amanhã às 14:30 " + testenv.RandomName(""),
			Text:    "Olá, Maria.\nSua consulta é amanhã às 14:30.",
			HTML:    "<p>Olá, <b>Maria</b>.</p><p>Sua consulta é amanhã às 14:30.</p>",
		}},
		{"plain only", notify.Message{
			Subject: "Plain " + testenv.RandomName(""),
			Text:    "Only text.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg := tt.msg
			msg.To = testenv.RandomName("maria-") + "@example.com"

			receipt, err := ch.Send(context.Background(), msg)

			require.NoError(t, err)
			require.True(t, strings.HasSuffix(receipt.ProviderMessageID, "@clinic.example"), receipt.ProviderMessageID)
			got := findMailpitMessage(t, api, receipt.ProviderMessageID)
			require.Equal(t, "no-reply@clinic.example", got.From.Address)
			require.Equal(t, "Clínica Bem-Estar", got.From.Name)
			require.Len(t, got.To, 1)
			require.Equal(t, msg.To, got.To[0].Address)
			require.Equal(t, msg.Subject, got.Subject)
			require.Equal(t, strings.ReplaceAll(msg.Text, "\n", "\r\n"), strings.TrimRight(got.Text, "\r\n"))
			require.Equal(t, msg.HTML, strings.TrimRight(got.HTML, "\r\n"))

			var headers map[string][]string
			require.NoError(t, getJSON(context.Background(), api+"/api/v1/message/"+url.PathEscape(got.ID)+"/headers", &headers))
			require.NotEmpty(t, headers["Content-Type"])
			if msg.HTML != "" {
				require.True(t, strings.HasPrefix(headers["Content-Type"][0], "multipart/alternative"), headers["Content-Type"][0])
			} else {
				require.True(t, strings.HasPrefix(headers["Content-Type"][0], "text/plain"), headers["Content-Type"][0])
			}
		})
	}
}

// fakeSMTP is a minimal SMTP server (RFC 5321 over net/textproto) that
// answers RCPT TO with rcptReply, to see how the channel classifies refusals
// that mailpit does not give. It offers no STARTTLS.
type fakeSMTP struct {
	addr      string
	rcptReply string

	mu       sync.Mutex
	messages int
}

func newFakeSMTP(t *testing.T, rcptReply string) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f := &fakeSMTP{addr: ln.Addr().String(), rcptReply: rcptReply}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
				f.serve(textproto.NewConn(conn))
			}()
		}
	}()
	return f
}

func (f *fakeSMTP) serve(c *textproto.Conn) {
	reply := func(s string) bool { return c.PrintfLine("%s", s) == nil }
	if !reply("220 fake.test ESMTP") {
		return
	}
	for {
		line, err := c.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "EHLO":
			_ = reply("250-fake.test")
			_ = reply("250-ENHANCEDSTATUSCODES")
			_ = reply("250 8BITMIME")
		case "HELO":
			_ = reply("250 fake.test")
		case "MAIL":
			_ = reply("250 2.1.0 OK")
		case "RCPT":
			_ = reply(f.rcptReply)
		case "DATA":
			_ = reply("354 go ahead")
			if _, err := c.ReadDotBytes(); err != nil {
				return
			}
			f.mu.Lock()
			f.messages++
			f.mu.Unlock()
			_ = reply("250 2.0.0 queued")
		case "RSET", "NOOP":
			_ = reply("250 2.0.0 OK")
		case "QUIT":
			_ = reply("221 2.0.0 bye")
			return
		default:
			_ = reply("502 5.5.2 command not implemented")
		}
	}
}

func (f *fakeSMTP) accepted() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.messages
}

func TestEmailSendClassifiesSMTPReplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		rcptReply     string
		tls           notify.TLSMode
		wantErr       bool
		wantTemporary bool
		wantStatus    int
		wantCode      string
	}{
		{name: "accepted", rcptReply: "250 2.1.5 OK", tls: notify.TLSNone},
		{name: "unknown mailbox is permanent", rcptReply: "550 5.1.1 <x@example.com>: Recipient address rejected: User unknown",
			tls: notify.TLSNone, wantErr: true, wantStatus: 550, wantCode: "5.1.1"},
		{name: "greylisting is temporary", rcptReply: "450 4.2.0 <x@example.com>: Recipient address rejected: Greylisted",
			tls: notify.TLSNone, wantErr: true, wantTemporary: true, wantStatus: 450, wantCode: "4.2.0"},
		{name: "STARTTLS required but not offered is permanent, nothing sent", rcptReply: "250 2.1.5 OK",
			tls: notify.TLSStartTLS, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newFakeSMTP(t, tt.rcptReply)
			host, portStr, err := net.SplitHostPort(srv.addr)
			require.NoError(t, err)
			port, err := strconv.Atoi(portStr)
			require.NoError(t, err)
			ch, err := notify.NewEmail(notify.EmailConfig{Host: host, Port: port, TLS: tt.tls,
				From: "no-reply@clinic.example", Timeout: 5 * time.Second})
			require.NoError(t, err)

			receipt, err := ch.Send(context.Background(), notify.Message{To: "x@example.com", Subject: "s", Text: "t", HTML: "<p>t</p>"})

			if !tt.wantErr {
				require.NoError(t, err)
				require.NotEmpty(t, receipt.ProviderMessageID)
				require.Equal(t, 1, srv.accepted())
				return
			}
			require.Error(t, err)
			require.Zero(t, srv.accepted(), "messages the server accepted")
			require.Equal(t, tt.wantTemporary, notify.Temporary(err), "Temporary(%v)", err)
			if tt.wantStatus != 0 {
				var pe *notify.ProviderError
				require.ErrorAs(t, err, &pe)
				require.Equal(t, notify.KindEmail, pe.Kind)
				require.Equal(t, tt.wantStatus, pe.Status)
				require.Equal(t, tt.wantCode, pe.Code)
			}
		})
	}
}

func TestEmailSendToAClosedPortIsTemporary(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	ch, err := notify.NewEmail(notify.EmailConfig{Host: "127.0.0.1", Port: port, TLS: notify.TLSNone,
		Username: "clinic", Password: "smtp-secret-password", From: "no-reply@clinic.example", Timeout: 5 * time.Second})
	require.NoError(t, err)

	_, err = ch.Send(context.Background(), notify.Message{To: "x@example.com", Subject: "s", Text: "t"})

	require.Error(t, err)
	require.True(t, notify.Temporary(err), "Temporary(%v)", err)
	require.NotContains(t, err.Error(), "smtp-secret-password")
}

func TestEmailSendRefusesAnInvalidMessage(t *testing.T) {
	t.Parallel()
	ch, err := notify.NewEmail(notify.EmailConfig{Host: "127.0.0.1", Port: 1, TLS: notify.TLSNone, From: "no-reply@clinic.example"})
	require.NoError(t, err)
	tests := []struct {
		name string
		msg  notify.Message
	}{
		{"no recipient", notify.Message{Subject: "s", Text: "t"}},
		{"phone recipient", notify.Message{To: "+5511987654321", Subject: "s", Text: "t"}},
		{"no text", notify.Message{To: "x@example.com", Subject: "s", HTML: "<p>t</p>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ch.Send(context.Background(), tt.msg)
			require.ErrorIs(t, err, notify.ErrInvalidMessage)
			require.False(t, notify.Temporary(err))
		})
	}
}
