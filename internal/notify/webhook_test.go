package notify_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/notify"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func TestVerifyChallenge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		query  string
		token  string
		want   string
		wantOK bool
	}{
		{"subscribe with the token", "hub.mode=subscribe&hub.verify_token=s3cr3t-verify&hub.challenge=1158201444", "s3cr3t-verify", "1158201444", true},
		{"wrong token", "hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444", "s3cr3t-verify", "", false},
		{"token prefix", "hub.mode=subscribe&hub.verify_token=s3cr3t&hub.challenge=1158201444", "s3cr3t-verify", "", false},
		{"other mode", "hub.mode=unsubscribe&hub.verify_token=s3cr3t-verify&hub.challenge=1158201444", "s3cr3t-verify", "", false},
		{"no challenge", "hub.mode=subscribe&hub.verify_token=s3cr3t-verify", "s3cr3t-verify", "", false},
		{"empty configured token", "hub.mode=subscribe&hub.verify_token=&hub.challenge=1", "", "", false},
		{"nothing", "", "s3cr3t-verify", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := url.ParseQuery(tt.query)
			require.NoError(t, err)
			got, ok := notify.VerifyChallenge(q, tt.token)
			require.Equal(t, tt.wantOK, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	const secret = "test-app-secret"
	body := readFixture(t, "whatsapp_button.json")
	// Known answer, computed with: openssl dgst -sha256 -hmac test-app-secret testdata/whatsapp_button.json
	const known = "sha256=baf7d805cd100016a37af2e17cce7cf5a2edd2cd8ce4f6b60ec4ba96cdd04215"
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	require.Equal(t, known, "sha256="+hex.EncodeToString(mac.Sum(nil)), "fixture changed: recompute the known answer")

	tampered := append([]byte(nil), body...)
	tampered[len(tampered)/2] ^= 0x01
	tests := []struct {
		name   string
		body   []byte
		header string
		secret notify.Secret
		want   bool
	}{
		{"good", body, known, secret, true},
		{"upper-case hex", body, "sha256=" + "BAF7D805CD100016A37AF2E17CCE7CF5A2EDD2CD8CE4F6B60EC4BA96CDD04215", secret, true},
		{"tampered body", tampered, known, secret, false},
		{"body with a trailing newline", append(append([]byte(nil), body...), '\n'), known, secret, false},
		{"other secret", body, known, "other-secret", false},
		{"missing header", body, "", secret, false},
		{"no sha256= prefix", body, known[len("sha256="):], secret, false},
		{"sha1 header", body, "sha1=0123456789abcdef0123456789abcdef01234567", secret, false},
		{"not hex", body, "sha256=zz", secret, false},
		{"truncated", body, known[:len(known)-2], secret, false},
		{"empty secret", body, known, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, notify.VerifySignature(tt.body, tt.header, tt.secret))
		})
	}
}

func TestParseWebhook(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		body        []byte
		wantUpdates []notify.StatusUpdate
		wantReplies []notify.ButtonReply
		wantErr     bool
	}{
		{
			name: "statuses",
			body: readFixture(t, "whatsapp_statuses.json"),
			wantUpdates: []notify.StatusUpdate{
				{ProviderMessageID: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA", Status: notify.StatusDelivered, ProviderStatus: "delivered",
					Recipient: "5511987654321", Timestamp: time.Unix(1750263773, 0).UTC()},
				{ProviderMessageID: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA", Status: notify.StatusRead, ProviderStatus: "read",
					Recipient: "5511987654321", Timestamp: time.Unix(1750263800, 0).UTC()},
				{ProviderMessageID: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJGMDQ4QTc3RDU5QjM3RTFBMDcA", Status: notify.StatusFailed, ProviderStatus: "failed",
					Recipient: "5511912345678", Timestamp: time.Unix(1750263810, 0).UTC(), ErrorCode: "131026", ErrorTitle: "Message undeliverable"},
				{ProviderMessageID: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJBQkNERUYxMjM0NTY3ODkwAA==", Status: notify.StatusSent, ProviderStatus: "sent",
					Recipient: "5511900001111", Timestamp: time.Unix(1750263700, 0).UTC()},
			},
		},
		{
			name: "a button reply, and a text message that is ignored",
			body: readFixture(t, "whatsapp_button.json"),
			wantReplies: []notify.ButtonReply{{
				ReplyTo:   "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA",
				Payload:   "confirm:apt_7Hq2",
				Text:      "Confirmar",
				From:      "5511987654321",
				MessageID: "wamid.HBgLNTUxMTk4NzY1NDMyMRUCABIYFDNBMEQ5RjA3QkE5RkI3NzQ0NkE0AA==",
				Timestamp: time.Unix(1750264000, 0).UTC(),
			}},
		},
		{
			name:        "unknown status keeps the provider's word",
			body:        []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"statuses":[{"id":"wamid.1","status":"deleted","timestamp":"x"}]}}]}]}`),
			wantUpdates: []notify.StatusUpdate{{ProviderMessageID: "wamid.1", Status: notify.StatusUnknown, ProviderStatus: "deleted"}},
		},
		{
			name: "the send's callback data comes back",
			body: []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"statuses":[{"id":"wamid.2","status":"sent","timestamp":"1750263700","recipient_id":"5511900001111","biz_opaque_callback_data":"0193a1b2-0000-7000-8000-000000000001"}]}}]}]}`),
			wantUpdates: []notify.StatusUpdate{{ProviderMessageID: "wamid.2", Status: notify.StatusSent, ProviderStatus: "sent",
				Recipient: "5511900001111", Timestamp: time.Unix(1750263700, 0).UTC(), CallbackData: "0193a1b2-0000-7000-8000-000000000001"}},
		},
		{name: "no entries", body: []byte(`{"object":"whatsapp_business_account","entry":[]}`)},
		{name: "another object", body: []byte(`{"object":"page","entry":[]}`), wantErr: true},
		{name: "not JSON", body: []byte(`hub.mode=subscribe`), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			updates, replies, err := notify.ParseWebhook(tt.body)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantUpdates, updates)
			require.Equal(t, tt.wantReplies, replies)
		})
	}
}

// twilioSign is an independent implementation of Twilio's scheme, written
// from its documentation, for cases the published example does not cover.
func twilioSign(token, fullURL string, pairs ...string) string {
	s := fullURL
	for i := 0; i < len(pairs); i += 2 {
		s += pairs[i] + pairs[i+1]
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestVerifyTwilioSignature(t *testing.T) {
	t.Parallel()
	// Twilio's published example (its security documentation and the
	// RequestValidator tests of its libraries).
	const (
		token  = "12345"
		docURL = "https://mycompany.com/myapp.php?foo=1&bar=2"
		docSig = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
	)
	docForm := url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"},
		"From": {"+14158675309"}, "To": {"+18005551212"},
	}
	require.Equal(t, docSig, twilioSign(token, docURL, "CallSid", "CA1234567890ABCDE", "Caller", "+14158675309",
		"Digits", "1234", "From", "+14158675309", "To", "+18005551212"), "the test's own implementation")

	callback := readFixture(t, "twilio_status_callback.form")
	cbForm, err := url.ParseQuery(string(callback))
	require.NoError(t, err)
	const cbURL = "https://clinic.example/hooks/sms/status"
	cbSig := twilioSign("cb-token", cbURL, "AccountSid", "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "ApiVersion", "2010-04-01",
		"ErrorCode", "30003", "From", "+15017122661", "MessageSid", "SM1f0e8ae6ade43cb3c0ce4525424e404f",
		"MessageStatus", "undelivered", "SmsSid", "SM1f0e8ae6ade43cb3c0ce4525424e404f", "SmsStatus", "undelivered",
		"To", "+5511987654321")

	with := func(k, v string) url.Values {
		f := url.Values{}
		for name, vs := range docForm {
			f[name] = append([]string(nil), vs...)
		}
		f.Set(k, v)
		return f
	}
	tests := []struct {
		name   string
		url    string
		form   url.Values
		header string
		token  notify.Secret
		want   bool
	}{
		{"documented example", docURL, docForm, docSig, token, true},
		{"documented example with the default port", "https://mycompany.com:443/myapp.php?foo=1&bar=2", docForm, docSig, token, true},
		{"status callback fixture", cbURL, cbForm, cbSig, "cb-token", true},
		{"tampered parameter", docURL, with("Digits", "9999"), docSig, token, false},
		{"added parameter", docURL, with("Extra", "1"), docSig, token, false},
		{"other URL", "https://mycompany.com/myapp.php?foo=1&bar=3", docForm, docSig, token, false},
		{"other port", "https://mycompany.com:8443/myapp.php?foo=1&bar=2", docForm, docSig, token, false},
		{"other token", docURL, docForm, docSig, "54321", false},
		{"missing header", docURL, docForm, "", token, false},
		{"not base64", docURL, docForm, "not base64!", token, false},
		{"empty token", docURL, docForm, docSig, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, notify.VerifyTwilioSignature(tt.url, tt.form, tt.header, tt.token))
		})
	}
}

func TestParseStatusCallback(t *testing.T) {
	t.Parallel()
	form, err := url.ParseQuery(string(readFixture(t, "twilio_status_callback.form")))
	require.NoError(t, err)
	tests := []struct {
		name string
		form url.Values
		want notify.StatusUpdate
	}{
		{"undelivered fixture", form, notify.StatusUpdate{ProviderMessageID: "SM1f0e8ae6ade43cb3c0ce4525424e404f", Status: notify.StatusFailed,
			ProviderStatus: "undelivered", Recipient: "+5511987654321", ErrorCode: "30003"}},
		{"delivered", url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"delivered"}}, notify.StatusUpdate{ProviderMessageID: "SM1",
			Status: notify.StatusDelivered, ProviderStatus: "delivered"}},
		{"queued", url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"queued"}}, notify.StatusUpdate{ProviderMessageID: "SM1",
			Status: notify.StatusQueued, ProviderStatus: "queued"}},
		{"sent", url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"sent"}}, notify.StatusUpdate{ProviderMessageID: "SM1",
			Status: notify.StatusSent, ProviderStatus: "sent"}},
		{"failed", url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"failed"}, "ErrorCode": {"30008"}}, notify.StatusUpdate{ProviderMessageID: "SM1",
			Status: notify.StatusFailed, ProviderStatus: "failed", ErrorCode: "30008"}},
		{"unknown", url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"partially_delivered"}}, notify.StatusUpdate{ProviderMessageID: "SM1",
			Status: notify.StatusUnknown, ProviderStatus: "partially_delivered"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, notify.ParseStatusCallback(tt.form))
		})
	}
}
