package notifytest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/notify"
	"clinic/internal/notify/notifytest"
)

var waMsg = notify.Message{To: "+5511987654321", Template: &notify.WhatsAppTemplate{
	Name: "clinic_reminder", Language: "pt_BR", BodyParams: []string{"Maria", "amanhã"},
	Buttons: []notify.QuickReply{{Index: 0, Payload: "confirm:1"}, {Index: 1, Payload: "cancel:1"}},
}}

func whatsApp(t *testing.T, s *notifytest.Server, token string) notify.Channel {
	t.Helper()
	ch, err := notify.NewWhatsApp(notify.WhatsAppConfig{BaseURL: s.URL, PhoneNumberID: "1065", AccessToken: notify.Secret(token),
		Timeout: 300 * time.Millisecond})
	require.NoError(t, err)
	return ch
}

func sms(t *testing.T, s *notifytest.Server, token string) notify.Channel {
	t.Helper()
	ch, err := notify.NewSMS(notify.SMSConfig{BaseURL: s.URL, AccountSID: "AC123", From: "+15017122661", AuthToken: notify.Secret(token),
		Timeout: 300 * time.Millisecond})
	require.NoError(t, err)
	return ch
}

func TestWhatsAppStub(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		token    string
		reply    *notifytest.Reply
		wantErr  bool
		wantTemp bool
		problems bool
	}{
		{name: "success", token: "tok"},
		{name: "delayed success", token: "tok", reply: &notifytest.Reply{Delay: 50 * time.Millisecond}},
		{name: "4xx is permanent", token: "tok", reply: ptr(notifytest.WhatsAppError(400, 131026, "Message undeliverable")), wantErr: true},
		{name: "5xx is temporary", token: "tok", reply: ptr(notifytest.WhatsAppError(503, 131016, "Service unavailable")), wantErr: true, wantTemp: true},
		{name: "a hang is a temporary time-out", token: "tok", reply: &notifytest.Reply{Hang: true}, wantErr: true, wantTemp: true},
		{name: "a wrong token is a problem, refused", token: "other", wantErr: true, problems: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := notifytest.NewWhatsApp(t, notifytest.WhatsAppConfig{PhoneNumberID: "1065", AccessToken: "tok"})
			if tt.reply != nil {
				s.AnswerAll(*tt.reply)
			}
			rc, err := whatsApp(t, s, tt.token).Send(context.Background(), waMsg)
			reqs := s.Requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			require.Equal(t, tt.problems, len(s.Problems()) > 0, "problems: %v", s.Problems())
			if tt.wantErr {
				require.Error(t, err)
				require.Equal(t, tt.wantTemp, notify.Temporary(err), "%v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, r.ProviderID, rc.ProviderMessageID)
			require.True(t, strings.HasPrefix(rc.ProviderMessageID, "wamid."))
			require.Equal(t, "+5511987654321", r.To)
			require.Equal(t, &notifytest.WhatsAppMessage{PhoneNumberID: "1065", Template: "clinic_reminder", Language: "pt_BR",
				Params: []string{"Maria", "amanhã"}, Buttons: map[int]string{0: "confirm:1", 1: "cancel:1"}}, r.WhatsApp)
		})
	}
}

func TestWhatsAppStubFindsMalformedRequests(t *testing.T) {
	t.Parallel()
	s := notifytest.NewWhatsApp(t, notifytest.WhatsAppConfig{})
	res, err := http.Post(s.URL+"/v21.0/1/messages", "application/json", strings.NewReader(
		`{"messaging_product":"sms","to":"5511","type":"text","template":{"name":"","components":[{"type":"button","index":0,"parameters":[]}]}}`))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	p := strings.Join(s.Problems(), "\n")
	for _, want := range []string{"Authorization", "messaging_product", "to:", "type:", "template.name", "language.code", "index", "payload"} {
		require.Contains(t, p, want)
	}
}

func TestTwilioStub(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		token    string
		reply    *notifytest.Reply
		wantErr  bool
		wantTemp bool
		problems bool
	}{
		{name: "success", token: "tok"},
		{name: "4xx is permanent", token: "tok", reply: ptr(notifytest.TwilioError(400, 21211, "Invalid 'To' Phone Number")), wantErr: true},
		{name: "5xx is temporary", token: "tok", reply: ptr(notifytest.TwilioError(500, 20500, "Internal Server Error")), wantErr: true, wantTemp: true},
		{name: "a hang is a temporary time-out", token: "tok", reply: &notifytest.Reply{Hang: true}, wantErr: true, wantTemp: true},
		{name: "a wrong password is a problem, refused", token: "nope", wantErr: true, problems: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := notifytest.NewTwilio(t, notifytest.TwilioConfig{AccountSID: "AC123", AuthToken: "tok"})
			if tt.reply != nil {
				s.AnswerAll(*tt.reply)
			}
			rc, err := sms(t, s, tt.token).Send(context.Background(), notify.Message{To: "+5511987654321", Text: "Olá",
				StatusCallback: "https://clinic.example/webhooks/sms/c?m=1"})
			reqs := s.Requests()
			require.Len(t, reqs, 1)
			require.Equal(t, tt.problems, len(s.Problems()) > 0, "problems: %v", s.Problems())
			if tt.wantErr {
				require.Error(t, err)
				require.Equal(t, tt.wantTemp, notify.Temporary(err), "%v", err)
				if !tt.problems && !tt.wantTemp {
					var pe *notify.ProviderError
					require.ErrorAs(t, err, &pe)
					require.Equal(t, "21211", pe.Code)
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, reqs[0].ProviderID, rc.ProviderMessageID)
			require.True(t, strings.HasPrefix(rc.ProviderMessageID, "SM"))
			require.Equal(t, "Olá", reqs[0].Form.Get("Body"))
			require.Equal(t, "https://clinic.example/webhooks/sms/c?m=1", reqs[0].Form.Get("StatusCallback"))
		})
	}
}

func TestPerRequestAnswersAndWait(t *testing.T) {
	t.Parallel()
	s := notifytest.NewTwilio(t, notifytest.TwilioConfig{})
	s.Answer(func(r notifytest.Request) notifytest.Reply {
		if r.Seq == 1 {
			return notifytest.TwilioError(503, 20503, "Service unavailable")
		}
		return notifytest.Reply{}
	})
	ch := sms(t, s, "tok")
	msg := notify.Message{To: "+5511987654321", Text: "Olá"}
	_, err := ch.Send(context.Background(), msg)
	require.True(t, notify.Temporary(err))
	_, err = ch.Send(context.Background(), msg)
	require.NoError(t, err)
	require.Len(t, s.Wait(2, time.Second), 2)
	require.Len(t, s.Wait(3, 50*time.Millisecond), 2, "Wait gives up after its time-out")
	require.Empty(t, s.Problems())
}

func ptr[T any](v T) *T { return &v }
