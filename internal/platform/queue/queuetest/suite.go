package queuetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/platform/db"
	"clinic/internal/platform/queue"
)

// noteArgs is the job of the suite: its worker is defined by each test.
type noteArgs struct {
	Note string `json:"note"`
}

func (noteArgs) Kind() string { return "queuetest_note" }

const (
	clinicA = "clinic-a"
	clinicB = "clinic-b"
	// eventually is how long a test waits for jobs it expects to run.
	eventually = 20 * time.Second
)

// notes collects what jobs report, in order.
type notes struct {
	mu   sync.Mutex
	list []string
}

func (n *notes) add(s string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, s)
}

func (n *notes) get() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.list)
}

// waitNotes waits until n holds at least count notes and returns them.
func waitNotes(t *testing.T, n *notes, count int) []string {
	t.Helper()
	ok := waitUntil(eventually, func() bool { return len(n.get()) >= count })
	require.Truef(t, ok, "want %d jobs to run, got %v", count, n.get())
	return n.get()
}

// workersFunc registers f as the worker of noteArgs.
func workersFunc(f func(ctx context.Context, job *river.Job[noteArgs]) error) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, river.WorkFunc(f))
	return w
}

// recording returns workers whose job records its note.
func recording(n *notes) *river.Workers {
	return workersFunc(func(_ context.Context, job *river.Job[noteArgs]) error {
		n.add(job.Args.Note)
		return nil
	})
}

// countJobs counts the suite's jobs in River's table.
func countJobs(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	require.NoError(t, d.QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM river_job WHERE kind = $1`, noteArgs{}.Kind()).Scan(&n))
	return n
}

// Run runs the contract every queue.Queue must honour, whatever its database,
// each case on a database of its own from newDB (migrated with clinic's
// migrations; River's tables are created here).
func Run(t *testing.T, newDB func(t *testing.T) *db.DB) {
	t.Run("JobInsertedInCommittedTxRunsAndSeesTheTxData", func(t *testing.T) {
		t.Parallel()
		d := newDB(t)
		ctx := context.Background()
		_, err := d.ExecContext(ctx, `CREATE TABLE queuetest_notes (note TEXT NOT NULL)`)
		require.NoError(t, err)
		seen := &notes{}
		workers := workersFunc(func(ctx context.Context, job *river.Job[noteArgs]) error {
			var n int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM queuetest_notes WHERE note = $1`, job.Args.Note).Scan(&n); err != nil {
				return err
			}
			seen.add(fmt.Sprintf("%s:%d", job.Args.Note, n))
			return nil
		})
		q := Start(t, d, FastConfig(), workers, nil)

		var id int64
		require.NoError(t, d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO queuetest_notes (note) VALUES ($1)`, "committed"); err != nil {
				return err
			}
			res, err := q.InsertTx(ctx, tx, noteArgs{Note: "committed"}, queue.WithClinic(nil, clinicA))
			if err != nil {
				return err
			}
			id = res.Job.ID
			return nil
		}))

		require.Equal(t, []string{"committed:1"}, waitNotes(t, seen, 1), "the job runs once and sees the row written with it")
		job := WaitForState(t, q, clinicA, id, "completed")
		require.Equal(t, 1, job.Attempt)
		require.Empty(t, job.Errors)
	})

	t.Run("CommittedInsertWakesIdleWorkersBeforeThePollInterval", func(t *testing.T) {
		t.Parallel()
		d := newDB(t)
		ctx := context.Background()
		ran := &notes{}
		cfg := FastConfig()
		cfg.FetchPollInterval = time.Minute // only a notification can wake the workers in time
		q := Start(t, d, cfg, recording(ran), nil)
		// Let the workers finish starting (listening) and their first fetch.
		time.Sleep(2 * time.Second)

		for i := range 2 {
			note := fmt.Sprint("notified ", i)
			require.NoError(t, d.Tx(ctx, func(tx *sql.Tx) error {
				_, err := q.InsertTx(ctx, tx, noteArgs{Note: note}, nil)
				return err
			}))
			ok := waitUntil(10*time.Second, func() bool { return slices.Contains(ran.get(), note) })
			require.Truef(t, ok, "job %q did not run within 10s of its commit", note)
			// River sends at most one notification per queue and client every
			// 100ms (FetchCooldown); inserts closer together wait for the poll.
			time.Sleep(200 * time.Millisecond)
		}
	})

	t.Run("JobInsertedInRolledBackTxNeverRuns", func(t *testing.T) {
		t.Parallel()
		d := newDB(t)
		ctx := context.Background()
		ran := &notes{}
		q := Start(t, d, FastConfig(), recording(ran), nil)

		errRollback := errors.New("roll back")
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := q.InsertTx(ctx, tx, noteArgs{Note: "rolled back"}, nil); err != nil {
				return err
			}
			return errRollback
		})
		require.ErrorIs(t, err, errRollback)
		// A job inserted afterwards runs: had the first one existed, it would
		// have been fetched first.
		_, err = q.Insert(ctx, noteArgs{Note: "sentinel"}, nil)
		require.NoError(t, err)

		require.Equal(t, []string{"sentinel"}, waitNotes(t, ran, 1))
		require.Equal(t, 1, countJobs(t, d), "only the sentinel job exists")
		time.Sleep(300 * time.Millisecond) // longer than a poll interval
		require.Equal(t, []string{"sentinel"}, ran.get())
	})

	t.Run("UniqueJobInsertedTwiceIsOneJob", func(t *testing.T) {
		t.Parallel()
		d := newDB(t)
		ctx := context.Background()
		ran := &notes{}
		q := Start(t, d, FastConfig(), recording(ran), nil)
		unique := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}

		var first int64
		require.NoError(t, d.Tx(ctx, func(tx *sql.Tx) error {
			res, err := q.InsertTx(ctx, tx, noteArgs{Note: "once"}, unique)
			if err != nil {
				return err
			}
			require.False(t, res.UniqueSkippedAsDuplicate)
			first = res.Job.ID
			return nil
		}))
		// The retried request inserts the same job again, in its own transaction.
		require.NoError(t, d.Tx(ctx, func(tx *sql.Tx) error {
			res, err := q.InsertTx(ctx, tx, noteArgs{Note: "once"}, unique)
			if err != nil {
				return err
			}
			require.True(t, res.UniqueSkippedAsDuplicate, "the second insert reports a duplicate")
			require.Equal(t, first, res.Job.ID, "and returns the existing job")
			return nil
		}))
		res, err := q.Insert(ctx, noteArgs{Note: "other"}, unique)
		require.NoError(t, err)
		require.False(t, res.UniqueSkippedAsDuplicate, "other args make another job")

		got := waitNotes(t, ran, 2)
		require.ElementsMatch(t, []string{"once", "other"}, got)
		require.Equal(t, 2, countJobs(t, d))
	})

	t.Run("FailingJobIsRetriedAndRecordsAttemptsAndErrors", func(t *testing.T) {
		t.Parallel()
		d := newDB(t)
		ctx := context.Background()
		workers := workersFunc(func(_ context.Context, job *river.Job[noteArgs]) error {
			if job.Attempt < 3 {
				return fmt.Errorf("boom %d", job.Attempt)
			}
			return nil
		})
		q := Start(t, d, FastConfig(), workers, nil)

		res, err := q.Insert(ctx, noteArgs{Note: "flaky"}, queue.WithClinic(nil, clinicA))
		require.NoError(t, err)

		job := WaitForState(t, q, clinicA, res.Job.ID, "completed")
		require.Equal(t, 3, job.Attempt)
		require.Len(t, job.Errors, 2)
		require.Equal(t, "boom 1", job.Errors[0].Message)
		require.Equal(t, 1, job.Errors[0].Attempt)
		require.Equal(t, "boom 2", job.Errors[1].Message)
		require.Equal(t, 2, job.Errors[1].Attempt)
	})

	t.Run("JobOutOfAttemptsIsDiscardedListedAndRetriedOnDemand", func(t *testing.T) {
		t.Parallel()
		d := newDB(t)
		ctx := context.Background()
		var runs atomic.Int32
		workers := workersFunc(func(_ context.Context, job *river.Job[noteArgs]) error {
			runs.Add(1)
			return fmt.Errorf("nope %d", job.Attempt)
		})
		cfg := FastConfig()
		cfg.MaxAttempts = 2
		q := Start(t, d, cfg, workers, nil)

		res, err := q.Insert(ctx, noteArgs{Note: "doomed"}, queue.WithClinic(nil, clinicA))
		require.NoError(t, err)
		id := res.Job.ID

		job := WaitForState(t, q, clinicA, id, "discarded")
		require.Equal(t, 2, job.Attempt)
		require.Equal(t, 2, job.MaxAttempts)
		require.Equal(t, "nope 2", job.LastError())
		require.NotNil(t, job.FinalizedAt)
		require.EqualValues(t, 2, runs.Load())

		failed, err := q.ListFailed(ctx, clinicA, 10)
		require.NoError(t, err)
		require.Len(t, failed, 1)
		require.Equal(t, id, failed[0].ID)
		require.Equal(t, "discarded", failed[0].State)
		require.Equal(t, "nope 2", failed[0].LastError())
		require.Equal(t, clinicA, failed[0].ClinicID)

		retried, err := q.Retry(ctx, clinicA, id)
		require.NoError(t, err)
		require.Equal(t, id, retried.ID)
		require.Equal(t, 3, retried.MaxAttempts, "a retried job gets one more attempt")

		job = WaitForState(t, q, clinicA, id, "discarded")
		require.Equal(t, 3, job.Attempt)
		require.Equal(t, "nope 3", job.LastError())
		require.Len(t, job.Errors, 3)
		require.EqualValues(t, 3, runs.Load(), "the retried job ran once more")
	})

	t.Run("ListFailedGetAndRetryAreScopedToTheClinic", func(t *testing.T) {
		t.Parallel()
		d := newDB(t)
		ctx := context.Background()
		workers := workersFunc(func(_ context.Context, job *river.Job[noteArgs]) error {
			if job.Args.Note == "fine" {
				return nil
			}
			return errors.New("failed for " + job.Args.Note)
		})
		q := Start(t, d, FastConfig(), workers, nil)
		once := &river.InsertOpts{MaxAttempts: 1}

		a, err := q.Insert(ctx, noteArgs{Note: "a"}, queue.WithClinic(once, clinicA))
		require.NoError(t, err)
		b, err := q.Insert(ctx, noteArgs{Note: "b"}, queue.WithClinic(once, clinicB))
		require.NoError(t, err)
		noClinic, err := q.Insert(ctx, noteArgs{Note: "system"}, once)
		require.NoError(t, err)
		fine, err := q.Insert(ctx, noteArgs{Note: "fine"}, queue.WithClinic(nil, clinicA))
		require.NoError(t, err)
		WaitForState(t, q, clinicA, a.Job.ID, "discarded")
		WaitForState(t, q, clinicB, b.Job.ID, "discarded")
		WaitForState(t, q, clinicA, fine.Job.ID, "completed")

		for _, tc := range []struct {
			clinic string
			want   int64
		}{{clinicA, a.Job.ID}, {clinicB, b.Job.ID}} {
			failed, err := q.ListFailed(ctx, tc.clinic, 0)
			require.NoError(t, err)
			require.Len(t, failed, 1, "clinic %s sees only its failed job", tc.clinic)
			require.Equal(t, tc.want, failed[0].ID)
		}
		failed, err := q.ListFailed(ctx, "clinic-c", 0)
		require.NoError(t, err)
		require.Empty(t, failed)

		for _, tc := range []struct {
			name   string
			clinic string
			id     int64
			code   apperr.Code
		}{
			{"another clinic's job", clinicB, a.Job.ID, apperr.NotFound},
			{"a job of no clinic", clinicA, noClinic.Job.ID, apperr.NotFound},
			{"a job that does not exist", clinicA, 1 << 40, apperr.NotFound},
			{"a completed job", clinicA, fine.Job.ID, apperr.Conflict},
			{"no clinic", "", a.Job.ID, apperr.Invalid},
		} {
			_, err := q.Retry(ctx, tc.clinic, tc.id)
			require.Truef(t, apperr.Is(err, tc.code), "retry %s: want %s, got %v", tc.name, tc.code, err)
		}
		_, err = q.Get(ctx, clinicB, a.Job.ID)
		require.True(t, apperr.Is(err, apperr.NotFound), "get another clinic's job: %v", err)
		_, err = q.ListFailed(ctx, "", 0)
		require.True(t, apperr.Is(err, apperr.Invalid), "list without a clinic: %v", err)

		job, err := q.Get(ctx, clinicA, a.Job.ID)
		require.NoError(t, err)
		require.Equal(t, "discarded", job.State, "a refused retry changes nothing")
	})

	t.Run("HigherPriorityJobsRunFirst", func(t *testing.T) {
		t.Parallel()
		d := newDB(t)
		ctx := context.Background()
		ran := &notes{}
		cfg := FastConfig()
		cfg.Queues = map[string]int{"serial": 1}
		q := New(t, d, cfg, recording(ran), nil)

		var want []string
		for i := range 3 {
			_, err := q.Insert(ctx, noteArgs{Note: fmt.Sprintf("low %d", i)}, &river.InsertOpts{Queue: "serial", Priority: 4})
			require.NoError(t, err)
		}
		for i := range 3 {
			note := fmt.Sprintf("high %d", i)
			want = append(want, note)
			_, err := q.Insert(ctx, noteArgs{Note: note}, &river.InsertOpts{Queue: "serial", Priority: 1})
			require.NoError(t, err)
		}
		require.NoError(t, q.Start(ctx))

		got := waitNotes(t, ran, 6)
		require.Equal(t, want, got[:3], "the priority 1 jobs, inserted last, run first: %v", got)
	})

	t.Run("QueueRunsNoMoreJobsAtOnceThanItsMaxWorkers", func(t *testing.T) {
		t.Parallel()
		d := newDB(t)
		ctx := context.Background()
		var running, peak, done atomic.Int32
		workers := workersFunc(func(ctx context.Context, _ *river.Job[noteArgs]) error {
			n := running.Add(1)
			defer running.Add(-1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			select {
			case <-time.After(150 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
			done.Add(1)
			return nil
		})
		cfg := FastConfig()
		cfg.Queues = map[string]int{"default": 10, "limited": 2}
		q := New(t, d, cfg, workers, nil)
		for i := range 6 {
			_, err := q.Insert(ctx, noteArgs{Note: fmt.Sprint(i)}, &river.InsertOpts{Queue: "limited"})
			require.NoError(t, err)
		}
		require.NoError(t, q.Start(ctx))

		require.True(t, waitUntil(eventually, func() bool { return done.Load() == 6 }), "all jobs run, %d did", done.Load())
		require.EqualValues(t, 2, peak.Load(), "two jobs, and never three, ran at once")
	})

	t.Run("PeriodicJobRunsOnItsSchedule", func(t *testing.T) {
		t.Parallel()
		d := newDB(t)
		ran := &notes{}
		cfg := FastConfig()
		cfg.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(
			river.PeriodicInterval(time.Second),
			func() (river.JobArgs, *river.InsertOpts) { return noteArgs{Note: "tick"}, nil },
			nil,
		)}
		Start(t, d, cfg, recording(ran), nil)

		require.Equal(t, []string{"tick", "tick"}, waitNotes(t, ran, 2)[:2])
	})

	t.Run("QueueWithoutMaintenanceWorksJobsAndLeavesScheduledOnesToTheLeader", func(t *testing.T) {
		t.Parallel()
		d := newDB(t)
		ctx := context.Background()
		ran := &notes{}
		cfg := FastConfig()
		cfg.NoMaintenance = true
		q := Start(t, d, cfg, recording(ran), nil)

		_, err := q.Insert(ctx, noteArgs{Note: "now"}, queue.WithClinic(nil, clinicA))
		require.NoError(t, err)
		at := time.Now().Add(time.Second)
		res, err := q.Insert(ctx, noteArgs{Note: "later"}, queue.WithClinic(&river.InsertOpts{ScheduledAt: at}, clinicA))
		require.NoError(t, err)
		require.Equal(t, []string{"now"}, waitNotes(t, ran, 1), "an available job runs without a leader")

		// A leader would make the job available within one round of River's
		// job scheduler (5s) after its time; without one it stays scheduled.
		time.Sleep(time.Until(at) + 6*time.Second)
		job, err := q.Get(ctx, clinicA, res.Job.ID)
		require.NoError(t, err)
		require.Equal(t, "scheduled", job.State, "no process ran River's maintenance")

		Start(t, d, FastConfig(), recording(ran), nil)
		WaitForState(t, q, clinicA, res.Job.ID, "completed")
		require.Equal(t, []string{"now", "later"}, ran.get())
	})

	t.Run("StopWaitsForARunningJobThatFinishesInTime", func(t *testing.T) {
		t.Parallel()
		d := newDB(t)
		ctx := context.Background()
		started := make(chan struct{}, 1)
		var finished atomic.Bool
		workers := workersFunc(func(ctx context.Context, _ *river.Job[noteArgs]) error {
			started <- struct{}{}
			select {
			case <-time.After(500 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
			finished.Store(true)
			return nil
		})
		q := Start(t, d, FastConfig(), workers, nil)
		res, err := q.Insert(ctx, noteArgs{Note: "slow"}, queue.WithClinic(nil, clinicA))
		require.NoError(t, err)
		select {
		case <-started:
		case <-time.After(eventually):
			t.Fatal("the job never started")
		}

		require.NoError(t, q.Stop(ctx))
		require.True(t, finished.Load(), "Stop returned before the running job finished")
		job, err := q.Get(ctx, clinicA, res.Job.ID)
		require.NoError(t, err)
		require.Equal(t, "completed", job.State)
	})

	t.Run("StopReleasesAJobThatOutlivesTheBoundToAnotherWorker", func(t *testing.T) {
		t.Parallel()
		d := newDB(t)
		ctx := context.Background()
		started := make(chan struct{}, 2)
		var runs atomic.Int32
		workers := workersFunc(func(ctx context.Context, _ *river.Job[noteArgs]) error {
			started <- struct{}{}
			if runs.Add(1) == 1 {
				<-ctx.Done() // outlives the shutdown bound
				return ctx.Err()
			}
			return nil
		})
		cfg := FastConfig()
		cfg.ShutdownTimeout = 200 * time.Millisecond
		first := Start(t, d, cfg, workers, nil)
		res, err := first.Insert(ctx, noteArgs{Note: "long"}, queue.WithClinic(nil, clinicA))
		require.NoError(t, err)
		select {
		case <-started:
		case <-time.After(eventually):
			t.Fatal("the job never started")
		}

		require.NoError(t, first.Stop(ctx))
		job, err := first.Get(ctx, clinicA, res.Job.ID)
		require.NoError(t, err)
		require.Equal(t, "available", job.State, "the cancelled job is released")
		require.Equal(t, 0, job.Attempt, "without using up an attempt")
		require.Empty(t, job.Errors)

		second := Start(t, d, cfg, workers, nil)
		job = WaitForState(t, second, clinicA, res.Job.ID, "completed")
		require.Equal(t, 1, job.Attempt)
		require.EqualValues(t, 2, runs.Load())
	})

	t.Run("MetricsCountOutcomesAndQueueDepth", func(t *testing.T) {
		t.Parallel()
		d := newDB(t)
		ctx := context.Background()
		workers := workersFunc(func(_ context.Context, job *river.Job[noteArgs]) error {
			switch {
			case job.Args.Note == "ok":
				return nil
			case job.Args.Note == "flaky" && job.Attempt > 1:
				return nil
			}
			return errors.New("no")
		})
		reg := prometheus.NewRegistry()
		cfg := FastConfig()
		cfg.Queues = map[string]int{"default": 5, "idle": 1}
		q := Start(t, d, cfg, workers, reg)
		require.NoError(t, q.Start(ctx), "starting again does nothing (and counts nothing twice)")
		for _, note := range []string{"ok", "flaky", "bad"} {
			_, err := q.Insert(ctx, noteArgs{Note: note}, queue.WithClinic(&river.InsertOpts{MaxAttempts: 2}, clinicA))
			require.NoError(t, err)
		}

		kind := noteArgs{}.Kind()
		want := map[string]float64{"completed": 2, "failed": 2, "discarded": 1}
		var got map[string]float64
		ok := waitUntil(eventually, func() bool {
			got = map[string]float64{}
			for outcome := range want {
				got[outcome] = metricValue(t, reg, "clinic_jobs_total", map[string]string{"kind": kind, "outcome": outcome})
			}
			return fmt.Sprint(got) == fmt.Sprint(want)
		})
		require.Truef(t, ok, "clinic_jobs_total: want %v, got %v", want, got)

		require.Equal(t, 1.0, metricValue(t, reg, "clinic_queue_jobs", map[string]string{"queue": "default", "state": "discarded"}))
		require.Equal(t, 0.0, metricValue(t, reg, "clinic_queue_jobs", map[string]string{"queue": "default", "state": "available"}))
		require.Equal(t, 0.0, metricValue(t, reg, "clinic_queue_jobs", map[string]string{"queue": "idle", "state": "available"}),
			"configured queues are reported even when empty")
	})
}

// metricValue returns the value of the series of name with exactly labels in
// reg, or -1 when there is none.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if !hasLabels(m, labels) {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			}
		}
	}
	return -1
}

func hasLabels(m *dto.Metric, labels map[string]string) bool {
	if len(m.GetLabel()) != len(labels) {
		return false
	}
	for _, l := range m.GetLabel() {
		if labels[l.GetName()] != l.GetValue() {
			return false
		}
	}
	return true
}
