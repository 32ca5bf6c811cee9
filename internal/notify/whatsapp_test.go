package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/notify"
)

const (
	waToken   = "EAAG-test-token-not-real"
	waPhoneID = "106540352242922"
)

// waMessage is a reminder with two body parameters and three quick replies.
var waMessage = notify.Message{
	To: "+5511987654321",
	Template: &notify.WhatsAppTemplate{
		Name:       "appointment_reminder",
		Language:   "pt_BR",
		BodyParams: []string{"Maria", "12/03 às 14:30"},
		Buttons: []notify.QuickReply{
			{Index: 0, Payload: "confirm:apt_7Hq2"},
			{Index: 1, Payload: "cancel:apt_7Hq2"},
			{Index: 2, Payload: "reschedule:apt_7Hq2"},
		},
	},
}

// waWantBody is waMessage as the Cloud API documents a template message
// with body parameters and quick-reply buttons, written out independently of
// the client's types.
const waWantBody = `{
  "messaging_product": "whatsapp",
  "recipient_type": "individual",
  "to": "+5511987654321",
  "type": "template",
  "template": {
    "name": "appointment_reminder",
    "language": {"code": "pt_BR"},
    "components": [
      {"type": "body", "parameters": [
        {"type": "text", "text": "Maria"},
        {"type": "text", "text": "12/03 às 14:30"}
      ]},
      {"type": "button", "sub_type": "quick_reply", "index": "0",
       "parameters": [{"type": "payload", "payload": "confirm:apt_7Hq2"}]},
      {"type": "button", "sub_type": "quick_reply", "index": "1",
       "parameters": [{"type": "payload", "payload": "cancel:apt_7Hq2"}]},
      {"type": "button", "sub_type": "quick_reply", "index": "2",
       "parameters": [{"type": "payload", "payload": "reschedule:apt_7Hq2"}]}
    ]
  }
}`

// checkWhatsApp checks a request against the Cloud API's send-message
// endpoint: method, path, bearer token, JSON content type and the body.
func checkWhatsApp(r *http.Request, body []byte) []string {
	var p []string
	expect(&p, "method", r.Method, http.MethodPost)
	expect(&p, "path", r.URL.Path, "/v21.0/"+waPhoneID+"/messages")
	expect(&p, "query", r.URL.RawQuery, "")
	expect(&p, "Authorization", r.Header.Get("Authorization"), "Bearer "+waToken)
	expect(&p, "Content-Type", r.Header.Get("Content-Type"), "application/json")
	var got, want any
	if err := json.Unmarshal(body, &got); err != nil {
		return append(p, "body is not JSON: "+err.Error())
	}
	if err := json.Unmarshal([]byte(waWantBody), &want); err != nil {
		panic(err)
	}
	if !reflect.DeepEqual(got, want) {
		p = append(p, "body: got "+string(body))
	}
	return p
}

func TestWhatsAppSend(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name          string
		answer        answer
		wantID        string
		wantErr       bool
		wantTemporary bool
		wantProvider  *notify.ProviderError // Status, Code, Subcode, Message, Ref
		wantIs        error
	}{
		{
			name: "accepted",
			answer: answer{status: 200, body: `{"messaging_product":"whatsapp",
				"contacts":[{"input":"+5511987654321","wa_id":"5511987654321"}],
				"messages":[{"id":"wamid.HBgLNTUxMTk4NzY1NDMyMRUCABEYEjg4QjFFRjQ3QjI0OTRDQTI3OQA=","message_status":"accepted"}]}`},
			wantID: "wamid.HBgLNTUxMTk4NzY1NDMyMRUCABEYEjg4QjFFRjQ3QjI0OTRDQTI3OQA=",
		},
		{
			name: "recipient not allowed is permanent with the provider's reason",
			answer: answer{status: 400, body: `{"error":{"message":"(#131030) Recipient phone number not in allowed list",
				"type":"OAuthException","code":131030,"error_data":{"messaging_product":"whatsapp",
				"details":"Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again."},
				"error_subcode":2655007,"fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}`},
			wantErr: true,
			wantProvider: &notify.ProviderError{Status: 400, Code: "131030", Subcode: "2655007", Ref: "Az8or2yhqkZfEZ-_4Qn_Bam",
				Message: "(#131030) Recipient phone number not in allowed list (Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again.)"},
		},
		{
			name: "template that does not exist is permanent",
			answer: answer{status: 404, body: `{"error":{"message":"(#132001) Template name does not exist in the translation",
				"type":"OAuthException","code":132001,"fbtrace_id":"AbCdEf"}}`},
			wantErr:      true,
			wantProvider: &notify.ProviderError{Status: 404, Code: "132001", Ref: "AbCdEf", Message: "(#132001) Template name does not exist in the translation"},
		},
		{
			name: "expired token is permanent",
			answer: answer{status: 401, body: `{"error":{"message":"Error validating access token: Session has expired.",
				"type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"A1"}}`},
			wantErr:      true,
			wantProvider: &notify.ProviderError{Status: 401, Code: "190", Subcode: "463", Ref: "A1", Message: "Error validating access token: Session has expired."},
		},
		{
			name: "throughput limit (400 with code 130429) is temporary",
			answer: answer{status: 400, body: `{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException",
				"code":130429,"fbtrace_id":"A2"}}`},
			wantErr: true, wantTemporary: true,
			wantProvider: &notify.ProviderError{Status: 400, Code: "130429", Ref: "A2", Message: "(#130429) Rate limit hit"},
		},
		{
			name:    "429 is temporary",
			answer:  answer{status: 429, body: `{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"fbtrace_id":"A3"}}`},
			wantErr: true, wantTemporary: true,
			wantProvider: &notify.ProviderError{Status: 429, Code: "4", Ref: "A3", Message: "(#4) Application request limit reached"},
		},
		{
			name:    "500 is temporary",
			answer:  answer{status: 500, body: `{"error":{"message":"(#131000) Something went wrong","type":"OAuthException","code":131000,"fbtrace_id":"A4"}}`},
			wantErr: true, wantTemporary: true,
			wantProvider: &notify.ProviderError{Status: 500, Code: "131000", Ref: "A4", Message: "(#131000) Something went wrong"},
		},
		{
			name:    "502 from a proxy without the error shape is temporary",
			answer:  answer{status: 502, body: `<html><body>Bad Gateway</body></html>`},
			wantErr: true, wantTemporary: true,
			wantProvider: &notify.ProviderError{Status: 502, Message: "<html><body>Bad Gateway</body></html>"},
		},
		{
			name:    "200 without a message id is permanent (it was probably sent)",
			answer:  answer{status: 200, body: `{"messaging_product":"whatsapp","messages":[]}`},
			wantErr: true, wantIs: notify.ErrBadResponse,
		},
		{
			name:    "no answer is a temporary client time-out",
			answer:  answer{hang: true},
			wantErr: true, wantTemporary: true, wantIs: context.DeadlineExceeded,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newWhatsAppStub(t, checkWhatsApp, tt.answer)
			ch, err := notify.New(notify.Config{Kind: notify.KindWhatsApp, WhatsApp: notify.WhatsAppConfig{
				BaseURL:       stub.srv.URL,
				PhoneNumberID: waPhoneID,
				AccessToken:   waToken,
				Timeout:       300 * time.Millisecond,
			}})
			require.NoError(t, err)

			receipt, err := ch.Send(context.Background(), waMessage)

			n, problems := stub.seen()
			require.Equal(t, 1, n, "requests at the stub")
			require.Empty(t, problems, "request does not follow the Cloud API format")
			if !tt.wantErr {
				require.NoError(t, err)
				require.Equal(t, tt.wantID, receipt.ProviderMessageID)
				return
			}
			require.Error(t, err)
			require.Empty(t, receipt.ProviderMessageID)
			require.Equal(t, tt.wantTemporary, notify.Temporary(err), "Temporary(%v)", err)
			require.NotContains(t, err.Error(), waToken)
			if tt.wantIs != nil {
				require.ErrorIs(t, err, tt.wantIs)
			}
			if tt.wantProvider != nil {
				var pe *notify.ProviderError
				require.ErrorAs(t, err, &pe)
				require.Equal(t, notify.KindWhatsApp, pe.Kind)
				require.Equal(t, tt.wantProvider.Status, pe.Status)
				require.Equal(t, tt.wantProvider.Code, pe.Code)
				require.Equal(t, tt.wantProvider.Subcode, pe.Subcode)
				require.Equal(t, tt.wantProvider.Message, pe.Message)
				require.Equal(t, tt.wantProvider.Ref, pe.Ref)
			}
		})
	}
}

func TestWhatsAppSendRefusesAnInvalidMessageWithoutARequest(t *testing.T) {
	t.Parallel()

	tmpl := func(f func(*notify.WhatsAppTemplate)) *notify.WhatsAppTemplate {
		c := *waMessage.Template
		f(&c)
		return &c
	}
	tests := []struct {
		name string
		msg  notify.Message
	}{
		{"no template", notify.Message{To: "+5511987654321", Text: "hi"}},
		{"number without +", notify.Message{To: "5511987654321", Template: waMessage.Template}},
		{"number with spaces", notify.Message{To: "+55 11 98765-4321", Template: waMessage.Template}},
		{"template without a language", notify.Message{To: "+5511987654321", Template: tmpl(func(t *notify.WhatsAppTemplate) { t.Language = "" })}},
		{"empty body parameter", notify.Message{To: "+5511987654321", Template: tmpl(func(t *notify.WhatsAppTemplate) { t.BodyParams = []string{"Maria", ""} })}},
		{"repeated button index", notify.Message{To: "+5511987654321", Template: tmpl(func(t *notify.WhatsAppTemplate) {
			t.Buttons = []notify.QuickReply{{Index: 0, Payload: "a"}, {Index: 0, Payload: "b"}}
		})}},
		{"button without payload", notify.Message{To: "+5511987654321", Template: tmpl(func(t *notify.WhatsAppTemplate) {
			t.Buttons = []notify.QuickReply{{Index: 0}}
		})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newWhatsAppStub(t, checkWhatsApp, answer{status: 200, body: `{"messages":[{"id":"wamid.x"}]}`})
			ch, err := notify.NewWhatsApp(notify.WhatsAppConfig{BaseURL: stub.srv.URL, PhoneNumberID: waPhoneID, AccessToken: waToken})
			require.NoError(t, err)

			_, err = ch.Send(context.Background(), tt.msg)

			require.ErrorIs(t, err, notify.ErrInvalidMessage)
			require.False(t, notify.Temporary(err))
			n, _ := stub.seen()
			require.Zero(t, n, "requests at the stub")
		})
	}
}

func TestWhatsAppSendToAClosedServerIsTemporary(t *testing.T) {
	t.Parallel()
	stub := newWhatsAppStub(t, checkWhatsApp, answer{status: 200})
	stub.srv.Close()
	ch, err := notify.NewWhatsApp(notify.WhatsAppConfig{BaseURL: stub.srv.URL, PhoneNumberID: waPhoneID, AccessToken: waToken})
	require.NoError(t, err)

	_, err = ch.Send(context.Background(), waMessage)

	var te *notify.TransportError
	require.ErrorAs(t, err, &te)
	require.True(t, notify.Temporary(err))
	require.NotContains(t, err.Error(), waToken)
}

func TestWhatsAppConfig(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		cfg     notify.WhatsAppConfig
		wantErr string
	}{
		{"defaults", notify.WhatsAppConfig{PhoneNumberID: "1", AccessToken: "t"}, ""},
		{"no phone number id", notify.WhatsAppConfig{AccessToken: "t"}, "PhoneNumberID"},
		{"no token", notify.WhatsAppConfig{PhoneNumberID: "1"}, "AccessToken"},
		{"base URL with credentials", notify.WhatsAppConfig{BaseURL: "https://u:p@graph.example", PhoneNumberID: "1", AccessToken: "t"}, "BaseURL"},
		{"base URL not http", notify.WhatsAppConfig{BaseURL: "ftp://graph.example", PhoneNumberID: "1", AccessToken: "t"}, "BaseURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := notify.NewWhatsApp(tt.cfg)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			require.NotContains(t, err.Error(), ":p@")
		})
	}
	d := notify.WhatsAppConfig{}.WithDefaults()
	require.Equal(t, "https://graph.facebook.com", d.BaseURL)
	require.Equal(t, "v21.0", d.Version)
}

func TestTemporaryOfOtherErrors(t *testing.T) {
	t.Parallel()
	require.False(t, notify.Temporary(nil))
	require.False(t, notify.Temporary(errors.New("boom")))
	require.False(t, notify.Temporary(notify.ErrInvalidMessage))
	require.True(t, notify.Temporary(&notify.TransportError{Kind: "x", Err: errors.New("reset")}))
}
