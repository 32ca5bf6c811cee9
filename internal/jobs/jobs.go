// Package jobs lets a clinic's managers see and retry its failed background
// jobs. It holds the role rules that the platform queue must not know: the
// queue's admin methods are scoped by clinic only.
package jobs

import (
	"context"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/queue"
)

// Admin is the queue's administration of one clinic's jobs (*queue.Queue).
type Admin interface {
	// ListFailed returns the clinic's failed jobs, newest first, at most
	// limit (see queue.Queue.ListFailed).
	ListFailed(ctx context.Context, clinicID string, limit int) ([]queue.Job, error)
	// Retry makes a failed job of the clinic run again now; NotFound for a
	// job of another clinic or none, Conflict for one that has not failed
	// (see queue.Queue.Retry).
	Retry(ctx context.Context, clinicID string, jobID int64) (queue.Job, error)
}

var _ Admin = (*queue.Queue)(nil)

// Service is the failed-jobs administration of clinics, for owners and
// admins.
type Service struct{ admin Admin }

// NewService returns a Service on a.
func NewService(a Admin) *Service { return &Service{admin: a} }

var (
	errCannotList  = apperr.New(apperr.Forbidden, "Only owners and admins can see background jobs.")
	errCannotRetry = apperr.New(apperr.Forbidden, "Only owners and admins can retry background jobs.")
)

// Failed lists the failed jobs of p's clinic (retrying or given up), newest
// first, at most limit (≤0: queue.DefaultListLimit). Forbidden unless p
// manages the clinic (owners and admins).
func (s *Service) Failed(ctx context.Context, p kernel.Principal, limit int) ([]queue.Job, error) {
	if !p.Role.ManagesClinic() {
		return nil, errCannotList
	}
	return s.admin.ListFailed(ctx, p.ClinicID, limit)
}

// Retry runs a failed job of p's clinic again now and returns it. Forbidden
// unless p manages the clinic; NotFound for a job id that is not positive,
// of another clinic or unknown; Conflict for a job that has not failed.
func (s *Service) Retry(ctx context.Context, p kernel.Principal, jobID int64) (queue.Job, error) {
	if !p.Role.ManagesClinic() {
		return queue.Job{}, errCannotRetry
	}
	if jobID <= 0 {
		return queue.Job{}, apperr.New(apperr.NotFound, "Job not found.")
	}
	return s.admin.Retry(ctx, p.ClinicID, jobID)
}
