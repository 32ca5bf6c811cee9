package schedule

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

// BenchmarkAvailability asks for 31 days of availability of a clinic with 10
// professionals (weekdays 08:00–12:00 and 13:00–18:00, 30-minute slots, half
// of them in a room) and 2 000 active appointments in that month, on SQLite
// and (with TEST_DATABASE_URL) PostgreSQL:
//
//   - uncached: the cache is invalidated before every call (all queries and
//     the computation);
//   - cached: the same question again (cache hit, past-slot filter);
//   - one-professional-uncached: one professional's month.
//
// Results are recorded in docs/benchmarks.md.
func BenchmarkAvailability(b *testing.B) {
	engines := map[string]func(testing.TB) *db.DB{"sqlite": dbtest.SQLite, "postgres": dbtest.Postgres}
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			tb := setup(b, engines[engine](b), "America/Sao_Paulo")
			pros := seedMonth(b, tb, 10, 2000)
			from := mustTime(b, "2027-03-01T00:00:00-03:00")
			q := AvailabilityQuery{From: from, To: from.AddDate(0, 0, 31)}
			slots, err := tb.svc.Availability(tb.ctx, tb.clinicID, q)
			require.NoError(b, err)
			require.NotEmpty(b, slots)

			b.Run("uncached", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := tb.svc.InvalidateAvailability(tb.ctx, tb.clinicID); err != nil {
						b.Fatal(err)
					}
					if _, err := tb.svc.Availability(tb.ctx, tb.clinicID, q); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("cached", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := tb.svc.Availability(tb.ctx, tb.clinicID, q); err != nil {
						b.Fatal(err)
					}
				}
			})
			one := q
			one.ProfessionalID = pros[0]
			b.Run("one-professional-uncached", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := tb.svc.InvalidateAvailability(tb.ctx, tb.clinicID); err != nil {
						b.Fatal(err)
					}
					if _, err := tb.svc.Availability(tb.ctx, tb.clinicID, one); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// seedMonth creates professionals with weekday hours and spreads
// appointments over March 2027 (every other free 30-minute slot, round
// robin over the professionals); it returns the professionals' ids.
func seedMonth(tb testing.TB, b *testBundle, professionals, appointments int) []string {
	tb.Helper()
	var pros, rooms []string
	for i := range professionals {
		pro := b.professional(tb, fmt.Sprintf("Professional %02d", i), 30)
		room := ""
		if i%2 == 0 {
			room = b.room(tb, fmt.Sprintf("Room %02d", i))
		}
		b.week(tb, pro, append(weekdays("08:00", "12:00", roomName(b, room)), weekdays("13:00", "18:00", roomName(b, room))...)...)
		pros, rooms = append(pros, pro), append(rooms, room)
	}
	loc, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(tb, err)
	now := db.Time(time.Now())
	err = b.db.Tx(b.ctx, func(tx *sql.Tx) error {
		patient := kernel.NewID()
		if _, err := tx.ExecContext(b.ctx, `INSERT INTO patients (id, clinic_id, full_name, search_text, created_at, updated_at) VALUES ($1, $2, 'Patient', 'patient', $3, $3)`,
			patient, b.clinicID, now); err != nil {
			return err
		}
		n := 0
		for day := 1; day <= 31 && n < appointments; day++ {
			date := time.Date(2027, 3, day, 0, 0, 0, 0, loc)
			if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			for _, start := range []int{8 * 60, 8*60 + 60, 8*60 + 120, 8*60 + 180, 13 * 60, 14 * 60, 15 * 60, 16 * 60, 17 * 60, 10*60 + 30} {
				for i, pro := range pros {
					if n == appointments {
						break
					}
					st := date.Add(time.Duration(start) * time.Minute)
					var room any
					if rooms[i] != "" {
						room = rooms[i]
					}
					if _, err := tx.ExecContext(b.ctx, `INSERT INTO appointments (id, clinic_id, patient_id, professional_id, room_id, starts_at, ends_at, status, created_at, updated_at)
						VALUES ($1, $2, $3, $4, $5, $6, $7, 'scheduled', $8, $8)`,
						kernel.NewID(), b.clinicID, patient, pro, room, db.Time(st), db.Time(st.Add(30*time.Minute)), now); err != nil {
						return err
					}
					n++
				}
			}
		}
		if n < appointments {
			return fmt.Errorf("only %d appointments fit", n)
		}
		return nil
	})
	require.NoError(tb, err)
	return pros
}

func roomName(b *testBundle, id string) string {
	if id == "" {
		return ""
	}
	return b.roomName(id)
}
