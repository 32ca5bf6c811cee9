// Package app wires clinic together: it picks every backend from the
// configuration, starts the HTTP server and the job workers, and stops them.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"

	"clinic/internal/account"
	"clinic/internal/analytics"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/billing"
	"clinic/internal/booking"
	"clinic/internal/config"
	"clinic/internal/document"
	"clinic/internal/httpapi"
	"clinic/internal/httpx"
	"clinic/internal/jobs"
	"clinic/internal/patient"
	"clinic/internal/patientfile"
	"clinic/internal/platform/blob"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/pubsub"
	"clinic/internal/platform/queue"
	"clinic/internal/platform/ratelimit"
	"clinic/internal/platform/redisx"
	"clinic/internal/platform/secret"
	"clinic/internal/platform/session"
	"clinic/internal/record"
	"clinic/internal/reminder"
	"clinic/internal/schedule"
	"clinic/internal/waitlist"
	"clinic/internal/web"
)

// App is a wired clinic instance.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	DB       *db.DB
	Redis    redis.UniversalClient
	Registry *prometheus.Registry
	Sessions session.Store
	Limiter  ratelimit.Limiter
	Cache    cache.Cache
	// PubSub carries live updates between servers (the agenda's changes on
	// appointment.AgendaTopic).
	PubSub   pubsub.PubSub
	Accounts *account.Service
	API      *httpapi.Server
	Web      *web.Server
	// Handler serves everything: the API and the web UI behind the one
	// middleware stack (httpx.Stack).
	Handler http.Handler

	Queue        *queue.Queue
	Files        blob.Store
	Patients     *patient.Service
	Schedule     *schedule.Service
	Appointments *appointment.Service
	Waitlist     *waitlist.Service
	Booking      *booking.Service
	Reminders    *reminder.Service
	// Records is the clinical record (prontuário).
	Records *record.Service
	// PatientFiles is the patient file: timeline, export, anonymisation,
	// clinic-wide search.
	PatientFiles *patientfile.Service
	// Analytics is the clinic's indicators (reports).
	Analytics *analytics.Service
	// Documents keeps the patients' documents and reads them with OCR.
	Documents *document.Service
	// Billing is the clinic's money: plans, prices, charges, payments,
	// payouts, cash flow.
	Billing *billing.Service
	// Secrets seals stored credentials and signs patients' links
	// (SECRET_KEY, or the key generated into the data directory).
	Secrets *secret.Keyring

	closers []io.Closer
}

// Option adjusts how New builds an App.
type Option func(*options)

type options struct {
	workers     []func(*river.Workers)
	enqueueOnly bool
}

// EnqueueOnly makes the App enqueue jobs without running any worker,
// whatever WORKERS says: for a command that only writes data (clinic demo)
// and leaves the jobs to the server started afterwards.
func EnqueueOnly() Option {
	return func(o *options) { o.enqueueOnly = true }
}

// WithWorkers registers extra job workers (for job kinds outside clinic's
// own packages, such as tests' own jobs).
func WithWorkers(register func(*river.Workers)) Option {
	return func(o *options) { o.workers = append(o.workers, register) }
}

// New opens every backend named by cfg, migrates the database, and builds
// the API. It logs one line per subsystem with the backend it chose.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) (a *App, err error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.enqueueOnly {
		cfg.JobWorkers = 0
	}
	a = &App{Config: cfg, Log: log, Registry: prometheus.NewRegistry()}
	// Every "return nil, err" sets a to nil before this runs: close what was
	// opened through its own pointer.
	opened := a
	defer func() {
		if err != nil {
			_ = opened.Close()
		}
	}()
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	a.DB, err = db.Open(ctx, cfg.DatabaseURL, db.Options{StatementTimeout: cfg.RequestTimeout,
		ReplicaURLs: cfg.DatabaseReplicaURLs, ReplicaMaxLag: cfg.DatabaseReplicaMaxLag})
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.DB)
	if a.DB.Dialect == db.SQLite {
		log.Info("database: sqlite (embedded)", "path", a.DB.Path, "to_share", "set DATABASE_URL=postgres://… to use PostgreSQL")
	} else {
		log.Info("database: postgres", "url", db.Redact(cfg.DatabaseURL))
	}
	for _, r := range a.DB.Replicas() {
		log.Info("database: read replica", "replica", r.Name, "up", r.Up, "max_lag", cfg.DatabaseReplicaMaxLag)
	}
	a.Registry.MustRegister(a.DB.Collector())
	if a.Secrets, err = openSecrets(ctx, cfg, a.DB, log); err != nil {
		return nil, err
	}
	applied, err := migrate(ctx, a.DB, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("database: migrations applied", "count", len(applied), "latest", applied[len(applied)-1].Version)
	}

	if cfg.RedisEnabled() {
		redisx.QuietLogs(log)
		if len(cfg.RedisClusterAddrs) > 0 {
			a.Redis, err = redisx.NewCluster(cfg.RedisClusterAddrs, cfg.RedisURL)
		} else {
			a.Redis, err = redisx.New(cfg.RedisURL)
		}
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL/REDIS_CLUSTER_ADDRS: %w", err)
		}
		a.closers = append(a.closers, a.Redis)
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		perr := a.Redis.Ping(pctx).Err()
		cancel()
		if perr != nil {
			log.Warn("redis: unreachable at start-up; requests that need it answer 503 until it is back", "err", perr)
		} else {
			log.Info("redis: connected")
		}
	}

	a.Sessions, err = session.New(cfg.Session(), a.DB, a.Redis, cfg.RedisPrefix+"session:")
	if err != nil {
		return nil, err
	}
	if c, ok := a.Sessions.(io.Closer); ok {
		a.closers = append(a.closers, c)
	}
	logBackend(log, "sessions", cfg.Session(), "set REDIS_URL to share sessions through Redis")

	limiter, err := ratelimit.New(cfg.RateLimit(), a.Redis, a.Registry)
	if err != nil {
		return nil, err
	}
	if c, ok := limiter.(io.Closer); ok {
		a.closers = append(a.closers, c)
	}
	a.Limiter = limiter
	if cfg.RateLimit() == "redis" {
		a.Limiter = ratelimit.WithPrefix(limiter, cfg.RedisPrefix)
	}
	logBackend(log, "rate limits", cfg.RateLimit(), "set REDIS_URL to make limits global across servers")

	a.Cache, err = cache.New(ctx, cache.Config{Backend: cfg.Cache(), Name: "app", MaxBytes: cfg.CacheMaxBytes, KeyPrefix: cfg.RedisPrefix + "cache:"}, a.Redis, a.Registry)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.Cache)
	logBackend(log, "cache", cfg.Cache(), "set REDIS_URL to share the cache (never stale across servers)")

	a.PubSub, err = pubsub.New(pubsub.Config{Backend: cfg.PubSub(), Prefix: cfg.RedisPrefix + "pubsub:"}, a.Redis)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.PubSub)
	logBackend(log, "pubsub", cfg.PubSub(), "set REDIS_URL to send live agenda updates to the browsers of every server")

	a.Accounts, err = account.NewService(a.DB, a.Cache, account.PasswordParams{MemoryKiB: cfg.PasswordMemoryKiB, Iterations: cfg.PasswordIterations, Threads: 1},
		account.WithLogger(log), account.OnClinicChange(a.clinicChanged), account.WithEmails(lateJobs{a}, cfg.BaseURL))
	if err != nil {
		return nil, err
	}

	a.Files, err = blob.New(ctx, blob.Config{
		URL: cfg.FilesURL, S3Endpoint: cfg.S3Endpoint, S3Region: cfg.S3Region,
		S3AccessKeyID: cfg.S3AccessKeyID, S3SecretAccessKey: cfg.S3SecretAccessKey, S3PathStyle: cfg.S3PathStyle,
	})
	if err != nil {
		return nil, fmt.Errorf("FILES_URL: %w", err)
	}
	if strings.HasPrefix(cfg.FilesURL, "s3://") {
		log.Info("files: s3", "url", cfg.FilesURL, "endpoint", cfg.S3Endpoint)
	} else {
		logBackend(log, "files", "file", "set FILES_URL=s3://bucket and S3_* to store uploads in S3")
	}

	workers := river.NewWorkers()
	river.AddWorker(workers, &sessionCleanupWorker{store: a.Sessions, log: log})
	// The waitlist's offers: the clinic's offer time and the offer's
	// message come from the reminder service (waitlist.go).
	waitlistOpts := []waitlist.Option{waitlist.WithZones(a.Accounts), waitlist.WithJobs(lateJobs{a}),
		waitlist.WithOfferTime(a.offerTime), waitlist.OnOfferTx(a.planOffer)}
	waitlist.RegisterWorkers(workers, a.DB, waitlistOpts...)
	mail, err := mailer(cfg, log)
	if err != nil {
		return nil, err
	}
	river.AddWorker(workers, account.NewEmailWorker(a.Accounts, mail))
	// The reminder service's workers take it through a pointer set below,
	// once the services it reads are built.
	remindersLate := &lateReminders{}
	remindersLate.register(workers)
	documentsLate := &lateDocuments{}
	river.AddWorker(workers, &lateOCR{l: documentsLate})
	river.AddWorker(workers, &backupWorker{cfg: cfg, db: a.DB, files: a.Files, log: log})
	for _, register := range o.workers {
		register(workers)
	}
	queues, err := riverQueues(cfg)
	if err != nil {
		return nil, err
	}
	a.Queue, err = queue.New(a.DB, queue.Config{
		RunWorkers:    cfg.JobWorkers > 0,
		Queues:        queues,
		MaxAttempts:   cfg.JobMaxAttempts,
		JobTimeout:    cfg.JobTimeout,
		RescueAfter:   cfg.JobRescueAfter,
		PeriodicJobs:  periodic(cfg, sessionCleanupJob(10*time.Minute), reminder.DispatchJob(cfg.MessageDispatchInterval), backupJob(cfg)),
		NoMaintenance: cfg.JobWorkers > 0 && !maintains(cfg),
	}, workers, a.Registry, log)
	if err != nil {
		return nil, err
	}
	switch {
	case o.enqueueOnly:
		log.Info(fmt.Sprintf("jobs: %s queue, enqueue only (the server works the jobs)", a.DB.Dialect))
	case cfg.JobWorkers > 0 && len(cfg.WorkerQueues) > 0:
		log.Info(fmt.Sprintf("jobs: %s queue, workers in this process for %s only", a.DB.Dialect, strings.Join(cfg.WorkerQueues, ",")), "durable", true,
			"river_queues", queueNames(queues), "maintenance", maintenanceNote(cfg))
	case cfg.JobWorkers > 0:
		log.Info(fmt.Sprintf("jobs: %s queue, %d workers in this process", a.DB.Dialect, cfg.JobWorkers), "durable", true, "queues", queueNames(queues))
	default:
		log.Info(fmt.Sprintf("jobs: %s queue, no workers in this process (WORKERS=0; run `clinic worker`)", a.DB.Dialect))
	}
	logBackups(log, cfg)

	// The services' listeners (effects.go) use services built here, after
	// them: they run only on writes, once New has returned.
	a.Patients = patient.NewService(a.DB, a.Cache, patient.OnChange(a.patientChanged))
	a.Schedule = schedule.NewService(a.DB, a.Cache, schedule.WithLogger(log), schedule.WithZones(a.Accounts),
		schedule.OnProfessionalChange(a.professionalChanged), schedule.OnProcedureChange(a.procedureChanged),
		schedule.OnRoomChange(a.roomChanged))
	a.Appointments = appointment.NewService(a.DB, a.Schedule, a.jobs(), appointment.WithCache(a.Cache),
		appointment.OnChange(a.appointmentChanged), appointment.WithTxHook(func(ctx context.Context, w appointment.Writer, c appointment.Change) error {
			return a.Reminders.Plan(ctx, w, c)
		}), appointment.WithTxHook(func(ctx context.Context, w appointment.Writer, c appointment.Change) error {
			return a.Waitlist.BookingTx(ctx, w, c)
		}), appointment.WithTxHook(func(ctx context.Context, w appointment.Writer, c appointment.Change) error {
			// Billing charges completed appointments in their own transaction.
			return a.Billing.AppointmentTx(ctx, w, c)
		}))
	a.Reminders = reminder.NewService(a.DB, a.Cache, a.Secrets, a.Appointments, a.Patients, a.Accounts, a.Queue, reminder.Config{
		BaseURL: cfg.BaseURL, WhatsAppBaseURL: cfg.WhatsAppBaseURL, SMSBaseURL: cfg.SMSBaseURL, Mailer: mail,
	}, reminder.WithLogger(log), reminder.WithOffers(waitlistOffers{a}))
	remindersLate.s = a.Reminders
	a.Waitlist = waitlist.NewService(a.DB, append(waitlistOpts, waitlist.WithAppointments(a.Appointments))...)
	a.Booking = booking.NewService(a.Accounts, a.Schedule, a.Patients, a.Appointments, booking.WithLogger(log))

	a.Records = record.NewService(a.DB, a.Patients, a.Appointments, a.Schedule, a.Accounts)

	a.Documents = newDocuments(ctx, cfg, log, a, o.enqueueOnly)
	documentsLate.s = a.Documents

	// Billing charges completed appointments in the appointment's own
	// transaction (its TxHook on the appointment service above).
	// A charge's Pix goes to the patient as a message (billing.go).
	a.Billing = billing.NewService(a.DB, a.Patients, a.Schedule, a.Accounts, billing.WithLogger(log), billing.WithPixMessenger(a.sendPix))

	// The indicators: appointments, capacity and confirmations from their
	// owners, revenue from billing (billing.go).
	a.Analytics = analytics.NewService(a.Appointments, a.Schedule, analytics.WithReminders(analytics.ReminderStats(a.Reminders)),
		analytics.WithRevenue(a.revenue))

	// The patient file: timeline, LGPD export, anonymisation and search,
	// composed of the parts each package holds (records, documents and
	// billing add theirs as Sources and Searchers).
	a.PatientFiles = patientfile.NewService(a.Patients, a.DB, patientfile.WithSources(
		patientfile.Appointments{S: a.Appointments}, patientfile.Messages{S: a.Reminders},
		patientfile.Waitlist{S: a.Waitlist}, patientfile.Accesses{S: audit.NewService(a.DB)},
		patientfile.Encounters{S: a.Records}, patientfile.Documents{S: a.Documents},
		patientfile.Charges{S: a.Billing}),
		patientfile.WithSearchers(patientfile.DocumentSearch{S: a.Documents}, patientfile.Notes{S: a.Records}))

	// On PostgreSQL sessions are also kept in memory, told of the ones
	// ended on any server (see session.NewManager).
	sessions := session.NewManager(a.Sessions, session.ManagerConfig{
		IdleTimeout: cfg.SessionIdleTimeout, AbsoluteTimeout: cfg.SessionAbsoluteTimeout, Secure: cfg.SecureCookies(),
	})
	a.closers = append(a.closers, sessions)
	auth := httpx.NewAuth(cfg, a.Accounts, sessions, a.Limiter)
	auditSvc := audit.NewService(a.DB)
	jobsSvc := jobs.NewService(a.Queue)
	a.API, err = httpapi.New(httpapi.Deps{
		Config:   cfg,
		Log:      log,
		Accounts: a.Accounts,
		Audit:    auditSvc,

		Patients:     a.Patients,
		Schedule:     a.Schedule,
		Appointments: a.Appointments,
		Waitlist:     a.Waitlist,
		Booking:      a.Booking,
		Jobs:         jobsSvc,
		Reminders:    a.Reminders,
		Records:      a.Records,
		Files:        a.PatientFiles,
		Analytics:    a.Analytics,
		Documents:    a.Documents,
		Billing:      a.Billing,
		Auth:         auth,
		Registry:     a.Registry,
		Checks:       a.checks(),
	})
	if err != nil {
		return nil, err
	}
	a.Web, err = web.New(web.Deps{
		Config:       cfg,
		Log:          log,
		Auth:         auth,
		Accounts:     a.Accounts,
		Audit:        auditSvc,
		Patients:     a.Patients,
		Schedule:     a.Schedule,
		Appointments: a.Appointments,
		Waitlist:     a.Waitlist,
		Booking:      a.Booking,
		Jobs:         jobsSvc,
		PubSub:       a.PubSub,
		Reminders:    a.Reminders,
		Records:      a.Records,
		Files:        a.PatientFiles,
		Analytics:    a.Analytics,
		Documents:    a.Documents,
		Billing:      a.Billing,
	})
	if err != nil {
		return nil, err
	}
	if a.Handler, err = a.handler(); err != nil {
		return nil, err
	}
	// Monitoring (metrics.go): the dependencies' health and the memory limit.
	a.Registry.MustRegister(dependencyCollector{checks: a.checks()}, memoryLimitCollector{fsys: os.DirFS("/")})
	return a, nil
}

// handler routes the API's paths to the API and every other path to the
// web UI, behind the one middleware stack.
func (a *App) handler() (http.Handler, error) {
	mux := http.NewServeMux()
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if httpapi.Owns(r.URL.Path) {
			a.API.ServeHTTP(w, r)
			return
		}
		a.Web.ServeHTTP(w, r)
	}))
	return httpx.Stack{
		Config:   a.Config,
		Log:      a.Log,
		Registry: a.Registry,
		Fail: func(w http.ResponseWriter, r *http.Request, err error) {
			if httpapi.Owns(r.URL.Path) {
				a.API.WriteError(w, r, err)
				return
			}
			a.Web.WriteError(w, r, err)
		},
		Stream: web.IsStream,
	}.Wrap(httpx.ReadYourWrites(a.DB, a.Config.SecureCookies(), a.Config.DatabaseReplicaMaxLag)(mux))
}

// migrate applies clinic's and River's migrations. On PostgreSQL they run on
// a small pool of their own, without the requests' statement_timeout: a
// migration, or waiting for another server's, may take longer than any
// request may.
func migrate(ctx context.Context, d *db.DB, databaseURL string) ([]db.Migration, error) {
	if d.Dialect == db.Postgres {
		m, err := db.Open(ctx, databaseURL, db.Options{MaxConns: 2})
		if err != nil {
			return nil, err
		}
		defer m.Close()
		d = m
	}
	applied, err := d.Migrate(ctx)
	if err != nil {
		return applied, err
	}
	if _, err := queue.Migrate(ctx, d); err != nil {
		return applied, err
	}
	return applied, nil
}

func logBackend(log *slog.Logger, subsystem, backend, hint string) {
	switch backend {
	case "memory", "db", "file":
		log.Info(subsystem+": "+backend+" (embedded)", "to_share", hint)
	default:
		log.Info(subsystem + ": " + backend)
	}
}

func (a *App) checks() []httpapi.Check {
	cs := []httpapi.Check{{Name: "database", Backend: string(a.DB.Dialect), Check: a.DB.PingContext}}
	if p, ok := a.Files.(blob.Pinger); ok {
		backend := "file"
		if strings.HasPrefix(a.Config.FilesURL, "s3://") {
			backend = "s3"
		}
		cs = append(cs, httpapi.Check{Name: "files", Backend: backend, Check: p.Ping})
	}
	if a.Redis != nil {
		cs = append(cs, httpapi.Check{Name: "redis", Backend: "redis", Check: func(ctx context.Context) error {
			return a.Redis.Ping(ctx).Err()
		}})
	}
	return cs
}

// Serve runs the HTTP server on ln until ctx is done, then shuts down
// gracefully: stop accepting, finish in-flight requests within
// SHUTDOWN_TIMEOUT.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      max(60*time.Second, a.Config.RequestTimeout+5*time.Second),
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Log.Info("http: listening", "addr", ln.Addr().String(), "base_url", a.Config.BaseURL)
	select {
	case err := <-errc:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	a.Log.Info("http: shutting down", "timeout", a.Config.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("http: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: %w", err)
	}
	return nil
}

// Close stops background work and closes every backend.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		if err := a.closers[i].Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// jobs returns the job enqueuer for services (the durable queue).
func (a *App) jobs() appointment.Enqueuer { return a.Queue }

// periodic returns the periodic jobs when this process runs the
// maintenance queue's workers (nil jobs, those turned off, left out).
func periodic(cfg config.Config, jobs ...*river.PeriodicJob) []*river.PeriodicJob {
	if !maintains(cfg) {
		return nil
	}
	var on []*river.PeriodicJob
	for _, j := range jobs {
		if j != nil {
			on = append(on, j)
		}
	}
	return on
}
