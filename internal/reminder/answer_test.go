package reminder_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/kernel"
	"clinic/internal/notify"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
	"clinic/internal/reminder"
)

var linkRe = regexp.MustCompile(regexp.QuoteMeta(baseURL) + `/m/([A-Za-z0-9_\-.~]+)`)

// tokenIn returns the token of the patient's link in text.
func tokenIn(t *testing.T, text string) string {
	t.Helper()
	m := linkRe.FindStringSubmatch(text)
	require.NotNil(t, m, "no link in %q", text)
	return m[1]
}

func TestAnswers(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, nil)
		c := e.clinic()
		c.on(func(p *reminder.Policy) {
			p.QuietStart, p.QuietEnd = 0, 0
			p.OnBooked = false
			p.Reminders = []int{1440}
		})
		c.channels()
		ctx := context.Background()
		e.clock.Set(c.day(2, 14, 0))

		// sendOne books a patient reachable by SMS and WhatsApp at day 3,
		// hh:00, sends its reminder and returns the appointment, the message
		// and the token of its link.
		sendOne := func(hh int, channel string) (appointment.Appointment, reminder.Message, string) {
			cs := consents{sms: true}
			if channel == "whatsapp" {
				cs.whatsapp = true
			}
			pat := c.patient("João Souza", cs)
			a := c.book(pat.ID, c.day(3, hh, 0))
			r := c.reminderOf(a.ID, 1440)
			e.clock.Set(r.DueAt)
			require.NoError(t, e.work(c.id, r.ID, 1, 10))
			m := c.message(r.ID)
			require.Equal(t, reminder.StatusSent, m.Status)
			if channel == "whatsapp" {
				return a, m, ""
			}
			reqs := requestsTo(e.sms, pat.Phone)
			require.Len(t, reqs, 1)
			return a, m, tokenIn(t, reqs[0].Form.Get("Body"))
		}
		status := func(id string) appointment.Status {
			a, err := e.a.Appointments.Get(ctx, c.owner, id)
			require.NoError(t, err)
			return a.Status
		}

		t.Run("a signed link confirms, as the patient, once", func(t *testing.T) {
			a, m, tok := sendOne(9, "sms")
			got, err := e.svc.Lookup(ctx, tok)
			require.NoError(t, err)
			require.Equal(t, m.ID, got.MessageID)
			require.Equal(t, "Clínica Bem-Estar", got.ClinicName)
			require.Equal(t, []string{reminder.ActionConfirm, reminder.ActionCancel, reminder.ActionReschedule}, got.Actions)

			// Tampered: every kind of change is refused and changes nothing.
			for _, bad := range []string{tok[:len(tok)-1], flip(tok, len(tok)/2), flip(tok, 0), tok + "x"} {
				_, err := e.svc.Answer(ctx, bad, reminder.ActionConfirm, "203.0.113.9")
				require.True(t, apperr.Is(err, apperr.NotFound), "%v", err)
			}
			require.Equal(t, appointment.StatusScheduled, status(a.ID))

			got, err = e.svc.Answer(ctx, tok, reminder.ActionConfirm, "203.0.113.9")
			require.NoError(t, err)
			require.Equal(t, reminder.ActionConfirm, got.Answered)
			require.Empty(t, got.Actions)
			require.Equal(t, appointment.StatusConfirmed, status(a.ID))
			var actors []string
			rows, err := e.a.DB.QueryContext(ctx, `SELECT system_actor FROM audit_log WHERE clinic_id = $1 AND entity_id = $2 AND ip = '203.0.113.9'`, c.id, a.ID)
			require.NoError(t, err)
			for rows.Next() {
				var s string
				require.NoError(t, rows.Scan(&s))
				actors = append(actors, s)
			}
			require.NoError(t, rows.Close())
			require.NotEmpty(t, actors, "the audit trail records the patient's answer")
			for _, s := range actors {
				require.Equal(t, kernel.SystemPatient, s)
			}
			require.Contains(t, statuses(c.message(m.ID).Events), "answered")

			// Replayed: refused, whatever the answer.
			for _, action := range []string{reminder.ActionConfirm, reminder.ActionCancel} {
				_, err = e.svc.Answer(ctx, tok, action, "203.0.113.9")
				require.True(t, apperr.Is(err, apperr.Conflict), "%v", err)
			}
			require.Equal(t, appointment.StatusConfirmed, status(a.ID))
		})

		t.Run("an expired link is refused and changes nothing", func(t *testing.T) {
			a, _, tok := sendOne(10, "sms")
			defer e.clock.Set(c.day(2, 14, 0))
			e.clock.Set(a.StartsAt.Add(time.Minute))
			_, err := e.svc.Answer(ctx, tok, reminder.ActionCancel, "")
			require.True(t, apperr.Is(err, apperr.NotFound), "%v", err)
			require.Contains(t, err.Error(), "expired")
			_, err = e.svc.Lookup(ctx, tok)
			require.Error(t, err)
			require.Equal(t, appointment.StatusScheduled, status(a.ID))
		})

		t.Run("cancelling through the link frees the slot for the waitlist", func(t *testing.T) {
			a, _, tok := sendOne(11, "sms")
			require.Zero(t, e.jobsOfKind("appointment_slot_freed", a.ID))
			_, err := e.svc.Answer(ctx, tok, reminder.ActionCancel, "")
			require.NoError(t, err)
			require.Equal(t, appointment.StatusCancelled, status(a.ID))
			require.Equal(t, 1, e.jobsOfKind("appointment_slot_freed", a.ID))
		})

		t.Run("asking to reschedule is recorded and leaves the appointment", func(t *testing.T) {
			a, _, tok := sendOne(12, "sms")
			_, err := e.svc.Answer(ctx, tok, reminder.ActionReschedule, "")
			require.NoError(t, err)
			require.Equal(t, appointment.StatusScheduled, status(a.ID))
			var n int
			require.NoError(t, e.a.DB.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'reschedule_request'
				AND system_actor = 'patient'`, a.ID).Scan(&n))
			require.Equal(t, 1, n)
		})

		t.Run("a WhatsApp button reply confirms once, only from the number it went to", func(t *testing.T) {
			a, m, _ := sendOne(13, "whatsapp")
			require.Equal(t, "whatsapp", m.Channel)
			require.NoError(t, e.svc.ApplyReply(ctx, c.id, notify.ButtonReply{From: "5511900000000", Payload: "confirm:" + m.ID, MessageID: "wamid.other"}))
			require.Equal(t, appointment.StatusScheduled, status(a.ID), "another number changes nothing")
			reply := notify.ButtonReply{From: strings.TrimPrefix(m.Recipient, "+"), Payload: "confirm:" + m.ID, MessageID: "wamid.reply1"}
			require.NoError(t, e.svc.ApplyReply(ctx, c.id, reply))
			require.Equal(t, appointment.StatusConfirmed, status(a.ID))
			require.NoError(t, e.svc.ApplyReply(ctx, c.id, reply), "a webhook delivered twice")
			reply.Payload, reply.MessageID = "cancel:"+m.ID, "wamid.reply2"
			require.NoError(t, e.svc.ApplyReply(ctx, c.id, reply))
			require.Equal(t, appointment.StatusCancelled, status(a.ID), "a later tap on another button is another answer")
		})
	})
}

// flip changes the character at i of s.
func flip(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestEmailThroughMailpit(t *testing.T) {
	t.Parallel()
	smtpURL := testenv.Require(t, "TEST_SMTP_URL", "an SMTP server (mailpit)")
	api := strings.TrimRight(testenv.Require(t, "TEST_MAILPIT_URL", "mailpit's HTTP API"), "/")
	e := newEnv(t, dbtest.SQLiteURL(t), map[string]string{"SMTP_URL": smtpURL + "?tls=none"})
	c := e.clinic()
	ctx := context.Background()
	_, err := e.a.Accounts.UpdateClinic(ctx, c.owner, account.UpdateClinicInput{Name: kernel.Some("Saúde & <Vida>")})
	require.NoError(t, err)
	c.on(func(p *reminder.Policy) {
		p.QuietStart, p.QuietEnd = 0, 0
		p.OnBooked = false
		p.Reminders = []int{1440}
	})
	c.channels()
	pat := c.patient("Maria Silva", consents{email: true})
	r := c.reminderOf(c.book(pat.ID, c.day(3, 14, 0)).ID, 1440)
	e.clock.Set(r.DueAt)
	require.NoError(t, e.work(c.id, r.ID, 1, 10))
	m := c.message(r.ID)
	require.Equal(t, reminder.StatusSent, m.Status, m.Reason)
	require.Equal(t, "email", m.Channel)
	require.Equal(t, pat.Email, m.Recipient)

	mail := findMail(t, api, pat.Email)
	require.Equal(t, "Lembrete: sua consulta na Saúde & <Vida>", mail.Subject)
	require.Contains(t, mail.Text, "Olá, Maria! Lembramos da sua consulta com Dra. Ana Souza na Saúde & <Vida>")
	require.Contains(t, mail.HTML, "na Saúde &amp; &lt;Vida&gt; em")
	require.NotContains(t, mail.HTML, "<Vida>")
	tok := tokenIn(t, mail.Text)
	require.Contains(t, mail.HTML, fmt.Sprintf(`<a href="%s/m/%s">`, baseURL, tok))
	got, err := e.svc.Lookup(ctx, tok)
	require.NoError(t, err)
	require.Equal(t, m.ID, got.MessageID)
	_, err = e.svc.Answer(ctx, tok, reminder.ActionConfirm, "")
	require.NoError(t, err)
}

type mailpitMessage struct {
	ID      string
	Subject string
	Text    string
	HTML    string
}

// findMail waits for the message to addr in mailpit and returns it whole.
func findMail(t *testing.T, api, addr string) mailpitMessage {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var list struct{ Messages []mailpitMessage }
		getJSON(t, api+"/api/v1/search?query="+url.QueryEscape("to:"+addr), &list)
		if len(list.Messages) > 0 {
			var full mailpitMessage
			getJSON(t, api+"/api/v1/message/"+url.PathEscape(list.Messages[0].ID), &full)
			return full
		}
		require.True(t, time.Now().Before(deadline), "no e-mail to %s in mailpit", addr)
		time.Sleep(100 * time.Millisecond)
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	res, err := http.Get(u)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, u)
	require.NoError(t, json.NewDecoder(res.Body).Decode(v))
}
