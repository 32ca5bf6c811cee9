package notify_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/notify"
)

const (
	smsAccount = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
	smsToken   = "your_auth_token_not_real"
)

// checkTwilio returns a check of a request against the Messages API's
// create-message endpoint: method, path, Basic credentials, form content
// type and exactly the form fields in want.
func checkTwilio(want url.Values) func(r *http.Request, body []byte) []string {
	return func(r *http.Request, body []byte) []string {
		var p []string
		expect(&p, "method", r.Method, http.MethodPost)
		expect(&p, "path", r.URL.Path, "/2010-04-01/Accounts/"+smsAccount+"/Messages.json")
		user, pass, ok := r.BasicAuth()
		expect(&p, "Basic auth", ok, true)
		expect(&p, "Basic user", user, smsAccount)
		expect(&p, "Basic password", pass, smsToken)
		expect(&p, "Content-Type", r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return append(p, "body is not a form: "+err.Error())
		}
		expect(&p, "form fields", keys(form), keys(want))
		for k := range want {
			expect(&p, "form "+k, form[k], want[k])
		}
		return p
	}
}

func keys(v url.Values) string {
	k := make([]string, 0, len(v))
	for name := range v {
		k = append(k, name)
	}
	sort.Strings(k)
	return strings.Join(k, ",")
}

// twilioCreated is the Messages API's 201 answer, as documented.
const twilioCreated = `{
  "account_sid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
  "api_version": "2010-04-01",
  "body": "Lembrete: consulta amanhã às 14:30.",
  "date_created": "Thu, 24 Aug 2023 05:01:45 +0000",
  "date_sent": null,
  "date_updated": "Thu, 24 Aug 2023 05:01:45 +0000",
  "direction": "outbound-api",
  "error_code": null,
  "error_message": null,
  "from": "+15017122661",
  "messaging_service_sid": null,
  "num_media": "0",
  "num_segments": "1",
  "price": null,
  "price_unit": null,
  "sid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
  "status": "queued",
  "subresource_uris": {"media": "/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Messages/SM1f0e8ae6ade43cb3c0ce4525424e404f/Media.json"},
  "to": "+5511987654321",
  "uri": "/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Messages/SM1f0e8ae6ade43cb3c0ce4525424e404f.json"
}`

func TestSMSSend(t *testing.T) {
	t.Parallel()

	msg := notify.Message{To: "+5511987654321", Text: "Lembrete: consulta amanhã às 14:30.", Subject: "ignored"}
	fromNumber := url.Values{
		"To": {"+5511987654321"}, "From": {"+15017122661"}, "Body": {msg.Text},
		"StatusCallback": {"https://clinic.example/hooks/sms/status"},
	}
	viaService := url.Values{
		"To": {"+5511987654321"}, "MessagingServiceSid": {"MGXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}, "Body": {msg.Text},
	}
	tests := []struct {
		name          string
		service       bool // MessagingServiceSid instead of From, no callback
		answer        answer
		wantID        string
		wantErr       bool
		wantTemporary bool
		wantProvider  *notify.ProviderError
		wantIs        error
	}{
		{name: "accepted", answer: answer{status: 201, body: twilioCreated}, wantID: "SM1f0e8ae6ade43cb3c0ce4525424e404f"},
		{name: "accepted through a messaging service", service: true, answer: answer{status: 201, body: twilioCreated}, wantID: "SM1f0e8ae6ade43cb3c0ce4525424e404f"},
		{
			name: "invalid number is permanent with the provider's reason",
			answer: answer{status: 400, body: `{"code": 21211, "message": "Invalid 'To' Phone Number: +55119876XXXX",
				"more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}`},
			wantErr: true,
			wantProvider: &notify.ProviderError{Status: 400, Code: "21211", Message: "Invalid 'To' Phone Number: +55119876XXXX",
				Ref: "https://www.twilio.com/docs/errors/21211"},
		},
		{
			name: "wrong credentials are permanent",
			answer: answer{status: 401, body: `{"code": 20003, "message": "Authenticate",
				"more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}`},
			wantErr:      true,
			wantProvider: &notify.ProviderError{Status: 401, Code: "20003", Message: "Authenticate", Ref: "https://www.twilio.com/docs/errors/20003"},
		},
		{
			name: "429 is temporary",
			answer: answer{status: 429, body: `{"code": 20429, "message": "Too Many Requests",
				"more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}`},
			wantErr: true, wantTemporary: true,
			wantProvider: &notify.ProviderError{Status: 429, Code: "20429", Message: "Too Many Requests", Ref: "https://www.twilio.com/docs/errors/20429"},
		},
		{
			name: "503 is temporary",
			answer: answer{status: 503, body: `{"code": 20503, "message": "Service Unavailable",
				"more_info": "https://www.twilio.com/docs/errors/20503", "status": 503}`},
			wantErr: true, wantTemporary: true,
			wantProvider: &notify.ProviderError{Status: 503, Code: "20503", Message: "Service Unavailable", Ref: "https://www.twilio.com/docs/errors/20503"},
		},
		{
			name:    "500 without the error shape is temporary",
			answer:  answer{status: 500, body: "internal error"},
			wantErr: true, wantTemporary: true,
			wantProvider: &notify.ProviderError{Status: 500, Message: "internal error"},
		},
		{
			name:    "201 without a sid is permanent (it was probably sent)",
			answer:  answer{status: 201, body: `{"status":"queued"}`},
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
			cfg := notify.SMSConfig{AccountSID: smsAccount, AuthToken: smsToken, Timeout: 300 * time.Millisecond}
			want := fromNumber
			if tt.service {
				cfg.MessagingServiceSID = "MGXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
				want = viaService
			} else {
				cfg.From = "+15017122661"
				cfg.StatusCallback = "https://clinic.example/hooks/sms/status"
			}
			stub := newTwilioStub(t, checkTwilio(want), tt.answer)
			cfg.BaseURL = stub.srv.URL
			ch, err := notify.New(notify.Config{Kind: notify.KindSMS, SMS: cfg})
			require.NoError(t, err)

			receipt, err := ch.Send(context.Background(), msg)

			n, problems := stub.seen()
			require.Equal(t, 1, n, "requests at the stub")
			require.Empty(t, problems, "request does not follow the Messages API format")
			if !tt.wantErr {
				require.NoError(t, err)
				require.Equal(t, tt.wantID, receipt.ProviderMessageID)
				return
			}
			require.Error(t, err)
			require.Equal(t, tt.wantTemporary, notify.Temporary(err), "Temporary(%v)", err)
			require.NotContains(t, err.Error(), smsToken)
			if tt.wantIs != nil {
				require.ErrorIs(t, err, tt.wantIs)
			}
			if tt.wantProvider != nil {
				var pe *notify.ProviderError
				require.ErrorAs(t, err, &pe)
				require.Equal(t, notify.KindSMS, pe.Kind)
				require.Equal(t, tt.wantProvider.Status, pe.Status)
				require.Equal(t, tt.wantProvider.Code, pe.Code)
				require.Equal(t, tt.wantProvider.Message, pe.Message)
				require.Equal(t, tt.wantProvider.Ref, pe.Ref)
			}
		})
	}
}

func TestSMSSendPerMessageStatusCallback(t *testing.T) {
	t.Parallel()
	msg := notify.Message{To: "+5511987654321", Text: "Oi", StatusCallback: "https://clinic.example/hooks/sms/status?m=42"}
	stub := newTwilioStub(t, checkTwilio(url.Values{
		"To": {msg.To}, "From": {"+15017122661"}, "Body": {"Oi"}, "StatusCallback": {msg.StatusCallback},
	}), answer{status: 201, body: twilioCreated})
	ch, err := notify.NewSMS(notify.SMSConfig{BaseURL: stub.srv.URL, AccountSID: smsAccount, AuthToken: smsToken,
		From: "+15017122661", StatusCallback: "https://clinic.example/hooks/sms/status"})
	require.NoError(t, err)

	_, err = ch.Send(context.Background(), msg)

	require.NoError(t, err)
	_, problems := stub.seen()
	require.Empty(t, problems)
}

func TestSMSSendRefusesAnInvalidMessageWithoutARequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msg  notify.Message
	}{
		{"no recipient", notify.Message{Text: "Oi"}},
		{"national number", notify.Message{To: "11987654321", Text: "Oi"}},
		{"e-mail recipient", notify.Message{To: "maria@example.com", Text: "Oi"}},
		{"empty text", notify.Message{To: "+5511987654321", Text: "  "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newTwilioStub(t, checkTwilio(nil), answer{status: 201, body: twilioCreated})
			ch, err := notify.NewSMS(notify.SMSConfig{BaseURL: stub.srv.URL, AccountSID: smsAccount, AuthToken: smsToken, From: "+15017122661"})
			require.NoError(t, err)

			_, err = ch.Send(context.Background(), tt.msg)

			require.ErrorIs(t, err, notify.ErrInvalidMessage)
			require.False(t, notify.Temporary(err))
			n, _ := stub.seen()
			require.Zero(t, n)
		})
	}
}

func TestSMSConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     notify.SMSConfig
		wantErr string
	}{
		{"from number", notify.SMSConfig{AccountSID: "AC1", AuthToken: "t", From: "+15017122661"}, ""},
		{"messaging service", notify.SMSConfig{AccountSID: "AC1", AuthToken: "t", MessagingServiceSID: "MG1"}, ""},
		{"no account", notify.SMSConfig{AuthToken: "t", From: "+1"}, "AccountSID"},
		{"no token", notify.SMSConfig{AccountSID: "AC1", From: "+1"}, "AuthToken"},
		{"no sender", notify.SMSConfig{AccountSID: "AC1", AuthToken: "t"}, "From or MessagingServiceSID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := notify.NewSMS(tt.cfg)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
