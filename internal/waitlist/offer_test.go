package waitlist_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/queue"
	"clinic/internal/platform/queue/queuetest"
	"clinic/internal/schedule"
	"clinic/internal/waitlist"
)

// recordedJobs records the jobs inserted through it (rolled back or not).
type recordedJobs struct {
	mu   sync.Mutex
	jobs []recordedJob
}

type recordedJob struct {
	args river.JobArgs
	opts *river.InsertOpts
}

func (r *recordedJobs) InsertTx(_ context.Context, _ *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jobs = append(r.jobs, recordedJob{args: args, opts: opts})
	return &rivertype.JobInsertResult{Job: &rivertype.JobRow{}}, nil
}

// last returns the last job of type T inserted, and its options.
func last[T river.JobArgs](t *testing.T, r *recordedJobs) (T, *river.InsertOpts) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.jobs) - 1; i >= 0; i-- {
		if a, ok := r.jobs[i].args.(T); ok {
			return a, r.jobs[i].opts
		}
	}
	var zero T
	require.FailNow(t, "no job inserted", "%T", zero)
	return zero, nil
}

// testClock is a clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// offerBundle is a clinic with a professional working all week whose
// appointment at slotStart..slotEnd is cancelled, two patients waiting
// for that slot (first the older entry), and the real appointment service.
type offerBundle struct {
	*fixture
	clock          *testClock
	jobs           *recordedJobs
	appts          *appointment.Service
	svc            *waitlist.Service
	freed          *waitlist.SlotFreedWorker
	next           *waitlist.OfferNextWorker
	prof           string
	first, second  string // entries
	firstPatient   string
	secondPatient  string
	receptionist   kernel.Principal
	offered        []waitlist.Offer // by the OnOfferTx hook, committed or not
	offeredMu      sync.Mutex
	exclusive      time.Duration
	cancelledAppID string
}

func newOfferBundle(t *testing.T, d *db.DB) *offerBundle {
	t.Helper()
	c, err := cache.New(context.Background(), cache.Config{Backend: cache.BackendMemory}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	f := newFixture(t, d, "America/Sao_Paulo")
	b := &offerBundle{fixture: f, clock: &testClock{now: time.Now().UTC()}, jobs: &recordedJobs{}, exclusive: 30 * time.Minute}
	b.prof = f.professional("Dra. Ana", "")
	appointmenttest.AllWeek(t, d, f.clinicID, b.prof, "")
	b.receptionist = kernel.Principal{UserID: appointmenttest.Member(t, d, f.clinicID, kernel.RoleReceptionist), ClinicID: f.clinicID, Role: kernel.RoleReceptionist}
	b.appts = appointment.NewService(d, schedule.NewService(d, c), b.jobs, appointment.WithTxHook(func(ctx context.Context, w appointment.Writer, ch appointment.Change) error {
		return b.svc.BookingTx(ctx, w, ch)
	}))
	opts := []waitlist.Option{waitlist.WithClock(b.clock.Now), waitlist.WithJobs(b.jobs), waitlist.WithAppointments(b.appts),
		waitlist.WithOfferTime(func(_ context.Context, clinicID string) (time.Duration, error) {
			if clinicID != f.clinicID {
				return 0, errors.New("offer time asked for another clinic")
			}
			return b.exclusive, nil
		}),
		waitlist.OnOfferTx(func(_ context.Context, w appointment.Writer, o waitlist.Offer) error {
			b.offeredMu.Lock()
			defer b.offeredMu.Unlock()
			b.offered = append(b.offered, o)
			return nil
		})}
	b.svc = waitlist.NewService(d, opts...)
	b.freed = waitlist.NewSlotFreedWorker(d, opts...)
	b.next = waitlist.NewOfferNextWorker(d, opts...)
	b.firstPatient, b.secondPatient = f.patient("Joana Lima", ""), f.patient("Pedro Alves", "")
	b.first = f.entry(entryRow{patientID: b.firstPatient, professionalID: b.prof, from: "2030-06-01", to: "2030-06-30"})
	b.second = f.entry(entryRow{patientID: b.secondPatient, from: "2030-06-01", to: "2030-06-30"})

	// A third patient's appointment at the slot is cancelled.
	other := f.patient("Carla Dias", "")
	ctx := context.Background()
	ap, err := b.appts.Create(ctx, b.receptionist, appointment.CreateInput{PatientID: other, ProfessionalID: b.prof,
		StartsAt: slotStart.Format(time.RFC3339), DurationMinutes: 30})
	require.NoError(t, err)
	_, err = b.appts.SetStatus(ctx, b.receptionist, ap.ID, appointment.StatusInput{Status: appointment.StatusCancelled})
	require.NoError(t, err)
	b.cancelledAppID = ap.ID
	return b
}

// slotFreed works the slot-freed job the cancellation enqueued.
func (b *offerBundle) slotFreed(t *testing.T) {
	t.Helper()
	args, _ := last[appointment.SlotFreedArgs](t, b.jobs)
	require.Equal(t, b.cancelledAppID, args.AppointmentID)
	require.NoError(t, work(t, b.freed, args))
}

// step works the last OfferNextArgs job inserted (at the clock's time).
func (b *offerBundle) step(t *testing.T) error {
	t.Helper()
	args, _ := last[waitlist.OfferNextArgs](t, b.jobs)
	return b.workStep(args)
}

func (b *offerBundle) workStep(args waitlist.OfferNextArgs) error {
	return b.next.Work(context.Background(), &river.Job[waitlist.OfferNextArgs]{
		JobRow: &rivertype.JobRow{ID: 43, Kind: args.Kind(), Attempt: 1}, Args: args})
}

// offerOf returns the offer of entry (exactly one).
func (b *offerBundle) offerOf(t *testing.T, entryID string) offer {
	t.Helper()
	var found []offer
	for _, o := range b.offers() {
		if o.entryID == entryID {
			found = append(found, o)
		}
	}
	require.Len(t, found, 1, "offers of entry %s", entryID)
	return found[0]
}

// booked returns the active appointments of the professional at the slot.
func (b *offerBundle) booked(t *testing.T) []string {
	t.Helper()
	rows, err := b.d.QueryContext(context.Background(), `SELECT patient_id FROM appointment_refs
		WHERE clinic_id = $1 AND professional_id = $2 AND active AND starts_at < $4 AND ends_at > $3`,
		b.clinicID, b.prof, db.Time(slotStart), db.Time(slotEnd))
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		require.NoError(t, rows.Scan(&p))
		out = append(out, p)
	}
	require.NoError(t, rows.Err())
	return out
}

func (b *offerBundle) slotStatus(t *testing.T) string {
	t.Helper()
	var s string
	require.NoError(t, b.d.QueryRowContext(context.Background(), `SELECT status FROM waitlist_slots WHERE clinic_id = $1`, b.clinicID).Scan(&s))
	return s
}

func TestOfferCascadeFirstAcceptWins(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := newOfferBundle(t, d)
		ctx := context.Background()
		freedAt := b.clock.Now()
		b.slotFreed(t)

		// The first patient has the slot alone.
		offers := b.offers()
		require.Len(t, offers, 1)
		first := offers[0]
		require.Equal(t, b.first, first.entryID)
		require.Equal(t, "offered", b.status(b.first))
		require.Equal(t, "waiting", b.status(b.second))
		require.Len(t, b.offered, 1, "the OnOfferTx hook ran for the offer")
		require.Equal(t, waitlist.Offer{ID: first.id, ClinicID: b.clinicID, EntryID: b.first, PatientID: b.firstPatient, ProfessionalID: b.prof,
			StartsAt: slotStart.UTC(), EndsAt: slotEnd.UTC(), Status: waitlist.OfferPending, ExclusiveUntil: b.offered[0].ExclusiveUntil,
			CreatedAt: b.offered[0].CreatedAt}, b.offered[0])
		require.WithinDuration(t, freedAt.Add(b.exclusive), *b.offered[0].ExclusiveUntil, time.Second)
		st, err := b.svc.Offer(ctx, b.clinicID, first.id)
		require.NoError(t, err)
		require.True(t, st.Open)
		require.Equal(t, 30, st.DurationMinutes)

		args, opts := last[waitlist.OfferNextArgs](t, b.jobs)
		require.Equal(t, 0, args.Step)
		require.True(t, opts.UniqueOpts.ByArgs, "one job per slot and step")
		require.WithinDuration(t, freedAt.Add(b.exclusive), opts.ScheduledAt, time.Second, "the next step comes when the exclusive time ends")

		// Run early (a manual retry), the step waits for its time.
		var snooze *river.JobSnoozeError
		require.True(t, errors.As(b.step(t), &snooze), "a step run early is snoozed")
		require.Len(t, b.offers(), 1)

		// After the exclusive time, the second patient is offered the slot too.
		b.clock.Advance(b.exclusive + time.Minute)
		require.NoError(t, b.step(t))
		require.Len(t, b.offers(), 2)
		second := b.offerOf(t, b.second)
		require.Equal(t, "pending", second.status)
		require.Equal(t, "pending", b.offerOf(t, b.first).status, "the first offer stays open")
		require.Equal(t, "offered", b.status(b.second))
		require.NoError(t, b.workStep(args), "a step run again")
		require.Len(t, b.offers(), 2, "a step taken twice offers once")
		for _, id := range []string{first.id, second.id} {
			st, err := b.svc.Offer(ctx, b.clinicID, id)
			require.NoError(t, err)
			require.True(t, st.Open, "offer %s", id)
		}

		// Both accept at once: exactly one gets the appointment.
		type result struct {
			offerID string
			appt    appointment.Appointment
			err     error
		}
		results := make(chan result, 2)
		var wg sync.WaitGroup
		for _, id := range []string{first.id, second.id} {
			wg.Go(func() {
				a, err := b.svc.AcceptOffer(ctx, b.clinicID, id)
				results <- result{id, a, err}
			})
		}
		wg.Wait()
		close(results)
		var won, lost []result
		for r := range results {
			if r.err == nil {
				won = append(won, r)
				continue
			}
			require.True(t, apperr.Is(r.err, apperr.Conflict), "the loser sees the slot is gone, got %v", r.err)
			lost = append(lost, r)
		}
		require.Len(t, won, 1, "one accept wins")
		require.Len(t, lost, 1, "the other loses")
		winner, loser := map[string]string{first.id: b.first, second.id: b.second}[won[0].offerID], map[string]string{first.id: b.first, second.id: b.second}[lost[0].offerID]
		winnerPatient := map[string]string{b.first: b.firstPatient, b.second: b.secondPatient}[winner]
		require.Equal(t, []string{winnerPatient}, b.booked(t), "exactly one appointment holds the slot")
		ap := won[0].appt
		require.Equal(t, winnerPatient, ap.PatientID)
		require.True(t, slotStart.Equal(ap.StartsAt) && slotEnd.Equal(ap.EndsAt), "booked %s–%s", ap.StartsAt, ap.EndsAt)
		require.Equal(t, "booked", b.status(winner))
		require.Equal(t, "waiting", b.status(loser), "the loser stays on the waitlist")
		require.Equal(t, "accepted", b.offerOf(t, winner).status)
		require.Equal(t, "expired", b.offerOf(t, loser).status)
		require.Equal(t, "closed", b.slotStatus(t))
		st, err = b.svc.Offer(ctx, b.clinicID, lost[0].offerID)
		require.NoError(t, err)
		require.False(t, st.Open)
		logged := b.audit("waitlist_offer")
		require.Equal(t, "update", logged[len(logged)-1].action, "the accepted offer is audited")
		require.Equal(t, won[0].offerID, logged[len(logged)-1].entityID)

		// Accepting again books nothing more.
		again, err := b.svc.AcceptOffer(ctx, b.clinicID, won[0].offerID)
		require.NoError(t, err)
		require.Equal(t, ap.ID, again.ID, "the same appointment")
		_, err = b.svc.AcceptOffer(ctx, b.clinicID, lost[0].offerID)
		require.True(t, apperr.Is(err, apperr.Conflict), "got %v", err)
		require.Equal(t, []string{winnerPatient}, b.booked(t))

		// The cascade's next step finds the slot closed: the loser is not
		// offered it again.
		b.clock.Advance(b.exclusive)
		require.NoError(t, b.step(t))
		require.Len(t, b.offers(), 2)
		require.Equal(t, "waiting", b.status(loser))

		// Another clinic's offer is not found.
		other := newFixture(t, d, "America/Sao_Paulo")
		_, err = b.svc.AcceptOffer(ctx, other.clinicID, first.id)
		require.True(t, apperr.Is(err, apperr.NotFound), "got %v", err)
		_, err = b.svc.Offer(ctx, other.clinicID, first.id)
		require.True(t, apperr.Is(err, apperr.NotFound), "got %v", err)
		_, err = b.svc.AcceptOffer(ctx, b.clinicID, kernel.NewID())
		require.True(t, apperr.Is(err, apperr.NotFound), "got %v", err)
	})
}

func TestAcceptingAnOfferOfASlotBookedMeanwhileIsAConflict(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := newOfferBundle(t, d)
		ctx := context.Background()
		b.slotFreed(t)
		first := b.offerOf(t, b.first)
		b.clock.Advance(b.exclusive + time.Minute)
		require.NoError(t, b.step(t))
		second := b.offerOf(t, b.second)

		// The receptionist books the time for somebody else.
		walkIn := b.patient("Rita Souza", "")
		_, err := b.appts.Create(ctx, b.receptionist, appointment.CreateInput{PatientID: walkIn, ProfessionalID: b.prof,
			StartsAt: slotStart.Format(time.RFC3339), DurationMinutes: 30})
		require.NoError(t, err)
		st, err := b.svc.Offer(ctx, b.clinicID, first.id)
		require.NoError(t, err)
		require.False(t, st.Open, "a taken slot is not open")

		_, err = b.svc.AcceptOffer(ctx, b.clinicID, first.id)
		require.True(t, apperr.Is(err, apperr.Conflict), "got %v", err)
		require.Equal(t, []string{walkIn}, b.booked(t))
		require.Equal(t, "waiting", b.status(b.first))
		require.Equal(t, "expired", b.offerOf(t, b.first).status)
		// The taken slot closes: the other offer expires too.
		require.Equal(t, "closed", b.slotStatus(t))
		require.Equal(t, "expired", b.offerOf(t, b.second).status)
		require.Equal(t, "waiting", b.status(b.second))
		_, err = b.svc.AcceptOffer(ctx, b.clinicID, second.id)
		require.True(t, apperr.Is(err, apperr.Conflict), "got %v", err)
	})
}

func TestOfferCascadeClosesTheSlotWhenItStarts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := newOfferBundle(t, d)
		b.slotFreed(t)
		b.clock.Advance(b.exclusive + time.Minute)
		require.NoError(t, b.step(t))
		require.Len(t, b.offers(), 2)
		// Nobody else waits: the next steps look again at least an hour
		// apart while the offers stay open; once the slot has started, a
		// step closes it.
		b.clock.Advance(b.exclusive + time.Minute)
		require.NoError(t, b.step(t))
		require.Len(t, b.offers(), 2)
		args, opts := last[waitlist.OfferNextArgs](t, b.jobs)
		require.Equal(t, 2, args.Step)
		require.WithinDuration(t, b.clock.Now().Add(time.Hour), opts.ScheduledAt, time.Second)
		require.Equal(t, "open", b.slotStatus(t))
		b.clock.Set(slotStart.Add(time.Minute))
		require.NoError(t, b.step(t))
		require.Equal(t, "closed", b.slotStatus(t))
		for _, e := range []string{b.first, b.second} {
			require.Equal(t, "expired", b.offerOf(t, e).status)
			require.Equal(t, "waiting", b.status(e), "entries wait again")
		}
		st, err := b.svc.Offer(context.Background(), b.clinicID, b.offerOf(t, b.first).id)
		require.NoError(t, err)
		require.False(t, st.Open)
	})
}

func TestOfferCascadeAfterADeclinedOfferOffersTheNextEntry(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := newOfferBundle(t, d)
		b.slotFreed(t)
		// The patient declines; the entry goes back to waiting.
		b.exec(`UPDATE waitlist_offers SET status = 'declined' WHERE entry_id = $1`, b.first)
		b.exec(`UPDATE waitlist_entries SET status = 'waiting' WHERE id = $1`, b.first)
		args, _ := last[appointment.SlotFreedArgs](t, b.jobs)
		require.NoError(t, work(t, b.freed, args), "a retried slot-freed job")
		require.Len(t, b.offers(), 1, "the slot's cascade is open: the job offers nothing more")

		b.clock.Advance(b.exclusive)
		require.NoError(t, b.step(t))
		require.Len(t, b.offers(), 2)
		require.Equal(t, "pending", b.offerOf(t, b.second).status, "the next entry, not the one that declined")
		require.Equal(t, "waiting", b.status(b.first))
		require.Equal(t, "offered", b.status(b.second))
	})
}

// lateQueue inserts jobs through a queue built after its workers.
type lateQueue struct{ q **queue.Queue }

func (l lateQueue) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return (*l.q).InsertTx(ctx, tx, args, opts)
}

func TestOfferCascadeThroughTheQueue(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var q *queue.Queue
		workers := river.NewWorkers()
		waitlist.RegisterWorkers(workers, d, waitlist.WithJobs(lateQueue{&q}),
			waitlist.WithOfferTime(func(context.Context, string) (time.Duration, error) { return time.Second, nil }))
		q = queuetest.Start(t, d, queuetest.FastConfig(), workers, nil)

		b := newSlot(t, d, "America/Sao_Paulo", slotStart, slotEnd)
		first := b.entry(entryRow{patientID: b.patient, from: "2030-06-01", to: "2030-06-30"})
		second := b.entry(entryRow{patientID: b.patient, professionalID: b.prof, from: "2030-06-01", to: "2030-06-30"})
		require.NoError(t, d.Tx(context.Background(), func(tx *sql.Tx) error {
			_, err := q.InsertTx(context.Background(), tx, b.args, queue.WithClinic(nil, b.clinicID))
			return err
		}))
		require.Eventually(t, func() bool { return len(b.offers()) == 2 }, 20*time.Second, 50*time.Millisecond,
			"the slot is offered to the second patient when the first's exclusive second is over")
		offers := b.offers()
		require.Equal(t, []string{first, second}, []string{offers[0].entryID, offers[1].entryID})
		require.Equal(t, []string{"pending", "pending"}, []string{offers[0].status, offers[1].status})
		require.Equal(t, "offered", b.status(first))
		require.Equal(t, "offered", b.status(second))
	})
}

func TestAcceptingAnOfferOutsideTheWorkingHoursIsAConflict(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := newOfferBundle(t, d)
		b.slotFreed(t)
		// The professional no longer works then (the freed appointment may
		// have been a squeeze-in): the booking is refused, as for anyone.
		b.exec(`DELETE FROM working_hours WHERE professional_id = $1`, b.prof)
		_, err := b.svc.AcceptOffer(context.Background(), b.clinicID, b.offerOf(t, b.first).id)
		require.True(t, apperr.Is(err, apperr.Conflict), "got %v", err)
		require.Empty(t, b.booked(t))
		require.Equal(t, "expired", b.offerOf(t, b.first).status)
		require.Equal(t, "waiting", b.status(b.first), "the patient stays on the waitlist")
	})
}

func TestOfferCascadeWithNobodyLeftClosesTheSlot(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := newOfferBundle(t, d)
		b.exec(`UPDATE waitlist_entries SET status = 'removed' WHERE id = $1`, b.second)
		b.slotFreed(t)
		b.exec(`UPDATE waitlist_offers SET status = 'declined' WHERE entry_id = $1`, b.first)
		b.exec(`UPDATE waitlist_entries SET status = 'waiting' WHERE id = $1`, b.first)
		b.clock.Advance(b.exclusive)
		jobs := len(b.jobs.jobs)
		require.NoError(t, b.step(t))
		require.Equal(t, "closed", b.slotStatus(t), "no open offer and nobody else fits")
		require.Len(t, b.jobs.jobs, jobs, "no further step")
		require.Len(t, b.offers(), 1)
	})
}
