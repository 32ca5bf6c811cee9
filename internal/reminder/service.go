package reminder

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"clinic/internal/account"
	"clinic/internal/appointment"
	"clinic/internal/kernel"
	"clinic/internal/notify"
	"clinic/internal/patient"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/secret"
)

// queryer is a *sql.DB, *db.DB or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Appointments is what the service asks of the appointment service.
type Appointments interface {
	Get(ctx context.Context, p kernel.Principal, id string) (appointment.Appointment, error)
	SetStatus(ctx context.Context, p kernel.Principal, id string, in appointment.StatusInput) (appointment.Appointment, error)
}

// Patients is what the service asks of the patient service.
type Patients interface {
	Get(ctx context.Context, p kernel.Principal, id string) (patient.Patient, error)
}

// Clinics is what the service asks of the account service.
type Clinics interface {
	Clinic(ctx context.Context, clinicID string) (account.Clinic, error)
	ClinicZone(ctx context.Context, clinicID string) (*time.Location, error)
}

// Offers takes a waitlist offer for its patient (package waitlist): it
// books the slot, or fails with a Conflict when the slot is gone.
type Offers interface {
	Offer(ctx context.Context, clinicID, offerID string) (Offer, error)
	AcceptOffer(ctx context.Context, clinicID, offerID string) (appointment.Appointment, error)
}

// Offer is a waitlist offer as a message shows it.
type Offer struct {
	ID             string
	ClinicID       string
	PatientID      string
	ProfessionalID string
	// ProfessionalName is the professional's name, for the message.
	ProfessionalName string
	StartsAt         time.Time
	EndsAt           time.Time
	// Open reports whether the offer can still be taken.
	Open bool
}

// Enqueuer inserts jobs in a transaction (*queue.Queue).
type Enqueuer interface {
	InsertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// Config tunes the service.
type Config struct {
	// BaseURL is the server's public address, for the patients' links.
	BaseURL string
	// WhatsAppBaseURL and SMSBaseURL are the providers' addresses
	// (defaults: the real ones; tests point them at local servers).
	WhatsAppBaseURL string
	SMSBaseURL      string
	// Mailer sends the e-mails of a clinic that has no SMTP server of its
	// own (the server's SMTP_URL, or the log channel).
	Mailer notify.Channel
	// Lookahead is how far ahead of its due time the dispatcher queues a
	// message, its job scheduled at the due time (default 0: when due).
	// River's scheduler then makes the jobs available in its own time (every
	// 5 seconds), and a burst of thousands of scheduled unique jobs can take
	// it longer than the database's statement time-out: 10 000 reminders due
	// at one moment were never sent with 2 minutes (see docs/benchmarks.md).
	Lookahead time.Duration
	// HTTPTimeout bounds one provider request (default notify's).
	HTTPTimeout time.Duration
}

// Service plans, sends and records a clinic's messages.
type Service struct {
	db           *db.DB
	cache        cache.Cache
	keys         *secret.Keyring
	appointments Appointments
	patients     Patients
	clinics      Clinics
	offers       Offers
	jobs         Enqueuer
	cfg          Config
	log          *slog.Logger
	now          func() time.Time

	mu      sync.Mutex
	clients map[string]client         // clinic id + "/" + kind → built channel
	chans   map[string]cachedChannels // clinic id → its channels, credentials opened
}

type client struct {
	ch      notify.Channel
	version time.Time // the channel row's updated_at
}

// Option adjusts a Service.
type Option func(*Service)

// WithLogger sets the service's logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithOffers lets patients take waitlist offers.
func WithOffers(o Offers) Option { return func(s *Service) { s.offers = o } }

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// NewService returns a Service. jobs may be set later with SetJobs (the
// queue is built after the services its workers use).
func NewService(d *db.DB, c cache.Cache, keys *secret.Keyring, appts Appointments, pats Patients, clinics Clinics, jobs Enqueuer, cfg Config, opts ...Option) *Service {
	cfg.Lookahead = max(cfg.Lookahead, 0)
	s := &Service{db: d, cache: c, keys: keys, appointments: appts, patients: pats, clinics: clinics, jobs: jobs, cfg: cfg,
		log: slog.Default(), now: time.Now, clients: map[string]client{}, chans: map[string]cachedChannels{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// system is the principal of the service's own reads (the send job).
func system(clinicID string) kernel.Principal {
	return kernel.Principal{ClinicID: clinicID, Role: kernel.RoleReceptionist, System: kernel.SystemMessages}
}

// patientPrincipal is the patient answering a message.
func patientPrincipal(clinicID string) kernel.Principal {
	return kernel.Principal{ClinicID: clinicID, Role: kernel.RoleReceptionist, System: kernel.SystemPatient}
}

func validEmail(s string) bool {
	_, err := kernel.ParseEmail(s)
	return err == nil
}

func (s *Service) dropClient(clinicID, kind string) {
	s.mu.Lock()
	delete(s.clients, clinicID+"/"+kind)
	s.mu.Unlock()
}
