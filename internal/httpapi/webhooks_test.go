package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/kernel"
)

// The WhatsApp webhook: Meta's verification, signed status updates that
// move a message forward only, and a quick-reply tap that confirms the
// appointment once; a bad signature is refused and changes nothing.
func TestWhatsAppWebhook(t *testing.T) {
	t.Parallel()
	eachMsg(t, nil, func(t *testing.T, f *msgFixture) {
		f.setUpChannels(t)
		f.enable(t)
		hook := "/webhooks/whatsapp/" + f.id
		signed := func(body []byte) http.Header {
			return http.Header{"X-Hub-Signature-256": {metaSignature(body, waAppSecret)}}
		}
		post := func(path string, body []byte, h http.Header) (int, []byte) {
			t.Helper()
			status, _, b := f.raw(t, "POST", path, "application/json", body, h)
			return status, b
		}

		// Verification.
		challenge := func(path, mode, token string) (int, string, []byte) {
			t.Helper()
			q := url.Values{"hub.mode": {mode}, "hub.verify_token": {token}, "hub.challenge": {"1158201444"}}
			return f.raw(t, "GET", path+"?"+q.Encode(), "", nil, nil)
		}
		status, ctype, body := challenge(hook, "subscribe", waVerifyToken)
		require.Equal(t, http.StatusOK, status, "%s", body)
		require.Equal(t, "1158201444", string(body))
		require.True(t, strings.HasPrefix(ctype, "text/plain"), ctype)
		for _, tc := range []struct{ name, path, mode, token string }{
			{"wrong token", hook, "subscribe", "guess"},
			{"empty token", hook, "subscribe", ""},
			{"wrong mode", hook, "unsubscribe", waVerifyToken},
			{"clinic without WhatsApp", "/webhooks/whatsapp/" + f.otherID, "subscribe", waVerifyToken},
			{"unknown clinic", "/webhooks/whatsapp/" + kernel.NewID(), "subscribe", waVerifyToken},
			{"not a clinic id", "/webhooks/whatsapp/nope", "subscribe", waVerifyToken},
		} {
			status, _, body := challenge(tc.path, tc.mode, tc.token)
			require.Equal(t, http.StatusForbidden, status, "%s: %s", tc.name, body)
			require.Contains(t, string(body), `"forbidden"`, tc.name)
		}

		appt, m := f.bookAndSend(t, f.at(0, 9, 0))

		// A bad signature: 401, and nothing changes.
		delivered := waStatus(m.ProviderID, "delivered", time.Now().Unix())
		confirm := waButton("wamid.reply-1", strings.TrimPrefix(f.phone, "+"), m.ProviderID, "confirm:"+m.ID)
		before := f.digests(t)
		for _, tc := range []struct {
			name, path string
			body       []byte
			h          http.Header
		}{
			{"no signature", hook, delivered, nil},
			{"another secret", hook, delivered, http.Header{"X-Hub-Signature-256": {metaSignature(delivered, "not-the-secret")}}},
			{"not hex", hook, delivered, http.Header{"X-Hub-Signature-256": {"sha256=zz"}}},
			{"no sha256= prefix", hook, delivered, http.Header{"X-Hub-Signature-256": {strings.TrimPrefix(metaSignature(delivered, waAppSecret), "sha256=")}}},
			{"body changed after signing", hook, confirm, signed(delivered)},
			{"clinic without an app secret", "/webhooks/whatsapp/" + f.otherID, delivered, signed(delivered)},
			{"unknown clinic", "/webhooks/whatsapp/" + kernel.NewID(), delivered, signed(delivered)},
			{"not a clinic id", "/webhooks/whatsapp/x", delivered, signed(delivered)},
		} {
			status, body := post(tc.path, tc.body, tc.h)
			require.Equal(t, http.StatusUnauthorized, status, "%s: %s", tc.name, body)
			require.Contains(t, string(body), `"unauthorized"`, tc.name)
		}
		require.Equal(t, before, f.digests(t), "a refused webhook changes nothing")
		require.Equal(t, "sent", f.message(t, m.ID).Status)

		// Signed, but not a WhatsApp notification.
		notWA := []byte(`{"object":"page","entry":[]}`)
		status, body = post(hook, notWA, signed(notWA))
		require.Equal(t, http.StatusBadRequest, status, "%s", body)

		// Statuses move the message forward, never back.
		status, body = post(hook, delivered, signed(delivered))
		require.Equal(t, http.StatusOK, status, "%s", body)
		require.Equal(t, "delivered", f.message(t, m.ID).Status)
		read := waStatus(m.ProviderID, "read", time.Now().Unix())
		status, body = post(hook, read, signed(read))
		require.Equal(t, http.StatusOK, status, "%s", body)
		require.Equal(t, "read", f.message(t, m.ID).Status)
		late := waStatus(m.ProviderID, "delivered", time.Now().Add(-time.Minute).Unix())
		status, body = post(hook, late, signed(late))
		require.Equal(t, http.StatusOK, status, "%s", body)
		got := f.message(t, m.ID)
		require.Equal(t, "read", got.Status, "a late delivered does not go back")
		require.Subset(t, got.history(), []string{"sent", "delivered", "read"})

		// The patient taps Confirm: the appointment is confirmed, by the
		// patient in the audit trail.
		require.Equal(t, "scheduled", f.appointmentStatus(t, appt))
		status, body = post(hook, confirm, signed(confirm))
		require.Equal(t, http.StatusOK, status, "%s", body)
		require.Equal(t, "confirmed", f.appointmentStatus(t, appt))
		res := f.do(t, f.owner, "GET", f.path("/audit?limit=200"), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var trail struct {
			Entries []struct {
				SystemActor string `json:"system_actor"`
				Entity      string `json:"entity"`
				EntityID    string `json:"entity_id"`
			}
		}
		res.Decode(t, &trail)
		byPatient := 0
		for _, e := range trail.Entries {
			if e.Entity == "appointment" && e.EntityID == appt && e.SystemActor == "patient" {
				byPatient++
			}
		}
		require.Equal(t, 1, byPatient, "one audit entry by the patient: %s", res.Body)
		require.Contains(t, f.message(t, m.ID).history(), "answered")

		// Delivered twice, it acts once.
		after := f.digests(t)
		status, body = post(hook, confirm, signed(confirm))
		require.Equal(t, http.StatusOK, status, "%s", body)
		require.Equal(t, after, f.digests(t), "the same reply again changes nothing")

		// A tap from another number than the message went to does nothing.
		appt2, m2 := f.bookAndSend(t, f.at(1, 10, 0))
		stranger := waButton("wamid.reply-2", "5511900001111", m2.ProviderID, "cancel:"+m2.ID)
		status, body = post(hook, stranger, signed(stranger))
		require.Equal(t, http.StatusOK, status, "%s", body)
		require.Equal(t, "scheduled", f.appointmentStatus(t, appt2))
		// Nor does another clinic's webhook, correctly signed with its own
		// app secret, naming this clinic's message.
		res = f.do(t, f.other, "PUT", "/api/v1/clinics/"+f.otherID+"/messaging/channels/whatsapp", map[string]any{"enabled": true,
			"config": map[string]any{"phone_number_id": "999"}, "secrets": map[string]any{"app_secret": "other-clinic-app-secret"}})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		cancel := waButton("wamid.reply-3", strings.TrimPrefix(f.phone, "+"), m2.ProviderID, "cancel:"+m2.ID)
		readM2 := waStatus(m2.ProviderID, "read", time.Now().Unix())
		before = f.digests(t)
		for _, b := range [][]byte{cancel, readM2} {
			status, body = post("/webhooks/whatsapp/"+f.otherID, b, http.Header{"X-Hub-Signature-256": {metaSignature(b, "other-clinic-app-secret")}})
			require.Equal(t, http.StatusOK, status, "%s", body)
		}
		require.Equal(t, before, f.digests(t), "another clinic's webhook changes nothing of this clinic")
		status, body = post(hook, cancel, signed(cancel))
		require.Equal(t, http.StatusOK, status, "%s", body)
		require.Equal(t, "cancelled", f.appointmentStatus(t, appt2))

		// Only POST and GET; other paths under /webhooks/ are not routes.
		status, _, body = f.raw(t, "GET", "/webhooks/nothing", "", nil, nil)
		require.Equal(t, http.StatusNotFound, status)
		require.Contains(t, string(body), `"not_found"`)
		status, _, _ = f.raw(t, "PUT", hook, "application/json", delivered, signed(delivered))
		require.Equal(t, http.StatusNotFound, status)
	})
}

// The SMS status callback: signed over the address the provider called
// (BASE_URL, path and query) with the clinic's auth token.
func TestSMSStatusCallback(t *testing.T) {
	t.Parallel()
	eachMsg(t, nil, func(t *testing.T, f *msgFixture) {
		f.setUpChannels(t)
		res := f.do(t, f.owner, "POST", f.path("/messaging/channels/sms/test"), map[string]any{"patient_id": f.patient})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		var m ledgerMessage
		res.Decode(t, &m)
		require.Equal(t, "sent", m.Status, "%s", res.Body)
		got := f.sms.to(f.phone)
		require.Len(t, got, 1)
		require.Equal(t, m.ProviderID, got[0].ProviderID)
		path := "/webhooks/sms/" + f.id + "?m=" + m.ID
		callback := f.in.Config.BaseURL + path
		require.Equal(t, callback, got[0].StatusCallback, "the callback address the send gave the provider")

		form := url.Values{"MessageSid": {m.ProviderID}, "MessageStatus": {"delivered"}, "To": {f.phone}, "AccountSid": {stubAccountSID}}
		send := func(p string, form url.Values, sig string) (int, []byte) {
			t.Helper()
			h := http.Header{}
			if sig != "" {
				h.Set("X-Twilio-Signature", sig)
			}
			status, _, b := f.raw(t, "POST", p, "application/x-www-form-urlencoded", []byte(form.Encode()), h)
			return status, b
		}
		before := f.digests(t)
		tampered := url.Values{"MessageSid": {m.ProviderID}, "MessageStatus": {"failed"}, "To": {f.phone}, "AccountSid": {stubAccountSID}}
		for _, tc := range []struct {
			name, path string
			form       url.Values
			sig        string
		}{
			{"unsigned", path, form, ""},
			{"another token", path, form, twilioSignature(callback, form, "not-the-token")},
			{"form changed after signing", path, tampered, twilioSignature(callback, form, stubAuthToken)},
			{"another address", "/webhooks/sms/" + f.id + "?m=" + kernel.NewID(), form, twilioSignature(callback, form, stubAuthToken)},
			{"clinic without SMS", "/webhooks/sms/" + f.otherID + "?m=" + m.ID, form,
				twilioSignature(f.in.Config.BaseURL+"/webhooks/sms/"+f.otherID+"?m="+m.ID, form, stubAuthToken)},
			{"not base64", path, form, "!!"},
		} {
			status, body := send(tc.path, tc.form, tc.sig)
			require.Equal(t, http.StatusUnauthorized, status, "%s: %s", tc.name, body)
			require.Contains(t, string(body), `"unauthorized"`, tc.name)
		}
		require.Equal(t, before, f.digests(t), "a refused callback changes nothing")

		status, body := send(path, form, twilioSignature(callback, form, stubAuthToken))
		require.Equal(t, http.StatusOK, status, "%s", body)
		got2 := f.message(t, m.ID)
		require.Equal(t, "delivered", got2.Status)
		require.Equal(t, []string{"sent", "delivered"}, got2.history())

		// Found by the provider's id alone too (a callback without ?m=).
		read := url.Values{"MessageSid": {m.ProviderID}, "MessageStatus": {"read"}}
		bare := "/webhooks/sms/" + f.id
		status, body = send(bare, read, twilioSignature(f.in.Config.BaseURL+bare, read, stubAuthToken))
		require.Equal(t, http.StatusOK, status, "%s", body)
		require.Equal(t, "read", f.message(t, m.ID).Status)
	})
}
