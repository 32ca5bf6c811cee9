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

	"clinic/internal/appointment"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/queue"
	"clinic/internal/platform/queue/queuetest"
	"clinic/internal/waitlist"
)

// work runs one job of args directly, as River would.
func work(t *testing.T, w *waitlist.SlotFreedWorker, args appointment.SlotFreedArgs) error {
	t.Helper()
	return w.Work(context.Background(), &river.Job[appointment.SlotFreedArgs]{
		JobRow: &rivertype.JobRow{ID: 42, Kind: args.Kind(), Attempt: 1},
		Args:   args,
	})
}

// slotBundle is a clinic with a professional whose appointment was cancelled,
// freeing a slot.
type slotBundle struct {
	*fixture
	prof, other string // the slot's professional and another one
	patient     string // the patient of the freed appointment
	args        appointment.SlotFreedArgs
}

// newSlot frees the slot start..end (local times of date in the fixture's
// zone) of a new professional by cancelling their appointment.
func newSlot(t *testing.T, d *db.DB, tz string, start, end time.Time) *slotBundle {
	t.Helper()
	f := newFixture(t, d, tz)
	b := &slotBundle{fixture: f, prof: f.professional("Dra. Ana", ""), other: f.professional("Dr. Bruno", ""), patient: f.patient("Carla Dias", "")}
	apptID := f.appointment(b.prof, b.patient, start, end, "cancelled")
	b.args = appointment.SlotFreedArgs{ClinicID: f.clinicID, AppointmentID: apptID, ProfessionalID: b.prof, StartsAt: start, EndsAt: end}
	return b
}

// The slot of most cases: 2030-06-10 09:00–09:30 in São Paulo (UTC-3).
var (
	saoPaulo  = mustZone("America/Sao_Paulo")
	slotStart = time.Date(2030, 6, 10, 9, 0, 0, 0, saoPaulo)
	slotEnd   = slotStart.Add(30 * time.Minute)
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func TestSlotFreedOffersTheOldestFittingEntry(t *testing.T) {
	t.Parallel()
	// wanted is an entry of a case; who is "self" (the slot's professional),
	// "other" or "any".
	type wanted struct {
		who              string
		from, to         string
		earliest, latest *int
		duration         int
		status           string
	}
	june := func(who string) wanted { return wanted{who: who, from: "2030-06-01", to: "2030-06-30"} }
	with := func(w wanted, change func(*wanted)) wanted { change(&w); return w }
	tests := []struct {
		name    string
		entries []wanted
		// appointments (other than the cancelled one) in the clinic:
		// professional ("self"/"other"), local start and end on the slot's
		// day, and status.
		appointments []struct{ who, start, end, status string }
		want         int // index of the entry offered the slot; -1: none
	}{
		{name: "the oldest of two fitting entries", entries: []wanted{june("self"), june("self")}, want: 0},
		{name: "an entry for another professional is skipped", entries: []wanted{june("other"), june("self")}, want: 1},
		{name: "an entry for any professional fits", entries: []wanted{june("any")}, want: 0},
		{name: "any professional and the slot's professional, oldest first", entries: []wanted{june("self"), june("any")}, want: 0},
		{name: "entries whose date range misses the slot's date are skipped", entries: []wanted{
			with(june("self"), func(w *wanted) { w.to = "2030-06-09" }),
			with(june("self"), func(w *wanted) { w.from = "2030-06-11" }),
			with(june("self"), func(w *wanted) { w.from, w.to = "2030-06-10", "2030-06-10" }),
		}, want: 2},
		{name: "entries whose time window misses part of the slot are skipped", entries: []wanted{
			with(june("self"), func(w *wanted) { w.earliest, w.latest = minutes(14, 0), minutes(18, 0) }),
			with(june("self"), func(w *wanted) { w.earliest = minutes(9, 10) }),
			with(june("self"), func(w *wanted) { w.latest = minutes(9, 20) }),
			with(june("self"), func(w *wanted) { w.earliest, w.latest = minutes(9, 0), minutes(9, 30) }),
		}, want: 3},
		{name: "an open-ended window fits", entries: []wanted{
			with(june("self"), func(w *wanted) { w.earliest = minutes(8, 0) }),
		}, want: 0},
		{name: "an entry longer than the slot is skipped", entries: []wanted{
			with(june("self"), func(w *wanted) { w.duration = 45 }),
			with(june("self"), func(w *wanted) { w.duration = 30 }),
		}, want: 1},
		{name: "a shorter entry fits", entries: []wanted{with(june("self"), func(w *wanted) { w.duration = 15 })}, want: 0},
		{name: "entries offered, booked or removed are skipped", entries: []wanted{
			with(june("self"), func(w *wanted) { w.status = "offered" }),
			with(june("self"), func(w *wanted) { w.status = "booked" }),
			with(june("self"), func(w *wanted) { w.status = "removed" }),
			june("self"),
		}, want: 3},
		{name: "no fitting entry records nothing", entries: []wanted{june("other")}, want: -1},
		{name: "a slot booked again meanwhile records nothing", entries: []wanted{june("self")},
			appointments: []struct{ who, start, end, status string }{{"self", "09:15", "09:45", "scheduled"}}, want: -1},
		{name: "a slot partly booked again by a confirmed appointment records nothing", entries: []wanted{june("self")},
			appointments: []struct{ who, start, end, status string }{{"self", "08:45", "09:05", "confirmed"}}, want: -1},
		{name: "cancelled and no-show appointments leave the slot free", entries: []wanted{june("self")},
			appointments: []struct{ who, start, end, status string }{{"self", "09:00", "09:30", "no_show"}, {"self", "09:00", "09:30", "cancelled"}}, want: 0},
		{name: "adjacent appointments and another professional's leave the slot free", entries: []wanted{june("self")},
			appointments: []struct{ who, start, end, status string }{
				{"self", "08:30", "09:00", "scheduled"}, {"self", "09:30", "10:00", "scheduled"}, {"other", "09:00", "09:30", "scheduled"},
			}, want: 0},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := waitlist.NewSlotFreedWorker(d)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b := newSlot(t, d, "America/Sao_Paulo", slotStart, slotEnd)
				ids := make([]string, len(tt.entries))
				patients := make([]string, len(tt.entries))
				for i, e := range tt.entries {
					patients[i] = b.patient
					prof := map[string]string{"self": b.prof, "other": b.other, "any": ""}[e.who]
					ids[i] = b.entry(entryRow{patientID: patients[i], professionalID: prof, from: e.from, to: e.to,
						earliest: e.earliest, latest: e.latest, duration: e.duration, status: e.status})
				}
				for _, a := range tt.appointments {
					prof := map[string]string{"self": b.prof, "other": b.other}[a.who]
					b.appointment(prof, b.patient, localTime(t, "2030-06-10", a.start, saoPaulo), localTime(t, "2030-06-10", a.end, saoPaulo), a.status)
				}
				before := make([]string, len(ids))
				for i, id := range ids {
					before[i] = b.status(id)
				}

				require.NoError(t, work(t, w, b.args))

				offers := b.offers()
				if tt.want < 0 {
					require.Empty(t, offers)
					for i, id := range ids {
						require.Equal(t, before[i], b.status(id), "entry %d", i)
					}
					return
				}
				require.Len(t, offers, 1)
				o := offers[0]
				require.Equal(t, ids[tt.want], o.entryID, "offered entry")
				require.Equal(t, b.prof, o.professionalID)
				require.Equal(t, "pending", o.status)
				require.True(t, slotStart.Equal(o.startsAt), "starts_at %s", o.startsAt)
				require.True(t, slotEnd.Equal(o.endsAt), "ends_at %s", o.endsAt)
				for i, id := range ids {
					want := before[i]
					if i == tt.want {
						want = "offered"
					}
					require.Equal(t, want, b.status(id), "entry %d", i)
				}
				logged := b.audit("waitlist_offer")
				require.Len(t, logged, 1)
				require.Equal(t, "create", logged[0].action)
				require.Equal(t, o.id, logged[0].entityID)
				require.Equal(t, patients[tt.want], logged[0].patientID.String)
				require.False(t, logged[0].userID.Valid, "a job has no user")
			})
		}
	})
}

// localTime returns the instant of date and "HH:MM" in loc.
func localTime(t *testing.T, date, hhmm string, loc *time.Location) time.Time {
	t.Helper()
	ts, err := time.ParseInLocation("2006-01-02 15:04", date+" "+hhmm, loc)
	require.NoError(t, err)
	return ts
}

func TestSlotFreedTwiceRecordsOneOffer(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := newSlot(t, d, "America/Sao_Paulo", slotStart, slotEnd)
		first := b.entry(entryRow{patientID: b.patient, professionalID: b.prof, from: "2030-06-01", to: "2030-06-30"})
		second := b.entry(entryRow{patientID: b.patient, professionalID: b.prof, from: "2030-06-01", to: "2030-06-30"})
		w := waitlist.NewSlotFreedWorker(d)
		require.NoError(t, work(t, w, b.args))
		require.NoError(t, work(t, w, b.args), "a retried job")

		offers := b.offers()
		require.Len(t, offers, 1)
		require.Equal(t, first, offers[0].entryID)
		require.Equal(t, "waiting", b.status(second), "the second entry is not offered the same slot")
		require.Len(t, b.audit("waitlist_offer"), 1)
	})
}

func TestSlotFreedConcurrentRunsRecordOneOffer(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := newSlot(t, d, "America/Sao_Paulo", slotStart, slotEnd)
		for range 3 {
			b.entry(entryRow{patientID: b.patient, professionalID: b.prof, from: "2030-06-01", to: "2030-06-30"})
		}
		w := waitlist.NewSlotFreedWorker(d)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() { errs <- work(t, w, b.args) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Len(t, b.offers(), 1)
	})
}

func TestSlotFreedComparesClinicLocalTimesOnDaylightSavingDays(t *testing.T) {
	t.Parallel()
	ny := mustZone("America/New_York")
	// 2030-03-10: New York's clocks jump from 02:00 EST to 03:00 EDT.
	_, before := time.Date(2030, 3, 10, 0, 0, 0, 0, ny).Zone()
	_, after := time.Date(2030, 3, 10, 12, 0, 0, 0, ny).Zone()
	require.Equal(t, []int{-5 * 3600, -4 * 3600}, []int{before, after}, "fixture: 2030-03-10 must be a DST day in New York")

	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Run("a morning slot after the change", func(t *testing.T) {
			// 13:00–13:30 UTC is 09:00–09:30 EDT (08:00 by the midnight offset).
			start := time.Date(2030, 3, 10, 13, 0, 0, 0, time.UTC)
			b := newSlot(t, d, "America/New_York", start, start.Add(30*time.Minute))
			early := b.entry(entryRow{patientID: b.patient, professionalID: b.prof, from: "2030-03-10", to: "2030-03-10", earliest: minutes(8, 0), latest: minutes(9, 0)})
			nine := b.entry(entryRow{patientID: b.patient, professionalID: b.prof, from: "2030-03-10", to: "2030-03-10", earliest: minutes(9, 0), latest: minutes(9, 30)})
			require.NoError(t, work(t, waitlist.NewSlotFreedWorker(d), b.args))
			offers := b.offers()
			require.Len(t, offers, 1)
			require.Equal(t, nine, offers[0].entryID)
			require.Equal(t, "waiting", b.status(early))
		})
		t.Run("a slot across the change lasts its real duration", func(t *testing.T) {
			// 06:30–07:30 UTC is 01:30 EST to 03:30 EDT: one hour.
			start := time.Date(2030, 3, 10, 6, 30, 0, 0, time.UTC)
			b := newSlot(t, d, "America/New_York", start, start.Add(time.Hour))
			long := b.entry(entryRow{patientID: b.patient, professionalID: b.prof, from: "2030-03-10", to: "2030-03-10", duration: 90})
			narrow := b.entry(entryRow{patientID: b.patient, professionalID: b.prof, from: "2030-03-10", to: "2030-03-10", earliest: minutes(1, 0), latest: minutes(3, 0), duration: 60})
			fits := b.entry(entryRow{patientID: b.patient, professionalID: b.prof, from: "2030-03-10", to: "2030-03-10", earliest: minutes(1, 30), latest: minutes(3, 30), duration: 60})
			require.NoError(t, work(t, waitlist.NewSlotFreedWorker(d), b.args))
			offers := b.offers()
			require.Len(t, offers, 1)
			require.Equal(t, fits, offers[0].entryID)
			require.Equal(t, "waiting", b.status(long))
			require.Equal(t, "waiting", b.status(narrow))
		})
		t.Run("a late-evening UTC slot falls on the previous local date", func(t *testing.T) {
			// 2030-03-11 02:00 UTC is 2030-03-10 22:00 EDT.
			start := time.Date(2030, 3, 11, 2, 0, 0, 0, time.UTC)
			b := newSlot(t, d, "America/New_York", start, start.Add(30*time.Minute))
			nextDay := b.entry(entryRow{patientID: b.patient, professionalID: b.prof, from: "2030-03-11", to: "2030-03-11"})
			sameDay := b.entry(entryRow{patientID: b.patient, professionalID: b.prof, from: "2030-03-10", to: "2030-03-10", earliest: minutes(22, 0), latest: minutes(24, 0)})
			require.NoError(t, work(t, waitlist.NewSlotFreedWorker(d), b.args))
			offers := b.offers()
			require.Len(t, offers, 1)
			require.Equal(t, sameDay, offers[0].entryID)
			require.Equal(t, "waiting", b.status(nextDay))
		})
	})
}

func TestSlotFreedInThePastRecordsNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		start := time.Now().Add(-time.Hour).Truncate(time.Minute)
		b := newSlot(t, d, "America/Sao_Paulo", start, start.Add(30*time.Minute))
		date := start.In(saoPaulo).Format(time.DateOnly)
		b.entry(entryRow{patientID: b.patient, from: date, to: date})
		require.NoError(t, work(t, waitlist.NewSlotFreedWorker(d), b.args))
		require.Empty(t, b.offers())
	})
}

func TestSlotFreedWithUnknownClinicOrProfessionalIsCancelled(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := newSlot(t, d, "America/Sao_Paulo", slotStart, slotEnd)
		other := newFixture(t, d, "America/Sao_Paulo")
		otherProf := other.professional("Dr. Outro", "")
		w := waitlist.NewSlotFreedWorker(d)
		for name, change := range map[string]func(*appointment.SlotFreedArgs){
			"unknown clinic":                  func(a *appointment.SlotFreedArgs) { a.ClinicID = "0190a1b2-0000-7000-8000-000000000009" },
			"another clinic's professional":   func(a *appointment.SlotFreedArgs) { a.ProfessionalID = otherProf },
			"no professional":                 func(a *appointment.SlotFreedArgs) { a.ProfessionalID = "" },
			"a slot that ends when it starts": func(a *appointment.SlotFreedArgs) { a.EndsAt = a.StartsAt },
		} {
			args := b.args
			change(&args)
			err := work(t, w, args)
			var cancel *river.JobCancelError
			require.True(t, errors.As(err, &cancel), "%s: want a cancelled job, got %v", name, err)
		}
		require.Empty(t, b.offers())
	})
}

func TestSlotFreedJobThroughTheQueue(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		workers := river.NewWorkers()
		waitlist.RegisterWorkers(workers, d)
		q := queuetest.Start(t, d, queuetest.FastConfig(), workers, nil)

		b := newSlot(t, d, "America/Sao_Paulo", slotStart, slotEnd)
		entry := b.entry(entryRow{patientID: b.patient, from: "2030-06-01", to: "2030-06-30"})
		// As the appointment service does: in the transaction that frees the slot.
		var jobID int64
		require.NoError(t, d.Tx(context.Background(), func(tx *sql.Tx) error {
			res, err := q.InsertTx(context.Background(), tx, b.args, queue.WithClinic(nil, b.clinicID))
			if err == nil {
				jobID = res.Job.ID
			}
			return err
		}))
		queuetest.WaitForState(t, q, b.clinicID, jobID, "completed")
		offers := b.offers()
		require.Len(t, offers, 1)
		require.Equal(t, entry, offers[0].entryID)
		require.Equal(t, "offered", b.status(entry))
	})
}
