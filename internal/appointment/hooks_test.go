package appointment

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

// heard is one call of an OnChange listener, with the appointment as the
// listener could read it at that moment (from outside the write).
type heard struct {
	change Change
	seen   Appointment
	err    error
}

// listener records the changes a service announces.
type listener struct {
	svc   *Service
	owner kernel.Principal
	mu    sync.Mutex
	calls []heard
}

func (l *listener) heard(ctx context.Context, c Change) {
	// Read through the service's own database handle, not the write's
	// transaction: it sees the change only once it is committed.
	seen, err := l.svc.Get(ctx, l.owner, c.AppointmentID)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, heard{change: c, seen: seen, err: err})
}

func (l *listener) all() []heard {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]heard(nil), l.calls...)
}

// utc returns c with its times in UTC, for comparison.
func utc(c Change) Change {
	c.StartsAt, c.EndsAt, c.OldStartsAt, c.OldEndsAt = c.StartsAt.UTC(), c.EndsAt.UTC(), c.OldStartsAt.UTC(), c.OldEndsAt.UTC()
	return c
}

func TestEveryCommittedWriteIsAnnouncedOnceAndRefusedOnesNever(t *testing.T) {
	t.Parallel()
	// Each case books what it needs with b.svc (not listened to) at times
	// of its own (at: an hour of its own, days after a Monday or Wednesday
	// of its own), writes once with svc (listened to) and returns the change
	// it expects, or nil for a refused write.
	tests := []struct {
		name  string
		write func(t *testing.T, b *testBundle, svc *Service, at func(days, minute int) time.Time) *Change
	}{
		{"a booking", func(t *testing.T, b *testBundle, svc *Service, at func(days, mm int) time.Time) *Change {
			a, err := svc.Create(context.Background(), b.receptionist, CreateInput{PatientID: b.patientID, ProfessionalID: b.profID,
				StartsAt: rfc(at(0, 0)), DurationMinutes: 30})
			require.NoError(t, err)
			return &Change{Kind: ChangeCreated, ClinicID: b.clinicID, PatientID: b.patientID, AppointmentID: a.ID, ProfessionalID: b.profID,
				StartsAt: at(0, 0), EndsAt: at(0, 30), Status: StatusScheduled}
		}},
		{"a series, announced once", func(t *testing.T, b *testBundle, svc *Service, at func(days, mm int) time.Time) *Change {
			s, err := svc.CreateSeries(context.Background(), b.receptionist, SeriesInput{
				CreateInput: CreateInput{PatientID: b.patientID, ProfessionalID: b.profID, StartsAt: rfc(at(0, 0)), DurationMinutes: 30},
				Recurrence:  Recurrence{EveryDays: 7, Count: 3},
			})
			require.NoError(t, err)
			require.Len(t, s.IDs, 3)
			return &Change{Kind: ChangeCreated, ClinicID: b.clinicID, PatientID: b.patientID, AppointmentID: s.IDs[0], SeriesID: s.ID, ProfessionalID: b.profID,
				StartsAt: at(0, 0), EndsAt: at(14, 30), Status: StatusScheduled}
		}},
		{"a reschedule to another professional", func(t *testing.T, b *testBundle, svc *Service, at func(days, mm int) time.Time) *Change {
			a := b.book(t, b.profID, "", at(0, 0), 30)
			moved, err := svc.Update(context.Background(), b.receptionist, a.ID, UpdateInput{
				StartsAt: kernel.Some(rfc(at(1, 0))), ProfessionalID: kernel.Some(b.prof2ID)})
			require.NoError(t, err)
			require.Equal(t, b.prof2ID, moved.ProfessionalID)
			return &Change{Kind: ChangeRescheduled, ClinicID: b.clinicID, PatientID: b.patientID, AppointmentID: a.ID, ProfessionalID: b.prof2ID,
				StartsAt: at(1, 0), EndsAt: at(1, 30), Status: StatusScheduled,
				OldProfessionalID: b.profID, OldStartsAt: at(0, 0), OldEndsAt: at(0, 30)}
		}},
		{"a reschedule with new notes, announced once", func(t *testing.T, b *testBundle, svc *Service, at func(days, mm int) time.Time) *Change {
			a := b.book(t, b.profID, "", at(0, 0), 30)
			_, err := svc.Update(context.Background(), b.receptionist, a.ID, UpdateInput{
				StartsAt: kernel.Some(rfc(at(1, 0))), Notes: kernel.Some("Retorno")})
			require.NoError(t, err)
			return &Change{Kind: ChangeRescheduled, ClinicID: b.clinicID, PatientID: b.patientID, AppointmentID: a.ID, ProfessionalID: b.profID,
				StartsAt: at(1, 0), EndsAt: at(1, 30), Status: StatusScheduled,
				OldProfessionalID: b.profID, OldStartsAt: at(0, 0), OldEndsAt: at(0, 30)}
		}},
		{"an edit of the procedure", func(t *testing.T, b *testBundle, svc *Service, at func(days, mm int) time.Time) *Change {
			a := b.book(t, b.profID, "", at(0, 0), 30)
			_, err := svc.Update(context.Background(), b.receptionist, a.ID, UpdateInput{Procedure: kernel.Some("Retorno")})
			require.NoError(t, err)
			return &Change{Kind: ChangeUpdated, ClinicID: b.clinicID, PatientID: b.patientID, AppointmentID: a.ID, ProfessionalID: b.profID,
				StartsAt: at(0, 0), EndsAt: at(0, 30), Status: StatusScheduled}
		}},
		{"a confirmation", func(t *testing.T, b *testBundle, svc *Service, at func(days, mm int) time.Time) *Change {
			a := b.book(t, b.profID, "", at(0, 0), 30)
			_, err := svc.SetStatus(context.Background(), b.receptionist, a.ID, StatusInput{Status: StatusConfirmed})
			require.NoError(t, err)
			return &Change{Kind: ChangeStatus, ClinicID: b.clinicID, PatientID: b.patientID, AppointmentID: a.ID, ProfessionalID: b.profID,
				StartsAt: at(0, 0), EndsAt: at(0, 30), Status: StatusConfirmed}
		}},
		{"a cancellation", func(t *testing.T, b *testBundle, svc *Service, at func(days, mm int) time.Time) *Change {
			a := b.book(t, b.profID, "", at(0, 0), 30)
			_, err := svc.SetStatus(context.Background(), b.receptionist, a.ID, StatusInput{Status: StatusCancelled})
			require.NoError(t, err)
			return &Change{Kind: ChangeStatus, ClinicID: b.clinicID, PatientID: b.patientID, AppointmentID: a.ID, ProfessionalID: b.profID,
				StartsAt: at(0, 0), EndsAt: at(0, 30), Status: StatusCancelled}
		}},
		{"refused: a booking over another", func(t *testing.T, b *testBundle, svc *Service, at func(days, mm int) time.Time) *Change {
			b.book(t, b.profID, "", at(0, 0), 30)
			_, err := svc.Create(context.Background(), b.receptionist, CreateInput{PatientID: b.patientID, ProfessionalID: b.profID,
				StartsAt: rfc(at(0, 15)), DurationMinutes: 30})
			requireCode(t, err, apperr.Conflict)
			return nil
		}},
		{"refused: a series with one date taken", func(t *testing.T, b *testBundle, svc *Service, at func(days, mm int) time.Time) *Change {
			b.book(t, b.profID, "", at(7, 0), 30)
			_, err := svc.CreateSeries(context.Background(), b.receptionist, SeriesInput{
				CreateInput: CreateInput{PatientID: b.patientID, ProfessionalID: b.profID, StartsAt: rfc(at(0, 0)), DurationMinutes: 30},
				Recurrence:  Recurrence{EveryDays: 7, Count: 3},
			})
			requireCode(t, err, apperr.Conflict)
			return nil
		}},
		{"refused: a booking by a financial user", func(t *testing.T, b *testBundle, svc *Service, at func(days, mm int) time.Time) *Change {
			_, err := svc.Create(context.Background(), b.financial, CreateInput{PatientID: b.patientID, ProfessionalID: b.profID,
				StartsAt: rfc(at(0, 0)), DurationMinutes: 30})
			requireCode(t, err, apperr.Forbidden)
			return nil
		}},
		{"refused: a reschedule into a taken time", func(t *testing.T, b *testBundle, svc *Service, at func(days, mm int) time.Time) *Change {
			a := b.book(t, b.profID, "", at(0, 0), 30)
			b.book(t, b.profID, "", at(1, 0), 30)
			_, err := svc.Update(context.Background(), b.receptionist, a.ID, UpdateInput{StartsAt: kernel.Some(rfc(at(1, 0)))})
			requireCode(t, err, apperr.Conflict)
			return nil
		}},
		{"refused: a transition the table does not allow", func(t *testing.T, b *testBundle, svc *Service, at func(days, mm int) time.Time) *Change {
			a := b.book(t, b.profID, "", at(0, 0), 30)
			_, err := svc.SetStatus(context.Background(), b.receptionist, a.ID, StatusInput{Status: StatusInProgress})
			requireCode(t, err, apperr.Conflict)
			return nil
		}},
		{"an edit that changes nothing writes nothing", func(t *testing.T, b *testBundle, svc *Service, at func(days, mm int) time.Time) *Change {
			a := b.book(t, b.profID, "", at(0, 0), 30)
			_, err := svc.Update(context.Background(), b.receptionist, a.ID, UpdateInput{Procedure: kernel.Some(a.Procedure)})
			require.NoError(t, err)
			return nil
		}},
	}
	require.LessOrEqual(t, len(tests), 20, "each case needs an hour of its own between 08:00 and 18:00 on one of two days")
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				l := &listener{owner: b.owner}
				svc := NewService(d, b.svc.schedule, b.jobs, OnChange(l.heard))
				svc.now = b.svc.now
				l.svc = svc
				day, hour := 2*(i/10), 8+i%10
				want := tt.write(t, b, svc, func(days, minute int) time.Time { return b.at(day+days, hour, minute) })
				calls := l.all()
				if want == nil {
					require.Empty(t, calls, "a write that committed nothing was announced")
					return
				}
				require.Len(t, calls, 1, "announcements of one write")
				got := calls[0]
				require.Equal(t, utc(*want), utc(got.change))
				require.NoError(t, got.err, "the listener could not read the appointment: called before the commit?")
				require.Equal(t, want.Status, got.seen.Status, "the listener read the appointment as before the write")
				require.True(t, want.StartsAt.Equal(got.seen.StartsAt), "the listener read the appointment at %s, not %s", got.seen.StartsAt, want.StartsAt)
				require.Equal(t, want.ProfessionalID, got.seen.ProfessionalID)
			})
		}
	})
}

// A TxHook runs inside the write, once per appointment written, and its
// failure, or the failure of what it wrote, rolls the whole write back.
func TestTxHooksRunInsideTheWrite(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		var mu sync.Mutex
		var seen []Change
		record := func(_ context.Context, _ Writer, c Change) error {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, c)
			return nil
		}
		svc := NewService(d, b.svc.schedule, b.jobs, WithTxHook(record))
		svc.now = b.svc.now
		ctx := context.Background()
		count := func(start time.Time) int {
			var n int
			require.NoError(t, d.QueryRowContext(ctx, `SELECT count(*) FROM appointments WHERE clinic_id = $1 AND starts_at = $2`,
				b.clinicID, db.Time(start)).Scan(&n))
			return n
		}

		s, err := svc.CreateSeries(ctx, b.receptionist, SeriesInput{
			CreateInput: CreateInput{PatientID: b.patientID, ProfessionalID: b.profID, StartsAt: rfc(b.at(7, 9, 0)), DurationMinutes: 30},
			Recurrence:  Recurrence{EveryDays: 7, Count: 3},
		})
		require.NoError(t, err)
		_, err = svc.SetStatus(ctx, b.receptionist, s.IDs[1], StatusInput{Status: StatusCancelled})
		require.NoError(t, err)
		mu.Lock()
		require.Len(t, seen, 4, "one call per occurrence of the series, one for the cancellation")
		for i, c := range seen[:3] {
			require.Equal(t, ChangeCreated, c.Kind)
			require.Equal(t, s.IDs[i], c.AppointmentID)
			require.Equal(t, b.patientID, c.PatientID)
		}
		require.Equal(t, ChangeStatus, seen[3].Kind)
		require.Equal(t, StatusCancelled, seen[3].Status)
		mu.Unlock()

		tests := []struct {
			name string
			hook TxHook
		}{
			{"the hook fails", func(context.Context, Writer, Change) error { return apperr.New(apperr.Internal, "Hook failed.") }},
			{"what the hook wrote fails", func(ctx context.Context, w Writer, _ Change) error {
				_, err := w.ExecContext(ctx, `INSERT INTO no_such_table (x) VALUES (1)`)
				return err
			}},
		}
		for i, tt := range tests {
			svc := NewService(d, b.svc.schedule, b.jobs, WithTxHook(tt.hook))
			svc.now = b.svc.now
			start := b.at(8, 10+i, 0)
			_, err := svc.Create(ctx, b.receptionist, CreateInput{PatientID: b.patientID, ProfessionalID: b.profID,
				StartsAt: rfc(start), DurationMinutes: 30})
			require.Error(t, err, tt.name)
			require.Zero(t, count(start), "%s: the booking was written", tt.name)
		}
	})
}
