package reminder_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/kernel"
	"clinic/internal/notify"
	"clinic/internal/notify/notifytest"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/reminder"
	"clinic/internal/schedule"
)

// script answers each recipient's requests in turn with its replies (then
// with success), so that parallel tests share one stub.
type script struct {
	mu      sync.Mutex
	replies map[string][]notifytest.Reply
}

func newScript(servers ...*notifytest.Server) *script {
	s := &script{replies: map[string][]notifytest.Reply{}}
	for _, srv := range servers {
		srv.Answer(s.next)
	}
	return s
}

func (s *script) set(to string, replies ...notifytest.Reply) {
	s.mu.Lock()
	s.replies[to] = replies
	s.mu.Unlock()
}

func (s *script) next(r notifytest.Request) notifytest.Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.replies[r.To]
	if len(list) == 0 {
		return notifytest.Reply{}
	}
	s.replies[r.To] = list[1:]
	return list[0]
}

func cancelled(err error) bool {
	var jc *rivertype.JobCancelError
	return err != nil && errors.As(err, &jc)
}

func TestDispatch(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, nil)
		c := e.clinic()
		c.on(func(p *reminder.Policy) {
			p.QuietStart, p.QuietEnd = 0, 0
			p.OnBooked = false
			p.Reminders = []int{1440}
		})
		pat := c.patient("Maria Silva", consents{whatsapp: true})
		var due []string
		for i := range 5 {
			due = append(due, c.reminderOf(c.book(pat.ID, c.day(3, 10+i, 0)).ID, 1440).ID)
		}
		later := c.reminderOf(c.book(pat.ID, c.day(5, 10, 0)).ID, 1440)

		// The clock an hour before the first is due: nothing is due soon.
		c.clock.Set(c.day(2, 9, 0))
		n, err := e.svc.Dispatch(context.Background())
		require.NoError(t, err)
		require.Zero(t, n)

		// A minute before the first is due: nothing yet.
		c.clock.Set(c.day(2, 9, 59))
		n, err = e.svc.Dispatch(context.Background())
		require.NoError(t, err)
		require.Zero(t, n)

		// The first one is due.
		c.clock.Set(c.day(2, 10, 0))
		n, err = e.svc.Dispatch(context.Background())
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Equal(t, reminder.StatusQueued, c.message(due[0]).Status)
		require.Equal(t, reminder.StatusPending, c.message(due[1]).Status)

		// The rest, by four dispatchers at once, twice over.
		c.clock.Set(c.day(2, 15, 0))
		var wg sync.WaitGroup
		counts := make([]int, 8)
		errs := make([]error, 8)
		for i := range counts {
			wg.Go(func() { counts[i], errs[i] = e.svc.Dispatch(context.Background()) })
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		sum := 0
		for _, n := range counts {
			sum += n
		}
		require.Equal(t, 4, sum, "each message queued once")
		for _, id := range due {
			require.Equal(t, reminder.StatusQueued, c.message(id).Status)
		}
		require.Equal(t, reminder.StatusPending, c.message(later.ID).Status)
		jobs := e.sendJobs()
		slices.Sort(jobs)
		want := slices.Clone(due)
		slices.Sort(want)
		require.Equal(t, want, jobs, "one send job per message")
	})
}

func TestSend(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, nil)
		replies := newScript(e.wa, e.sms)
		// Every test's reminder is due at the same moment (its start is the
		// same day and time): the clock is then.
		ref := e.clinic()
		e.clock.Set(ref.day(2, 14, 0))

		// setup returns a clinic whose 24 h reminder of a new appointment
		// of a patient with cs is due now.
		setup := func(t *testing.T, cs consents) (*clinic, reminder.Message, string) {
			e := *e
			e.t = t
			c := e.clinic()
			c.on(func(p *reminder.Policy) {
				p.QuietStart, p.QuietEnd = 0, 0
				p.OnBooked = false
				p.Reminders = []int{1440}
			})
			c.channels()
			pat := c.patient("Maria Silva", cs)
			a := c.book(pat.ID, c.day(3, 14, 0))
			return c, c.reminderOf(a.ID, 1440), pat.Phone
		}

		t.Run("success: sent with the provider's id and a history event, the template's parameters and buttons", func(t *testing.T) {
			t.Parallel()
			c, r, phone := setup(t, consents{whatsapp: true, sms: true})
			require.NoError(t, e.work(c.id, r.ID, 1, 10))
			reqs := requestsTo(e.wa, phone)
			require.Len(t, reqs, 1)
			m := c.message(r.ID)
			require.Equal(t, reminder.StatusSent, m.Status)
			require.Equal(t, "whatsapp", m.Channel)
			require.Equal(t, phone, m.Recipient)
			require.Equal(t, reqs[0].ProviderID, m.ProviderID)
			require.NotNil(t, m.SentAt)
			require.Equal(t, 1, m.Attempts)
			require.Equal(t, []string{"sent"}, statuses(m.Events))

			wa := reqs[0].WhatsApp
			require.Equal(t, "clinic_reminder", wa.Template)
			require.Equal(t, "pt_BR", wa.Language)
			require.Len(t, wa.Params, 7)
			require.Equal(t, []string{"Maria", "Clínica Bem-Estar", "Dra. Ana Souza"}, wa.Params[:3])
			require.NotEmpty(t, wa.Params[3], "date")
			require.Equal(t, "14:00", wa.Params[4])
			require.Equal(t, "Rua das Flores, 10", wa.Params[5])
			require.True(t, strings.HasPrefix(wa.Params[6], baseURL+"/m/"), "link %q", wa.Params[6])
			require.Equal(t, map[int]string{0: "confirm:" + r.ID, 1: "cancel:" + r.ID, 2: "reschedule:" + r.ID}, wa.Buttons)
			require.Equal(t, r.ID, wa.CallbackData, "the status webhooks name the message")

			// The job run again (a retry, another worker) sends nothing.
			require.NoError(t, e.work(c.id, r.ID, 2, 10))
			require.Len(t, requestsTo(e.wa, phone), 1)
		})

		t.Run("4xx: failed at once with the provider's reason, no retry", func(t *testing.T) {
			t.Parallel()
			c, r, phone := setup(t, consents{whatsapp: true})
			replies.set(phone, notifytest.WhatsAppError(400, 131026, "Message undeliverable"))
			require.NoError(t, e.work(c.id, r.ID, 1, 10), "the job ends: no retry")
			m := c.message(r.ID)
			require.Equal(t, reminder.StatusFailed, m.Status)
			require.Contains(t, m.Reason, "Message undeliverable")
			require.Equal(t, []string{"failed"}, statuses(m.Events))
			require.NoError(t, e.work(c.id, r.ID, 2, 10))
			require.Len(t, requestsTo(e.wa, phone), 1)
		})

		t.Run("5xx: back to queued and retried, then sent", func(t *testing.T) {
			t.Parallel()
			c, r, phone := setup(t, consents{whatsapp: true})
			replies.set(phone, notifytest.WhatsAppError(503, 131016, "Service unavailable"))
			err := e.work(c.id, r.ID, 1, 10)
			require.Error(t, err)
			require.False(t, cancelled(err))
			m := c.message(r.ID)
			require.Equal(t, reminder.StatusQueued, m.Status)
			require.Contains(t, m.Reason, "Service unavailable")
			require.NoError(t, e.work(c.id, r.ID, 2, 10))
			m = c.message(r.ID)
			require.Equal(t, reminder.StatusSent, m.Status)
			require.Empty(t, m.Reason)
			require.Equal(t, 2, m.Attempts)
			require.Len(t, requestsTo(e.wa, phone), 2)
		})

		t.Run("time-out: back to queued and retried, then sent", func(t *testing.T) {
			t.Parallel()
			c, r, phone := setup(t, consents{sms: true})
			replies.set(phone, notifytest.Reply{Hang: true})
			err := e.work(c.id, r.ID, 1, 10)
			require.Error(t, err)
			require.False(t, cancelled(err))
			require.Equal(t, reminder.StatusQueued, c.message(r.ID).Status)
			require.NoError(t, e.work(c.id, r.ID, 2, 10))
			require.Equal(t, reminder.StatusSent, c.message(r.ID).Status)
			require.Len(t, requestsTo(e.sms, phone), 2)
		})

		t.Run("5xx on the last attempt: failed", func(t *testing.T) {
			t.Parallel()
			c, r, phone := setup(t, consents{whatsapp: true})
			replies.set(phone, notifytest.WhatsAppError(500, 131000, "Something went wrong"))
			require.NoError(t, e.work(c.id, r.ID, 10, 10), "the job ends")
			m := c.message(r.ID)
			require.Equal(t, reminder.StatusFailed, m.Status)
			require.Contains(t, m.Reason, "Something went wrong")
		})

		t.Run("no consent to WhatsApp: by SMS, with the link and the status callback", func(t *testing.T) {
			t.Parallel()
			c, r, phone := setup(t, consents{sms: true, email: true})
			require.NoError(t, e.work(c.id, r.ID, 1, 10))
			require.Empty(t, requestsTo(e.wa, phone))
			reqs := requestsTo(e.sms, phone)
			require.Len(t, reqs, 1)
			m := c.message(r.ID)
			require.Equal(t, reminder.StatusSent, m.Status)
			require.Equal(t, "sms", m.Channel)
			require.Equal(t, reqs[0].ProviderID, m.ProviderID)
			body := reqs[0].Form.Get("Body")
			require.Contains(t, body, "Olá, Maria!")
			require.Contains(t, body, "Dra. Ana Souza")
			require.Contains(t, body, baseURL+"/m/")
			require.Equal(t, smsFrom, reqs[0].Form.Get("From"))
			require.Equal(t, baseURL+"/webhooks/sms/"+c.id+"?m="+url.QueryEscape(r.ID), reqs[0].Form.Get("StatusCallback"))
		})

		t.Run("a clinic's own SMS wording is the one sent", func(t *testing.T) {
			t.Parallel()
			c, r, phone := setup(t, consents{sms: true})
			_, err := c.svc.SaveTemplate(context.Background(), c.owner, reminder.Template{Kind: "reminder", Channel: "sms", Locale: "pt-BR",
				Body: "{clinic}: {patient}, até {date} às {time}. {link}"})
			require.NoError(t, err)
			require.NoError(t, e.work(c.id, r.ID, 1, 10))
			reqs := requestsTo(e.sms, phone)
			require.Len(t, reqs, 1)
			require.True(t, strings.HasPrefix(reqs[0].Form.Get("Body"), "Clínica Bem-Estar: Maria, até "), reqs[0].Form.Get("Body"))
		})

		t.Run("a channel or template saved is used by the next message (the caches follow)", func(t *testing.T) {
			t.Parallel()
			c, r, phone := setup(t, consents{whatsapp: true, sms: true})
			require.NoError(t, e.work(c.id, r.ID, 1, 10))
			require.Equal(t, "whatsapp", c.message(r.ID).Channel)
			_, err := c.svc.SaveChannel(context.Background(), c.owner, reminder.ChannelSettings{Kind: "whatsapp", Enabled: false,
				Config: map[string]string{"phone_number_id": waPhoneID}})
			require.NoError(t, err)
			_, err = c.svc.SaveTemplate(context.Background(), c.owner, reminder.Template{Kind: "reminder", Channel: "sms", Locale: "pt-BR",
				Body: "Nova redação: {patient} {link}"})
			require.NoError(t, err)
			prof, err := c.a.Schedule.CreateProfessional(context.Background(), c.owner, schedule.ProfessionalInput{Name: "Outro"})
			require.NoError(t, err)
			var patientID string
			require.NoError(t, e.a.DB.QueryRowContext(context.Background(), `SELECT patient_id FROM messages WHERE id = $1`, r.ID).Scan(&patientID))
			r2 := c.reminderOf(c.bookWith(prof.ID, patientID, c.day(3, 14, 0)).ID, 1440)
			require.NoError(t, e.work(c.id, r2.ID, 1, 10))
			require.Equal(t, "sms", c.message(r2.ID).Channel)
			reqs := requestsTo(e.sms, phone)
			require.Len(t, reqs, 1)
			require.True(t, strings.HasPrefix(reqs[0].Form.Get("Body"), "Nova redação: Maria "), reqs[0].Form.Get("Body"))
		})

		t.Run("a clinic without an address still sends its WhatsApp reminders", func(t *testing.T) {
			t.Parallel()
			c, r, phone := setup(t, consents{whatsapp: true})
			_, err := c.a.Accounts.UpdateClinic(context.Background(), c.owner, account.UpdateClinicInput{Address: kernel.Null[string]()})
			require.NoError(t, err)
			require.NoError(t, e.work(c.id, r.ID, 1, 10))
			m := c.message(r.ID)
			require.Equal(t, reminder.StatusSent, m.Status, m.Reason)
			reqs := requestsTo(e.wa, phone)
			require.Len(t, reqs, 1)
			require.Len(t, reqs[0].WhatsApp.Params, 7, "the approved template's parameters, none empty")
			require.NotContains(t, reqs[0].WhatsApp.Params, "")
		})

		t.Run("messaging turned off meanwhile: skipped", func(t *testing.T) {
			t.Parallel()
			c, r, phone := setup(t, consents{whatsapp: true})
			p, err := c.svc.Policy(context.Background(), c.owner)
			require.NoError(t, err)
			p.Enabled = false
			_, err = c.svc.SavePolicy(context.Background(), c.owner, p)
			require.NoError(t, err)
			require.NoError(t, e.work(c.id, r.ID, 1, 10))
			m := c.message(r.ID)
			require.Equal(t, reminder.StatusSkipped, m.Status)
			require.Equal(t, reminder.ReasonOff, m.Reason)
			require.Empty(t, requestsTo(e.wa, phone))
		})

		t.Run("a test message goes through the channel asked for, without consent", func(t *testing.T) {
			t.Parallel()
			c, _, _ := setup(t, consents{})
			pat := c.patient("Teste", consents{})
			m, err := c.svc.SendTest(context.Background(), c.owner, reminder.TestInput{Channel: "sms", PatientID: pat.ID})
			require.NoError(t, err)
			require.Equal(t, reminder.StatusSent, m.Status, m.Reason)
			reqs := requestsTo(e.sms, pat.Phone)
			require.Len(t, reqs, 1)
			require.Contains(t, reqs[0].Form.Get("Body"), "Clínica Bem-Estar")
			replies.set(pat.Phone, notifytest.WhatsAppError(401, 190, "Error validating access token"))
			m, err = c.svc.SendTest(context.Background(), c.owner, reminder.TestInput{Channel: "whatsapp", PatientID: pat.ID})
			require.NoError(t, err)
			require.Equal(t, reminder.StatusFailed, m.Status)
			require.Contains(t, m.Reason, "Error validating access token")
		})

		t.Run("no consent on any channel: skipped no_consent, nothing sent", func(t *testing.T) {
			t.Parallel()
			c, r, phone := setup(t, consents{})
			require.NoError(t, e.work(c.id, r.ID, 1, 10))
			m := c.message(r.ID)
			require.Equal(t, reminder.StatusSkipped, m.Status)
			require.Equal(t, reminder.ReasonNoConsent, m.Reason)
			require.Empty(t, requestsTo(e.wa, phone))
			require.Empty(t, requestsTo(e.sms, phone))
		})

		t.Run("a message found sending: failed interrupted, the provider not called again", func(t *testing.T) {
			t.Parallel()
			c, r, phone := setup(t, consents{whatsapp: true})
			_, err := e.a.DB.ExecContext(context.Background(), `UPDATE messages SET status = 'sending' WHERE id = $1`, r.ID)
			require.NoError(t, err)
			require.NoError(t, e.work(c.id, r.ID, 2, 10))
			m := c.message(r.ID)
			require.Equal(t, reminder.StatusFailed, m.Status)
			require.Equal(t, reminder.ReasonInterrupted, m.Reason)
			require.Empty(t, requestsTo(e.wa, phone))
		})

		t.Run("a message left sending for over an hour: the dispatcher fails it as interrupted", func(t *testing.T) {
			t.Parallel()
			c, r, phone := setup(t, consents{whatsapp: true})
			_, err := e.a.DB.ExecContext(context.Background(), `UPDATE messages SET status = 'sending', updated_at = $1 WHERE id = $2`,
				e.clock.Now().Add(-2*time.Hour).UTC().Truncate(time.Microsecond), r.ID)
			require.NoError(t, err)
			_, err = e.svc.Dispatch(context.Background())
			require.NoError(t, err)
			m := c.message(r.ID)
			require.Equal(t, reminder.StatusFailed, m.Status)
			require.Equal(t, reminder.ReasonInterrupted, m.Reason)
			require.Empty(t, requestsTo(e.wa, phone))
		})

		t.Run("provider statuses only move forward", func(t *testing.T) {
			t.Parallel()
			c, r, _ := setup(t, consents{whatsapp: true})
			require.NoError(t, e.work(c.id, r.ID, 1, 10))
			m := c.message(r.ID)
			for _, st := range []notify.DeliveryStatus{notify.StatusDelivered, notify.StatusRead, notify.StatusDelivered, notify.StatusSent} {
				require.NoError(t, e.svc.ApplyStatus(context.Background(), c.id, "whatsapp", "", notify.StatusUpdate{ProviderMessageID: m.ProviderID, Status: st}))
			}
			m = c.message(r.ID)
			require.Equal(t, reminder.StatusRead, m.Status)
			require.Equal(t, []string{"sent", "delivered", "read", "delivered", "sent"}, statuses(m.Events))

			require.NoError(t, e.svc.ApplyStatus(context.Background(), c.id, "whatsapp", "", notify.StatusUpdate{ProviderMessageID: m.ProviderID,
				Status: notify.StatusFailed, ErrorCode: "131026", ErrorTitle: "Message undeliverable"}))
			require.NoError(t, e.svc.ApplyStatus(context.Background(), c.id, "whatsapp", "", notify.StatusUpdate{ProviderMessageID: m.ProviderID,
				Status: notify.StatusDelivered}))
			m = c.message(r.ID)
			require.Equal(t, reminder.StatusFailed, m.Status)
			require.Equal(t, "131026 Message undeliverable", m.Reason)

			// Another clinic's update, or an unknown id, changes nothing.
			require.NoError(t, e.svc.ApplyStatus(context.Background(), ref.id, "whatsapp", "", notify.StatusUpdate{ProviderMessageID: m.ProviderID,
				Status: notify.StatusRead}))
			require.NoError(t, e.svc.ApplyStatus(context.Background(), c.id, "whatsapp", "", notify.StatusUpdate{ProviderMessageID: "wamid.unknown",
				Status: notify.StatusRead}))
			require.Equal(t, reminder.StatusFailed, c.message(r.ID).Status)
		})

		t.Run("a WhatsApp status that comes before the send recorded the provider's id finds its message by callback data", func(t *testing.T) {
			t.Parallel()
			c, r, _ := setup(t, consents{whatsapp: true})
			_, err := e.a.DB.ExecContext(context.Background(), `UPDATE messages SET status = 'sending', channel = 'whatsapp' WHERE id = $1`, r.ID)
			require.NoError(t, err)
			require.NoError(t, e.svc.ApplyStatus(context.Background(), c.id, "whatsapp", r.ID, notify.StatusUpdate{ProviderMessageID: "wamid.early",
				Status: notify.StatusDelivered, CallbackData: r.ID}))
			m := c.message(r.ID)
			require.Equal(t, reminder.StatusDelivered, m.Status)
			require.Equal(t, "wamid.early", m.ProviderID)
		})

		t.Run("an SMS status callback finds its message by id", func(t *testing.T) {
			t.Parallel()
			c, r, _ := setup(t, consents{sms: true})
			require.NoError(t, e.work(c.id, r.ID, 1, 10))
			require.NoError(t, e.svc.ApplyStatus(context.Background(), c.id, "sms", r.ID, notify.StatusUpdate{ProviderMessageID: c.message(r.ID).ProviderID,
				Status: notify.StatusDelivered, ProviderStatus: "delivered"}))
			require.Equal(t, reminder.StatusDelivered, c.message(r.ID).Status)
		})

		t.Cleanup(func() {
			require.Empty(t, e.wa.Problems())
			require.Empty(t, e.sms.Problems())
		})
	})
}

func statuses(events []reminder.MessageEvent) []string {
	out := make([]string, 0, len(events))
	for _, ev := range events {
		out = append(out, ev.Status)
	}
	return out
}

// TestSendAgain: a failed message sent again gets a send job of its own
// (the first one is done) and goes.
func TestSendAgain(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, nil)
		replies := newScript(e.wa)
		c := e.clinic()
		c.on(func(p *reminder.Policy) {
			p.QuietStart, p.QuietEnd = 0, 0
			p.OnBooked = false
			p.Reminders = []int{1440}
		})
		c.channels()
		pat := c.patient("Maria Silva", consents{whatsapp: true})
		r := c.reminderOf(c.book(pat.ID, c.day(3, 14, 0)).ID, 1440)
		e.clock.Set(r.DueAt)
		ctx := context.Background()
		n, err := e.svc.Dispatch(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		replies.set(pat.Phone, notifytest.WhatsAppError(400, 131026, "Message undeliverable"))
		require.NoError(t, e.work(c.id, r.ID, 1, 10))
		// The job is done, as River leaves it.
		_, err = e.a.DB.ExecContext(ctx, `UPDATE river_job SET state = 'completed', finalized_at = $1 WHERE kind = 'message_send'`, time.Now())
		require.NoError(t, err)
		require.Equal(t, reminder.StatusFailed, c.message(r.ID).Status)

		m, err := e.svc.SendAgain(ctx, c.owner, r.ID)
		require.NoError(t, err)
		require.Equal(t, reminder.StatusQueued, m.Status)
		require.Equal(t, []string{r.ID, r.ID}, e.sendJobs(), "a job of its own")
		require.NoError(t, e.work(c.id, r.ID, 1, 10))
		m = c.message(r.ID)
		require.Equal(t, reminder.StatusSent, m.Status)
		require.Equal(t, []string{"failed", "pending", "sent"}, statuses(m.Events))
		require.Len(t, requestsTo(e.wa, pat.Phone), 2)
	})
}
