package app_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"clinic/internal/app"
	"clinic/internal/app/apptest"
	"clinic/internal/document"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/reminder"
)

// roleArgs is a job of the worker-queue tests, inserted on one of River's
// queues (InsertOpts.Queue); its worker records which process ran it.
type roleArgs struct{}

func (roleArgs) Kind() string { return "test_worker_role" }

// ranBy records, for each job id, the processes that ran it.
type ranBy struct {
	mu sync.Mutex
	m  map[int64][]string
}

func (r *ranBy) add(id int64, process string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[id] = append(r.m[id], process)
}

func (r *ranBy) get(id int64) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.m[id]...)
}

type roleWorker struct {
	river.WorkerDefaults[roleArgs]
	process string
	ran     *ranBy
}

func (w *roleWorker) Work(_ context.Context, job *river.Job[roleArgs]) error {
	w.ran.add(job.ID, w.process)
	return nil
}

// TestWorkerQueuesRunOnlyTheirJobs starts a process that runs only the ocr
// queue, then one that runs only reminders, on the same database: each runs
// the jobs of its queue and never another's.
func TestWorkerQueuesRunOnlyTheirJobs(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		ran := &ranBy{m: map[int64][]string{}}
		start := func(process, queues string) (*apptest.Instance, *apptest.LogBuffer) {
			var logs apptest.LogBuffer
			cfg := apptest.Config(t, url, map[string]string{"WORKER_QUEUES": queues, "OCR_WORKERS": "2"})
			in := apptest.StartWithLog(t, cfg, slog.New(slog.NewJSONHandler(&logs, nil)), app.WithWorkers(func(w *river.Workers) {
				river.AddWorker(w, &roleWorker{process: process, ran: ran})
			}))
			return in, &logs
		}
		ocr, ocrLogs := start("ocr-worker", "ocr")
		started := ocrLogs.Find(t, "jobs: "+string(ocr.DB.Dialect)+" queue, workers in this process for ocr only")
		require.Len(t, started, 1, "logs: %v", ocrLogs.Records(t))
		require.Equal(t, "ocr", started[0]["river_queues"])
		require.Contains(t, started[0]["maintenance"], "off: a process that runs the maintenance queue must lead")

		ctx := context.Background()
		insert := func(queue string, n int) []int64 {
			ids := make([]int64, n)
			for i := range ids {
				res, err := ocr.Queue.Insert(ctx, roleArgs{}, &river.InsertOpts{Queue: queue})
				require.NoError(t, err)
				ids[i] = res.Job.ID
			}
			return ids
		}
		messageJobs := insert(reminder.QueueMessages, 5)
		ocrJobs := insert(document.QueueOCR, 5)
		require.EventuallyWithT(t, func(ct *assert.CollectT) {
			for _, id := range ocrJobs {
				assert.NotEmpty(ct, ran.get(id), "ocr job %d", id)
			}
		}, 20*time.Second, 20*time.Millisecond)
		for _, id := range messageJobs {
			var state string
			require.NoError(t, ocr.DB.QueryRowContext(ctx, `SELECT CAST(state AS TEXT) FROM river_job WHERE id = $1`, id).Scan(&state))
			require.Equal(t, "available", state, "message job %d waits for a reminders worker", id)
		}
		ocr.Stop()
		for _, id := range ocrJobs {
			require.Equal(t, []string{"ocr-worker"}, ran.get(id), "ocr job %d", id)
		}
		for _, id := range messageJobs {
			require.Empty(t, ran.get(id), "the ocr worker ran message job %d", id)
		}

		start("reminders-worker", "reminders")
		require.EventuallyWithT(t, func(ct *assert.CollectT) {
			for _, id := range messageJobs {
				assert.NotEmpty(ct, ran.get(id), "message job %d", id)
			}
		}, 20*time.Second, 20*time.Millisecond)
		for _, id := range messageJobs {
			require.Equal(t, []string{"reminders-worker"}, ran.get(id), "message job %d", id)
		}
	})
}

func TestWorkerQueuesLeavingNoQueueIsRefused(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t, dbtest.SQLiteURL(t), map[string]string{"WORKER_QUEUES": "ocr", "OCR_WORKERS": "0"})
	_, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.ErrorContains(t, err, "would work no queue")
}
