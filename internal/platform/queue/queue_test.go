package queue_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/queue"
	"clinic/internal/platform/queue/queuetest"
)

func TestQueueContract(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		queuetest.Run(t, func(t *testing.T) *db.DB { return dbtest.SQLite(t) })
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		queuetest.Run(t, func(t *testing.T) *db.DB { return dbtest.Postgres(t) })
	})
}

func TestConfigValidateNamesTheInvalidField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(c *queue.Config)
		want   string
	}{
		{"queue without workers", func(c *queue.Config) { c.Queues = map[string]int{"mail": 0} }, `Queues["mail"]`},
		{"too many workers", func(c *queue.Config) { c.Queues = map[string]int{"mail": 10_001} }, `Queues["mail"]`},
		{"negative attempts", func(c *queue.Config) { c.MaxAttempts = -1 }, "MaxAttempts"},
		{"negative job timeout", func(c *queue.Config) { c.JobTimeout = -time.Second }, "JobTimeout"},
		{"rescue before timeout", func(c *queue.Config) { c.JobTimeout = time.Minute; c.RescueAfter = time.Minute }, "RescueAfter"},
		{"negative shutdown timeout", func(c *queue.Config) { c.ShutdownTimeout = -time.Second }, "ShutdownTimeout"},
		{"polling too often", func(c *queue.Config) { c.FetchPollInterval = time.Millisecond }, "FetchPollInterval"},
		{"negative backoff", func(c *queue.Config) { c.RetryBackoff = -time.Second }, "RetryBackoff"},
		{"cap below backoff", func(c *queue.Config) { c.RetryBackoff = time.Minute; c.MaxRetryBackoff = time.Second }, "MaxRetryBackoff"},
		{"periodic jobs without workers", func(c *queue.Config) {
			c.RunWorkers = false
			c.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour), nil, nil)}
		}, "PeriodicJobs"},
		{"periodic jobs without maintenance", func(c *queue.Config) {
			c.NoMaintenance = true
			c.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour), nil, nil)}
		}, "NoMaintenance"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := queue.Config{RunWorkers: true}
			tc.change(&cfg)
			err := cfg.WithDefaults().Validate()
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestConfigWithDefaults(t *testing.T) {
	t.Parallel()
	got := queue.Config{}.WithDefaults()
	require.Equal(t, map[string]int{"default": 10}, got.Queues)
	require.Equal(t, 10, got.MaxAttempts)
	require.Equal(t, time.Minute, got.JobTimeout)
	require.Equal(t, 5*time.Minute, got.RescueAfter)
	require.Equal(t, 30*time.Second, got.ShutdownTimeout)
	require.NoError(t, got.Validate())

	long := queue.Config{JobTimeout: 10 * time.Minute}.WithDefaults()
	require.Greater(t, long.RescueAfter, long.JobTimeout, "the default RescueAfter follows a long JobTimeout")
	require.NoError(t, long.Validate())
}

func TestNewNeedsWorkersToRunWorkers(t *testing.T) {
	t.Parallel()
	_, err := queue.New(dbtest.SQLite(t), queue.Config{RunWorkers: true}, nil, nil, nil)
	require.ErrorContains(t, err, "Workers")
}

func TestQueueWithoutWorkersStartsAndStopsNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		q := queuetest.New(t, d, queue.Config{}, nil, nil)
		ctx := context.Background()
		require.NoError(t, q.Start(ctx))
		res, err := q.Insert(ctx, probeArgs{}, queue.WithClinic(nil, "c1"))
		require.NoError(t, err)
		require.NoError(t, q.Stop(ctx))
		time.Sleep(300 * time.Millisecond)
		job, err := q.Get(ctx, "c1", res.Job.ID)
		require.NoError(t, err)
		require.Equal(t, "available", job.State, "no worker ran the job")
	})
}

func TestWithClinicTagsTheJobAndKeepsTheOptions(t *testing.T) {
	t.Parallel()
	in := &river.InsertOpts{Queue: "mail", Priority: 2, Metadata: []byte(`{"trace":"t1"}`)}
	out := queue.WithClinic(in, "c42")

	require.Equal(t, "mail", out.Queue)
	require.Equal(t, 2, out.Priority)
	var meta map[string]string
	require.NoError(t, json.Unmarshal(out.Metadata, &meta))
	require.Equal(t, map[string]string{"trace": "t1", "clinic_id": "c42"}, meta)
	require.JSONEq(t, `{"trace":"t1"}`, string(in.Metadata), "the given options are not modified")

	require.JSONEq(t, `{"clinic_id":"c7"}`, string(queue.WithClinic(nil, "c7").Metadata))
}

func TestMigrateIsIdempotentAndSafeWhenProcessesRace(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		open := func() *db.DB {
			d, err := db.Open(ctx, url, db.Options{MaxConns: 4})
			require.NoError(t, err)
			t.Cleanup(func() { _ = d.Close() })
			return d
		}
		d1, d2 := open(), open()

		before, err := queue.MigrationStatus(ctx, d1)
		require.NoError(t, err)
		require.NotEmpty(t, before)
		for _, m := range before {
			require.False(t, m.Applied, "version %d applied before Migrate", m.Version)
		}

		// Two processes start at once.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		applied := make([][]queue.Migration, 2)
		for i, d := range []*db.DB{d1, d2} {
			wg.Go(func() { applied[i], errs[i] = queue.Migrate(ctx, d) })
		}
		wg.Wait()
		require.NoError(t, errs[0])
		require.NoError(t, errs[1])
		require.Len(t, append(applied[0], applied[1]...), len(before), "each version is applied exactly once")

		after, err := queue.MigrationStatus(ctx, d2)
		require.NoError(t, err)
		for _, m := range after {
			require.True(t, m.Applied, "version %d not applied", m.Version)
		}
		again, err := queue.Migrate(ctx, d1)
		require.NoError(t, err)
		require.Empty(t, again, "a second Migrate applies nothing")
	})
}

// The SIGKILL test: a worker process is killed in the middle of a job, and
// another worker completes the job, exactly once, once RescueAfter has passed.

const (
	envWorkerDBURL = "QUEUE_TEST_WORKER_DB_URL"
	envWorkerName  = "QUEUE_TEST_WORKER_NAME"
	probeClinic    = "probe-clinic"
)

// probeArgs is the job of the SIGKILL test.
type probeArgs struct{}

func (probeArgs) Kind() string { return "queue_test_probe" }

// probeConfig has a short JobTimeout and RescueAfter so that an abandoned job
// is retried within seconds.
func probeConfig() queue.Config {
	cfg := queuetest.FastConfig()
	cfg.JobTimeout = time.Second
	cfg.RescueAfter = 2 * time.Second
	return cfg
}

// probeWorkers records in queue_probe each start and completion of a job by
// worker. The first attempt never returns, as if the worker were stuck in it,
// until its process dies.
func probeWorkers(d *db.DB, worker string) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, job *river.Job[probeArgs]) error {
		record := func(event string) error {
			_, err := d.ExecContext(context.WithoutCancel(ctx),
				`INSERT INTO queue_probe (job_id, event, worker, attempt) VALUES ($1, $2, $3, $4)`,
				job.ID, event, worker, job.Attempt)
			return err
		}
		if err := record("start"); err != nil {
			return err
		}
		if job.Attempt == 1 {
			select {} // stuck until the process is killed
		}
		return record("complete")
	}))
	return w
}

// TestWorkerProcess is the worker process of the SIGKILL test, which runs
// the test binary again with the database URL in the environment.
func TestWorkerProcess(t *testing.T) {
	url := os.Getenv(envWorkerDBURL)
	if url == "" {
		t.Skip("run as a subprocess by TestKilledWorkersJobIsCompletedOnceByAnotherWorker")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, url, db.Options{MaxConns: 4})
	require.NoError(t, err)
	q, err := queue.New(d, probeConfig(), probeWorkers(d, os.Getenv(envWorkerName)), nil, queuetest.Logger())
	require.NoError(t, err)
	require.NoError(t, q.Start(ctx))
	fmt.Println("worker started")
	select {} // until killed
}

func TestKilledWorkersJobIsCompletedOnceByAnotherWorker(t *testing.T) {
	t.Parallel()
	url := dbtest.PostgresURL(t)
	ctx := context.Background()
	d, err := db.Open(ctx, url, db.Options{MaxConns: 8})
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	_, err = d.Migrate(ctx)
	require.NoError(t, err)
	_, err = d.ExecContext(ctx, `CREATE TABLE queue_probe (job_id BIGINT NOT NULL, event TEXT NOT NULL, worker TEXT NOT NULL, attempt INT NOT NULL)`)
	require.NoError(t, err)
	inserter := queuetest.New(t, d, queue.Config{}, nil, nil)

	// Worker process "a" starts and takes the job.
	var out bytes.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), envWorkerDBURL+"="+url, envWorkerName+"=a")
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	res, err := inserter.Insert(ctx, probeArgs{}, queue.WithClinic(nil, probeClinic))
	require.NoError(t, err)
	id := res.Job.ID
	// probe reports to t: the test's on its goroutine, a CollectT in an
	// Eventually condition.
	probe := func(t require.TestingT) []string {
		rows, err := d.QueryContext(ctx, `SELECT event, worker, attempt FROM queue_probe WHERE job_id = $1 ORDER BY event DESC, attempt`, id)
		require.NoError(t, err)
		defer rows.Close()
		var got []string
		for rows.Next() {
			var event, worker string
			var attempt int
			require.NoError(t, rows.Scan(&event, &worker, &attempt))
			got = append(got, fmt.Sprintf("%s by %s (attempt %d)", event, worker, attempt))
		}
		require.NoError(t, rows.Err())
		return got
	}
	require.EventuallyWithT(t, func(ct *assert.CollectT) { assert.NotEmpty(ct, probe(ct)) }, 30*time.Second, 20*time.Millisecond,
		"worker process never started the job; its output:\n%s", &out)

	// It dies mid-job.
	require.NoError(t, cmd.Process.Kill())
	<-exited
	killedAt := time.Now()
	job, err := inserter.Get(ctx, probeClinic, id)
	require.NoError(t, err)
	require.Equal(t, "running", job.State, "the job of the dead worker is left running")

	// Process "a" was probably River's leader, whose leadership would expire
	// on its own about 15s after its death; release it now to keep the test
	// short. Then wait for the job to be older than RescueAfter, so that the
	// new leader's first rescue pass finds it.
	_, err = d.ExecContext(ctx, `DELETE FROM river_leader`)
	require.NoError(t, err)
	time.Sleep(time.Until(killedAt.Add(probeConfig().RescueAfter)))

	// Worker "b" takes over.
	queuetest.Start(t, d, probeConfig(), probeWorkers(d, "b"), nil)
	job = queuetest.WaitForState(t, inserter, probeClinic, id, "completed")

	require.Equal(t, []string{
		"start by a (attempt 1)",
		"start by b (attempt 2)",
		"complete by b (attempt 2)",
	}, probe(t), "the job is started by each worker and completed exactly once")
	require.Equal(t, 2, job.Attempt)
	require.Len(t, job.Errors, 1)
	require.True(t, strings.Contains(job.Errors[0].Message, "Stuck job rescued"), "error: %s", job.Errors[0].Message)
}
