package clustertest_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/app/clustertest"
	"clinic/internal/appointment"
	"clinic/internal/notify/notifytest"
	"clinic/internal/platform/testenv"
	"clinic/internal/reminder"
)

const (
	password      = "correct horse battery"
	phoneNumberID = "106540352242922"
	accessToken   = "EAAGclustertest"
	// loginLimit is RATE_LIMIT_LOGIN_EMAIL's N.
	loginLimit = 5
)

// fixture is one clinic on a running cluster, reached through nginx.
type fixture struct {
	c        *clustertest.Cluster
	wa       *notifytest.Server
	clinicID string
	token    string
	// seq makes phone numbers unique within the test.
	seq atomic.Int64
}

func (f *fixture) path(p string) string { return "/api/v1/clinics/" + f.clinicID + p }

// direct returns a client of one server, bypassing nginx, with the owner's
// session.
func (f *fixture) direct(t *testing.T, p clustertest.Proc) *apptest.Client {
	t.Helper()
	cl := apptest.NewClient(t, "http://"+p.Addr)
	cl.Header.Set("Cookie", "clinic_session="+f.token)
	return cl
}

// owner returns a client of the cluster (through nginx) with the owner's
// session, for the test t runs (apptest clients fail their own test).
func (f *fixture) owner(t *testing.T) *apptest.Client { return f.viaNginx(t) }

// viaNginx returns a client of the cluster with the owner's session.
func (f *fixture) viaNginx(t *testing.T) *apptest.Client {
	t.Helper()
	cl := apptest.NewClient(t, f.c.URL)
	cl.Header.Set("Cookie", "clinic_session="+f.token)
	return cl
}

func (f *fixture) professional(t *testing.T, name string) string {
	t.Helper()
	res := f.owner(t).Do("POST", f.path("/professionals"), map[string]any{"name": name})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	return res.JSON(t)["id"].(string)
}

// patientBody is a new patient with a unique phone who agreed to WhatsApp.
func (f *fixture) patientBody(name string) map[string]any {
	return map[string]any{"full_name": name, "phone": fmt.Sprintf("+551198%07d", f.seq.Add(1)),
		"consents": map[string]any{"whatsapp": true}}
}

func (f *fixture) patient(t *testing.T, name string) string {
	t.Helper()
	res := f.owner(t).Do("POST", f.path("/patients"), f.patientBody(name))
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	return res.JSON(t)["id"].(string)
}

func (f *fixture) book(t *testing.T, professionalID, patientID string, start time.Time) string {
	t.Helper()
	res := f.owner(t).Do("POST", f.path("/appointments"), map[string]any{"patient_id": patientID, "professional_id": professionalID,
		"starts_at": start.Format(time.RFC3339), "duration_minutes": 30, "override_working_hours": true})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	return res.JSON(t)["id"].(string)
}

// messages returns the ledger of an appointment.
func (f *fixture) messages(t *testing.T, appointmentID string) []reminder.Message {
	t.Helper()
	res := f.owner(t).Do("GET", f.path("/messages?appointment_id="+appointmentID), nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var out struct{ Items []reminder.Message }
	res.Decode(t, &out)
	return out.Items
}

// settled waits until none of the appointments' messages of the kinds
// given is pending, queued or sending, and returns them all.
func (f *fixture) settled(t *testing.T, timeout time.Duration, appointmentIDs []string, kinds ...string) []reminder.Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var all, open []reminder.Message
		for _, id := range appointmentIDs {
			for _, m := range f.messages(t, id) {
				if !slices.Contains(kinds, m.Kind) {
					continue
				}
				all = append(all, m)
				if m.Status == reminder.StatusPending || m.Status == reminder.StatusQueued || m.Status == reminder.StatusSending {
					open = append(open, m)
				}
			}
		}
		if len(open) == 0 {
			return all
		}
		if time.Now().After(deadline) {
			var left []string
			for _, m := range open {
				left = append(left, fmt.Sprintf("%s %s %s due %s", m.ID, m.Kind, m.Status, m.DueAt.Format(time.RFC3339)))
			}
			t.Fatalf("%d messages still not sent after %s: %v", len(open), timeout, left)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// sentTimes counts the requests the WhatsApp stub got per ledger message.
func (f *fixture) sentTimes() map[string]int {
	out := map[string]int{}
	for _, r := range f.wa.Requests() {
		if r.WhatsApp != nil {
			out[r.WhatsApp.CallbackData]++
		}
	}
	return out
}

// requireSpread fails unless upstreams (X-Upstream of answers) name every
// server of the cluster.
func requireSpread(t *testing.T, c *clustertest.Cluster, upstreams []string) {
	t.Helper()
	seen := map[string]int{}
	for _, u := range upstreams {
		seen[u]++
	}
	for _, s := range c.Servers() {
		require.Positive(t, seen[s.Addr], "no request reached %s (%s); answers came from %v", s.Name, s.Addr, seen)
	}
}

func upstream(res *apptest.Response) string { return res.Header.Get("X-Upstream") }

// TestClusterBehavesAsOne is issue 13's acceptance 2: through nginx, with
// requests spread over three servers and two workers, the cluster behaves
// as one server: logins, rate limits, fresh reads, one booking per slot,
// messages sent once, and no acknowledged write or queued job lost when a
// server or a worker is killed.
func TestClusterBehavesAsOne(t *testing.T) {
	t.Parallel()
	testenv.Nginx(t) // skip (fail under CI) before starting anything
	wa := notifytest.NewWhatsApp(t, notifytest.WhatsAppConfig{PhoneNumberID: phoneNumberID, AccessToken: accessToken})
	c := clustertest.Up(t, map[string]string{
		"PASSWORD_HASH_MEMORY_KIB": "1024", "PASSWORD_HASH_ITERATIONS": "1",
		"RATE_LIMIT_LOGIN_EMAIL": fmt.Sprintf("%d/1m", loginLimit),
		"RATE_LIMIT_LOGIN_IP":    "100000/1m", "RATE_LIMIT_SIGNUP_IP": "100000/1m",
		"WHATSAPP_BASE_URL": wa.URL, "MESSAGE_DISPATCH_INTERVAL": "1s", "MESSAGE_WORKERS": "4",
		"JOB_TIMEOUT": "5s", "JOB_RESCUE_AFTER": "10s",
	})
	require.Len(t, c.Servers(), 3)
	require.Len(t, c.Workers(), 2)

	f := &fixture{c: c, wa: wa}
	signup := apptest.NewClient(t, c.URL)
	f.clinicID, _ = signup.Signup("Cluster Clinic", testenv.RandomName("owner")+"@example.com")
	f.token = signup.SessionToken(t)

	t.Run("a login works on every server", func(t *testing.T) {
		member := func(i int) string {
			addr := testenv.RandomName(fmt.Sprintf("member%d-", i)) + "@example.com"
			res := f.owner(t).Do("POST", f.path("/users"), map[string]any{"email": addr, "name": "Member", "role": "receptionist", "password": password})
			require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
			return addr
		}
		// me checks that a session is every server's, asked directly.
		me := func(t *testing.T, token, addr string) {
			t.Helper()
			for _, s := range c.Servers() {
				direct := apptest.NewClient(t, "http://"+s.Addr)
				direct.Header.Set("Cookie", "clinic_session="+token)
				res := direct.Do("GET", "/api/v1/me", nil)
				require.Equal(t, http.StatusOK, res.Status, "%s: %s", s.Name, res.Body)
				require.Contains(t, string(res.Body), addr)
			}
		}
		var members []string
		for i := range 6 {
			members = append(members, member(i))
		}
		// Through nginx: a login then a read, so that round-robin over
		// three servers puts the logins on each of them.
		var upstreams []string
		for _, addr := range members {
			cl := apptest.NewClient(t, c.URL)
			res := cl.Login(addr, password)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			upstreams = append(upstreams, upstream(res))
			res = cl.Do("GET", "/api/v1/me", nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			me(t, cl.SessionToken(t), addr)
		}
		requireSpread(t, c, upstreams)
		// And on each server directly, the session then used through nginx.
		for i, s := range c.Servers() {
			addr := member(10 + i)
			cl := apptest.NewClient(t, "http://"+s.Addr)
			res := cl.Login(addr, password)
			require.Equal(t, http.StatusOK, res.Status, "%s: %s", s.Name, res.Body)
			viaNginx := apptest.NewClient(t, c.URL)
			viaNginx.Header.Set("Cookie", "clinic_session="+cl.SessionToken(t))
			res = viaNginx.Do("GET", "/api/v1/me", nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			me(t, cl.SessionToken(t), addr)
		}
	})

	t.Run("a limit of N login attempts allows N in total across the servers", func(t *testing.T) {
		addr := testenv.RandomName("target") + "@example.com"
		res := f.owner(t).Do("POST", f.path("/users"), map[string]any{"email": addr, "name": "Target", "role": "receptionist", "password": password})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		const attempts = 15
		results := make([]*apptest.Response, attempts)
		errs := make([]error, attempts)
		var wg sync.WaitGroup
		for i := range attempts {
			cl := apptest.NewClient(t, c.URL)
			wg.Go(func() {
				results[i], errs[i] = cl.Try("POST", "/api/v1/login", map[string]string{"email": addr, "password": "wrong password!"})
			})
		}
		wg.Wait()
		codes := map[int]int{}
		var upstreams []string
		for i, res := range results {
			require.NoError(t, errs[i], "attempt %d", i)
			codes[res.Status]++
			upstreams = append(upstreams, upstream(res))
		}
		require.Equal(t, map[int]int{http.StatusUnauthorized: loginLimit, http.StatusTooManyRequests: attempts - loginLimit}, codes)
		requireSpread(t, c, upstreams)
	})

	t.Run("a write is read at once on every server, directly and through nginx", func(t *testing.T) {
		id := f.patient(t, "Before Rename")
		prof := f.professional(t, "Dra. Fresh")
		loc, err := time.LoadLocation("America/Sao_Paulo")
		require.NoError(t, err)
		day := time.Now().In(loc).AddDate(0, 0, 5)
		start := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, loc)
		appt := f.book(t, prof, id, start)
		agenda := f.path("/appointments?" + url.Values{"from": {start.Add(-time.Hour).Format(time.RFC3339)},
			"to": {start.Add(time.Hour).Format(time.RFC3339)}, "professional_id": {prof}}.Encode())

		var readers []*apptest.Client
		for _, s := range c.Servers() {
			readers = append(readers, f.direct(t, s))
		}
		for range c.Servers() {
			readers = append(readers, f.viaNginx(t))
		}
		read := func(t *testing.T, want, wantStatus string) {
			t.Helper()
			var upstreams []string
			for _, r := range readers {
				res := r.Do("GET", f.path("/patients/"+id), nil)
				require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
				require.Equal(t, want, res.JSON(t)["full_name"], "read from %s (%s)", r.Base, upstream(res))
				upstreams = append(upstreams, upstream(res))
				res = r.Do("GET", agenda, nil)
				require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
				var page appointment.Page
				res.Decode(t, &page)
				require.Len(t, page.Items, 1, "agenda read from %s", r.Base)
				require.Equal(t, want, page.Items[0].PatientName, "agenda read from %s (%s)", r.Base, upstream(res))
				require.Equal(t, wantStatus, string(page.Items[0].Status), "agenda read from %s (%s)", r.Base, upstream(res))
				upstreams = append(upstreams, upstream(res))
			}
			requireSpread(t, c, upstreams[len(c.Servers())*2:]) // the reads through nginx
		}
		read(t, "Before Rename", "scheduled") // every server has it cached now
		for round := range 4 {
			name := fmt.Sprintf("Renamed %d", round)
			res := f.owner(t).Do("PATCH", f.path("/patients/"+id), map[string]any{"full_name": name})
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			read(t, name, "scheduled")
		}
		res := f.owner(t).Do("POST", f.path("/appointments/"+appt+"/status"), map[string]any{"status": "confirmed"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		read(t, "Renamed 3", "confirmed")
	})

	t.Run("100 concurrent bookings of one slot: exactly one 201", func(t *testing.T) {
		const n = 100
		prof := f.professional(t, "Dr. Contended")
		patients := make([]string, n)
		errs := make([]error, n)
		owner := f.owner(t)
		var wg sync.WaitGroup
		for g := range 10 {
			wg.Go(func() {
				for i := g; i < n; i += 10 {
					res, err := owner.Try("POST", f.path("/patients"), f.patientBody(fmt.Sprintf("Contender %d", i)))
					switch {
					case err != nil:
						errs[i] = err
					case res.Status != http.StatusCreated:
						errs[i] = fmt.Errorf("create patient: %d %s", res.Status, res.Body)
					default:
						patients[i] = strings.Trim(string(jsonField(res.Body, "id")), `"`)
					}
				}
			})
		}
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "patient %d", i)
		}

		start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
		results := make([]*apptest.Response, n)
		ready := make(chan struct{})
		for i := range n {
			cl := f.viaNginx(t)
			wg.Go(func() {
				<-ready
				results[i], errs[i] = cl.Try("POST", f.path("/appointments"), map[string]any{"patient_id": patients[i], "professional_id": prof,
					"starts_at": start.Format(time.RFC3339), "duration_minutes": 30, "override_working_hours": true})
			})
		}
		close(ready)
		wg.Wait()
		codes := map[int]int{}
		var upstreams []string
		for i, res := range results {
			require.NoError(t, errs[i], "booking %d", i)
			codes[res.Status]++
			upstreams = append(upstreams, upstream(res))
		}
		require.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusConflict: n - 1}, codes)
		requireSpread(t, c, upstreams)

		res := f.owner(t).Do("GET", f.path("/appointments?"+url.Values{"from": {start.Add(-time.Hour).Format(time.RFC3339)},
			"to": {start.Add(time.Hour).Format(time.RFC3339)}, "professional_id": {prof}}.Encode()), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var page appointment.Page
		res.Decode(t, &page)
		require.Len(t, page.Items, 1, "the agenda has the one booking")
	})

	t.Run("the live agenda through nginx hears a booking made on another server", func(t *testing.T) {
		req, err := http.NewRequestWithContext(t.Context(), "GET", c.URL+"/clinics/"+f.clinicID+"/live", nil)
		require.NoError(t, err)
		req.Header.Set("Cookie", "clinic_session="+f.token)
		req.Header.Set("Accept", "text/event-stream")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
		lines := make(chan string, 64)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(res.Body)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		// next returns the first line (unbuffered by nginx) that has want.
		next := func(want string) {
			t.Helper()
			deadline := time.After(15 * time.Second)
			for {
				select {
				case line, ok := <-lines:
					require.True(t, ok, "the stream ended before %q", want)
					if strings.Contains(line, want) {
						return
					}
				case <-deadline:
					t.Fatalf("no %q on the live stream within 15s", want)
				}
			}
		}
		next("event: ready")
		var other clustertest.Proc
		for _, s := range c.Servers() {
			if s.Addr != res.Header.Get("X-Upstream") {
				other = s
				break
			}
		}
		require.NotEmpty(t, other.Addr, "the stream came from %q", res.Header.Get("X-Upstream"))
		prof := f.professional(t, "Dra. Live")
		patientID := f.patient(t, "Live Patient")
		booked := f.direct(t, other).Do("POST", f.path("/appointments"), map[string]any{"patient_id": patientID, "professional_id": prof,
			"starts_at": time.Now().Add(120 * time.Hour).Truncate(time.Hour).Format(time.RFC3339), "duration_minutes": 30, "override_working_hours": true})
		require.Equal(t, http.StatusCreated, booked.Status, "%s", booked.Body)
		next(booked.JSON(t)["id"].(string))
	})

	// Messaging on: WhatsApp at the stub, a reminder 10 minutes before, the
	// booking's word, no quiet hours.
	res := f.owner(t).Do("PUT", f.path("/messaging/channels/whatsapp"), map[string]any{"enabled": true,
		"config":  map[string]any{"phone_number_id": phoneNumberID},
		"secrets": map[string]any{"access_token": accessToken, "app_secret": "clustertest-app-secret", "verify_token": "clustertest-verify"}})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	res = f.owner(t).Do("PUT", f.path("/messaging/policy"), map[string]any{"enabled": true, "reminders": []int{10}, "channels": []string{"whatsapp"},
		"quiet_start": 0, "quiet_end": 0, "on_booked": true, "on_rescheduled": false, "on_cancelled": false, "offer_minutes": 120})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)

	t.Run("with two workers every reminder and booking word is sent exactly once", func(t *testing.T) {
		const n = 10
		// Each appointment starts 10 minutes and a few seconds from now,
		// with its own professional: its reminder is due within seconds.
		var profs, patients []string
		for i := range n {
			profs = append(profs, f.professional(t, fmt.Sprintf("Dr. Reminder %d", i)))
			patients = append(patients, f.patient(t, fmt.Sprintf("Reminded %d", i)))
		}
		start := time.Now().Add(10*time.Minute + 12*time.Second).Truncate(time.Second)
		var appts []string
		for i := range n {
			appts = append(appts, f.book(t, profs[i], patients[i], start))
		}
		msgs := f.settled(t, 60*time.Second, appts, reminder.KindBooked, reminder.KindReminder)
		require.Len(t, msgs, 2*n, "a booking word and a reminder per appointment")
		sent := f.sentTimes()
		for _, m := range msgs {
			require.Equal(t, reminder.StatusSent, m.Status, "%s %s: %s", m.Kind, m.ID, m.Reason)
			require.Equal(t, 1, sent[m.ID], "%s %s reached WhatsApp %d times", m.Kind, m.ID, sent[m.ID])
		}
		require.Empty(t, wa.Problems())
	})

	t.Run("failures", func(t *testing.T) {
		// The worker's test waits for its jobs' rescue while the server's
		// test runs, once the worker's bookings are made (a booking sent to
		// the dying server would fail).
		booked := make(chan struct{})
		t.Run("SIGKILL of a worker loses no job", func(t *testing.T) {
			t.Parallel()
			defer func() {
				select {
				case <-booked:
				default:
					close(booked)
				}
			}()
			// WhatsApp answers slowly: sends are running when the worker
			// dies, and more are queued.
			const delay = 3 * time.Second
			wa.AnswerAll(notifytest.Reply{Delay: delay})
			before := wa.Count()
			prof := f.professional(t, "Dr. Killed Worker")
			day := time.Now().Add(96 * time.Hour).Truncate(time.Hour)
			const n = 24
			var appts []string
			for i := range n {
				appts = append(appts, f.book(t, prof, f.patient(t, fmt.Sprintf("Queued %d", i)), day.Add(time.Duration(i)*30*time.Minute)))
			}
			// More sends waiting for WhatsApp's answer than one worker runs
			// at once (MESSAGE_WORKERS=4): worker1 is running some of them.
			deadline := time.Now().Add(30 * time.Second)
			for {
				running := 0
				for _, r := range wa.Requests()[before:] {
					if time.Since(r.At) < delay-500*time.Millisecond {
						running++
					}
				}
				if running > 4 {
					break
				}
				require.True(t, time.Now().Before(deadline), "never more than 4 sends at once: both workers should send")
				time.Sleep(20 * time.Millisecond)
			}
			c.Kill(t, "worker1")
			reached := wa.Count() - before
			require.Less(t, reached, n, "jobs were still queued when the worker died")
			close(booked)

			msgs := f.settled(t, 100*time.Second, appts, reminder.KindBooked)
			require.Len(t, msgs, n)
			sent := f.sentTimes()
			interrupted := 0
			for _, m := range msgs {
				require.LessOrEqual(t, sent[m.ID], 1, "%s reached WhatsApp %d times", m.ID, sent[m.ID])
				if m.Status == reminder.StatusFailed && m.Reason == reminder.ReasonInterrupted {
					// It was being sent when its worker died: it may have
					// gone, so it is not sent again.
					interrupted++
					continue
				}
				require.Equal(t, reminder.StatusSent, m.Status, "%s: %s", m.ID, m.Reason)
				require.Equal(t, 1, sent[m.ID], "%s was sent but never reached WhatsApp", m.ID)
			}
			t.Logf("%d of %d notices had reached WhatsApp when worker1 died; %d were interrupted, the rest sent by worker2", reached, n, interrupted)
			require.Positive(t, interrupted, "worker1's running sends end as interrupted once rescued")
			require.LessOrEqual(t, interrupted, 4, "at most the dead worker's MESSAGE_WORKERS sends were running")
			require.Contains(t, c.Status(t), "worker1 ")
			require.Regexp(t, `worker1 .* down\n`, c.Status(t))
			require.Regexp(t, `worker2 .* up\n`, c.Status(t))
		})

		t.Run("SIGKILL of a server during a write load loses no acknowledged write", func(t *testing.T) {
			t.Parallel()
			<-booked
			killed := c.Servers()[1]
			const (
				goroutines = 8
				perG       = 40
			)
			type outcome struct {
				afterKill bool
				id, name  string
				status    int
				upstream  string
				err       error
			}
			var (
				killedYet atomic.Bool
				oks       atomic.Int64
				wg        sync.WaitGroup
			)
			results := make([][]outcome, goroutines)
			for g := range goroutines {
				cl := f.viaNginx(t)
				wg.Go(func() {
					for i := range perG {
						name := fmt.Sprintf("Load %d-%d", g, i)
						o := outcome{afterKill: killedYet.Load(), name: name}
						res, err := cl.Try("POST", f.path("/patients"), map[string]any{"full_name": name})
						switch {
						case err != nil:
							o.err = err
						default:
							o.status, o.upstream = res.Status, upstream(res)
							if res.Status == http.StatusCreated {
								o.id = strings.Trim(string(jsonField(res.Body, "id")), `"`)
								oks.Add(1)
							}
						}
						results[g] = append(results[g], o)
					}
				})
			}
			// Kill one server once the run is well under way.
			loadDone := make(chan struct{})
			go func() { wg.Wait(); close(loadDone) }()
			for under := true; under && oks.Load() < goroutines*perG/4; {
				select {
				case <-loadDone:
					under = false
				case <-time.After(10 * time.Millisecond):
				}
			}
			c.Kill(t, killed.Name)
			killedYet.Store(true)
			<-loadDone
			require.Regexp(t, killed.Name+` .* down\n`, c.Status(t))

			var acked []outcome
			failed, after, okAfter := 0, 0, 0
			for g, rs := range results {
				require.Len(t, rs, perG)
				for _, o := range rs {
					if o.status == http.StatusCreated {
						acked = append(acked, o)
					} else {
						failed++
						t.Logf("goroutine %d: %s: status %d from %q, error %v", g, o.name, o.status, o.upstream, o.err)
					}
					if o.afterKill {
						after++
						if o.status == http.StatusCreated {
							okAfter++
							assert.NotEqual(t, killed.Addr, o.upstream, "%s answered by the killed server", o.name)
						}
					}
				}
				// The run went on through the others.
				for _, o := range rs[perG-5:] {
					require.Equal(t, http.StatusCreated, o.status, "%s near the end of goroutine %d: %v", o.name, g, o.err)
				}
			}
			t.Logf("%d requests, %d acknowledged, %d failed; after the kill %d of %d succeeded", goroutines*perG, len(acked), failed, okAfter, after)
			// A POST that nginx had sent to the server as it died, or sent
			// on a kept-alive connection to it before seeing that close,
			// fails: it is not idempotent, so it is not sent again. Once one
			// fails nginx leaves the server out (max_fails=1), so that is at
			// most one of each per client.
			require.LessOrEqual(t, failed, 2*goroutines, "failed requests")
			require.Positive(t, after)
			require.GreaterOrEqual(t, okAfter, after-goroutines, "requests after the kill go to the other servers")

			// Every acknowledged write is there, read through nginx.
			reader := f.viaNginx(t)
			for _, o := range acked {
				res := reader.Do("GET", f.path("/patients/"+o.id), nil)
				require.Equal(t, http.StatusOK, res.Status, "acknowledged %s (%s): %s", o.name, o.id, res.Body)
				require.Equal(t, o.name, res.JSON(t)["full_name"])
			}
		})
	})

	// Across the whole run, no message reached WhatsApp twice.
	for id, n := range f.sentTimes() {
		require.Equal(t, 1, n, "message %s reached WhatsApp %d times", id, n)
	}
}

// jsonField returns the raw JSON of a top-level field of body (nil when
// absent or when body is not an object).
func jsonField(body []byte, name string) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil
	}
	return m[name]
}
