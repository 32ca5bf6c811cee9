package appointment

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/queue"
	"clinic/internal/schedule"
)

// benchEngines runs fn on a fresh database of each engine.
func benchEngines(b *testing.B, fn func(b *testing.B, d *db.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, dbtest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, dbtest.Postgres(b)) })
}

// benchService returns a service on d with the durable queue (insert only).
func benchService(b *testing.B, d *db.DB) *Service {
	b.Helper()
	ctx := context.Background()
	_, err := queue.Migrate(ctx, d)
	require.NoError(b, err)
	workers := river.NewWorkers()
	river.AddWorker(workers, &noopSlotFreed{})
	q, err := queue.New(d, queue.Config{}, workers, nil, nil)
	require.NoError(b, err)
	c, err := cache.New(ctx, cache.Config{Backend: cache.BackendMemory}, nil, nil)
	require.NoError(b, err)
	b.Cleanup(func() { _ = c.Close() })
	svc := NewService(d, schedule.NewService(d, c), q)
	svc.now = func() time.Time { return testNow }
	return svc
}

type noopSlotFreed struct {
	river.WorkerDefaults[SlotFreedArgs]
}

func (noopSlotFreed) Work(context.Context, *river.Job[SlotFreedArgs]) error { return nil }

// benchAgenda makes ten busy clinics (20 appointments a day for 30 days
// each) and returns one of them and its busy day.
func benchAgenda(b *testing.B, d *db.DB) (kernel.Principal, time.Time, time.Time) {
	b.Helper()
	loc, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(b, err)
	first := time.Date(2031, 3, 3, 0, 0, 0, 0, loc)
	var clinicID string
	for range 10 {
		clinicID = appointmenttest.Clinic(b, d, "")
		appointmenttest.BusyClinic(b, d, clinicID, loc, first, 30, 20)
	}
	if d.Dialect == db.Postgres { // as autovacuum would; SQLite is never analyzed in production
		_, err = d.ExecContext(context.Background(), `ANALYZE`)
		require.NoError(b, err)
	}
	p := kernel.Principal{UserID: appointmenttest.Member(b, d, clinicID, kernel.RoleReceptionist), ClinicID: clinicID, Role: kernel.RoleReceptionist}
	day := first.AddDate(0, 0, 10)
	return p, day, day.AddDate(0, 0, 1)
}

// BenchmarkListBusyDay lists one clinic's day of 20 appointments among
// 6 000 (ten clinics, 30 days): List runs the agenda query every time;
// ListJSON-cached serves the encoded page from a memory cache.
func BenchmarkListBusyDay(b *testing.B) {
	benchEngines(b, func(b *testing.B, d *db.DB) {
		svc := benchService(b, d)
		p, from, to := benchAgenda(b, d)
		ctx := context.Background()
		b.Run("List", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					page, err := svc.List(ctx, p, ListFilter{From: from, To: to})
					if err != nil || len(page.Items) != 20 {
						b.Errorf("list: %d items, %v", len(page.Items), err)
						return
					}
				}
			})
		})
		b.Run("ListJSON-cached", func(b *testing.B) {
			c, err := cache.New(ctx, cache.Config{Backend: cache.BackendMemory}, nil, nil)
			require.NoError(b, err)
			b.Cleanup(func() { _ = c.Close() })
			cached := *svc
			cached.cache = c
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, _, err := cached.ListJSON(ctx, p, ListFilter{From: from, To: to}, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	})
}

// benchBooking is a clinic with a professional working all week, a room and
// a patient.
func benchBooking(b *testing.B, d *db.DB) (kernel.Principal, string, string, string) {
	b.Helper()
	clinicID := appointmenttest.Clinic(b, d, "")
	p := kernel.Principal{UserID: appointmenttest.Member(b, d, clinicID, kernel.RoleReceptionist), ClinicID: clinicID, Role: kernel.RoleReceptionist}
	prof := appointmenttest.Professional(b, d, clinicID, "Dra. Ana", 30, "")
	appointmenttest.AllWeek(b, d, clinicID, prof, "")
	return p, appointmenttest.Patient(b, d, clinicID, "Maria"), prof, appointmenttest.Room(b, d, clinicID, "Sala")
}

// BenchmarkBook books one appointment: reference checks, working hours, then
// one transaction with the overlap check (SQLite) or exclusion constraint
// (PostgreSQL), the insert, its history event and its audit entry.
func BenchmarkBook(b *testing.B) {
	benchEngines(b, func(b *testing.B, d *db.DB) {
		svc := benchService(b, d)
		p, patient, prof, room := benchBooking(b, d)
		ctx := context.Background()
		start := testNow.Add(24 * time.Hour).Truncate(time.Hour)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			_, err := svc.Create(ctx, p, CreateInput{PatientID: patient, ProfessionalID: prof, RoomID: room,
				StartsAt: start.Add(time.Duration(i) * 30 * time.Minute).Format(time.RFC3339), DurationMinutes: 30})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRescheduleEnqueue moves one appointment to a new slot: working
// hours, then one transaction with the locked read, the overlap check, the
// update, its history event, its audit entry and the SlotFreedArgs job.
func BenchmarkRescheduleEnqueue(b *testing.B) {
	benchEngines(b, func(b *testing.B, d *db.DB) {
		svc := benchService(b, d)
		p, patient, prof, room := benchBooking(b, d)
		ctx := context.Background()
		start := testNow.Add(24 * time.Hour).Truncate(time.Hour)
		a, err := svc.Create(ctx, p, CreateInput{PatientID: patient, ProfessionalID: prof, RoomID: room, StartsAt: start.Format(time.RFC3339), DurationMinutes: 30})
		require.NoError(b, err)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			next := start.Add(time.Duration(i+1) * 30 * time.Minute).Format(time.RFC3339)
			if _, err := svc.Update(ctx, p, a.ID, UpdateInput{StartsAt: kernel.Some(next)}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
