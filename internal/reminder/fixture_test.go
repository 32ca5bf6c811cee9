package reminder_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/app"
	"clinic/internal/app/apptest"
	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/kernel"
	"clinic/internal/notify"
	"clinic/internal/notify/notifytest"
	"clinic/internal/patient"
	"clinic/internal/platform/db"
	"clinic/internal/platform/testenv"
	"clinic/internal/reminder"
	"clinic/internal/schedule"
)

// Credentials the clinics' channels use, and the stubs expect.
const (
	waPhoneID  = "106540352242922"
	waToken    = "EAAG-test-token"
	smsAccount = "AC0123456789abcdef0123456789abcdef"
	smsToken   = "sms-auth-token"
	smsFrom    = "+15017122661"
	baseURL    = "http://clinic.test"
	// secretKey is SECRET_KEY for every process of a test (hex, 32 bytes).
	secretKey = "8d1f5c0e2b7a49d3a6c4e8f01b2d3c4e5f60718293a4b5c6d7e8f90a1b2c3d4e"
)

// clock is a settable time for the test's own reminder service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// env is one clinic deployment on a fresh database: the app's services
// (no job workers: the test works the jobs), stub providers, and a reminder
// service of the test's own over the same services whose clock the test
// sets (planning runs in the app's, on the real clock).
type env struct {
	t     testing.TB
	a     *app.App
	wa    *notifytest.Server
	sms   *notifytest.Server
	clock *clock
	svc   *reminder.Service
}

func newEnv(t testing.TB, dbURL string, vars map[string]string) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{}}
	e.wa = notifytest.NewWhatsApp(t, notifytest.WhatsAppConfig{PhoneNumberID: waPhoneID, AccessToken: waToken})
	e.sms = notifytest.NewTwilio(t, notifytest.TwilioConfig{AccountSID: smsAccount, AuthToken: smsToken})
	env := map[string]string{"WORKERS": "0", "WHATSAPP_BASE_URL": e.wa.URL, "SMS_BASE_URL": e.sms.URL, "SECRET_KEY": secretKey,
		"BASE_URL": baseURL}
	for k, v := range vars {
		env[k] = v
	}
	cfg := apptest.Config(t, dbURL, env)
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	e.a = a
	e.svc = reminder.NewService(a.DB, a.Cache, a.Secrets, a.Appointments, a.Patients, a.Accounts, a.Queue, reminder.Config{
		BaseURL: baseURL, WhatsAppBaseURL: e.wa.URL, SMSBaseURL: e.sms.URL, HTTPTimeout: 500 * time.Millisecond, Mailer: mailerOf(t, cfg.SMTPURL),
	}, reminder.WithClock(e.clock.Now), reminder.WithLogger(slog.New(slog.DiscardHandler)))
	return e
}

// clinic is one clinic of an env with its owner and a professional.
type clinic struct {
	*env
	id    string
	owner kernel.Principal
	prof  schedule.Professional
	zone  *time.Location
}

func (e *env) clinic() *clinic {
	t := e.t
	t.Helper()
	ctx := context.Background()
	c, u, err := e.a.Accounts.Signup(ctx, account.SignupInput{ClinicName: "Clínica Bem-Estar", Name: "Dona", Email: testenv.RandomName("o") + "@example.com",
		Password: "correct horse battery"})
	require.NoError(t, err)
	owner := kernel.Principal{UserID: u.ID, ClinicID: c.ID, Role: kernel.RoleOwner}
	_, err = e.a.Accounts.UpdateClinic(ctx, owner, account.UpdateClinicInput{TimeZone: kernel.Some("America/Sao_Paulo"),
		Address: kernel.Some("Rua das Flores, 10"), Phone: kernel.Some("+55 11 3333-4444")})
	require.NoError(t, err)
	prof, err := e.a.Schedule.CreateProfessional(ctx, owner, schedule.ProfessionalInput{Name: "Dra. Ana Souza", DefaultDurationMinutes: 30})
	require.NoError(t, err)
	zone, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	return &clinic{env: e, id: c.ID, owner: owner, prof: prof, zone: zone}
}

// on turns messaging on with the default policy changed by edit.
func (c *clinic) on(edit func(*reminder.Policy)) reminder.Policy {
	c.t.Helper()
	p := reminder.DefaultPolicy()
	p.Enabled = true
	if edit != nil {
		edit(&p)
	}
	p, err := c.svc.SavePolicy(context.Background(), c.owner, p)
	require.NoError(c.t, err)
	return p
}

// channels sets up WhatsApp, SMS and e-mail (through the server's mailer).
func (c *clinic) channels() {
	c.t.Helper()
	ctx := context.Background()
	for _, ch := range []reminder.ChannelSettings{
		{Kind: "whatsapp", Enabled: true, Config: map[string]string{"phone_number_id": waPhoneID}, Secrets: map[string]string{"access_token": waToken}},
		{Kind: "sms", Enabled: true, Config: map[string]string{"account_sid": smsAccount, "from": smsFrom}, Secrets: map[string]string{"auth_token": smsToken}},
		{Kind: "email", Enabled: true, Config: map[string]string{}},
	} {
		got, err := c.svc.SaveChannel(ctx, c.owner, ch)
		require.NoError(c.t, err)
		require.True(c.t, got.Configured, "%s configured", ch.Kind)
	}
}

// consents are a patient's answers per channel.
type consents struct{ whatsapp, sms, email bool }

// patient registers a patient with a phone number of its own.
func (c *clinic) patient(name string, cs consents) patient.Patient {
	c.t.Helper()
	phone := fmt.Sprintf("+55119%08d", rand.IntN(100000000))
	p, err := c.a.Patients.Create(context.Background(), c.owner, patient.Input{
		FullName: kernel.Some(name), Phone: kernel.Some(phone), Email: kernel.Some(testenv.RandomName("p") + "@example.com"),
		Consents: kernel.Some(patient.ConsentsInput{WhatsApp: kernel.Some(cs.whatsapp), SMS: kernel.Some(cs.sms), Email: kernel.Some(cs.email)}),
	})
	require.NoError(c.t, err)
	return p
}

// book books the patient with the professional at start (outside working
// hours too).
func (c *clinic) book(patientID string, start time.Time) appointment.Appointment {
	c.t.Helper()
	return c.bookWith(c.prof.ID, patientID, start)
}

// bookWith books the patient with a professional at start.
func (c *clinic) bookWith(professionalID, patientID string, start time.Time) appointment.Appointment {
	c.t.Helper()
	a, err := c.a.Appointments.Create(context.Background(), c.owner, appointment.CreateInput{PatientID: patientID, ProfessionalID: professionalID,
		StartsAt: start.Format(time.RFC3339), DurationMinutes: 30, Procedure: "Consulta", OverrideWorkingHours: true})
	require.NoError(c.t, err)
	return a
}

func (c *clinic) move(id string, start time.Time) {
	c.t.Helper()
	_, err := c.a.Appointments.Update(context.Background(), c.owner, id, appointment.UpdateInput{StartsAt: kernel.Some(start.Format(time.RFC3339)),
		DurationMinutes: kernel.Some(30), OverrideWorkingHours: true})
	require.NoError(c.t, err)
}

func (c *clinic) setStatus(id string, s appointment.Status) {
	c.t.Helper()
	_, err := c.a.Appointments.SetStatus(context.Background(), c.owner, id, appointment.StatusInput{Status: s})
	require.NoError(c.t, err)
}

// messages returns the ledger of an appointment, oldest first.
func (c *clinic) messages(appointmentID string) []reminder.Message {
	c.t.Helper()
	list, err := c.svc.List(context.Background(), c.owner, reminder.Filter{AppointmentID: appointmentID, Limit: 500})
	require.NoError(c.t, err)
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list
}

// message returns one message with its history.
func (c *clinic) message(id string) reminder.Message {
	c.t.Helper()
	m, err := c.svc.Get(context.Background(), c.owner, id)
	require.NoError(c.t, err)
	return m
}

// reminderOf returns the appointment's reminder minutes before its start
// (the latest version's when there are several).
func (c *clinic) reminderOf(appointmentID string, minutes int) reminder.Message {
	c.t.Helper()
	var found *reminder.Message
	for _, m := range c.messages(appointmentID) {
		if m.Kind == reminder.KindReminder && m.MinutesBefore == minutes {
			found = &m
		}
	}
	require.NotNil(c.t, found, "no %d-minute reminder of %s", minutes, appointmentID)
	return *found
}

func (c *clinic) kindOf(appointmentID, kind string) reminder.Message {
	c.t.Helper()
	for _, m := range c.messages(appointmentID) {
		if m.Kind == kind {
			return m
		}
	}
	c.t.Fatalf("no %s message of %s", kind, appointmentID)
	return reminder.Message{}
}

// work runs the send job of a message as River would on attempt of max.
func (e *env) work(clinicID, messageID string, attempt, max int) error {
	w := e.svc.SendWorker()
	job := &river.Job[reminder.SendArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: max, Kind: "message_send"},
		Args: reminder.SendArgs{MessageID: messageID, ClinicID: clinicID}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return w.Work(ctx, job)
}

// sendJobs returns the message ids of the send jobs in the queue, one
// entry per job.
func (e *env) sendJobs() []string {
	e.t.Helper()
	rows, err := e.a.DB.QueryContext(context.Background(), `SELECT `+e.jsonArgs()+` FROM river_job WHERE kind = 'message_send'`)
	require.NoError(e.t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var raw []byte
		require.NoError(e.t, rows.Scan(&raw))
		var a reminder.SendArgs
		require.NoError(e.t, json.Unmarshal(raw, &a))
		out = append(out, a.MessageID)
	}
	require.NoError(e.t, rows.Err())
	return out
}

// jobsOfKind counts the queue's jobs of kind whose args contain s.
func (e *env) jobsOfKind(kind, s string) int {
	e.t.Helper()
	rows, err := e.a.DB.QueryContext(context.Background(), `SELECT `+e.jsonArgs()+` FROM river_job WHERE kind = $1`, kind)
	require.NoError(e.t, err)
	defer rows.Close()
	n := 0
	for rows.Next() {
		var raw []byte
		require.NoError(e.t, rows.Scan(&raw))
		if strings.Contains(string(raw), s) {
			n++
		}
	}
	require.NoError(e.t, rows.Err())
	return n
}

// requestsTo returns a stub's requests to a recipient.
func requestsTo(s *notifytest.Server, to string) []notifytest.Request {
	var out []notifytest.Request
	for _, r := range s.Requests() {
		if r.To == to {
			out = append(out, r)
		}
	}
	return out
}

// day returns the clinic-local time hh:mm n days from today.
func (c *clinic) day(n, hh, mm int) time.Time {
	now := time.Now().In(c.zone)
	return time.Date(now.Year(), now.Month(), now.Day()+n, hh, mm, 0, 0, c.zone)
}

// mailerOf is the server's mailer for the test's service: SMTP on smtpURL
// (smtp://host:port, no TLS: mailpit), or the log channel.
func mailerOf(t testing.TB, smtpURL string) notify.Channel {
	t.Helper()
	if smtpURL == "" {
		return notify.NewLog(slog.New(slog.DiscardHandler))
	}
	u, err := url.Parse(smtpURL)
	require.NoError(t, err)
	port, err := strconv.Atoi(u.Port())
	require.NoError(t, err)
	ch, err := notify.NewEmail(notify.EmailConfig{Host: u.Hostname(), Port: port, TLS: notify.TLSNone,
		From: "Clínica <no-reply@clinic.example>", Timeout: 10 * time.Second})
	require.NoError(t, err)
	return ch
}

// fieldsOf returns the invalid fields of a validation error.
func fieldsOf(err error) map[string]string {
	if e := apperr.As(err); e != nil {
		return e.Fields
	}
	return nil
}

// jsonArgs reads river_job.args as JSON text (SQLite keeps it as JSONB).
func (e *env) jsonArgs() string {
	if e.a.DB.Dialect == db.SQLite {
		return "json(args)"
	}
	return "args"
}
