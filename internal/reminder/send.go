package reminder

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
	"clinic/internal/notify"
	"clinic/internal/patient"
	"clinic/internal/platform/db"
	"clinic/internal/platform/queue"
)

// Statuses of a message.
const (
	StatusPending   = "pending"
	StatusQueued    = "queued"
	StatusSending   = "sending"
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
	StatusSkipped   = "skipped"
)

// Reasons a message was skipped or failed (Message.Reason; a provider's
// refusal keeps the provider's own words instead).
const (
	ReasonCancelled   = "cancelled"
	ReasonMoved       = "moved"
	ReasonPast        = "past"
	ReasonQuietHours  = "quiet_hours"
	ReasonNoConsent   = "no_consent"
	ReasonNoContact   = "no_contact"
	ReasonNoChannel   = "no_channel"
	ReasonOff         = "messaging_off"
	ReasonOfferClosed = "offer_closed"
	ReasonInterrupted = "interrupted"
	ReasonNotFound    = "not_found"
)

// QueueMessages is the job queue of the send jobs, so that sending scales
// on workers of its own.
const QueueMessages = "messages"

// SendArgs is the job that sends one message of the ledger.
type SendArgs struct {
	MessageID string `json:"message_id"`
	ClinicID  string `json:"clinic_id"`
}

// Kind implements river.JobArgs.
func (SendArgs) Kind() string { return "message_send" }

// InsertOpts puts the job on the messages queue, unique per message.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMessages, UniqueOpts: sendUnique}
}

// sendUnique makes a message's send job unique while it waits or runs, not
// once it is done: a message sent again (SendAgain) gets a job of its own.
// That a message goes once rests on its status (queued in the transaction
// that inserts its job, claimed before the provider call), the job's
// uniqueness only spares the duplicates.
var sendUnique = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}}

// DispatchArgs is the periodic job that queues the messages due soon.
type DispatchArgs struct{}

// Kind implements river.JobArgs.
func (DispatchArgs) Kind() string { return "message_dispatch" }

// DispatchJob runs the dispatcher every interval (on one worker of the
// deployment at a time).
func DispatchJob(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
		return DispatchArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: interval}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// stuckAfter is how long a message may stay sending: longer, its send job
// ended without recording the outcome (discarded after its last rescue,
// or the provider's acceptance could not be recorded).
const stuckAfter = time.Hour

// sweep fails, as interrupted, the messages left sending for longer than
// stuckAfter, so that they show among the failed messages (the provider
// may have them: they are not sent again by themselves).
func (s *Service) sweep(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM messages WHERE status = 'sending' AND updated_at < $1 LIMIT 1000`,
		db.Time(s.now().Add(-stuckAfter)))
	if err != nil {
		return fmt.Errorf("reminder: sweep: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("reminder: sweep: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reminder: sweep: %w", err)
	}
	for _, id := range ids {
		if err := s.finish(ctx, row{id: id}, StatusFailed, ReasonInterrupted, ""); err != nil {
			return err
		}
	}
	return nil
}

// dispatchBatch is how many messages one dispatcher transaction queues.
const dispatchBatch = 1000

// Dispatch queues every pending message due (within the lookahead, when
// one is set: then scheduled at its due time): one send job each, in the
// transaction that marks it queued. It returns how many it queued.
func (s *Service) Dispatch(ctx context.Context) (int, error) {
	if err := s.sweep(ctx); err != nil {
		return 0, err
	}
	total := 0
	for {
		n, err := s.dispatchOnce(ctx)
		total += n
		if err != nil || n < dispatchBatch {
			return total, err
		}
	}
}

func (s *Service) dispatchOnce(ctx context.Context) (int, error) {
	now := db.Time(s.now())
	n := 0
	err := s.db.TxBatch(ctx, func(tx *db.BatchTx) error {
		q := `SELECT id, clinic_id, due_at FROM messages WHERE status = 'pending' AND due_at <= $1 ORDER BY due_at LIMIT $2`
		if s.db.Dialect == db.Postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := tx.QueryContext(ctx, q, now.Add(s.cfg.Lookahead), dispatchBatch)
		if err != nil {
			return fmt.Errorf("reminder: dispatch: %w", err)
		}
		var params []river.InsertManyParams
		var b db.Batch
		for rows.Next() {
			var id, clinic string
			var due time.Time
			if err := rows.Scan(&id, &clinic, &due); err != nil {
				rows.Close()
				return fmt.Errorf("reminder: dispatch: %w", err)
			}
			opts := queue.WithClinic(&river.InsertOpts{Queue: QueueMessages, UniqueOpts: sendUnique}, clinic)
			if due.After(now) {
				opts.ScheduledAt = due
			}
			params = append(params, river.InsertManyParams{Args: SendArgs{MessageID: id, ClinicID: clinic}, InsertOpts: opts})
			if _, err := b.ExecContext(ctx, `UPDATE messages SET status = 'queued', updated_at = $1 WHERE id = $2`, now, id); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("reminder: dispatch: %w", err)
		}
		if len(params) == 0 {
			return nil
		}
		if _, err := s.jobs.InsertManyTx(ctx, tx.Tx, params); err != nil {
			return err
		}
		n = len(params)
		return tx.Send(ctx, &b)
	})
	return n, err
}

// DispatchWorker works DispatchArgs.
type DispatchWorker struct {
	river.WorkerDefaults[DispatchArgs]
	s *Service
}

// Work queues the messages due.
func (w *DispatchWorker) Work(ctx context.Context, _ *river.Job[DispatchArgs]) error {
	n, err := w.s.Dispatch(ctx)
	if n > 0 {
		w.s.log.DebugContext(ctx, "reminder: messages queued", "count", n)
	}
	return err
}

// SendWorker works SendArgs.
type SendWorker struct {
	river.WorkerDefaults[SendArgs]
	s *Service
}

// DispatchWorker returns the worker of DispatchArgs.
func (s *Service) DispatchWorker() *DispatchWorker { return &DispatchWorker{s: s} }

// SendWorker returns the worker of SendArgs.
func (s *Service) SendWorker() *SendWorker { return &SendWorker{s: s} }

// A send is bounded by the queue's JOB_TIMEOUT (default a minute; the
// provider's own time-out is shorter): a worker Timeout of its own would
// also hold back the rescue of a send whose worker died (River rescues a
// running job only once it is older than the job's time-out, whatever
// JOB_RESCUE_AFTER says).

// Work sends the message (see the package doc).
func (w *SendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	last := job.Attempt >= job.MaxAttempts
	err := w.s.send(ctx, job.Args.ClinicID, job.Args.MessageID, last)
	var perm *permanent
	if errors.As(err, &perm) {
		return river.JobCancel(err)
	}
	return err
}

type permanent struct{ err error }

func (p *permanent) Error() string { return p.err.Error() }
func (p *permanent) Unwrap() error { return p.err }

// row is a message as the send job reads it.
type row struct {
	id, clinicID, patientID, appointmentID, offerID string
	kind, version, status, channel                  string
	minutes, attempts                               int
}

// send works one message; last is set on the job's last attempt.
func (s *Service) send(ctx context.Context, clinicID, id string, last bool) error {
	// Reading the patient's contact is audited as done by the sending.
	ctx = audit.WithActor(ctx, audit.Actor{ClinicID: clinicID, System: kernel.SystemMessages, RequestID: "message:" + id})
	var m row
	var appt, offer sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, clinic_id, patient_id, appointment_id, offer_id, kind, version, status, channel,
		minutes_before, attempts FROM messages WHERE id = $1 AND clinic_id = $2`, id, clinicID).Scan(
		&m.id, &m.clinicID, &m.patientID, &appt, &offer, &m.kind, &m.version, &m.status, &m.channel, &m.minutes, &m.attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return &permanent{fmt.Errorf("reminder: message %s not found", id)}
	}
	if err != nil {
		return fmt.Errorf("reminder: read message: %w", err)
	}
	m.appointmentID, m.offerID = appt.String, offer.String
	switch m.status {
	case StatusQueued, StatusPending:
	case StatusSending:
		// A run died or timed out during the provider call: it may have
		// been delivered. Never call twice.
		return s.finish(ctx, m, StatusFailed, ReasonInterrupted, "")
	default:
		return nil // done already (another run, or skipped meanwhile)
	}

	out, skip, err := s.compose(ctx, m)
	if err != nil {
		return err
	}
	if skip != "" {
		return s.finish(ctx, m, StatusSkipped, skip, "")
	}
	ch, err := s.client(ctx, clinicID, out.channel)
	if err != nil {
		return s.finish(ctx, m, StatusFailed, "channel: "+err.Error(), "")
	}
	// Claim: only one run gets past here, and a crash after it is seen.
	now := db.Time(s.now())
	res, err := s.db.ExecContext(ctx, `UPDATE messages SET status = 'sending', channel = $1, recipient = $2, attempts = attempts + 1,
		updated_at = $3 WHERE id = $4 AND status IN ('pending', 'queued')`, out.channel, out.msg.To, now, m.id)
	if err != nil {
		return fmt.Errorf("reminder: claim message: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	m.channel = out.channel
	receipt, serr := ch.Send(ctx, out.msg)
	switch {
	case serr == nil:
		return s.sent(ctx, m, receipt.ProviderMessageID)
	case notify.Temporary(serr) && !last:
		// Not sent: back to queued for the retry, with the reason.
		if _, err := s.db.ExecContext(context.WithoutCancel(ctx), `UPDATE messages SET status = 'queued', reason = $1, updated_at = $2
			WHERE id = $3 AND status = 'sending'`, truncate(serr.Error(), 500), db.Time(s.now()), m.id); err != nil {
			return fmt.Errorf("reminder: release message: %w", err)
		}
		return serr
	default:
		return s.finish(context.WithoutCancel(ctx), m, StatusFailed, providerReason(serr), "")
	}
}

func providerReason(err error) string {
	var pe *notify.ProviderError
	if errors.As(err, &pe) {
		return truncate(pe.Error(), 500)
	}
	return truncate(err.Error(), 500)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// sent records the provider's acceptance.
func (s *Service) sent(ctx context.Context, m row, providerID string) error {
	ctx = context.WithoutCancel(ctx)
	now := db.Time(s.now())
	var b db.Batch
	// A provider's callback may have come first (an SMS callback names the
	// message): its status stays, the provider id and time are added.
	_, _ = b.ExecContext(ctx, `UPDATE messages SET status = CASE WHEN status = 'sending' THEN 'sent' ELSE status END,
		provider_id = $1, reason = '', sent_at = $2, updated_at = $2
		WHERE id = $3 AND status IN ('sending', 'sent', 'delivered', 'read')`, providerID, now, m.id)
	_, _ = b.ExecContext(ctx, `INSERT INTO message_events (id, message_id, status, detail, at) VALUES ($1, $2, 'sent', $3, $4)`,
		kernel.NewID(), m.id, m.channel, now)
	if err := s.db.SendBatch(ctx, &b); err != nil {
		return &permanent{fmt.Errorf("reminder: record sent message %s: %w", m.id, err)}
	}
	return nil
}

// finish ends a message as failed or skipped, with its reason.
func (s *Service) finish(ctx context.Context, m row, status, reason, detail string) error {
	now := db.Time(s.now())
	if detail == "" {
		detail = reason
	}
	var b db.Batch
	_, _ = b.ExecContext(ctx, `UPDATE messages SET status = $1, reason = $2, updated_at = $3 WHERE id = $4
		AND status IN ('pending', 'queued', 'sending')`, status, reason, now, m.id)
	_, _ = b.ExecContext(ctx, `INSERT INTO message_events (id, message_id, status, detail, at) VALUES ($1, $2, $3, $4, $5)`,
		kernel.NewID(), m.id, status, detail, now)
	if err := s.db.TxBatch(ctx, func(tx *db.BatchTx) error { return tx.Send(ctx, &b) }); err != nil {
		return fmt.Errorf("reminder: record %s message %s: %w", status, m.id, err)
	}
	return nil
}

// composed is a message ready to go.
type composed struct {
	channel string
	msg     notify.Message
}

// compose re-reads what the message is about and writes it, or returns
// why it must not go.
func (s *Service) compose(ctx context.Context, m row) (composed, string, error) {
	p, err := s.policy(ctx, m.clinicID)
	if err != nil {
		return composed{}, "", err
	}
	if !p.Enabled && m.kind != KindTest {
		return composed{}, ReasonOff, nil
	}
	if m.kind == KindReminder && !slices.Contains(p.Reminders, m.minutes) {
		return composed{}, ReasonOff, nil // the clinic took this reminder out of its policy
	}
	clinic, err := s.clinics.Clinic(ctx, m.clinicID)
	if err != nil {
		return composed{}, "", err
	}
	zone, err := s.clinics.ClinicZone(ctx, m.clinicID)
	if err != nil {
		return composed{}, "", err
	}
	loc, ok := i18n.Parse(clinic.Locale)
	if !ok {
		loc = i18n.PtBR
	}
	l := i18n.For(loc)
	v := Vars{Clinic: clinic.Name, Address: clinic.Address, ClinicPhone: clinic.Phone}
	var start time.Time
	switch {
	case m.appointmentID != "":
		a, err := s.appointments.Get(ctx, system(m.clinicID), m.appointmentID)
		if apperr.Is(err, apperr.NotFound) {
			return composed{}, ReasonNotFound, nil
		}
		if err != nil {
			return composed{}, "", err
		}
		if m.kind == KindCancelled {
			if a.Status != appointment.StatusCancelled {
				return composed{}, ReasonNotFound, nil
			}
		} else if !a.Status.Active() {
			return composed{}, ReasonCancelled, nil
		}
		if version(a.StartsAt) != m.version {
			return composed{}, ReasonMoved, nil
		}
		if m.kind != KindCancelled && !a.StartsAt.After(s.now()) {
			return composed{}, ReasonPast, nil
		}
		start = a.StartsAt
		v.Professional, v.Procedure = a.ProfessionalName, a.Procedure
	case m.offerID != "":
		if s.offers == nil {
			return composed{}, ReasonOfferClosed, nil
		}
		o, err := s.offers.Offer(ctx, m.clinicID, m.offerID)
		if apperr.Is(err, apperr.NotFound) {
			return composed{}, ReasonOfferClosed, nil
		}
		if err != nil {
			return composed{}, "", err
		}
		if !o.Open || !o.StartsAt.After(s.now()) {
			return composed{}, ReasonOfferClosed, nil
		}
		start = o.StartsAt
		v.Professional = o.ProfessionalName
	}
	if !start.IsZero() {
		v.Date, v.Time = l.DateLong(start.In(zone)), l.Time(start.In(zone))
	}
	var pr pixRow
	if m.kind == KindPix {
		var ok bool
		if pr, ok, err = s.pixOf(ctx, m.clinicID, m.id); err != nil {
			return composed{}, "", err
		} else if !ok {
			return composed{}, ReasonNotFound, nil
		}
		v.Amount, v.Charge, v.PixCode = l.Money(pr.amountCents), pr.description, pr.payload
		if v.Charge == "" {
			v.Charge = l.T("message.pix.default_description")
		}
	}
	pat, err := s.patients.Get(ctx, system(m.clinicID), m.patientID)
	if apperr.Is(err, apperr.NotFound) {
		return composed{}, ReasonNotFound, nil
	}
	if err != nil {
		return composed{}, "", err
	}
	name := pat.SocialName
	if name == "" {
		name = pat.FullName
	}
	v.Patient = firstName(name)
	chans, err := s.channels(ctx, m.clinicID)
	if err != nil {
		return composed{}, "", err
	}
	order := p.Channels
	if m.kind == KindTest && m.channel != "" {
		order = []string{m.channel}
	}
	channel, to, why := pick(order, chans, pat, m.kind == KindTest)
	if channel == "" {
		return composed{}, why, nil
	}
	if m.kind != KindTest && m.kind != KindPix {
		link, err := s.link(m, start)
		if err != nil {
			return composed{}, "", err
		}
		v.Link = link
	}
	t, err := s.cachedTemplate(ctx, m.clinicID, m.kind, channel, loc)
	if err != nil {
		return composed{}, "", err
	}
	msg := t.Render(to, v, m.id)
	if m.kind == KindPix && channel == notify.KindEmail {
		if msg, err = withPixQR(msg, pr.payload, l); err != nil {
			return composed{}, "", err
		}
	}
	switch channel {
	case notify.KindSMS:
		msg.StatusCallback = s.callbackURL(m.clinicID, notify.KindSMS, m.id)
	case notify.KindWhatsApp:
		msg.CallbackData = m.id
	}
	return composed{channel: channel, msg: msg}, "", nil
}

func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return name
}

// pick returns the first channel of order that is set up, consented to
// and has the patient's address; or why there is none.
func pick(order []string, chans map[string]ChannelSettings, p patient.Patient, test bool) (channel, to, why string) {
	why = ReasonNoChannel
	for _, k := range order {
		c, ok := chans[k]
		if !ok || !c.Enabled || !c.Configured {
			continue
		}
		var consent patient.Consent
		var addr string
		switch k {
		case notify.KindWhatsApp:
			consent, addr = p.Consents.WhatsApp, p.Phone
		case notify.KindSMS:
			consent, addr = p.Consents.SMS, p.Phone
		case notify.KindEmail:
			consent, addr = p.Consents.Email, p.Email
		}
		if !consent.Granted && !test {
			if why == ReasonNoChannel {
				why = ReasonNoConsent
			}
			continue
		}
		if addr == "" {
			why = ReasonNoContact
			continue
		}
		return k, addr, ""
	}
	return "", "", why
}

// callbackURL is where a provider posts a message's status.
func (s *Service) callbackURL(clinicID, kind, messageID string) string {
	if s.cfg.BaseURL == "" {
		return ""
	}
	return strings.TrimRight(s.cfg.BaseURL, "/") + "/webhooks/" + kind + "/" + clinicID + "?m=" + url.QueryEscape(messageID)
}

// client returns the clinic's channel of kind, built once per version of
// its settings.
func (s *Service) client(ctx context.Context, clinicID, kind string) (notify.Channel, error) {
	chans, err := s.channels(ctx, clinicID)
	if err != nil {
		return nil, err
	}
	c, ok := chans[kind]
	if !ok {
		return nil, fmt.Errorf("%s is not set up", kind)
	}
	key := clinicID + "/" + kind
	s.mu.Lock()
	cl, ok := s.clients[key]
	s.mu.Unlock()
	if ok && cl.version.Equal(c.UpdatedAt) {
		return cl.ch, nil
	}
	ch, err := s.build(c)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.clients[key] = client{ch: ch, version: c.UpdatedAt}
	s.mu.Unlock()
	return ch, nil
}

// build makes the notify channel of c.
func (s *Service) build(c ChannelSettings) (notify.Channel, error) {
	switch c.Kind {
	case notify.KindWhatsApp:
		return notify.NewWhatsApp(notify.WhatsAppConfig{BaseURL: s.cfg.WhatsAppBaseURL, PhoneNumberID: c.Config["phone_number_id"],
			AccessToken: notify.Secret(c.secrets["access_token"]), Timeout: s.cfg.HTTPTimeout})
	case notify.KindSMS:
		return notify.NewSMS(notify.SMSConfig{BaseURL: s.cfg.SMSBaseURL, AccountSID: c.Config["account_sid"], From: c.Config["from"],
			AuthToken: notify.Secret(c.secrets["auth_token"]), Timeout: s.cfg.HTTPTimeout})
	case notify.KindEmail:
		if c.Config["host"] == "" {
			if s.cfg.Mailer == nil {
				return nil, errors.New("no SMTP server")
			}
			return s.cfg.Mailer, nil
		}
		port, _ := strconv.Atoi(c.Config["port"])
		return notify.NewEmail(notify.EmailConfig{Host: c.Config["host"], Port: port, TLS: notify.TLSMode(c.Config["tls"]),
			Username: c.Config["username"], Password: notify.Secret(c.secrets["password"]), From: c.Config["from"]})
	}
	return nil, fmt.Errorf("unknown channel %q", c.Kind)
}
