package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/kernel"
	"clinic/internal/platform/db/dbtest"
)

// Credentials the messaging tests store: none may ever come back in an
// answer.
const (
	waAppSecret   = "meta-app-secret-5e6f70"
	waVerifyToken = "verify-token-7a8b9c"
)

var storedSecrets = []string{stubAccessToken, waAppSecret, waVerifyToken, stubAuthToken}

// msgFixture is a clinic of apptNewClinic on an instance whose providers
// are local stubs, with a patient who has a mobile phone and an e-mail and
// consents to every channel, and the owner of another clinic.
type msgFixture struct {
	*apptClinic
	in      *apptest.Instance
	wa, sms *providerStub
	// patient is Maria Souza, phone +5511987654321.
	patient, phone string
	other          *apptest.Client
	otherID        string
}

// eachMsg runs fn on each engine with a fresh fixture; env is applied over
// the stubs' addresses.
func eachMsg(t *testing.T, env map[string]string, fn func(t *testing.T, f *msgFixture)) {
	t.Helper()
	dbtest.EachURL(t, func(t *testing.T, databaseURL string) {
		fn(t, newMsgFixture(t, databaseURL, env))
	})
}

func newMsgFixture(t *testing.T, databaseURL string, env map[string]string) *msgFixture {
	t.Helper()
	wa, sms := newWhatsAppStub(t), newSMSStub(t)
	vars := map[string]string{"WHATSAPP_BASE_URL": wa.URL, "SMS_BASE_URL": sms.URL}
	maps.Copy(vars, env)
	in := apptest.New(t, databaseURL, vars)
	f := &msgFixture{apptClinic: apptNewClinic(t, in), in: in, wa: wa, sms: sms, phone: "+5511987654321"}
	// The clinic's address fills the built-in templates (WhatsApp refuses
	// an empty parameter).
	res := f.owner.Do("PATCH", f.path(""), map[string]any{"address": "Rua Augusta, 100"})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	f.patient = f.newPatient(t, "Maria Souza", "(11) 98765-4321")
	f.other = in.Client(t)
	f.otherID, _ = f.other.Signup("Outra Clínica", email("other"))
	return f
}

// newPatient registers a patient with phone, an e-mail and consent to every
// channel.
func (f *msgFixture) newPatient(t *testing.T, name, phone string) string {
	t.Helper()
	res := f.owner.Do("POST", f.path("/patients"), map[string]any{"full_name": name, "phone": phone, "email": "maria@example.com",
		"consents": map[string]any{"whatsapp": true, "sms": true, "email": true}})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	return res.JSON(t)["id"].(string)
}

// do is c.Do that also checks the answer carries no stored credential.
func (f *msgFixture) do(t *testing.T, c *apptest.Client, method, path string, body any) *apptest.Response {
	t.Helper()
	res := c.Do(method, path, body)
	for _, s := range storedSecrets {
		require.NotContains(t, string(res.Body), s, "%s %s answered a stored secret", method, path)
	}
	return res
}

// setUpChannels stores the clinic's WhatsApp and SMS accounts at the stubs.
func (f *msgFixture) setUpChannels(t *testing.T) {
	t.Helper()
	res := f.do(t, f.owner, "PUT", f.path("/messaging/channels/whatsapp"), map[string]any{"enabled": true,
		"config":  map[string]any{"phone_number_id": stubPhoneNumberID},
		"secrets": map[string]any{"access_token": stubAccessToken, "app_secret": waAppSecret, "verify_token": waVerifyToken}})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	res = f.do(t, f.owner, "PUT", f.path("/messaging/channels/sms"), map[string]any{"enabled": true,
		"config": map[string]any{"account_sid": stubAccountSID, "from": "+15005550006"}, "secrets": map[string]any{"auth_token": stubAuthToken}})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
}

// enable turns messaging on: word of every booking by WhatsApp, no quiet
// hours (so that the tests do not depend on the hour they run at).
func (f *msgFixture) enable(t *testing.T) {
	t.Helper()
	res := f.do(t, f.owner, "PUT", f.path("/messaging/policy"), map[string]any{"enabled": true, "reminders": []int{1440}, "channels": []string{"whatsapp"},
		"quiet_start": 0, "quiet_end": 0, "on_booked": true, "on_rescheduled": true, "on_cancelled": true, "offer_minutes": 120})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
}

// ledgerMessage is a message as the API answers it.
type ledgerMessage struct {
	ID            string `json:"id"`
	PatientID     string `json:"patient_id"`
	AppointmentID string `json:"appointment_id"`
	Kind          string `json:"kind"`
	Channel       string `json:"channel"`
	Recipient     string `json:"recipient"`
	ProviderID    string `json:"provider_id"`
	Status        string `json:"status"`
	Reason        string `json:"reason"`
	Attempts      int    `json:"attempts"`
	Events        []struct {
		Status string `json:"status"`
		Detail string `json:"detail"`
	} `json:"events"`
}

func (m ledgerMessage) history() []string {
	var out []string
	for _, e := range m.Events {
		out = append(out, e.Status)
	}
	return out
}

// message reads one message of the ledger.
func (f *msgFixture) message(t *testing.T, id string) ledgerMessage {
	t.Helper()
	res := f.do(t, f.owner, "GET", f.path("/messages/"+id), nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var m ledgerMessage
	res.Decode(t, &m)
	return m
}

// waitMessage polls the ledger (GET /messages?query) until a message
// satisfies ok, for up to 20 seconds.
func (f *msgFixture) waitMessage(t *testing.T, query string, ok func(ledgerMessage) bool) ledgerMessage {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res := f.do(t, f.owner, "GET", f.path("/messages"+query), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var page struct{ Items []ledgerMessage }
		res.Decode(t, &page)
		for _, m := range page.Items {
			if ok(m) {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no such message in the ledger after 20s: %s", res.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// bookAndSend books an appointment of the patient at start and waits for
// word of the booking to be sent by WhatsApp; it returns the appointment's
// id and that message.
func (f *msgFixture) bookAndSend(t *testing.T, start time.Time) (string, ledgerMessage) {
	t.Helper()
	res := f.receptionist.Do("POST", f.path("/appointments"), map[string]any{"patient_id": f.patient, "professional_id": f.profID,
		"starts_at": start.Format(time.RFC3339)})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	appt := res.JSON(t)["id"].(string)
	_, err := f.in.Reminders.Dispatch(context.Background())
	require.NoError(t, err)
	m := f.waitMessage(t, "?appointment_id="+appt, func(m ledgerMessage) bool { return m.Kind == "booked" && m.Status == "sent" })
	require.Equal(t, "whatsapp", m.Channel)
	require.Equal(t, f.phone, m.Recipient)
	require.NotEmpty(t, m.ProviderID)
	return appt, m
}

// link returns the token of the link the provider got in message m (the
// last parameter of the WhatsApp template: …/m/{token}).
func (f *msgFixture) link(t *testing.T, m ledgerMessage) string {
	t.Helper()
	for _, s := range f.wa.to(m.Recipient) {
		if s.ProviderID != m.ProviderID {
			continue
		}
		require.NotEmpty(t, s.Params)
		_, token, ok := strings.Cut(s.Params[len(s.Params)-1], "/m/")
		require.True(t, ok, "no link in %v", s.Params)
		return token
	}
	t.Fatalf("the stub got no message %s", m.ProviderID)
	return ""
}

// appointmentStatus reads an appointment's status.
func (f *msgFixture) appointmentStatus(t *testing.T, id string) string {
	t.Helper()
	res := f.owner.Do("GET", f.path("/appointments/"+id), nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	return res.JSON(t)["status"].(string)
}

// digests are the digests of the tables a message or an answer changes.
func (f *msgFixture) digests(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range []string{"messages", "message_events", "message_answers", "message_settings", "message_channels",
		"message_templates", "appointments", "appointment_events", "audit_log"} {
		out[table] = f.in.TableDigest(t, table)
	}
	return out
}

// raw sends a request the way a provider does (no cookie, its own headers)
// and returns the status, the content type and the body.
func (f *msgFixture) raw(t *testing.T, method, path, contentType string, body []byte, header http.Header) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.in.URL+path, bytes.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	for _, s := range storedSecrets {
		require.NotContains(t, string(b), s, "%s %s answered a stored secret", method, path)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), b
}

func TestMessagingPolicyAPI(t *testing.T) {
	t.Parallel()
	eachMsg(t, nil, func(t *testing.T, f *msgFixture) {
		policy := f.path("/messaging/policy")
		res := f.do(t, f.owner, "GET", policy, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.JSONEq(t, `{"enabled":false,"reminders":[1440,120],"channels":["whatsapp","sms","email"],"quiet_start":1260,"quiet_end":480,
			"on_booked":true,"on_rescheduled":true,"on_cancelled":true,"offer_minutes":120}`, string(res.Body), "the defaults, off")

		good := map[string]any{"enabled": true, "reminders": []int{120, 1440}, "channels": []string{"email", "whatsapp"}, "quiet_start": 1320,
			"quiet_end": 420, "on_booked": true, "on_rescheduled": false, "on_cancelled": true, "offer_minutes": 60}
		res = f.do(t, f.owner, "PUT", policy, good)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		saved := res.JSON(t)
		require.Equal(t, []any{1440.0, 120.0}, saved["reminders"], "longest first")
		require.Equal(t, []any{"email", "whatsapp"}, saved["channels"], "the order of preference as given")
		require.NotEmpty(t, saved["updated_at"])
		for _, c := range []*apptest.Client{f.owner, f.receptionist, f.professional, f.financial} {
			res = f.do(t, c, "GET", policy, nil)
			require.Equal(t, http.StatusOK, res.Status, "every member reads the policy: %s", res.Body)
			require.JSONEq(t, string(mustJSON(t, saved)), string(res.Body))
		}

		before := f.digests(t)
		with := func(k string, v any) map[string]any {
			b := maps.Clone(good)
			b[k] = v
			return b
		}
		bad := []struct {
			name  string
			body  any
			field string
		}{
			{"unknown channel", with("channels", []string{"fax"}), "channels"},
			{"a channel twice", with("channels", []string{"sms", "sms"}), "channels"},
			{"no channel", with("channels", []string{}), "channels"},
			{"reminder too close", with("reminders", []int{5}), "reminders"},
			{"too many reminders", with("reminders", []int{60, 120, 180, 240, 300}), "reminders"},
			{"quiet start past the day", with("quiet_start", 1440), "quiet_start"},
			{"negative quiet end", with("quiet_end", -1), "quiet_end"},
			{"offer too short", with("offer_minutes", 1), "offer_minutes"},
			{"read-only field", with("updated_at", "2026-01-01T00:00:00Z"), "updated_at"},
			{"wrong type", with("enabled", "yes"), "enabled"},
		}
		for _, tc := range bad {
			res := f.do(t, f.owner, "PUT", policy, tc.body)
			require.Equal(t, http.StatusBadRequest, res.Status, "%s: %s", tc.name, res.Body)
			require.Contains(t, res.Fields(), tc.field, "%s: %s", tc.name, res.Body)
		}
		for _, c := range []*apptest.Client{f.receptionist, f.professional, f.financial} {
			res := f.do(t, c, "PUT", policy, with("enabled", false))
			require.Equal(t, http.StatusForbidden, res.Status, "only owners and admins change the policy: %s", res.Body)
		}
		res = f.do(t, f.other, "PUT", policy, with("enabled", false))
		require.Equal(t, http.StatusNotFound, res.Status, "another clinic's: %s", res.Body)
		require.Equal(t, http.StatusNotFound, f.do(t, f.other, "GET", policy, nil).Status)
		require.Equal(t, before, f.digests(t), "refused writes change nothing")
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestMessagingChannelsAPI(t *testing.T) {
	t.Parallel()
	eachMsg(t, nil, func(t *testing.T, f *msgFixture) {
		channels := f.path("/messaging/channels")
		res := f.do(t, f.owner, "GET", channels, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.JSONEq(t, `{"items":[
			{"kind":"whatsapp","enabled":false,"config":{},"secrets_set":[],"configured":false,"updated_at":null},
			{"kind":"sms","enabled":false,"config":{},"secrets_set":[],"configured":false,"updated_at":null},
			{"kind":"email","enabled":false,"config":{},"secrets_set":[],"configured":false,"updated_at":null}]}`, string(res.Body))

		f.setUpChannels(t)
		res = f.do(t, f.owner, "GET", channels, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var list struct {
			Items []struct {
				Kind       string            `json:"kind"`
				Enabled    bool              `json:"enabled"`
				Config     map[string]string `json:"config"`
				SecretsSet []string          `json:"secrets_set"`
				Configured bool              `json:"configured"`
			}
		}
		res.Decode(t, &list)
		require.Len(t, list.Items, 3)
		wa, sms := list.Items[0], list.Items[1]
		require.Equal(t, "whatsapp", wa.Kind)
		require.True(t, wa.Enabled && wa.Configured)
		require.Equal(t, map[string]string{"phone_number_id": stubPhoneNumberID}, wa.Config)
		require.Equal(t, []string{"access_token", "app_secret", "verify_token"}, wa.SecretsSet, "named, never shown")
		require.Equal(t, []string{"auth_token"}, sms.SecretsSet)
		require.True(t, sms.Configured)

		// Secrets left out or empty keep their stored value.
		one := f.path("/messaging/channels/whatsapp")
		res = f.do(t, f.owner, "PUT", one, map[string]any{"enabled": false, "config": map[string]any{"phone_number_id": stubPhoneNumberID},
			"secrets": map[string]any{"access_token": ""}})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, false, res.JSON(t)["enabled"])
		require.Equal(t, []any{"access_token", "app_secret", "verify_token"}, res.JSON(t)["secrets_set"])
		require.NotContains(t, string(res.Body), `"secrets"`)
		// The e-mail channel without a host sends through the server's SMTP.
		res = f.do(t, f.owner, "PUT", f.path("/messaging/channels/email"), map[string]any{"enabled": true, "config": map[string]any{}})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, true, res.JSON(t)["configured"])

		before := f.digests(t)
		bad := []struct {
			name, kind string
			body       any
			status     int
			field      string
		}{
			{"unknown setting", "whatsapp", map[string]any{"enabled": true, "config": map[string]any{"colour": "blue"}}, 400, "config.colour"},
			{"unknown secret", "sms", map[string]any{"enabled": true, "config": map[string]any{}, "secrets": map[string]any{"password": "x"}}, 400, "secrets.password"},
			{"bad port", "email", map[string]any{"enabled": true, "config": map[string]any{"host": "smtp.example.com", "port": "99999"}}, 400, "config.port"},
			{"bad tls", "email", map[string]any{"enabled": true, "config": map[string]any{"host": "smtp.example.com", "tls": "ssl3"}}, 400, "config.tls"},
			{"bad sender", "email", map[string]any{"enabled": true, "config": map[string]any{"from": "not an address"}}, 400, "config.from"},
			{"two lines", "sms", map[string]any{"enabled": true, "config": map[string]any{"from": "+1\n+2"}}, 400, "config.from"},
			{"unknown field", "sms", map[string]any{"enabled": true, "config": map[string]any{}, "secrets_set": []string{}}, 400, "secrets_set"},
			{"unknown channel", "fax", map[string]any{"enabled": true, "config": map[string]any{}}, 404, ""},
		}
		for _, tc := range bad {
			res := f.do(t, f.owner, "PUT", f.path("/messaging/channels/"+tc.kind), tc.body)
			require.Equal(t, tc.status, res.Status, "%s: %s", tc.name, res.Body)
			if tc.field != "" {
				require.Contains(t, res.Fields(), tc.field, "%s: %s", tc.name, res.Body)
			}
		}
		for _, c := range []*apptest.Client{f.receptionist, f.professional, f.financial} {
			require.Equal(t, http.StatusForbidden, f.do(t, c, "GET", channels, nil).Status)
			res := f.do(t, c, "PUT", one, map[string]any{"enabled": true, "config": map[string]any{}, "secrets": map[string]any{"app_secret": "mine"}})
			require.Equal(t, http.StatusForbidden, res.Status, "only owners and admins set up channels: %s", res.Body)
		}
		require.Equal(t, http.StatusNotFound, f.do(t, f.other, "GET", channels, nil).Status)
		require.Equal(t, http.StatusNotFound, f.do(t, f.other, "PUT", one, map[string]any{"enabled": true, "config": map[string]any{}}).Status)
		require.Equal(t, before, f.digests(t), "refused writes change nothing")

		// The credentials are sealed in the database, not stored as typed.
		var sealed string
		require.NoError(t, f.in.DB.QueryRowContext(context.Background(),
			`SELECT secrets FROM message_channels WHERE clinic_id = $1 AND kind = 'whatsapp'`, f.id).Scan(&sealed))
		for _, s := range storedSecrets {
			require.NotContains(t, sealed, s)
		}
	})
}

func TestMessageTemplatesAPI(t *testing.T) {
	t.Parallel()
	eachMsg(t, nil, func(t *testing.T, f *msgFixture) {
		res := f.do(t, f.owner, "GET", f.path("/messaging/templates"), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var list struct{ Items []map[string]any }
		res.Decode(t, &list)
		require.Len(t, list.Items, 7*3*2, "every kind (the pix payment request too), channel and locale")

		one := f.path("/messaging/templates/reminder/email/pt-BR")
		res = f.do(t, f.owner, "GET", one, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, false, res.JSON(t)["custom"])
		require.Contains(t, res.JSON(t)["body"], "{link}")

		wording := map[string]any{"subject": "Lembrete: {clinic}", "body": "Olá, {patient}!\n\nSua consulta é {date} às {time}.\n\n{link}"}
		res = f.do(t, f.owner, "PUT", one, wording)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, true, res.JSON(t)["custom"])
		res = f.do(t, f.owner, "GET", one, nil)
		require.Equal(t, wording["body"], res.JSON(t)["body"], "multi-line bodies are kept")
		require.Equal(t, "Lembrete: {clinic}", res.JSON(t)["subject"])

		// Preview renders the wording given, unsaved, escaped in HTML.
		res = f.do(t, f.owner, "POST", one+"/preview", map[string]any{"subject": "Oi {patient}", "body": "<b>{clinic}</b> espera você em {address}."})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		pv := res.JSON(t)
		require.Equal(t, "<b>Clínica Agenda</b> espera você em Rua Augusta, 100.", pv["text"])
		require.Contains(t, pv["html"], "&lt;b&gt;Clínica Agenda&lt;/b&gt;")
		require.NotEmpty(t, pv["subject"])
		res = f.do(t, f.owner, "GET", one, nil)
		require.Equal(t, wording["body"], res.JSON(t)["body"], "a preview saves nothing")
		res = f.do(t, f.owner, "POST", f.path("/messaging/templates/reminder/whatsapp/en/preview"),
			map[string]any{"body": "{patient}\n{date}\n{link}", "wa_name": "visit_reminder", "wa_language": "en"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		pv = res.JSON(t)
		require.Equal(t, "visit_reminder", pv["wa_name"])
		require.Len(t, pv["params"], 3)
		require.Equal(t, []any{"Confirm", "Cancel", "Another time"}, pv["buttons"])

		before := f.digests(t)
		bad := []struct {
			name, path string
			body       any
			status     int
			field      string
		}{
			{"unknown placeholder", one, map[string]any{"subject": "S", "body": "Olá {paciente}"}, 400, "body"},
			{"no body", one, map[string]any{"subject": "S", "body": ""}, 400, "body"},
			{"e-mail without subject", one, map[string]any{"body": "Olá"}, 400, "subject"},
			{"subject of two lines", one, map[string]any{"subject": "a\nb", "body": "Olá"}, 400, "subject"},
			{"whatsapp name", f.path("/messaging/templates/reminder/whatsapp/pt-BR"), map[string]any{"body": "{patient}", "wa_name": "Lembrete Consulta", "wa_language": "pt_BR"}, 400, "wa_name"},
			{"unknown field", one, map[string]any{"body": "Olá", "custom": true}, 400, "custom"},
			{"unknown locale", f.path("/messaging/templates/reminder/email/fr"), wording, 404, ""},
			{"unknown kind", f.path("/messaging/templates/birthday/email/pt-BR"), wording, 404, ""},
			{"unknown channel", f.path("/messaging/templates/reminder/fax/pt-BR"), wording, 404, ""},
		}
		for _, tc := range bad {
			res := f.do(t, f.owner, "PUT", tc.path, tc.body)
			require.Equal(t, tc.status, res.Status, "%s: %s", tc.name, res.Body)
			if tc.field != "" {
				require.Contains(t, res.Fields(), tc.field, "%s: %s", tc.name, res.Body)
			}
		}
		res = f.do(t, f.owner, "POST", one+"/preview", map[string]any{"body": "{nope}"})
		require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
		require.Contains(t, res.Fields(), "body")
		for _, c := range []*apptest.Client{f.receptionist, f.professional, f.financial} {
			require.Equal(t, http.StatusForbidden, f.do(t, c, "GET", f.path("/messaging/templates"), nil).Status)
			require.Equal(t, http.StatusForbidden, f.do(t, c, "PUT", one, wording).Status)
			require.Equal(t, http.StatusForbidden, f.do(t, c, "DELETE", one, nil).Status)
		}
		require.Equal(t, http.StatusNotFound, f.do(t, f.other, "GET", one, nil).Status)
		require.Equal(t, http.StatusNotFound, f.do(t, f.other, "DELETE", one, nil).Status)
		require.Equal(t, before, f.digests(t), "refused writes change nothing")

		res = f.do(t, f.owner, "DELETE", one, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, false, res.JSON(t)["custom"], "back to the built-in template")
		res = f.do(t, f.owner, "GET", one, nil)
		require.Equal(t, false, res.JSON(t)["custom"])
		require.NotEqual(t, wording["body"], res.JSON(t)["body"])
	})
}

func TestMessageLedgerAPI(t *testing.T) {
	t.Parallel()
	eachMsg(t, nil, func(t *testing.T, f *msgFixture) {
		f.setUpChannels(t)
		// A test send goes out at once and answers the ledger's entry.
		res := f.do(t, f.owner, "POST", f.path("/messaging/channels/whatsapp/test"), map[string]any{"patient_id": f.patient})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		var sent ledgerMessage
		res.Decode(t, &sent)
		require.Equal(t, "sent", sent.Status, "%s", res.Body)
		require.Equal(t, "test", sent.Kind)
		require.Equal(t, f.phone, sent.Recipient)
		got := f.wa.to(f.phone)
		require.Len(t, got, 1)
		require.Equal(t, got[0].ProviderID, sent.ProviderID)
		require.Equal(t, []string{"Clínica Agenda"}, got[0].Params)

		// A number the provider refuses: failed, with the provider's reason.
		refused := f.newPatient(t, "Ana Lima", "(11) 91234-0000")
		res = f.do(t, f.owner, "POST", f.path("/messaging/channels/whatsapp/test"), map[string]any{"patient_id": refused})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		var failed ledgerMessage
		res.Decode(t, &failed)
		require.Equal(t, "failed", failed.Status, "%s", res.Body)
		require.Contains(t, failed.Reason, "131026")

		before := f.digests(t)
		otherPatient := appointmentPatient(t, f, f.otherID)
		for _, tc := range []struct {
			name, kind string
			body       any
			status     int
			field      string
		}{
			{"no such patient", "whatsapp", map[string]any{"patient_id": kernel.NewID()}, 400, "patient_id"},
			{"not an id", "whatsapp", map[string]any{"patient_id": "maria"}, 400, "patient_id"},
			{"another clinic's patient", "whatsapp", map[string]any{"patient_id": otherPatient}, 400, "patient_id"},
			{"unknown field", "whatsapp", map[string]any{"patient_id": f.patient, "to": "+5511900000000"}, 400, "to"},
			{"unknown channel", "fax", map[string]any{"patient_id": f.patient}, 404, ""},
		} {
			res := f.do(t, f.owner, "POST", f.path("/messaging/channels/"+tc.kind+"/test"), tc.body)
			require.Equal(t, tc.status, res.Status, "%s: %s", tc.name, res.Body)
			if tc.field != "" {
				require.Contains(t, res.Fields(), tc.field, "%s: %s", tc.name, res.Body)
			}
		}
		require.Equal(t, http.StatusForbidden, f.do(t, f.receptionist, "POST", f.path("/messaging/channels/whatsapp/test"), map[string]any{"patient_id": f.patient}).Status)
		require.Equal(t, http.StatusNotFound, f.do(t, f.other, "POST", f.path("/messaging/channels/whatsapp/test"), map[string]any{"patient_id": f.patient}).Status)
		require.Equal(t, before, f.digests(t), "refused test sends send nothing")
		require.Len(t, f.wa.to(f.phone), 1)

		// The ledger, newest first, filtered.
		ids := func(query string) []string {
			t.Helper()
			res := f.do(t, f.professional, "GET", f.path("/messages"+query), nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			var page struct{ Items []ledgerMessage }
			res.Decode(t, &page)
			var out []string
			for _, m := range page.Items {
				out = append(out, m.ID)
			}
			return out
		}
		require.Equal(t, []string{failed.ID, sent.ID}, ids(""))
		require.Equal(t, []string{sent.ID}, ids("?patient_id="+f.patient))
		require.Equal(t, []string{failed.ID}, ids("?status=failed"))
		require.Equal(t, []string{failed.ID}, ids("?limit=1"))
		require.Empty(t, ids("?appointment_id="+kernel.NewID()))
		for q, field := range map[string]string{"?appointment_id=x": "appointment_id", "?patient_id=1": "patient_id", "?status=lost": "status",
			"?limit=0": "limit", "?limit=201": "limit"} {
			res := f.do(t, f.owner, "GET", f.path("/messages"+q), nil)
			require.Equal(t, http.StatusBadRequest, res.Status, "%s: %s", q, res.Body)
			require.Contains(t, res.Fields(), field, "%s: %s", q, res.Body)
		}

		m := f.message(t, sent.ID)
		require.Equal(t, []string{"sent"}, m.history())
		res = f.do(t, f.professional, "GET", f.path("/messages/"+sent.ID), nil)
		require.Equal(t, http.StatusOK, res.Status, "professionals read the ledger: %s", res.Body)
		for _, p := range []string{"/messages", "/messages/" + sent.ID} {
			require.Equal(t, http.StatusForbidden, f.do(t, f.financial, "GET", f.path(p), nil).Status, "financial cannot read messages")
		}
		for _, p := range []string{"/messages/" + kernel.NewID(), "/messages/nope"} {
			require.Equal(t, http.StatusNotFound, f.do(t, f.owner, "GET", f.path(p), nil).Status)
		}
		// Another clinic sees none of them, by its own path or this one's.
		res = f.do(t, f.other, "GET", "/api/v1/clinics/"+f.otherID+"/messages/"+sent.ID, nil)
		require.Equal(t, http.StatusNotFound, res.Status, "%s", res.Body)
		res = f.do(t, f.other, "GET", "/api/v1/clinics/"+f.otherID+"/messages", nil)
		require.JSONEq(t, `{"items":[]}`, string(res.Body))
		require.Equal(t, http.StatusNotFound, f.do(t, f.other, "GET", f.path("/messages"), nil).Status)

		// Send again: only a failed (or skipped) message, not by
		// professionals or the financial role.
		before = f.digests(t)
		require.Equal(t, http.StatusConflict, f.do(t, f.owner, "POST", f.path("/messages/"+sent.ID+"/send-again"), nil).Status)
		require.Equal(t, http.StatusForbidden, f.do(t, f.professional, "POST", f.path("/messages/"+failed.ID+"/send-again"), nil).Status)
		require.Equal(t, http.StatusForbidden, f.do(t, f.financial, "POST", f.path("/messages/"+failed.ID+"/send-again"), nil).Status)
		require.Equal(t, http.StatusNotFound, f.do(t, f.other, "POST", "/api/v1/clinics/"+f.otherID+"/messages/"+failed.ID+"/send-again", nil).Status)
		require.Equal(t, before, f.digests(t))
		res = f.do(t, f.receptionist, "POST", f.path("/messages/"+failed.ID+"/send-again"), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var again ledgerMessage
		res.Decode(t, &again)
		require.Contains(t, []string{"pending", "queued", "sending", "failed"}, again.Status)
		require.Contains(t, again.history(), "pending")
		// The worker sends it once more; the provider refuses it again.
		m = f.waitMessage(t, "?patient_id="+refused, func(m ledgerMessage) bool { return m.Attempts == 2 && m.Status == "failed" })
		require.Equal(t, failed.ID, m.ID)
	})
}

// appointmentPatient inserts a patient of clinicID and returns its id.
func appointmentPatient(t *testing.T, f *msgFixture, clinicID string) string {
	t.Helper()
	return wlPatient(t, f.in, clinicID, "Paciente de Outra", "")
}
