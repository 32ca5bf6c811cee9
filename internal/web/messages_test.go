package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"clinic/internal/appointment"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
	"clinic/internal/reminder"
	"clinic/internal/web"
)

// Every message id the messages pages choose at run time (statuses,
// reasons, kinds, channels, fields) is in both catalogues.
func TestMessagesPagesWordEveryStatusAndReason(t *testing.T) {
	t.Parallel()
	require.Empty(t, i18n.Missing(web.MessagesMessageIDs()...))
}

// ownerPrincipal is the demo clinic's owner, for reading the ledger
// through the service in a test.
func (s *site) ownerPrincipal(t *testing.T) kernel.Principal {
	t.Helper()
	var me struct {
		ID string `json:"id"`
	}
	s.owner.Do("GET", "/api/v1/me", nil).Decode(t, &me)
	return kernel.Principal{ClinicID: s.demo.ClinicID, UserID: me.ID, Role: kernel.RoleOwner}
}

// postPolicy saves the demo clinic's policy through the form (reminders a
// day and two hours before, e-mail first) and returns the message the site
// keeps.
func (s *site) postPolicy(t *testing.T) reminder.Message {
	t.Helper()
	c := "/clinics/" + s.demo.ClinicID
	p := postForm(t, s.owner, c+"/settings/messages", url.Values{"enabled": {"on"}, "r0_value": {"24"}, "r0_unit": {"hours"},
		"r1_value": {"2"}, "r1_unit": {"hours"}, "channel_0": {"email"}, "channel_1": {"whatsapp"}, "quiet_start": {"21:00"},
		"quiet_end": {"08:00"}, "on_booked": {"on"}, "offer_value": {"2"}, "offer_unit": {"hours"}}, nil)
	require.Equal(t, http.StatusOK, p.Status, "%s", p.Body)
	require.Equal(t, c+"/settings/messages", p.URL.Path)
	assert.Contains(t, p.Body, "Configurações de mensagens salvas")
	assert.Contains(t, p.Body, `name="r0_value" value="24"`)
	m, err := s.in.App.Reminders.Get(context.Background(), s.ownerPrincipal(t), s.messageID)
	require.NoError(t, err)
	return m
}

// Settings → Messages is the owners' and admins': a receptionist gets the
// forbidden page, another clinic's owner the page that is not there; the
// policy form refuses what the service refuses, under its field; the
// ledger shows on the appointment's and the patient's pages to the staff
// who may read it, never to the financial role.
func TestMessagesPagesByRole(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, dbURL string) {
		s := demoSite(t, dbURL, nil)
		c := "/clinics/" + s.demo.ClinicID
		recep, _ := s.in.Member(t, s.owner, s.demo.ClinicID, "receptionist")
		fin, _ := s.in.Member(t, s.owner, s.demo.ClinicID, "financial")
		other := s.in.Client(t)
		other.Signup("Outra Clínica", email("other"))

		// A refused policy: the message under its field, what was typed kept.
		p := postForm(t, s.owner, c+"/settings/messages", url.Values{"enabled": {"on"}, "r0_value": {"5"}, "r0_unit": {"minutes"},
			"channel_0": {"email"}, "quiet_start": {"21:00"}, "quiet_end": {"08:00"}, "offer_value": {"2"}, "offer_unit": {"hours"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, p.Status)
		assert.Contains(t, p.Body, `id="f-reminders-error"`)
		assert.Contains(t, p.Body, "entre 10 minutos e 14 dias")
		assert.Contains(t, p.Body, `name="r0_value" value="5"`)

		m := s.postPolicy(t)
		pages := []string{c + "/settings/messages", c + "/settings/messages/channels", c + "/settings/messages/templates",
			c + "/settings/messages/templates/reminder/email/pt-BR", c + "/settings/messages/templates/reminder/whatsapp/en",
			c + "/settings/messages/templates/cancelled/sms/pt-BR"}
		for _, path := range pages {
			assert.Equal(t, http.StatusOK, get(t, s.owner, path, nil).Status, path)
			assert.Equal(t, http.StatusForbidden, get(t, recep, path, nil).Status, path)
			assert.Equal(t, http.StatusNotFound, get(t, other, path, nil).Status, path)
		}
		assert.Equal(t, http.StatusForbidden, postForm(t, recep, c+"/settings/messages", url.Values{"enabled": {"on"}}, nil).Status)
		assert.Equal(t, http.StatusNotFound, get(t, s.owner, c+"/settings/messages/templates/nope/email/pt-BR", nil).Status)

		appt := c + "/appointments/" + m.AppointmentID
		owner := get(t, s.owner, appt, nil)
		require.Equal(t, http.StatusOK, owner.Status)
		assert.Contains(t, owner.Body, `id="appointment-messages"`)
		assert.Contains(t, owner.Body, `data-message="`+m.ID+`"`)
		assert.Contains(t, get(t, recep, appt, nil).Body, `data-message="`+m.ID+`"`)
		finPage := get(t, fin, appt, nil)
		require.Equal(t, http.StatusOK, finPage.Status)
		assert.NotContains(t, finPage.Body, "appointment-messages", "the financial role sees no messages")
		patient := get(t, s.owner, c+"/patients/"+m.PatientID, nil)
		assert.Contains(t, patient.Body, `data-message="`+m.ID+`"`)

		// One message's history: the staff's, nobody else's.
		assert.Equal(t, http.StatusOK, get(t, s.owner, c+"/messages/"+m.ID, nil).Status)
		assert.Equal(t, http.StatusForbidden, get(t, fin, c+"/messages/"+m.ID, nil).Status)
		assert.Equal(t, http.StatusNotFound, get(t, other, c+"/messages/"+m.ID, nil).Status)
		// Only a failed or skipped message goes again.
		assert.Equal(t, http.StatusConflict, postForm(t, recep, c+"/messages/"+m.ID+"/send-again", url.Values{}, nil).Status)
		assert.Equal(t, http.StatusForbidden, postForm(t, fin, c+"/messages/"+m.ID+"/send-again", url.Values{}, nil).Status)
	})
}

// The template editor's preview renders the text as typed (unsaved); a
// saved text is the clinic's until it goes back to the built-in one.
func TestMessageTemplateEditor(t *testing.T) {
	t.Parallel()
	s := demoSite(t, dbtest.SQLiteURL(t), nil)
	tpl := "/clinics/" + s.demo.ClinicID + "/settings/messages/templates/reminder/email/en"
	form := url.Values{"subject": {"See you, {patient}"}, "body": {"Dear {patient} <b>,\n\nat {clinic} on {date}."}}
	htmx := http.Header{"HX-Request": {"true"}}
	p := postForm(t, s.owner, tpl+"/preview", form, htmx)
	require.Equal(t, http.StatusOK, p.Status, "%s", p.Body)
	assert.Contains(t, p.Body, `id="template-preview"`)
	assert.Contains(t, p.Body, "See you, Maria")
	assert.Contains(t, p.Body, "Dear Maria &lt;b&gt;,")
	assert.NotContains(t, p.Body, "<b>,", "the text is escaped")
	assert.NotContains(t, p.Body, "<html", "a fragment")

	bad := postForm(t, s.owner, tpl+"/preview", url.Values{"subject": {"x"}, "body": {"Hi {nome}"}}, htmx)
	assert.Contains(t, bad.Body, "nome")

	saved := postForm(t, s.owner, tpl, form, nil)
	require.Equal(t, http.StatusOK, saved.Status)
	assert.Contains(t, saved.Body, "Modelo salvo")
	assert.Contains(t, saved.Body, "Dear {patient} &lt;b&gt;,")
	reset := postForm(t, s.owner, tpl+"/reset", url.Values{}, nil)
	require.Equal(t, http.StatusOK, reset.Status)
	assert.Contains(t, reset.Body, "texto padrão")
	assert.Contains(t, reset.Body, "This is a reminder of your appointment")
}

// The patient's link page: the clinic, the appointment and the answers;
// a tampered link, a cross-site POST and a second answer are refused.
func TestAnswerPage(t *testing.T) {
	t.Parallel()
	s := demoSite(t, dbtest.SQLiteURL(t), nil)
	m := s.postPolicy(t)
	tok := s.answerToken
	anon := s.in.Client(t)

	p := get(t, anon, "/m/"+tok, http.Header{"Accept-Language": {"en"}})
	require.Equal(t, http.StatusOK, p.Status, "%s", p.Body)
	assert.Contains(t, p.Header.Get("X-Robots-Tag"), "noindex")
	assert.Equal(t, "no-store", p.Header.Get("Cache-Control"))
	assert.Contains(t, p.Body, `lang="pt-BR"`, "the clinic's language")
	assert.Contains(t, p.Body, "Av. Paulista")
	assert.Contains(t, p.Body, `value="confirm"`)

	assert.Equal(t, http.StatusForbidden, postForm(t, anon, "/m/"+tok, url.Values{"action": {"confirm"}},
		http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}).Status)
	tampered := get(t, anon, "/m/"+tok[:len(tok)-2]+"xx", nil)
	assert.Equal(t, http.StatusNotFound, tampered.Status)
	assert.Contains(t, tampered.Body, "Este link não é válido")

	done := postForm(t, anon, "/m/"+tok, url.Values{"action": {"confirm"}}, nil)
	require.Equal(t, http.StatusOK, done.Status, "%s", done.Body)
	assert.Contains(t, done.Body, "Consulta confirmada")
	again := postForm(t, anon, "/m/"+tok, url.Values{"action": {"cancel"}}, nil)
	assert.Equal(t, http.StatusConflict, again.Status)
	assert.Contains(t, again.Body, "já foi usado")
	appt := s.owner.Do("GET", "/api/v1/clinics/"+s.demo.ClinicID+"/appointments/"+m.AppointmentID, nil)
	assert.Contains(t, string(appt.Body), `"status":"confirmed"`)
	assert.True(t, strings.Contains(get(t, anon, "/m/"+tok, nil).Body, "Você já confirmou"))
}

// A message the provider refuses shows among the dashboard's failed
// messages with the provider's words, linking to its appointment; the
// receptionist sends it again from the appointment's page; the financial
// role sees none of it.
func TestFailedMessagesOnTheDashboard(t *testing.T) {
	t.Parallel()
	s, apptID, failed := failedMessageSite(t)
	c := "/clinics/" + s.demo.ClinicID

	dash := get(t, s.owner, c+"/", nil)
	require.Equal(t, http.StatusOK, dash.Status)
	assert.Contains(t, dash.Body, "1 mensagem com falha")
	assert.Contains(t, dash.Body, `href="`+c+`/appointments/`+apptID+`"`)
	assert.Contains(t, dash.Body, "131030", "the provider's own words")
	fin, _ := s.in.Member(t, s.owner, s.demo.ClinicID, "financial")
	assert.NotContains(t, get(t, fin, c+"/", nil).Body, "dashboard-failed")

	recep, _ := s.in.Member(t, s.owner, s.demo.ClinicID, "receptionist")
	appt := get(t, recep, c+"/appointments/"+apptID, nil)
	assert.Contains(t, appt.Body, `action="`+c+`/messages/`+failed.ID+`/send-again"`)
	again := postForm(t, recep, c+"/messages/"+failed.ID+"/send-again", url.Values{"back": {c + "/appointments/" + apptID}}, nil)
	require.Equal(t, http.StatusOK, again.Status, "%s", again.Body)
	assert.Equal(t, c+"/appointments/"+apptID, again.URL.Path)
	assert.Contains(t, again.Body, "entrou na fila")
	history := get(t, recep, c+"/messages/"+failed.ID, http.Header{"HX-Request": {"true"}})
	assert.Contains(t, history.Body, "reenviada pela clínica")
	assert.NotContains(t, history.Body, "<html")
}

// The channels page without JavaScript: a saved e-mail channel without a
// host sends through the server's own e-mail (the log, in tests); the
// test's patient search is a GET of the page, the test a POST that shows
// the page again with how it went; a refused setting shows under its
// field, the secrets typed never come back.
func TestChannelsPageWithoutJavaScript(t *testing.T) {
	t.Parallel()
	s := demoSite(t, dbtest.SQLiteURL(t), nil)
	c := "/clinics/" + s.demo.ClinicID + "/settings/messages/channels"
	patientID := s.messagesPatient(t, "Luísa Semjs", "(11) 95555-4444", "luisa.semjs@example.com")

	bad := postForm(t, s.owner, c+"/email", url.Values{"email.enabled": {"on"}, "email.port": {"99999"}, "email.password": {"s3cr3t-typed"}}, nil)
	require.Equal(t, http.StatusUnprocessableEntity, bad.Status)
	assert.Contains(t, bad.Body, `id="f-email.port-error"`)
	assert.NotContains(t, bad.Body, "s3cr3t-typed")

	saved := postForm(t, s.owner, c+"/email", url.Values{"email.enabled": {"on"}, "email.tls": {"starttls"}, "email.password": {"s3cr3t-typed"}}, nil)
	require.Equal(t, http.StatusOK, saved.Status)
	assert.Contains(t, saved.Body, "Canal salvo")
	assert.NotContains(t, saved.Body, "s3cr3t-typed")

	search := get(t, s.owner, c+"?channel=email&q=Semjs", nil)
	require.Equal(t, http.StatusOK, search.Status)
	assert.Contains(t, search.Body, `value="`+patientID+`"`)
	assert.Contains(t, search.Body, "luisa.semjs@example.com")

	none := postForm(t, s.owner, c+"/email/test", url.Values{"q": {"Semjs"}}, nil)
	assert.Equal(t, http.StatusUnprocessableEntity, none.Status)
	sent := postForm(t, s.owner, c+"/email/test", url.Values{"q": {"Semjs"}, "patient_id": {patientID}}, nil)
	require.Equal(t, http.StatusOK, sent.Status, "%s", sent.Body)
	assert.Contains(t, sent.Body, "Enviada")
	assert.Contains(t, sent.Body, "para luisa.semjs@example.com")
}

// scheduledReminders returns up to n reminders of the demo clinic whose
// appointments are still to be confirmed, each on its own appointment.
func (s *site) scheduledReminders(t *testing.T, n int) []reminder.Message {
	t.Helper()
	ctx := context.Background()
	pr := s.ownerPrincipal(t)
	list, err := s.in.App.Reminders.List(ctx, pr, reminder.Filter{Limit: 500})
	require.NoError(t, err)
	var out []reminder.Message
	seen := map[string]bool{}
	for _, m := range list {
		if len(out) == n {
			break
		}
		if m.AppointmentID == "" || seen[m.AppointmentID] {
			continue
		}
		a, err := s.in.App.Appointments.Get(ctx, pr, m.AppointmentID)
		require.NoError(t, err)
		if a.Status == appointment.StatusScheduled && a.StartsAt.After(time.Now().Add(3*time.Hour)) {
			seen[m.AppointmentID] = true
			out = append(out, m)
		}
	}
	require.Len(t, out, n)
	return out
}

// Each answer of the patient's link: its outcome on the page and on the
// appointment; an expired link, a tampered one and an answer the link
// does not offer are refused and change nothing.
func TestAnswerPageAnswers(t *testing.T) {
	t.Parallel()
	s := demoSite(t, dbtest.SQLiteURL(t), nil)
	msgs := s.scheduledReminders(t, 4)
	anon := s.in.Client(t)
	sign := func(id string, exp time.Time) string {
		tok, err := s.in.App.Secrets.Sign("message.answer", []byte(id), exp)
		require.NoError(t, err)
		return tok
	}
	later := time.Now().Add(time.Hour)
	tests := []struct {
		name, token, action string
		status              int
		says, apptStatus    string
	}{
		{"confirm", sign(msgs[0].ID, later), "confirm", 200, "Consulta confirmada", "confirmed"},
		{"cancel", sign(msgs[1].ID, later), "cancel", 200, "Consulta desmarcada", "cancelled"},
		{"reschedule", sign(msgs[2].ID, later), "reschedule", 200, "Pedido enviado", "scheduled"},
		{"expired", sign(msgs[3].ID, time.Now().Add(-time.Minute)), "confirm", 404, "expirou", "scheduled"},
		{"tampered", sign(msgs[3].ID, later) + "A", "confirm", 404, "não é válido", "scheduled"},
		{"not offered", sign(msgs[3].ID, later), "accept", 409, "não é mais possível", "scheduled"},
	}
	for _, tt := range tests {
		p := postForm(t, anon, "/m/"+tt.token, url.Values{"action": {tt.action}}, nil)
		assert.Equal(t, tt.status, p.Status, tt.name)
		assert.Contains(t, p.Body, tt.says, tt.name)
		id := msgs[3].AppointmentID
		switch tt.name {
		case "confirm", "cancel", "reschedule":
			id = msgs[map[string]int{"confirm": 0, "cancel": 1, "reschedule": 2}[tt.name]].AppointmentID
		}
		a, err := s.in.App.Appointments.Get(context.Background(), s.ownerPrincipal(t), id)
		require.NoError(t, err)
		assert.Equal(t, tt.apptStatus, string(a.Status), tt.name)
	}

	// An expired link, opened, still says which clinic to call, and offers
	// no answer.
	p := get(t, anon, "/m/"+sign(msgs[3].ID, time.Now().Add(-time.Minute)), nil)
	assert.Equal(t, 404, p.Status)
	assert.Contains(t, p.Body, "expirou")
	assert.Contains(t, p.Body, "(11) 3333-4444")
	assert.NotContains(t, p.Body, `value="confirm"`)
}

// failedMessageSite is the demo site with WhatsApp set up at a stub that
// refuses one patient's number, and an appointment booked for that patient
// whose booking notice failed.
func failedMessageSite(t *testing.T) (s *site, apptID string, failed reminder.Message) {
	t.Helper()
	wa := newWAStub(t, "EAAtoken-"+testenv.RandomName("wa"))
	wa.refused["+5511966665555"] = true
	s = demoSite(t, dbtest.SQLiteURL(t), map[string]string{"WHATSAPP_BASE_URL": wa.URL})
	ctx := context.Background()
	_, err := s.in.App.Reminders.SaveChannel(ctx, s.ownerPrincipal(t), whatsappChannel("109876543210", wa.token))
	require.NoError(t, err)
	patientID := s.messagesPatient(t, "Rita Falha", "(11) 96666-5555", "")
	apptID = s.messagesBook(t, patientID, 20)
	for range 150 {
		list, err := s.in.App.Reminders.List(ctx, s.ownerPrincipal(t), reminder.Filter{AppointmentID: apptID, Status: reminder.StatusFailed})
		require.NoError(t, err)
		if len(list) > 0 {
			return s, apptID, list[0]
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the booking notice did not fail")
	return nil, "", reminder.Message{}
}

// The settings forms refuse what the service refuses, each message under
// its field, in the user's language.
func TestMessagesSettingsFormsRefuse(t *testing.T) {
	t.Parallel()
	s := demoSite(t, dbtest.SQLiteURL(t), nil)
	c := "/clinics/" + s.demo.ClinicID + "/settings/messages"
	policy := func(kv ...string) url.Values {
		v := url.Values{"enabled": {"on"}, "r0_value": {"24"}, "r0_unit": {"hours"}, "channel_0": {"whatsapp"}, "quiet_start": {"21:00"},
			"quiet_end": {"08:00"}, "offer_value": {"2"}, "offer_unit": {"hours"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name, path string
		form       url.Values
		field      string
		says       string
	}{
		{"a channel twice", c, policy("channel_1", "whatsapp"), "f-channels-error", "no máximo uma vez"},
		{"no channel", c, policy("channel_0", ""), "f-channels-error", "pelo menos um canal"},
		{"quiet hours not a time", c, policy("quiet_start", "25:00"), "f-quiet_start-error", "minuto do dia"},
		{"offer too long", c, policy("offer_value", "8", "offer_unit", "days"), "f-offer_minutes-error", "entre 5 minutos e 7 dias"},
		{"same reminder twice", c, policy("r1_value", "1", "r1_unit", "days"), "f-reminders-error", "diferente dos outros"},
		{"sms sender", c + "/channels/sms", url.Values{"sms.from": {"not a number at all"}}, "f-sms.from-error", "internacional"},
		{"whatsapp template name", c + "/templates/reminder/whatsapp/pt-BR", url.Values{"wa_name": {"Lembrete Clínica"}, "wa_language": {"pt_BR"},
			"body": {"{patient}"}}, "f-wa_name-error", "letras minúsculas"},
		{"e-mail without a subject", c + "/templates/booked/email/en", url.Values{"body": {"Hi {patient}"}}, "f-subject-error", "Obrigatório"},
		{"unknown placeholder", c + "/templates/booked/sms/pt-BR", url.Values{"body": {"Oi {paciente}"}}, "f-body-error", "paciente"},
	}
	for _, tt := range tests {
		p := postForm(t, s.owner, tt.path, tt.form, nil)
		assert.Equal(t, http.StatusUnprocessableEntity, p.Status, tt.name)
		assert.Contains(t, p.Body, `id="`+tt.field+`"`, tt.name)
		assert.Contains(t, p.Body, tt.says, tt.name)
	}
}
