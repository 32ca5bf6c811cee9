package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Outcomes counted by clinic_jobs_total.
const (
	OutcomeCompleted = "completed"
	OutcomeFailed    = "failed" // failed, will be retried
	OutcomeDiscarded = "discarded"
	OutcomeCancelled = "cancelled"
)

// depthStates are the job states clinic_queue_jobs reports, with 0 when a
// queue has no job in the state. Completed jobs, kept for a day, are left
// out: clinic_jobs_total counts them.
var depthStates = []rivertype.JobState{
	rivertype.JobStateAvailable,
	rivertype.JobStateCancelled,
	rivertype.JobStateDiscarded,
	rivertype.JobStatePending,
	rivertype.JobStateRetryable,
	rivertype.JobStateRunning,
	rivertype.JobStateScheduled,
}

// depthTimeout bounds the query of a scrape.
const depthTimeout = 5 * time.Second

var depthDesc = prometheus.NewDesc("clinic_queue_jobs",
	"Jobs in the queue by queue and state (completed jobs excluded), read from the database on each scrape.",
	[]string{"queue", "state"}, nil)

// metrics holds a Queue's Prometheus metrics.
type metrics struct {
	jobs *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, q *Queue) (*metrics, error) {
	jobs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "clinic_jobs_total",
		Help: "Jobs worked by this process by kind and outcome (completed, failed and to be retried, discarded, cancelled).",
	}, []string{"kind", "outcome"})
	if err := reg.Register(jobs); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, fmt.Errorf("queue: register metrics: %w", err)
		}
		existing, ok := are.ExistingCollector.(*prometheus.CounterVec)
		if !ok {
			return nil, fmt.Errorf("queue: register metrics: %w", err)
		}
		jobs = existing
	}
	if err := reg.Register(&depthCollector{q: q}); err != nil {
		return nil, fmt.Errorf("queue: register metrics: %w", err)
	}
	return &metrics{jobs: jobs}, nil
}

// observe counts the outcome of a worked job, and logs a discarded one.
func (q *Queue) observe(ev *river.Event) {
	if ev.Job == nil {
		return
	}
	var outcome string
	switch ev.Kind {
	case river.EventKindJobCompleted:
		outcome = OutcomeCompleted
	case river.EventKindJobCancelled:
		outcome = OutcomeCancelled
	case river.EventKindJobFailed:
		outcome = OutcomeFailed
		if ev.Job.State == rivertype.JobStateDiscarded {
			outcome = OutcomeDiscarded
			var last string
			if n := len(ev.Job.Errors); n > 0 {
				last = ev.Job.Errors[n-1].Error
			}
			q.log.Warn("queue: job discarded after its last attempt",
				slog.Int64("job_id", ev.Job.ID), slog.String("kind", ev.Job.Kind),
				slog.Int("attempt", ev.Job.Attempt), slog.String("clinic_id", ClinicOf(ev.Job)),
				slog.String("error", last))
		}
	default:
		return
	}
	q.metrics.jobs.WithLabelValues(ev.Job.Kind, outcome).Inc()
}

// depthCollector reports clinic_queue_jobs with one query per scrape.
type depthCollector struct {
	q *Queue
}

var _ prometheus.Collector = (*depthCollector)(nil)

// Describe implements prometheus.Collector.
func (c *depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- depthDesc }

// Collect implements prometheus.Collector. When the database cannot be read
// it logs the error and reports nothing rather than failing the scrape.
func (c *depthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), depthTimeout)
	defer cancel()
	counts, err := c.q.depth(ctx)
	if err != nil {
		c.q.log.Warn("queue: read queue depth for metrics", slog.String("error", err.Error()))
		return
	}
	for name := range c.q.cfg.Queues {
		if counts[name] == nil {
			counts[name] = map[string]int64{}
		}
	}
	for name, byState := range counts {
		for _, state := range depthStates {
			ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(byState[string(state)]), name, string(state))
		}
	}
}

// depth counts the jobs of each queue by state, completed ones excluded.
func (q *Queue) depth(ctx context.Context) (map[string]map[string]int64, error) {
	rows, err := q.d.QueryContext(ctx, `SELECT queue, CAST(state AS TEXT), COUNT(*) FROM river_job
		WHERE state <> 'completed' GROUP BY queue, state`)
	if err != nil {
		return nil, fmt.Errorf("queue: depth: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]int64{}
	for rows.Next() {
		var name, state string
		var n int64
		if err := rows.Scan(&name, &state, &n); err != nil {
			return nil, fmt.Errorf("queue: depth: %w", err)
		}
		if out[name] == nil {
			out[name] = map[string]int64{}
		}
		out[name][state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue: depth: %w", err)
	}
	return out, nil
}
