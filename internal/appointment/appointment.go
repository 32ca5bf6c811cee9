// Package appointment holds appointments: booking without double-booking,
// status changes, rescheduling and recurring series.
package appointment

import (
	"context"
	"database/sql"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"clinic/internal/platform/db"
	"clinic/internal/schedule"
)

// Enqueuer inserts background jobs inside the caller's transaction
// (*queue.Queue implements it).
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Service manages appointments.
type Service struct {
	db       *db.DB
	schedule *schedule.Service
	jobs     Enqueuer
}

// NewService returns a Service.
func NewService(d *db.DB, sched *schedule.Service, jobs Enqueuer) *Service {
	return &Service{db: d, schedule: sched, jobs: jobs}
}
