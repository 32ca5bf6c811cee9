package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
	"clinic/internal/reminder"
	"clinic/internal/web/webtest"
)

// waSent is one template message the WhatsApp stub received.
type waSent struct {
	PhoneNumberID string
	To            string
	Name          string
	Language      string
	Params        []string
	Buttons       []string
}

// waStub is a local server with the WhatsApp Cloud API's send endpoint
// as Meta documents it: POST /{version}/{phone-number-id}/messages with
// the access token as a Bearer token and a JSON template message; it
// answers as the API does ({"messaging_product", "contacts", "messages":
// [{"id": "wamid…"}]}) and records what it got. A request that is not
// one gets the API's 400 (or 401 for a wrong token).
type waStub struct {
	*httptest.Server
	token string
	mu    sync.Mutex
	// refused are numbers the API refuses as Meta does a number that
	// cannot get messages (400, code 131030).
	refused map[string]bool
	sent    []waSent
	bad     []string
}

var waPath = regexp.MustCompile(`^/v[0-9]+\.[0-9]+/([0-9]+)/messages$`)

func newWAStub(t *testing.T, token string) *waStub {
	s := &waStub{token: token, refused: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *waStub) refuse(w http.ResponseWriter, status int, why string) {
	s.mu.Lock()
	s.bad = append(s.bad, why)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": why, "type": "OAuthException", "code": 100}})
}

func (s *waStub) serve(w http.ResponseWriter, r *http.Request) {
	m := waPath.FindStringSubmatch(r.URL.Path)
	switch {
	case r.Method != http.MethodPost || m == nil:
		s.refuse(w, http.StatusNotFound, "unknown path "+r.Method+" "+r.URL.Path)
		return
	case r.Header.Get("Authorization") != "Bearer "+s.token:
		s.refuse(w, http.StatusUnauthorized, "bad token")
		return
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		s.refuse(w, http.StatusBadRequest, "not json")
		return
	}
	var body struct {
		MessagingProduct string `json:"messaging_product"`
		To               string `json:"to"`
		Type             string `json:"type"`
		Template         struct {
			Name     string `json:"name"`
			Language struct {
				Code string `json:"code"`
			} `json:"language"`
			Components []struct {
				Type       string `json:"type"`
				SubType    string `json:"sub_type"`
				Index      string `json:"index"`
				Parameters []struct {
					Type    string `json:"type"`
					Text    string `json:"text"`
					Payload string `json:"payload"`
				} `json:"parameters"`
			} `json:"components"`
		} `json:"template"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		s.refuse(w, http.StatusBadRequest, "bad json: "+err.Error())
		return
	}
	if body.MessagingProduct != "whatsapp" || body.Type != "template" || body.To == "" || body.Template.Name == "" || body.Template.Language.Code == "" {
		s.refuse(w, http.StatusBadRequest, "not a template message")
		return
	}
	s.mu.Lock()
	refused := s.refused[body.To]
	s.mu.Unlock()
	if refused {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": "(#131030) Recipient phone number not in allowed list",
			"type": "OAuthException", "code": 131030, "fbtrace_id": "Atest"}})
		return
	}
	got := waSent{PhoneNumberID: m[1], To: body.To, Name: body.Template.Name, Language: body.Template.Language.Code}
	for _, c := range body.Template.Components {
		for _, p := range c.Parameters {
			switch {
			case c.Type == "body" && p.Type == "text":
				got.Params = append(got.Params, p.Text)
			case c.Type == "button" && c.SubType == "quick_reply" && p.Type == "payload":
				got.Buttons = append(got.Buttons, p.Payload)
			}
		}
	}
	s.mu.Lock()
	s.sent = append(s.sent, got)
	n := len(s.sent)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"messaging_product": "whatsapp",
		"contacts": []map[string]string{{"input": body.To, "wa_id": strings.TrimPrefix(body.To, "+")}},
		"messages": []map[string]string{{"id": "wamid.TEST" + strings.Repeat("X", n)}}})
}

// wait returns the messages received once one satisfies ok.
func (s *waStub) wait(t *testing.T, what string, ok func(waSent) bool) waSent {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		for _, m := range s.sent {
			if ok(m) {
				s.mu.Unlock()
				return m
			}
		}
		bad := strings.Join(s.bad, "; ")
		s.mu.Unlock()
		require.Empty(t, bad, "requests the stub refused")
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the WhatsApp stub got no %s", what)
	return waSent{}
}

// messagesPatient creates a patient with a phone and an e-mail who agreed
// to WhatsApp and e-mail, and returns their id.
func (s *site) messagesPatient(t *testing.T, name, phone, mail string) string {
	t.Helper()
	res := s.owner.Do("POST", "/api/v1/clinics/"+s.demo.ClinicID+"/patients", map[string]any{"full_name": name, "phone": phone,
		"email": mail, "consents": map[string]any{"whatsapp": true, "email": true}})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	return res.JSON(t)["id"].(string)
}

// messagesBook books patientID three days from now at hour, clinic time
// (outside the working hours, so that nothing is in the way), with the
// quiet hours lifted so that its notice goes now, and returns the
// appointment's id.
func (s *site) messagesBook(t *testing.T, patientID string, hour int) string {
	t.Helper()
	s.messagesAnyHour(t)
	loc, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	d := time.Now().In(loc).AddDate(0, 0, 3)
	start := time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, loc)
	res := s.owner.Do("POST", "/api/v1/clinics/"+s.demo.ClinicID+"/appointments", map[string]any{"patient_id": patientID,
		"professional_id": s.professionalID, "starts_at": start.Format(time.RFC3339), "duration_minutes": 30, "override_working_hours": true})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	return res.JSON(t)["id"].(string)
}

// messagesAnyHour lifts the clinic's quiet hours (21:00 to 08:00 in the
// demo's policy), so that a booking's notice goes at once whatever the hour
// the test runs at.
func (s *site) messagesAnyHour(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	p, err := s.in.App.Reminders.Policy(ctx, s.ownerPrincipal(t))
	require.NoError(t, err)
	p.QuietStart, p.QuietEnd = 0, 0
	_, err = s.in.App.Reminders.SavePolicy(ctx, s.ownerPrincipal(t), p)
	require.NoError(t, err)
}

// fillChannel types the settings of a channel's card and saves it.
func fillChannel(p *webtest.Page, kind string, values map[string]string) {
	for k, v := range values {
		if k == "tls" {
			p.Eval(`document.getElementById("f-`+kind+`.tls").value = `+jsonString(v)+`, true`, nil)
			continue
		}
		p.Fill(`[name="`+kind+`.`+k+`"]`, v)
	}
	p.Eval(`(() => { const c = document.getElementById("f-`+kind+`.enabled"); if (!c.checked) c.click(); return true })()`, nil)
	p.Eval(`document.querySelectorAll(".flash").forEach(f => f.remove()), true`, nil)
	p.Click(`#channel-` + kind + ` form[action$="/channels/` + kind + `"] button[type=submit]`)
	p.WaitVisible(".flash--success")
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// testSend picks the patient in a card's test form and sends the test.
func testSend(p *webtest.Page, kind, patientName, patientID string) {
	p.Fill(`[id="f-`+kind+`-q"]`, patientName)
	p.WaitVisible(`#test-patients-` + kind + ` input[value="` + patientID + `"]`)
	p.Click(`#test-patients-` + kind + ` input[value="` + patientID + `"]`)
	p.Click(`[data-test-send="` + kind + `"]`)
}

// Acceptance 8: a clinic's owner sets up e-mail (mailpit) and WhatsApp (a
// local server with the Cloud API's send endpoint) on the channels page,
// sends a test through each and sees it sent, previews a template as they
// type, and sees an appointment's messages with their statuses; the
// messages arrived at mailpit and at the stub.
func TestMessagesChannelsTestSendPreviewAndLedger(t *testing.T) {
	t.Parallel()
	smtpURL := testenv.Require(t, "TEST_SMTP_URL", "an SMTP server (mailpit)")
	api := strings.TrimRight(testenv.Require(t, "TEST_MAILPIT_URL", "mailpit's HTTP API"), "/")
	smtp, err := url.Parse(smtpURL)
	require.NoError(t, err)
	wa := newWAStub(t, "EAAtoken-"+testenv.RandomName("wa"))
	b := webtest.Chromium(t)
	s := demoSite(t, dbtest.SQLiteURL(t), map[string]string{"WHATSAPP_BASE_URL": wa.URL})
	mail := testenv.RandomName("paciente") + "@example.com"
	name := "Joana Mensagens " + testenv.RandomName("p")[:6]
	patientID := s.messagesPatient(t, name, "(11) 98888-7777", mail)
	c := "/clinics/" + s.demo.ClinicID

	p := b.NewPage(t, webtest.BaseURL(s.in.URL))
	s.login(p)

	// E-mail through the clinic's own SMTP server: mailpit.
	p.Navigate(c + "/settings/messages/channels")
	fillChannel(p, "email", map[string]string{"host": smtp.Hostname(), "port": smtp.Port(), "tls": "none", "from": "clinica@example.com"})
	p.WaitText("#channel-email .badge", "Pronto")
	testSend(p, "email", name, patientID)
	p.WaitText("#test-result-email", "Enviada")
	p.WaitText("#test-result-email", mail)
	got := waitMail(t, api, mail)
	assert.Contains(t, got.Subject, "Mensagem de teste")
	assert.Contains(t, got.Text, s.clinicName(t))

	// WhatsApp: the credentials are write-only.
	fillChannel(p, "whatsapp", map[string]string{"phone_number_id": "109876543210", "access_token": wa.token,
		"app_secret": "app-secret-value", "verify_token": "verify-me"})
	p.WaitText("#channel-whatsapp .badge", "Pronto")
	p.WaitText(`label[for="f-whatsapp.access_token"]`, "salvo")
	var html string
	p.Eval(`document.documentElement.outerHTML`, &html)
	assert.NotContains(t, html, wa.token, "a saved secret is never shown")
	assert.NotContains(t, html, "app-secret-value")
	assert.Contains(t, html, "/webhooks/whatsapp/"+s.demo.ClinicID)
	testSend(p, "whatsapp", name, patientID)
	p.WaitText("#test-result-whatsapp", "Enviada")
	p.WaitText("#test-result-whatsapp", "wamid.TEST")
	test := wa.wait(t, "test message", func(m waSent) bool { return m.Name == "clinic_test" })
	assert.Equal(t, "109876543210", test.PhoneNumberID)
	assert.Equal(t, "+5511988887777", test.To)
	assert.Equal(t, []string{s.clinicName(t)}, test.Params)
	settingsCheck(p, "settings-messages-channels-set")

	// The preview follows the text as it is typed (htmx), escaped.
	p.Navigate(c + "/settings/messages/templates/reminder/email/pt-BR")
	p.WaitText("#template-preview", "Lembrete")
	p.Fill("#f-body", "Olá, {patient}! <b>Até</b> {date} às {time}.")
	p.WaitText("#template-preview .email-preview__body", "Olá, Maria! <b>Até</b>")
	settingsCheck(p, "settings-messages-template-preview")
	p.Navigate(c + "/settings/messages/templates/reminder/whatsapp/pt-BR")
	p.WaitText("#template-preview", "clinic_reminder")
	p.WaitText("#template-preview .messages-buttons", "Confirmar")

	// An appointment booked for the patient: its booking notice goes by
	// WhatsApp (the first channel of the policy), its reminders wait.
	apptID := s.messagesBook(t, patientID, 22)
	notice := wa.wait(t, "booking notice", func(m waSent) bool { return m.Name == "clinic_booked" })
	assert.Len(t, notice.Buttons, 3, "confirm, cancel, another time")
	p.Navigate(c + "/appointments/" + apptID)
	p.WaitText("#appointment-messages", "Aviso de agendamento")
	for range 50 { // the worker records the provider's answer just after the call
		if strings.Contains(p.Text("#appointment-messages"), "Enviada") {
			break
		}
		time.Sleep(200 * time.Millisecond)
		p.Navigate(c + "/appointments/" + apptID)
	}
	p.WaitText("#appointment-messages", "Enviada")
	p.WaitText("#appointment-messages", "Programada")
	p.WaitText("#appointment-messages", "Lembrete 1 dia antes")
	p.Click("#appointment-messages [data-status=sent] .messages__history summary")
	p.WaitText("#appointment-messages [data-status=sent] .messages__events", "WhatsApp")
	settingsCheck(p, "appointment-messages")
}

// The patient's link: from the WhatsApp booking notice, the patient
// confirms without logging in, and the appointment shows confirmed.
func TestMessagesPatientLinkConfirms(t *testing.T) {
	t.Parallel()
	wa := newWAStub(t, "EAAtoken-"+testenv.RandomName("wa"))
	b := webtest.Chromium(t)
	s := demoSite(t, dbtest.SQLiteURL(t), map[string]string{"WHATSAPP_BASE_URL": wa.URL})
	_, err := s.in.App.Reminders.SaveChannel(t.Context(), s.ownerPrincipal(t), whatsappChannel("109876543210", wa.token))
	require.NoError(t, err)
	name := "Pedro Link " + testenv.RandomName("p")[:6]
	patientID := s.messagesPatient(t, name, "(11) 97777-6666", testenv.RandomName("pl")+"@example.com")
	apptID := s.messagesBook(t, patientID, 21)
	notice := wa.wait(t, "booking notice", func(m waSent) bool { return m.Name == "clinic_booked" && m.To == "+5511977776666" })
	var link string
	for _, p := range notice.Params {
		if i := strings.Index(p, "/m/"); i >= 0 {
			link = p[i:]
		}
	}
	require.NotEmpty(t, link, "the notice carries the patient's link: %v", notice.Params)

	p := b.NewPage(t, webtest.BaseURL(s.in.URL), webtest.Locale("en-US"))
	p.Navigate(link)
	p.WaitText("h1", "Sua consulta") // the clinic's language, not the browser's
	p.WaitText(".public-header__name", s.clinicName(t))
	p.WaitText(".summary", "Com")
	p.WaitText("#answer-status", "Agendado")
	p.Axe()
	p.DocScreenshot("answer-link")
	p.Click(`button[name=action][value=confirm]`)
	p.WaitText("#answer-outcome", "Consulta confirmada")
	p.WaitText("#answer-status", "Confirmado")
	p.DocScreenshot("answer-confirmed")

	// The same link again: already used.
	p.Navigate(link)
	p.WaitText(".settings-link", "Você já confirmou")

	staff := b.NewPage(t, webtest.BaseURL(s.in.URL))
	s.login(staff)
	staff.Navigate("/clinics/" + s.demo.ClinicID + "/appointments/" + apptID)
	staff.WaitText(".agenda-detail__head .badge", "Confirmado")
}

// clinicName is the demo clinic's name.
func (s *site) clinicName(t *testing.T) string {
	t.Helper()
	c, err := s.in.App.Accounts.Clinic(t.Context(), s.demo.ClinicID)
	require.NoError(t, err)
	return c.Name
}

// whatsappChannel is a WhatsApp channel, on, with the stub's token.
func whatsappChannel(phoneNumberID, token string) reminder.ChannelSettings {
	return reminder.ChannelSettings{Kind: "whatsapp", Enabled: true, Config: map[string]string{"phone_number_id": phoneNumberID},
		Secrets: map[string]string{"access_token": token}}
}

// The dashboard's failed messages card, and the appointment it links to
// with the failure's reason and "send again".
func TestFailedMessagesCardInTheBrowser(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	s, apptID, _ := failedMessageSite(t)
	p := b.NewPage(t, webtest.BaseURL(s.in.URL))
	s.login(p)
	p.Navigate("/clinics/" + s.demo.ClinicID + "/")
	p.WaitText(".dashboard-failed", "1 mensagem com falha")
	p.WaitText(".dashboard-failed", "131030")
	p.Axe()
	p.DocScreenshot("dashboard-failed")
	p.Click(".dashboard-failed a")
	p.WaitText("#appointment-messages [data-status=failed]", "Falhou")
	p.WaitVisible("#appointment-messages [data-status=failed] form button")
	require.Contains(t, p.URL(), "/appointments/"+apptID)
	p.DocScreenshot("appointment-failed-message")
}
