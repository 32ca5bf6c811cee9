package reminder_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
	"clinic/internal/pix"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
	"clinic/internal/reminder"
)

// pixCode is a static BR Code of amount cents to the clinic's e-mail key.
func pixCode(t *testing.T, cents int64) string {
	t.Helper()
	p, err := pix.Charge{Key: pix.Key{Type: pix.KeyEmail, Value: "financeiro@clinica.com.br"}, MerchantName: "Clínica Bem-Estar",
		MerchantCity: "São Paulo", AmountCents: cents, TxID: "COB123"}.Payload()
	require.NoError(t, err)
	return p
}

// as is the clinic's owner acting in another role.
func (c *clinic) as(r kernel.Role) kernel.Principal {
	p := c.owner
	p.Role = r
	return p
}

func TestSendPix(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, nil)
		ctx := context.Background()
		brl := i18n.For(i18n.PtBR).Money(15000)

		setup := func(t *testing.T, cs consents) (*clinic, string, string) {
			e := *e
			e.t = t
			c := e.clinic()
			c.on(func(p *reminder.Policy) { p.QuietStart, p.QuietEnd = 0, 0 })
			c.channels()
			pat := c.patient("Maria Silva", cs)
			return c, pat.ID, pat.Phone
		}
		code := pixCode(t, 15000)
		request := func(c *clinic, patientID string) reminder.PixMessage {
			return reminder.PixMessage{ClinicID: c.id, PatientID: patientID, ChargeID: kernel.NewID(), AmountCents: 15000,
				Description: "Consulta de retorno", Payload: code}
		}

		t.Run("WhatsApp: queued at once, then sent as the pix template with the code as a parameter", func(t *testing.T) {
			t.Parallel()
			c, patID, phone := setup(t, consents{whatsapp: true, sms: true, email: true})
			in := request(c, patID)
			m, err := e.svc.SendPix(ctx, c.as(kernel.RoleFinancial), in)
			require.NoError(t, err)
			require.Equal(t, reminder.KindPix, m.Kind)
			require.Equal(t, reminder.StatusQueued, m.Status)
			require.Equal(t, patID, m.PatientID)
			require.Contains(t, e.sendJobs(), m.ID, "the send job is queued with the message")

			require.NoError(t, e.work(c.id, m.ID, 1, 10))
			reqs := requestsTo(e.wa, phone)
			require.Len(t, reqs, 1)
			wa := reqs[0].WhatsApp
			require.Empty(t, reqs[0].Problems)
			require.Equal(t, "clinic_pix", wa.Template)
			require.Equal(t, "pt_BR", wa.Language)
			require.Equal(t, []string{"Maria", "Clínica Bem-Estar", "Consulta de retorno", brl, in.Payload}, wa.Params)
			require.Empty(t, wa.Buttons, "a payment request has no quick replies")
			require.Equal(t, m.ID, wa.CallbackData)

			got := c.message(m.ID)
			require.Equal(t, reminder.StatusSent, got.Status, got.Reason)
			require.Equal(t, "whatsapp", got.Channel)
			// In the patient's messages and in the clinic's ledger.
			for _, f := range []reminder.Filter{{PatientID: patID}, {}} {
				list, err := e.svc.List(ctx, c.owner, f)
				require.NoError(t, err)
				require.True(t, containsMessage(list, m.ID), "filter %+v", f)
			}
		})

		t.Run("SMS: the text has the amount in the clinic's locale, the charge and the code", func(t *testing.T) {
			t.Parallel()
			c, patID, phone := setup(t, consents{sms: true})
			in := request(c, patID)
			m, err := e.svc.SendPix(ctx, c.as(kernel.RoleReceptionist), in)
			require.NoError(t, err)
			require.NoError(t, e.work(c.id, m.ID, 1, 10))
			reqs := requestsTo(e.sms, phone)
			require.Len(t, reqs, 1)
			body := reqs[0].Form.Get("Body")
			require.Contains(t, body, "Olá, Maria! Segue a cobrança da Clínica Bem-Estar: Consulta de retorno, no valor de "+brl+".")
			require.Contains(t, body, "Pix copia e cola")
			require.Contains(t, body, in.Payload)
			require.Empty(t, requestsTo(e.wa, phone))
		})

		t.Run("no consent on any channel: skipped, nothing sent", func(t *testing.T) {
			t.Parallel()
			c, patID, phone := setup(t, consents{})
			m, err := e.svc.SendPix(ctx, c.owner, request(c, patID))
			require.NoError(t, err)
			require.NoError(t, e.work(c.id, m.ID, 1, 10))
			got := c.message(m.ID)
			require.Equal(t, reminder.StatusSkipped, got.Status)
			require.Equal(t, reminder.ReasonNoConsent, got.Reason)
			require.Empty(t, requestsTo(e.wa, phone))
			require.Empty(t, requestsTo(e.sms, phone))
		})

		t.Run("a second request while the first is on its way returns it; once sent, a new one goes", func(t *testing.T) {
			t.Parallel()
			c, patID, phone := setup(t, consents{whatsapp: true})
			in := request(c, patID)
			first, err := e.svc.SendPix(ctx, c.owner, in)
			require.NoError(t, err)
			again, err := e.svc.SendPix(ctx, c.owner, in)
			require.NoError(t, err)
			require.Equal(t, first.ID, again.ID)
			require.NoError(t, e.work(c.id, first.ID, 1, 10))
			later, err := e.svc.SendPix(ctx, c.owner, in)
			require.NoError(t, err)
			require.NotEqual(t, first.ID, later.ID, "sending again on purpose")
			require.NoError(t, e.work(c.id, later.ID, 1, 10))
			require.Len(t, requestsTo(e.wa, phone), 2)
		})

		t.Run("roles: owner, financial and receptionist send; admin and professional may not", func(t *testing.T) {
			t.Parallel()
			c, patID, _ := setup(t, consents{whatsapp: true})
			for _, r := range []kernel.Role{kernel.RoleOwner, kernel.RoleFinancial, kernel.RoleReceptionist} {
				_, err := e.svc.SendPix(ctx, c.as(r), request(c, patID))
				require.NoError(t, err, "role %s", r)
			}
			for _, r := range []kernel.Role{kernel.RoleAdmin, kernel.RoleProfessional} {
				_, err := e.svc.SendPix(ctx, c.as(r), request(c, patID))
				require.Equal(t, apperr.Forbidden, apperr.CodeOf(err), "role %s", r)
			}
		})

		t.Run("bad input: a clear field error and nothing written", func(t *testing.T) {
			t.Parallel()
			c, patID, _ := setup(t, consents{whatsapp: true})
			other, otherPat, _ := setup(t, consents{whatsapp: true})
			good := request(c, patID)
			tests := []struct {
				name  string
				edit  func(*reminder.PixMessage)
				field string
			}{
				{"damaged code", func(m *reminder.PixMessage) { m.Payload = m.Payload[:len(m.Payload)-1] + "0" }, "payload"},
				{"not a Pix code", func(m *reminder.PixMessage) { m.Payload = "https://example.com/pay" }, "payload"},
				{"no code", func(m *reminder.PixMessage) { m.Payload = "" }, "payload"},
				{"code of another amount", func(m *reminder.PixMessage) { m.Payload = pixCode(t, 9900) }, "payload"},
				{"zero amount", func(m *reminder.PixMessage) { m.AmountCents = 0 }, "amount_cents"},
				{"negative amount", func(m *reminder.PixMessage) { m.AmountCents = -15000 }, "amount_cents"},
				{"charge not an id", func(m *reminder.PixMessage) { m.ChargeID = "42" }, "charge_id"},
				{"patient not an id", func(m *reminder.PixMessage) { m.PatientID = "maria" }, "patient_id"},
				{"unknown patient", func(m *reminder.PixMessage) { m.PatientID = kernel.NewID() }, "patient_id"},
				{"another clinic's patient", func(m *reminder.PixMessage) { m.PatientID = otherPat }, "patient_id"},
				{"another clinic", func(m *reminder.PixMessage) { m.ClinicID = other.id }, "patient_id"},
				{"description too long", func(m *reminder.PixMessage) { m.Description = strings.Repeat("x", 201) }, "description"},
			}
			for _, tt := range tests {
				in := good
				tt.edit(&in)
				_, err := e.svc.SendPix(ctx, c.owner, in)
				require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "%s: %v", tt.name, err)
				require.Contains(t, fieldsOf(err), tt.field, tt.name)
				require.NotEmpty(t, fieldsOf(err)[tt.field], tt.name)
			}
			list, err := e.svc.List(ctx, c.owner, reminder.Filter{})
			require.NoError(t, err)
			require.Empty(t, list, "nothing written")
			// A code without an amount goes with the charge's.
			open := good
			open.Payload = pixCode(t, 0)
			_, err = e.svc.SendPix(ctx, c.owner, open)
			require.NoError(t, err)
		})

		t.Run("templates: the pix kind is listed, editable with its placeholders, and previewed", func(t *testing.T) {
			t.Parallel()
			c, patID, phone := setup(t, consents{sms: true})
			list, err := e.svc.Templates(ctx, c.owner)
			require.NoError(t, err)
			n := 0
			for _, tp := range list {
				if tp.Kind == reminder.KindPix {
					n++
				}
			}
			require.Equal(t, len(reminder.Channels)*len(i18n.Supported()), n)

			_, err = e.svc.SaveTemplate(ctx, c.owner, reminder.Template{Kind: "booked", Channel: "sms", Locale: "pt-BR", Body: "Pague {amount}"})
			require.Contains(t, fieldsOf(err), "body", "{amount} is a pix placeholder only")
			_, err = e.svc.SaveTemplate(ctx, c.owner, reminder.Template{Kind: reminder.KindPix, Channel: "sms", Locale: "pt-BR",
				Body: "{clinic}: pague {amount} ({charge}) com o Pix: {pix_code}"})
			require.NoError(t, err)

			pv, err := e.svc.Preview(ctx, c.owner, reminder.Template{Kind: reminder.KindPix, Channel: "sms", Locale: "pt-BR",
				Body: "Pague {amount}: {pix_code}"})
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(pv.Text, "Pague "+brl+": 000201"), pv.Text)
			pv, err = e.svc.Preview(ctx, c.owner, reminder.Template{Kind: reminder.KindPix, Channel: "sms", Locale: "pt-BR", Body: "{charge}"})
			require.NoError(t, err)
			require.Equal(t, "Consulta de retorno", pv.Text, "the example charge")

			in := request(c, patID)
			m, err := e.svc.SendPix(ctx, c.owner, in)
			require.NoError(t, err)
			require.NoError(t, e.work(c.id, m.ID, 1, 10))
			reqs := requestsTo(e.sms, phone)
			require.Len(t, reqs, 1)
			require.Equal(t, "Clínica Bem-Estar: pague "+brl+" (Consulta de retorno) com o Pix: "+in.Payload, reqs[0].Form.Get("Body"))
		})
	})
}

func containsMessage(list []reminder.Message, id string) bool {
	for _, m := range list {
		if m.ID == id {
			return true
		}
	}
	return false
}

func TestSendPixByEmailCarriesTheQRCode(t *testing.T) {
	t.Parallel()
	smtpURL := testenv.Require(t, "TEST_SMTP_URL", "an SMTP server (mailpit)")
	api := strings.TrimRight(testenv.Require(t, "TEST_MAILPIT_URL", "mailpit's HTTP API"), "/")
	e := newEnv(t, dbtest.SQLiteURL(t), map[string]string{"SMTP_URL": smtpURL + "?tls=none"})
	c := e.clinic()
	ctx := context.Background()
	c.on(func(p *reminder.Policy) { p.QuietStart, p.QuietEnd = 0, 0 })
	c.channels()
	pat := c.patient("Maria Silva", consents{email: true})
	payload := pixCode(t, 15000)
	m, err := e.svc.SendPix(ctx, c.owner, reminder.PixMessage{PatientID: pat.ID, ChargeID: kernel.NewID(), AmountCents: 15000,
		Description: "Sessão de fisioterapia", Payload: payload})
	require.NoError(t, err)
	require.NoError(t, e.work(c.id, m.ID, 1, 10))
	got := c.message(m.ID)
	require.Equal(t, reminder.StatusSent, got.Status, got.Reason)
	require.Equal(t, "email", got.Channel)

	mail := findMail(t, api, pat.Email)
	brl := i18n.For(i18n.PtBR).Money(15000)
	require.Equal(t, "Cobrança da Clínica Bem-Estar: "+brl, mail.Subject)
	require.Contains(t, mail.Text, "Sessão de fisioterapia, no valor de "+brl)
	require.Contains(t, strings.ReplaceAll(mail.Text, "\r\n", "\n"), payload)
	require.Contains(t, mail.HTML, `<img src="cid:pix-qr"`)
	require.Contains(t, mail.HTML, `<code style="word-break:break-all;font-size:13px">`+payload+`</code>`)

	var parts struct {
		Inline []struct{ PartID, FileName, ContentType, ContentID string }
	}
	getJSON(t, api+"/api/v1/message/"+url.PathEscape(mail.ID), &parts)
	require.Len(t, parts.Inline, 1)
	require.Equal(t, "image/png", parts.Inline[0].ContentType)
	require.Equal(t, "pix-qr", parts.Inline[0].ContentID)
	res, err := http.Get(api + "/api/v1/message/" + url.PathEscape(mail.ID) + "/part/" + url.PathEscape(parts.Inline[0].PartID))
	require.NoError(t, err)
	defer res.Body.Close()
	png, err := io.ReadAll(res.Body)
	require.NoError(t, err)

	// The image the patient gets decodes back to the code.
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if testenv.CI() {
			t.Fatal("zbarimg (Debian zbar-tools) is required under CI=true")
		}
		t.Skip("zbarimg is not installed (apt-get install zbar-tools): the QR code is not decoded")
	}
	file := filepath.Join(t.TempDir(), "qr.png")
	require.NoError(t, os.WriteFile(file, png, 0o600))
	out, err := exec.Command(zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", file).Output()
	require.NoError(t, err)
	require.Equal(t, payload, strings.TrimSuffix(string(out), "\n"))
}

// The catalogue has every message id the pix kind uses, in every locale.
func TestPixMessageIDsAreInTheCatalogue(t *testing.T) {
	t.Parallel()
	require.Empty(t, i18n.Missing("message.pix.subject", "message.pix.body", "message.pix.qr_caption", "message.pix.qr_alt",
		"message.pix.default_description", "message.pix.example_description"))
}
