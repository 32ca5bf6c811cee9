package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"clinic/internal/platform/db"
)

// DefaultQueue is the queue of a job inserted without InsertOpts.Queue.
const DefaultQueue = river.QueueDefault

// Defaults applied by Config.WithDefaults.
const (
	DefaultMaxWorkers      = 10
	DefaultMaxAttempts     = 10
	DefaultJobTimeout      = time.Minute
	DefaultRescueAfter     = 5 * time.Minute
	DefaultShutdownTimeout = 30 * time.Second
	DefaultRetryBackoff    = 10 * time.Second
	DefaultMaxRetryBackoff = time.Hour
)

// minFetchPollInterval is River's default fetch cooldown: polling more often
// than that is refused by River.
const minFetchPollInterval = 100 * time.Millisecond

// stopGrace is how long Stop waits, after ShutdownTimeout has cancelled the
// jobs still running, for them to return, when its context has no deadline.
const stopGrace = 10 * time.Second

// Config tunes a Queue.
type Config struct {
	// RunWorkers makes Start run workers in this process (clinic serve does by
	// default, clinic worker always). Without it the Queue only inserts jobs
	// and administers them, and Start and Stop do nothing.
	RunWorkers bool
	// Queues maps a queue name to the maximum number of jobs of that queue
	// this process runs at once. Default {"default": 10}.
	Queues map[string]int
	// MaxAttempts is how many times a job runs before it is discarded, unless
	// its InsertOpts say otherwise. Default 10.
	MaxAttempts int
	// JobTimeout cancels the context of a job running longer than this.
	// Default 1m.
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before it is considered
	// abandoned by a dead worker and retried. It must be greater than
	// JobTimeout. Default 5m, or twice JobTimeout when that is longer.
	RescueAfter time.Duration
	// ShutdownTimeout bounds how long Stop waits for running jobs before it
	// cancels them and releases them to another worker. Default 30s.
	ShutdownTimeout time.Duration
	// FetchPollInterval is how often idle workers look for new jobs when no
	// notification wakes them up (at least 100ms). Default River's (1s).
	FetchPollInterval time.Duration
	// RetryBackoff is the delay before the first retry of a failed job; each
	// further retry waits twice as long, up to MaxRetryBackoff, with ±10%
	// jitter. Default 10s.
	RetryBackoff time.Duration
	// MaxRetryBackoff caps the delay between retries. Default 1h.
	MaxRetryBackoff time.Duration
	// PeriodicJobs are enqueued on their schedule by the leader among the
	// processes running workers (only when RunWorkers is set).
	PeriodicJobs []*river.PeriodicJob
	// NoMaintenance keeps this process out of River's leader election: it
	// works its Queues but never runs River's maintenance (making scheduled
	// and retryable jobs available, rescuing jobs of dead workers, deleting
	// old jobs) nor enqueues periodic jobs, so PeriodicJobs must be empty.
	// At least one other process working the same database must run without
	// it, or those never happen.
	NoMaintenance bool
}

// WithDefaults returns a copy of c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if len(c.Queues) == 0 {
		c.Queues = map[string]int{DefaultQueue: DefaultMaxWorkers}
	} else {
		c.Queues = maps.Clone(c.Queues)
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.JobTimeout == 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.RescueAfter == 0 {
		c.RescueAfter = max(DefaultRescueAfter, 2*c.JobTimeout)
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	if c.MaxRetryBackoff == 0 {
		c.MaxRetryBackoff = max(DefaultMaxRetryBackoff, c.RetryBackoff)
	}
	c.PeriodicJobs = slices.Clone(c.PeriodicJobs)
	return c
}

// Validate reports the first invalid field of c, which should have its
// defaults applied.
func (c Config) Validate() error {
	for _, name := range slices.Sorted(maps.Keys(c.Queues)) {
		if n := c.Queues[name]; n < 1 || n > river.QueueNumWorkersMax {
			return fmt.Errorf("queue: config: Queues[%q] is %d, want between 1 and %d workers", name, n, river.QueueNumWorkersMax)
		}
	}
	switch {
	case c.MaxAttempts < 1 || c.MaxAttempts > 1000:
		return fmt.Errorf("queue: config: MaxAttempts is %d, want between 1 and 1000", c.MaxAttempts)
	case c.JobTimeout <= 0:
		return fmt.Errorf("queue: config: JobTimeout is %s, want more than 0", c.JobTimeout)
	case c.RescueAfter <= c.JobTimeout:
		return fmt.Errorf("queue: config: RescueAfter (%s) must be greater than JobTimeout (%s)", c.RescueAfter, c.JobTimeout)
	case c.ShutdownTimeout <= 0:
		return fmt.Errorf("queue: config: ShutdownTimeout is %s, want more than 0", c.ShutdownTimeout)
	case c.FetchPollInterval != 0 && c.FetchPollInterval < minFetchPollInterval:
		return fmt.Errorf("queue: config: FetchPollInterval is %s, want at least %s", c.FetchPollInterval, minFetchPollInterval)
	case c.RetryBackoff <= 0:
		return fmt.Errorf("queue: config: RetryBackoff is %s, want more than 0", c.RetryBackoff)
	case c.MaxRetryBackoff < c.RetryBackoff:
		return fmt.Errorf("queue: config: MaxRetryBackoff (%s) must not be less than RetryBackoff (%s)", c.MaxRetryBackoff, c.RetryBackoff)
	case !c.RunWorkers && len(c.PeriodicJobs) > 0:
		return errors.New("queue: config: PeriodicJobs need RunWorkers")
	case c.NoMaintenance && len(c.PeriodicJobs) > 0:
		return errors.New("queue: config: PeriodicJobs need the leader's maintenance, which NoMaintenance turns off")
	}
	return nil
}

// runner is the part of a River client that works jobs; *river.Client[*sql.Tx]
// (SQLite) and *river.Client[pgx.Tx] (PostgreSQL) both are one.
type runner interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func())
}

// Queue inserts, works and administers clinic's background jobs. It is safe
// for concurrent use.
type Queue struct {
	d   *db.DB
	cfg Config
	log *slog.Logger
	// client inserts and administers jobs with database/sql; on SQLite it
	// also works them.
	client *river.Client[*sql.Tx]
	// worker works jobs; nil unless cfg.RunWorkers.
	worker  runner
	metrics *metrics // nil without a Registerer

	mu sync.Mutex // serialises Start and Stop
	// eventsDone is closed when the metrics event loop of the latest start
	// ends, which River causes by closing the subscription when it stops.
	eventsDone chan struct{}
}

// New returns a Queue on d, which must hold River's tables (see Migrate).
// workers registers a worker for every job kind the application inserts; it
// is required with RunWorkers. reg receives the queue's metrics (nil: none);
// it must not hold another Queue's.
// log receives River's warnings and errors and the queue's own (nil:
// slog.Default()); River's routine info logs are dropped.
func New(d *db.DB, cfg Config, workers *river.Workers, reg prometheus.Registerer, log *slog.Logger) (*Queue, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.RunWorkers && workers == nil {
		return nil, errors.New("queue: RunWorkers needs a Workers bundle")
	}
	if log == nil {
		log = slog.Default()
	}
	q := &Queue{d: d, cfg: cfg, log: log}

	base := &river.Config{
		Logger:               slog.New(levelFloor{min: slog.LevelWarn, h: log.Handler()}).With("component", "river"),
		MaxAttempts:          cfg.MaxAttempts,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		SoftStopTimeout:      cfg.ShutdownTimeout,
		FetchPollInterval:    cfg.FetchPollInterval,
		RetryPolicy:          &backoff{base: cfg.RetryBackoff, max: cfg.MaxRetryBackoff},
		Workers:              workers,
	}
	var err error
	switch d.Dialect {
	case db.SQLite:
		err = q.openSQLite(base)
	case db.Postgres:
		err = q.openPostgres(base)
	default:
		err = fmt.Errorf("queue: unsupported database dialect %q", d.Dialect)
	}
	if err != nil {
		return nil, err
	}
	if reg != nil {
		if q.metrics, err = newMetrics(reg, q); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// workingConfig returns a copy of base that also works jobs.
func (q *Queue) workingConfig(base *river.Config) *river.Config {
	c := *base
	c.Queues = make(map[string]river.QueueConfig, len(q.cfg.Queues))
	for name, n := range q.cfg.Queues {
		c.Queues[name] = river.QueueConfig{MaxWorkers: n}
	}
	c.PeriodicJobs = q.cfg.PeriodicJobs
	c.LeaderElectionDisabled = q.cfg.NoMaintenance
	return &c
}

// Start runs the workers when RunWorkers is set, and does nothing otherwise
// (also when they already run). Cancelling ctx stops them like Stop.
func (q *Queue) Start(ctx context.Context) error {
	if q.worker == nil {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.eventsDone != nil {
		select {
		case <-q.eventsDone:
		default:
			return nil // still running: do not subscribe twice
		}
	}
	var (
		events      <-chan *river.Event
		unsubscribe = func() {}
	)
	if q.metrics != nil {
		// River closes subscriptions when the client stops, so subscribe on
		// every start.
		events, unsubscribe = q.worker.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	}
	if err := q.worker.Start(ctx); err != nil {
		unsubscribe()
		return fmt.Errorf("queue: start: %w", err)
	}
	if events != nil {
		done := make(chan struct{})
		q.eventsDone = done
		go func() {
			defer close(done)
			for ev := range events {
				q.observe(ev)
			}
		}()
	}
	return nil
}

// Stop stops fetching jobs, waits up to ShutdownTimeout for the running ones,
// then cancels them so that they are released (made available again without
// using up an attempt) for another worker, and returns once every job has
// returned. It returns ctx's error if ctx ends first, leaving the remaining
// jobs running until RescueAfter. Without a deadline on ctx it waits at most
// ShutdownTimeout plus 10s. Stop does nothing when workers do not run.
func (q *Queue) Stop(ctx context.Context) error {
	if q.worker == nil {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, q.cfg.ShutdownTimeout+stopGrace)
		defer cancel()
	}
	if err := q.worker.Stop(ctx); err != nil {
		return fmt.Errorf("queue: stop: %w", err)
	}
	if q.eventsDone != nil {
		select {
		case <-q.eventsDone:
		case <-ctx.Done():
			return fmt.Errorf("queue: stop: %w", ctx.Err())
		}
	}
	return nil
}

// InsertTx enqueues a job in tx, a transaction of the Queue's database: the
// job exists, and runs, only if tx commits. opts may be nil. A unique job
// (opts.UniqueOpts) that duplicates an existing one is not inserted again:
// the result then has UniqueSkippedAsDuplicate set and the existing job.
// Tag a clinic's job with WithClinic.
func (q *Queue) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	res, err := q.client.InsertTx(ctx, tx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("queue: insert %s: %w", args.Kind(), err)
	}
	return res, nil
}

// InsertManyTx enqueues several jobs in tx at once (one statement on
// PostgreSQL), like InsertTx for each.
func (q *Queue) InsertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	if len(params) == 0 {
		return nil, nil
	}
	res, err := q.client.InsertManyTx(ctx, tx, params)
	if err != nil {
		return nil, fmt.Errorf("queue: insert %d %s jobs: %w", len(params), params[0].Args.Kind(), err)
	}
	return res, nil
}

// Insert enqueues a job in a transaction of its own, like InsertTx. Prefer
// InsertTx when the job concerns data written in a transaction.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	res, err := q.client.Insert(ctx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("queue: insert %s: %w", args.Kind(), err)
	}
	return res, nil
}

// clinicKey is the metadata key holding a job's clinic.
const clinicKey = "clinic_id"

// WithClinic returns a copy of opts (nil: empty options) whose metadata tags
// the job with clinicID, so that ListFailed, Get and Retry show it to that
// clinic only. Other metadata keys are kept; metadata that is not a JSON
// object is replaced.
func WithClinic(opts *river.InsertOpts, clinicID string) *river.InsertOpts {
	var out river.InsertOpts
	if opts != nil {
		out = *opts
	}
	meta := map[string]any{}
	if len(out.Metadata) > 0 {
		if err := json.Unmarshal(out.Metadata, &meta); err != nil || meta == nil {
			meta = map[string]any{}
		}
	}
	meta[clinicKey] = clinicID
	out.Metadata, _ = json.Marshal(meta) // a map of JSON values always marshals
	return &out
}

// ClinicOf returns the clinic a job was tagged with by WithClinic, or "" for
// a job of no clinic.
func ClinicOf(job *rivertype.JobRow) string {
	var meta struct {
		ClinicID string `json:"clinic_id"`
	}
	if job == nil || json.Unmarshal(job.Metadata, &meta) != nil {
		return ""
	}
	return meta.ClinicID
}
