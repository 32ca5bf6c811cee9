package appointment

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/queue"
	"clinic/internal/schedule"
)

// roundTrips counts what a pgx connection sends to PostgreSQL: every query
// or exec (BEGIN and COMMIT included) and every batch is one round trip.
type roundTrips struct {
	mu   sync.Mutex
	sent []string // the SQL of each query, "batch of N" for a batch
}

var (
	_ pgx.QueryTracer = (*roundTrips)(nil)
	_ pgx.BatchTracer = (*roundTrips)(nil)
)

func (r *roundTrips) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, s)
}

// take returns what was sent since the last take.
func (r *roundTrips) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sent
	r.sent = nil
	return out
}

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	r.add(data.SQL)
	return ctx
}

func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	r.add("batch of " + strconv.Itoa(data.Batch.Len()))
	return ctx
}

func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// TestBookingRoundTripsOnPostgres pins how many round trips to PostgreSQL a
// booking and a reschedule make (the session lookup of an HTTP request
// comes on top): a regression shows here before it shows in a load run.
func TestBookingRoundTripsOnPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tracer := &roundTrips{}
	d, err := db.Open(ctx, dbtest.PostgresURL(t), db.Options{MaxConns: 4, Tracer: tracer})
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	_, err = d.Migrate(ctx)
	require.NoError(t, err)
	_, err = queue.Migrate(ctx, d)
	require.NoError(t, err)
	b := setup(t, d, "")
	workers := river.NewWorkers()
	river.AddWorker(workers, &noopSlotFreed{})
	q, err := queue.New(d, queue.Config{}, workers, nil, nil)
	require.NoError(t, err)
	c, err := cache.New(ctx, cache.Config{Backend: cache.BackendMemory}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	// As app wires it: the clinic's zone comes from account's cached settings.
	accounts, err := account.NewService(d, c, account.PasswordParams{MemoryKiB: 1024, Iterations: 1, Threads: 1})
	require.NoError(t, err)
	svc := NewService(d, schedule.NewService(d, c, schedule.WithZones(accounts)), q)
	svc.now = b.svc.now

	in := func(prof, room string, start time.Time, override bool) CreateInput {
		return CreateInput{PatientID: b.patientID, ProfessionalID: prof, RoomID: room, StartsAt: rfc(start), DurationMinutes: 30,
			Procedure: "Consulta", OverrideWorkingHours: override}
	}
	// Warm up: the clinic's time zone is cached after its first use.
	_, err = svc.Create(ctx, b.receptionist, in(b.profID, "", b.at(0, 8, 0), false))
	require.NoError(t, err)
	tracer.take()

	for _, tt := range []struct {
		name string
		do   func() error
		// want is the number of round trips of our own SQL; jobs adds River's
		// job insert (one query, plus a notification River sends at most a
		// few times a second, plus its version check once per process).
		want int
		jobs bool
	}{
		{"booking within working hours", func() error {
			_, err := svc.Create(ctx, b.receptionist, in(b.profID, b.roomID, b.at(0, 9, 0), false))
			return err
		}, 3, false},
		{"booking with the room of the working hours", func() error {
			_, err := svc.Create(ctx, b.receptionist, in(b.roomProfID, "", b.at(0, 9, 0), false))
			return err
		}, 3, false},
		{"booking outside working hours (override)", func() error {
			_, err := svc.Create(ctx, b.receptionist, in(b.profID, "", b.at(0, 20, 0), true))
			return err
		}, 2, false},
		{"weekly series of four", func() error {
			_, err := svc.CreateSeries(ctx, b.receptionist, SeriesInput{CreateInput: in(b.profID, b.roomID, b.at(0, 14, 0), false),
				Recurrence: Recurrence{EveryDays: 7, Count: 4}})
			return err
		}, 3, false},
		{"reschedule that frees the old slot (SlotFreed job)", func() error {
			a, err := svc.Create(ctx, b.receptionist, in(b.prof2ID, "", b.at(1, 9, 0), false))
			if err != nil {
				return err
			}
			tracer.take()
			_, err = svc.Update(ctx, b.receptionist, a.ID, UpdateInput{StartsAt: kernel.Some(rfc(b.at(1, 11, 0)))})
			return err
		}, 6, true},
		{"reschedule that frees the old slot, again", func() error {
			a, err := svc.Create(ctx, b.receptionist, in(b.prof2ID, "", b.at(2, 9, 0), false))
			if err != nil {
				return err
			}
			tracer.take()
			_, err = svc.Update(ctx, b.receptionist, a.ID, UpdateInput{StartsAt: kernel.Some(rfc(b.at(2, 11, 0)))})
			return err
		}, 6, true},
		{"cancel (SlotFreed job)", func() error {
			a, err := svc.Create(ctx, b.receptionist, in(b.prof2ID, "", b.at(3, 9, 0), false))
			if err != nil {
				return err
			}
			tracer.take()
			_, err = svc.SetStatus(ctx, b.receptionist, a.ID, StatusInput{Status: StatusCancelled})
			return err
		}, 4, true},
	} {
		t.Run(tt.name, func(t *testing.T) { // one after the other: they share the tracer
			require.NoError(t, tt.do())
			requireRoundTrips(t, tracer.take(), tt.want, tt.jobs)
		})
	}
}

// requireRoundTrips checks that sent holds want statements or batches of
// ours, and River's job insert when jobs is set.
func requireRoundTrips(t *testing.T, sent []string, want int, jobs bool) {
	t.Helper()
	var ours, river []string
	for _, q := range sent {
		if strings.HasPrefix(q, "-- name: ") { // River's queries
			river = append(river, q)
			continue
		}
		ours = append(ours, q)
	}
	short := make([]string, len(sent))
	for i, q := range sent {
		short[i] = strings.Join(strings.Fields(q), " ")
		if len(short[i]) > 60 {
			short[i] = short[i][:60] + "…"
		}
	}
	require.Equal(t, want, len(ours), "round trips sent:\n%s", strings.Join(short, "\n"))
	require.Equal(t, jobs, slices.ContainsFunc(river, func(q string) bool { return strings.Contains(q, "JobInsert") }),
		"a job inserted; round trips sent:\n%s", strings.Join(short, "\n"))
}
