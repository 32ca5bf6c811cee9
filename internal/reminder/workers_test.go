package reminder_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/appointment"
	"clinic/internal/notify/notifytest"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/reminder"
	"clinic/internal/schedule"
)

// The multi-process tests run `clinic worker` processes built from
// ./cmd/clinic on one PostgreSQL database, seeded by the test through
// app.New, with the providers stubbed in the test process.

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// clinicBinary builds cmd/clinic once for the package's tests.
func clinicBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "clinic-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "clinic")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/clinic").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build ./cmd/clinic: %v\n%s", err, out)
		}
	})
	require.NoError(t, binErr)
	return binPath
}

// syncBuffer is a goroutine-safe buffer for a process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// worker is a running `clinic worker` process.
type worker struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
}

// startWorker runs `clinic worker` with only vars in its environment (and
// PATH, HOME); it is stopped (SIGTERM, then SIGKILL) when the test ends.
func startWorker(t testing.TB, bin string, vars map[string]string) *worker {
	t.Helper()
	w := &worker{cmd: exec.Command(bin, "worker"), out: &syncBuffer{}, exited: make(chan struct{})}
	w.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LOG_LEVEL=warn", "LOG_FORMAT=text"}
	for k, v := range vars {
		w.cmd.Env = append(w.cmd.Env, k+"="+v)
	}
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	require.NoError(t, w.cmd.Start())
	go func() { _ = w.cmd.Wait(); close(w.exited) }()
	t.Cleanup(func() {
		_ = w.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-w.exited:
		case <-time.After(20 * time.Second):
			_ = w.cmd.Process.Kill()
			<-w.exited
		}
		if t.Failed() {
			t.Logf("worker %d output:\n%s", w.cmd.Process.Pid, w.out.String())
		}
	})
	return w
}

// kill ends the process with SIGKILL and waits for it.
func (w *worker) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, w.cmd.Process.Signal(syscall.SIGKILL))
	<-w.exited
}

// workerVars is the environment of the env's worker processes.
func (e *env) workerVars(dbURL string, extra map[string]string) map[string]string {
	vars := map[string]string{"DATABASE_URL": dbURL, "SECRET_KEY": secretKey, "BASE_URL": baseURL,
		"WHATSAPP_BASE_URL": e.wa.URL, "SMS_BASE_URL": e.sms.URL, "MESSAGE_DISPATCH_INTERVAL": "1s", "WORKERS": "2"}
	for k, v := range extra {
		vars[k] = v
	}
	return vars
}

// messageID returns the ledger id a provider request carries: a WhatsApp
// button's payload ("confirm:id"), an SMS's status callback (?m=id).
func messageID(r notifytest.Request) string {
	if r.WhatsApp != nil {
		_, id, _ := strings.Cut(r.WhatsApp.Buttons[0], ":")
		return id
	}
	u, err := url.Parse(r.Form.Get("StatusCallback"))
	if err != nil {
		return ""
	}
	return u.Query().Get("m")
}

// perMessage counts the requests of the stubs per message id.
func perMessage(stubs ...*notifytest.Server) map[string]int {
	out := map[string]int{}
	for _, s := range stubs {
		for _, r := range s.Requests() {
			out[messageID(r)]++
		}
	}
	return out
}

// quietAround returns quiet hours (clinic minutes) from a hour before to
// an hour after now plus offset.
func quietAround(c *clinic, offset time.Duration) (start, end int) {
	now := time.Now().Add(offset).In(c.zone)
	m := now.Hour()*60 + now.Minute()
	return (m - 60 + 1440) % 1440, (m + 60) % 1440
}

// waitSettled waits until none of the clinics' messages is pending, queued
// or sending.
func (e *env) waitSettled(t testing.TB, timeout time.Duration, clinicIDs ...string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var n int
		require.NoError(t, e.a.DB.QueryRowContext(context.Background(), `SELECT count(*) FROM messages WHERE clinic_id = ANY($1)
			AND status IN ('pending', 'queued', 'sending')`, clinicIDs).Scan(&n))
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			rows, err := e.a.DB.QueryContext(context.Background(), `SELECT status, due_at FROM messages WHERE clinic_id = ANY($1)
				AND status IN ('pending', 'queued', 'sending')`, clinicIDs)
			require.NoError(t, err)
			var left []string
			for rows.Next() {
				var status string
				var due time.Time
				require.NoError(t, rows.Scan(&status, &due))
				left = append(left, fmt.Sprintf("%s due %s", status, due.Format(time.RFC3339)))
			}
			require.NoError(t, rows.Close())
			t.Fatalf("%d messages still not sent after %s (now %s): %v", n, timeout, time.Now().Format(time.RFC3339), left)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestTwoWorkersSendEachReminderOnce is acceptance 2 of the reminders: two
// worker processes, 200 appointments due, exactly one reminder each at the
// providers and in the ledger; none for cancelled or moved ones (the moved
// one gets its own), none on a channel without consent, quiet hours
// respected.
func TestTwoWorkersSendEachReminderOnce(t *testing.T) {
	t.Parallel()
	pg := dbtest.PostgresURL(t)
	bin := clinicBinary(t)
	e := newEnv(t, pg, nil)
	ctx := context.Background()

	// The reminder goes 10 minutes before (the shortest a policy allows) so
	// that one of an appointment booked 10 minutes and some seconds ahead
	// is due within seconds: it stands for the 24 h one.
	c := e.clinic()
	qs, qe := quietAround(c, 3*time.Hour) // quiet hours, but not now
	c.on(func(p *reminder.Policy) {
		p.Reminders, p.QuietStart, p.QuietEnd = []int{10}, qs, qe
		p.OnBooked, p.OnRescheduled, p.OnCancelled = false, false, false
	})
	c.channels()
	quiet := e.clinic()
	qs, qe = quietAround(quiet, 0) // quiet now: its reminders would wait past the start
	quiet.on(func(p *reminder.Policy) {
		p.Reminders, p.QuietStart, p.QuietEnd = []int{10}, qs, qe
		p.OnBooked, p.OnRescheduled, p.OnCancelled = false, false, false
	})
	quiet.channels()

	const n = 200
	type seeded struct {
		appt  appointment.Appointment
		phone string
		kind  string // cancelled, moved, no_consent, sms, whatsapp
	}
	var list []seeded
	lead := 10*time.Minute + 15*time.Second
	for i := range n {
		prof, err := e.a.Schedule.CreateProfessional(ctx, c.owner, schedule.ProfessionalInput{Name: fmt.Sprintf("Dr. %d", i)})
		require.NoError(t, err)
		s := seeded{kind: "whatsapp"}
		cs := consents{whatsapp: true, sms: true}
		switch i % 10 {
		case 0:
			s.kind = "cancelled"
		case 1:
			s.kind = "moved"
		case 2:
			s.kind, cs = "no_consent", consents{}
		case 3:
			s.kind, cs = "sms", consents{sms: true}
		}
		pat := c.patient(fmt.Sprintf("Paciente %d", i), cs)
		s.phone = pat.Phone
		s.appt = c.bookWith(prof.ID, pat.ID, time.Now().Add(lead).Truncate(time.Second))
		switch s.kind {
		case "cancelled":
			c.setStatus(s.appt.ID, appointment.StatusCancelled)
		case "moved":
			c.move(s.appt.ID, s.appt.StartsAt.Add(5*time.Second))
		}
		list = append(list, s)
	}
	var quietPhones []string
	for range 10 {
		pat := quiet.patient("Quieta", consents{whatsapp: true, sms: true})
		quietPhones = append(quietPhones, pat.Phone)
		prof, err := e.a.Schedule.CreateProfessional(ctx, quiet.owner, schedule.ProfessionalInput{Name: "Dr. Quieto"})
		require.NoError(t, err)
		a := quiet.bookWith(prof.ID, pat.ID, time.Now().Add(lead).Truncate(time.Second))
		require.Equal(t, reminder.ReasonQuietHours, quiet.reminderOf(a.ID, 10).Reason)
	}

	vars := e.workerVars(pg, map[string]string{"MESSAGE_WORKERS": "20"})
	w1 := startWorker(t, bin, vars)
	w2 := startWorker(t, bin, vars)
	e.waitSettled(t, 50*time.Second, c.id, quiet.id)

	counts := perMessage(e.wa, e.sms)
	for id, k := range counts {
		require.Equal(t, 1, k, "message %s reached the providers %d times", id, k)
	}
	wantWA, wantSMS := 0, 0
	for _, s := range list {
		msgs := c.messages(s.appt.ID)
		toWA, toSMS := len(requestsTo(e.wa, s.phone)), len(requestsTo(e.sms, s.phone))
		var got []string
		for _, m := range msgs {
			require.Equal(t, reminder.KindReminder, m.Kind)
			got = append(got, m.Status+"/"+m.Reason+"/"+m.Channel)
		}
		switch s.kind {
		case "cancelled":
			require.Equal(t, []string{"skipped/cancelled/"}, got, s.kind)
		case "moved":
			require.Equal(t, []string{"skipped/moved/", "sent//whatsapp"}, got, s.kind)
			require.Equal(t, 1, counts[msgs[1].ID])
			wantWA++
		case "no_consent":
			require.Equal(t, []string{"skipped/no_consent/"}, got, s.kind)
		case "sms":
			require.Equal(t, []string{"sent//sms"}, got, s.kind)
			require.Equal(t, 1, counts[msgs[0].ID])
			wantSMS++
		default:
			require.Equal(t, []string{"sent//whatsapp"}, got, s.kind)
			require.Equal(t, 1, counts[msgs[0].ID])
			wantWA++
		}
		if strings.HasPrefix(got[len(got)-1], "sent//whatsapp") {
			require.Equal(t, [2]int{1, 0}, [2]int{toWA, toSMS}, "%s: requests to the patient", s.kind)
		} else if strings.HasPrefix(got[len(got)-1], "sent//sms") {
			require.Equal(t, [2]int{0, 1}, [2]int{toWA, toSMS}, "%s: requests to the patient", s.kind)
		} else {
			require.Equal(t, [2]int{0, 0}, [2]int{toWA, toSMS}, "%s: requests to the patient", s.kind)
		}
	}
	for _, p := range quietPhones {
		require.Empty(t, requestsTo(e.wa, p))
		require.Empty(t, requestsTo(e.sms, p))
	}
	require.Equal(t, wantWA, e.wa.Count())
	require.Equal(t, wantSMS, e.sms.Count())
	require.Empty(t, e.wa.Problems())
	require.Empty(t, e.sms.Problems())

	// Both processes sent some.
	var workers int
	require.NoError(t, e.a.DB.QueryRowContext(ctx, `SELECT count(DISTINCT attempted_by[array_length(attempted_by, 1)]) FROM river_job
		WHERE kind = 'message_send'`).Scan(&workers))
	require.Equal(t, 2, workers, "send jobs worked by each process")
	for _, w := range []*worker{w1, w2} {
		select {
		case <-w.exited:
			t.Fatalf("a worker exited:\n%s", w.out.String())
		default:
		}
	}
}

// TestKilledWorkerSendsNothingTwice is acceptance 3: a worker killed with
// SIGKILL while the provider holds its request; another takes over. Every
// reminder reached the provider exactly once: the interrupted one is
// recorded failed "interrupted" (it may have been delivered: see the
// package doc) and is not sent again.
func TestKilledWorkerSendsNothingTwice(t *testing.T) {
	t.Parallel()
	pg := dbtest.PostgresURL(t)
	bin := clinicBinary(t)
	e := newEnv(t, pg, nil)
	ctx := context.Background()
	c := e.clinic()
	qs, qe := quietAround(c, 3*time.Hour)
	c.on(func(p *reminder.Policy) {
		p.Reminders, p.QuietStart, p.QuietEnd = []int{10}, qs, qe
		p.OnBooked, p.OnRescheduled, p.OnCancelled = false, false, false
	})
	c.channels()
	const n = 20
	var ids []string
	for i := range n {
		prof, err := e.a.Schedule.CreateProfessional(ctx, c.owner, schedule.ProfessionalInput{Name: fmt.Sprintf("Dr. %d", i)})
		require.NoError(t, err)
		pat := c.patient(fmt.Sprintf("Paciente %d", i), consents{whatsapp: true})
		a := c.bookWith(prof.ID, pat.ID, time.Now().Add(10*time.Minute+5*time.Second).Truncate(time.Second))
		ids = append(ids, c.reminderOf(a.ID, 10).ID)
	}
	// The provider holds the first request it gets, answers the others.
	var held atomic.Bool
	e.wa.Answer(func(notifytest.Request) notifytest.Reply {
		if held.CompareAndSwap(false, true) {
			return notifytest.Reply{Hang: true}
		}
		return notifytest.Reply{}
	})
	jobVars := map[string]string{"JOB_TIMEOUT": "3s", "JOB_RESCUE_AFTER": "4s"}
	for k, v := range map[string]string{"MESSAGE_WORKERS": "1"} {
		jobVars[k] = v
	}
	a := startWorker(t, bin, e.workerVars(pg, jobVars))
	reqs := e.wa.Wait(1, 30*time.Second)
	require.Len(t, reqs, 1, "worker output:\n%s", a.out.String())
	heldID := messageID(reqs[0])
	a.kill(t)
	killedAt := time.Now()
	require.Equal(t, reminder.StatusSending, c.message(heldID).Status)

	// The dead process was probably River's leader, whose leadership would
	// expire on its own; release it to keep the test short, and start the
	// next worker once the held job is older than JOB_RESCUE_AFTER, so that
	// its first rescue pass finds it.
	_, err := e.a.DB.ExecContext(ctx, `DELETE FROM river_leader`)
	require.NoError(t, err)
	time.Sleep(time.Until(killedAt.Add(4 * time.Second)))
	jobVars["MESSAGE_WORKERS"] = "10"
	startWorker(t, bin, e.workerVars(pg, jobVars))
	e.waitSettled(t, 45*time.Second, c.id)

	counts := perMessage(e.wa)
	require.Len(t, counts, n, "every reminder reached the provider")
	for _, id := range ids {
		require.Equal(t, 1, counts[id], "message %s reached the provider %d times", id, counts[id])
		m := c.message(id)
		if id == heldID {
			require.Equal(t, reminder.StatusFailed, m.Status)
			require.Equal(t, reminder.ReasonInterrupted, m.Reason)
			continue
		}
		require.Equal(t, reminder.StatusSent, m.Status, "%s: %s", id, m.Reason)
	}
	require.Equal(t, n, e.wa.Count())
	require.Empty(t, e.wa.Problems())
}
