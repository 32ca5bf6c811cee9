// Package queue is clinic's durable background-job subsystem, built on River
// (github.com/riverqueue/river) and stored in the application database, so
// that no job is lost on a restart even without Redis.
//
// # Engines
//
// On SQLite (the embedded default) one River client on the riversqlite driver
// inserts and works jobs over the *sql.DB of db.DB. On PostgreSQL two River
// clients share River's tables: an insert-only client on riverdatabasesql, so
// that jobs can be inserted inside the caller's *sql.Tx (database/sql over pgx
// stdlib), and a working client on riverpgxv5 over db.DB.Pool, which wakes up
// on LISTEN/NOTIFY. Several processes (clinic serve, clinic worker) may work
// the same PostgreSQL queue; one of them is elected leader and runs River's
// maintenance: rescuing jobs stuck in running after a worker died, scheduling
// retries, enqueuing periodic jobs and deleting old finished jobs. A process
// may work only some queues (Config.Queues) and stay out of the election
// (Config.NoMaintenance), as long as one process of the deployment takes part.
//
// River's tables are created by Migrate, not by db.Migrate: every process that
// runs workers or inserts jobs must call Migrate (or clinic migrate) first.
//
// # Jobs
//
// A job kind is a river.JobArgs type registered with a river.Worker in a
// river.Workers bundle given to New. InsertTx enqueues a job in the same
// transaction as the data it concerns: it runs only if that transaction
// commits. A failing job is retried with exponential backoff (RetryBackoff,
// doubling up to MaxRetryBackoff) until MaxAttempts, then kept as discarded
// with its errors; ListFailed shows such jobs to the owner of their clinic and
// Retry runs one again. Jobs are tagged with their clinic by WithClinic.
//
// # Shutdown
//
// Stop stops fetching, waits up to ShutdownTimeout for running jobs, then
// cancels the context of the rest: a job that returns because of that
// cancellation is made available again, without using up an attempt, for
// another worker. A job of a process that died (SIGKILL, power loss) stays
// running until RescueAfter has passed, then the leader schedules it for
// retry; jobs must therefore be idempotent, which River's at-least-once
// delivery requires anyway.
//
// # Metrics
//
// clinic_jobs_total{kind,outcome} counts the jobs worked by this process by
// outcome (completed, failed, discarded, cancelled) and clinic_queue_jobs
// {queue,state} reports, on each scrape and with one query, how many jobs
// each queue holds in each state (completed jobs are left out).
//
// # Tables
//
// Tables: river_job, river_leader, river_queue, river_client,
// river_client_queue, river_migration (River's, created by Migrate).
package queue
