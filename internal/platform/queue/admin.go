package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"clinic/internal/apperr"
	"clinic/internal/platform/db"
)

// Job is a clinic's view of a queued job, for the admin API. Its arguments
// and panic traces are left out: they may hold data the owner must not see
// (tokens, other systems' details).
type Job struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	Queue       string     `json:"queue"`
	State       string     `json:"state"` // River's: available, running, retryable, discarded…
	Priority    int        `json:"priority"`
	Attempt     int        `json:"attempt"`
	MaxAttempts int        `json:"max_attempts"`
	CreatedAt   time.Time  `json:"created_at"`
	ScheduledAt time.Time  `json:"scheduled_at"`
	AttemptedAt *time.Time `json:"attempted_at,omitempty"`
	FinalizedAt *time.Time `json:"finalized_at,omitempty"`
	ClinicID    string     `json:"clinic_id"`
	// Errors lists the error of each failed attempt, oldest first.
	Errors []JobError `json:"errors"`
}

// JobError is the error of one failed attempt.
type JobError struct {
	At      time.Time `json:"at"`
	Attempt int       `json:"attempt"`
	Message string    `json:"message"`
}

// LastError returns the message of the job's latest error, or "".
func (j Job) LastError() string {
	if len(j.Errors) == 0 {
		return ""
	}
	return j.Errors[len(j.Errors)-1].Message
}

func jobFromRow(r *rivertype.JobRow) Job {
	j := Job{
		ID: r.ID, Kind: r.Kind, Queue: r.Queue, State: string(r.State),
		Priority: r.Priority, Attempt: r.Attempt, MaxAttempts: r.MaxAttempts,
		CreatedAt: r.CreatedAt, ScheduledAt: r.ScheduledAt,
		AttemptedAt: r.AttemptedAt, FinalizedAt: r.FinalizedAt,
		ClinicID: ClinicOf(r),
		Errors:   make([]JobError, len(r.Errors)),
	}
	for i, e := range r.Errors {
		j.Errors[i] = JobError{At: e.At, Attempt: e.Attempt, Message: e.Error}
	}
	return j
}

// Limits of ListFailed.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

func errJobNotFound(id int64) error {
	return apperr.New(apperr.NotFound, "Job %d not found.", id)
}

func requireClinic(clinicID string) error {
	if clinicID == "" {
		return apperr.Validation(map[string]string{"clinic_id": "A clinic is required."})
	}
	return nil
}

// ListFailed returns the jobs of clinicID that failed: discarded ones (out of
// attempts, or whose worker gave up) and retryable ones (waiting for their
// next attempt), newest first, at most limit (≤0: 100; capped at 1000).
// Jobs of other clinics, and jobs of no clinic, are never listed.
func (q *Queue) ListFailed(ctx context.Context, clinicID string, limit int) ([]Job, error) {
	if err := requireClinic(clinicID); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	params := river.NewJobListParams().
		States(rivertype.JobStateDiscarded, rivertype.JobStateRetryable).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).
		First(limit)
	if q.d.Dialect == db.Postgres {
		// Containment uses River's GIN index on metadata.
		frag, err := json.Marshal(map[string]string{clinicKey: clinicID})
		if err != nil {
			return nil, fmt.Errorf("queue: list failed: %w", err)
		}
		params = params.Metadata(string(frag))
	} else {
		params = params.Where("metadata ->> '"+clinicKey+"' = @clinic_id", river.NamedArgs{"clinic_id": clinicID})
	}
	res, err := q.client.JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("queue: list failed jobs of clinic %s: %w", clinicID, err)
	}
	jobs := make([]Job, len(res.Jobs))
	for i, r := range res.Jobs {
		jobs[i] = jobFromRow(r)
	}
	return jobs, nil
}

// Get returns job jobID of clinicID. A job that does not exist (any more:
// finished jobs are deleted after a while) or belongs to another clinic is a
// NotFound error.
func (q *Queue) Get(ctx context.Context, clinicID string, jobID int64) (Job, error) {
	row, err := q.get(ctx, clinicID, jobID)
	if err != nil {
		return Job{}, err
	}
	return jobFromRow(row), nil
}

func (q *Queue) get(ctx context.Context, clinicID string, jobID int64) (*rivertype.JobRow, error) {
	if err := requireClinic(clinicID); err != nil {
		return nil, err
	}
	row, err := q.client.JobGet(ctx, jobID)
	if errors.Is(err, rivertype.ErrNotFound) {
		return nil, errJobNotFound(jobID)
	}
	if err != nil {
		return nil, fmt.Errorf("queue: get job %d: %w", jobID, err)
	}
	if ClinicOf(row) != clinicID {
		return nil, errJobNotFound(jobID)
	}
	return row, nil
}

// Retry makes failed job jobID of clinicID available to run again now,
// granting it one more attempt when it had used them all, and returns it.
// A job of another clinic, or none, is a NotFound error; a job that is not
// discarded, retryable or cancelled (it is waiting, running or completed) is
// a Conflict error.
func (q *Queue) Retry(ctx context.Context, clinicID string, jobID int64) (Job, error) {
	row, err := q.get(ctx, clinicID, jobID)
	if err != nil {
		return Job{}, err
	}
	switch row.State {
	case rivertype.JobStateDiscarded, rivertype.JobStateRetryable, rivertype.JobStateCancelled:
	default:
		return Job{}, apperr.New(apperr.Conflict, "Job %d is %s; only a failed or cancelled job can be retried.", jobID, row.State)
	}
	row, err = q.client.JobRetry(ctx, jobID)
	if errors.Is(err, rivertype.ErrNotFound) {
		return Job{}, errJobNotFound(jobID)
	}
	if err != nil {
		return Job{}, fmt.Errorf("queue: retry job %d: %w", jobID, err)
	}
	return jobFromRow(row), nil
}
