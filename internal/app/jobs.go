package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"clinic/internal/platform/session"
	"clinic/internal/reminder"
)

// sessionCleanupArgs is the periodic job that deletes expired sessions from
// a store that keeps them (the database). It runs on one worker of the whole
// deployment at a time (River's leader), not on every server.
type sessionCleanupArgs struct{}

// Kind implements river.JobArgs.
func (sessionCleanupArgs) Kind() string { return "session_cleanup" }

type sessionCleanupWorker struct {
	river.WorkerDefaults[sessionCleanupArgs]
	store session.Store
	log   *slog.Logger
}

// Work deletes expired sessions.
func (w *sessionCleanupWorker) Work(ctx context.Context, _ *river.Job[sessionCleanupArgs]) error {
	c, ok := w.store.(session.Cleaner)
	if !ok {
		return nil
	}
	n, err := c.DeleteExpired(ctx)
	if err != nil {
		return err
	}
	w.log.Debug("sessions: expired sessions deleted", "count", n)
	return nil
}

// sessionCleanupJob runs the cleanup every interval, and once at start.
func sessionCleanupJob(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
		return sessionCleanupArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: interval}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// lateReminders registers the reminder service's workers before the
// service exists (the queue needs its workers, the service needs the
// queue); jobs run only once New has returned, when s is set.
type lateReminders struct{ s *reminder.Service }

func (l *lateReminders) register(workers *river.Workers) {
	river.AddWorker(workers, &lateDispatch{l: l})
	river.AddWorker(workers, &lateSend{l: l})
}

type lateDispatch struct {
	river.WorkerDefaults[reminder.DispatchArgs]
	l *lateReminders
}

func (w *lateDispatch) Work(ctx context.Context, job *river.Job[reminder.DispatchArgs]) error {
	return w.l.s.DispatchWorker().Work(ctx, job)
}

type lateSend struct {
	river.WorkerDefaults[reminder.SendArgs]
	l *lateReminders
}

func (w *lateSend) Timeout(job *river.Job[reminder.SendArgs]) time.Duration {
	return w.l.s.SendWorker().Timeout(job)
}

func (w *lateSend) Work(ctx context.Context, job *river.Job[reminder.SendArgs]) error {
	return w.l.s.SendWorker().Work(ctx, job)
}
