package reminder_test

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app"
	"clinic/internal/app/apptest"
	"clinic/internal/notify/notifytest"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/reminder"
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkRemindersDueAtOnce is acceptance 7: MSGBENCH_N (10 000)
// reminders due at the same moment, sent by MSGBENCH_PROCESSES (2) `clinic
// worker` processes of MESSAGE_WORKERS=MSGBENCH_MESSAGE_WORKERS (100) each
// through a WhatsApp stub that answers in 50 ms, on PostgreSQL. It reports
// messages per second (due moment → last received) and the lateness (due →
// received by the provider), p50 and p99. One run is the whole scenario:
//
//	TEST_DATABASE_URL=… go test ./internal/reminder/ -run '^$' -bench RemindersDueAtOnce -benchtime 1x
//
// The appointments, patients and professionals are inserted by SQL (the
// send path is under test, not booking); the reminders are planned by the
// service when messaging is turned on, as for a clinic's booked agenda.
func BenchmarkRemindersDueAtOnce(b *testing.B) {
	n := envInt("MSGBENCH_N", 10000)
	procs := envInt("MSGBENCH_PROCESSES", 2)
	workers := envInt("MSGBENCH_MESSAGE_WORKERS", 100)
	pg := dbtest.PostgresURL(b)
	bin := clinicBinary(b)
	e := newEnv(b, pg, nil)
	e.wa.AnswerAll(notifytest.Reply{Delay: 50 * time.Millisecond})
	ctx := context.Background()
	c := e.clinic()
	c.channels()
	model := c.patient("Modelo", consents{whatsapp: true})

	// The seeding (the appointments' insert, the planning) must end before
	// the due moment, a few milliseconds per appointment on a busy machine.
	lead := 20*time.Second + time.Duration(n)*8*time.Millisecond
	start := time.Now().Add(10*time.Minute + lead).Truncate(time.Second)
	due := start.Add(-10 * time.Minute)
	// Seeding runs on a pool of its own, without the requests' statement
	// time-out.
	seed, err := db.Open(ctx, pg, db.Options{MaxConns: 2})
	require.NoError(b, err)
	defer seed.Close()
	exec := func(q string, args ...any) {
		_, err := seed.ExecContext(ctx, q, args...)
		require.NoError(b, err, q)
	}
	exec(`INSERT INTO professionals (id, clinic_id, name, default_duration_minutes, created_at, updated_at)
		SELECT gen_random_uuid(), $1, 'Dr. ' || i, 30, now(), now() FROM generate_series(1, $2) AS i`, c.id, n)
	exec(`INSERT INTO patients (id, clinic_id, full_name, phone, email, consents, search_text, created_at, updated_at)
		SELECT gen_random_uuid(), p.clinic_id, 'Paciente ' || i, '+5511' || lpad(i::text, 9, '0'), '', p.consents, 'paciente ' || i, now(), now()
		FROM generate_series(1, $2) AS i, patients p WHERE p.id = $1`, model.ID, n)
	exec(`INSERT INTO appointments (id, clinic_id, patient_id, professional_id, starts_at, ends_at, notes, status, created_at, updated_at)
		SELECT gen_random_uuid(), $1, pa.id, pr.id, $2, $3, '', 'scheduled', now(), now()
		FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM patients WHERE clinic_id = $1 AND full_name LIKE 'Paciente %') pa
		JOIN (SELECT id, row_number() OVER (ORDER BY id) AS k FROM professionals WHERE clinic_id = $1 AND name LIKE 'Dr. %') pr ON pa.k = pr.k`,
		c.id, start, start.Add(30*time.Minute))
	qs, qe := quietAround(c, 3*time.Hour)
	c.on(func(p *reminder.Policy) {
		p.Reminders, p.QuietStart, p.QuietEnd = []int{10}, qs, qe
		p.OnBooked, p.OnRescheduled, p.OnCancelled = false, false, false
	})
	var planned int
	require.NoError(b, e.a.DB.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE clinic_id = $1 AND due_at = $2`, c.id, due).Scan(&planned))
	require.Equal(b, n, planned, "reminders planned at the due moment")
	require.True(b, time.Now().Before(due.Add(-5*time.Second)), "seeding took too long: due at %s", due)

	b.ResetTimer()
	workerURL := pg
	if pool := envInt("MSGBENCH_POOL", 0); pool > 0 {
		workerURL += "&pool_max_conns=" + strconv.Itoa(pool)
	}
	vars := e.workerVars(workerURL, map[string]string{"MESSAGE_WORKERS": strconv.Itoa(workers)})
	if os.Getenv("MSGBENCH_INPROCESS") != "" { // one worker in the test process, for -cpuprofile
		cfg := apptest.Config(b, pg, vars)
		cfg.JobWorkers = 10
		w, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
		require.NoError(b, err)
		wctx, cancel := context.WithCancel(ctx)
		go func() { _ = w.Run(wctx, nil) }()
		defer func() { cancel(); time.Sleep(time.Second); _ = w.Close() }()
	} else {
		for range procs {
			startWorker(b, bin, vars)
		}
	}
	reqs := e.wa.Wait(n, time.Until(due)+5*time.Minute)
	b.StopTimer()
	require.Len(b, reqs, n)
	require.Empty(b, e.wa.Problems())
	late := make([]time.Duration, 0, n)
	last := due
	for _, r := range reqs {
		late = append(late, r.At.Sub(due))
		if r.At.After(last) {
			last = r.At
		}
	}
	slices.Sort(late)
	rate := float64(n) / last.Sub(due).Seconds()
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(float64(late[n/2].Milliseconds()), "p50_late_ms")
	b.ReportMetric(float64(late[n*99/100].Milliseconds()), "p99_late_ms")
	b.ReportMetric(float64(late[0].Milliseconds()), "first_late_ms")
	b.Logf("n=%d processes=%d MESSAGE_WORKERS=%d pool_max_conns=%d: %.0f msgs/s, lateness p50 %s p99 %s (first %s, last %s)",
		n, procs, workers, envInt("MSGBENCH_POOL", 0), rate, late[n/2], late[n*99/100], late[0], late[n-1])
	counts := perMessage(e.wa)
	require.Len(b, counts, n, "each reminder once")
}
