package analytics_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/analytics"
	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/reminder/remindertest"
)

// BenchmarkAnalyticsYear computes a year of indicators (issue 12, point
// 4) for a clinic with 20 professionals and 50 000 appointments, each with
// a reminder sent the day before, among two other such clinics: every
// series, the confirmation rate included (revenue is billing's). On
// PostgreSQL it must stay under 200 ms an operation; SQLite (for
// comparison) only with BENCH_SQLITE=1.
func BenchmarkAnalyticsYear(b *testing.B) {
	engines := []string{"postgres"}
	if os.Getenv("BENCH_SQLITE") != "" { // slow to fill: only on demand
		engines = append(engines, "sqlite")
	}
	for _, engine := range engines {
		b.Run(engine, func(b *testing.B) {
			var d *db.DB
			if engine == "postgres" {
				d = dbtest.Postgres(b)
			} else {
				d = dbtest.SQLite(b)
			}
			loc, err := time.LoadLocation("America/Sao_Paulo")
			require.NoError(b, err)
			first := time.Date(2029, 1, 1, 0, 0, 0, 0, loc)
			var clinicID string
			started := time.Now()
			for range 3 {
				clinicID = appointmenttest.Clinic(b, d, "")
				appts := appointmenttest.Year(b, d, clinicID, loc, first, 20, 50000)
				sent := make([]remindertest.Sent, 0, len(appts))
				for _, a := range appts {
					sent = append(sent, remindertest.Sent{PatientID: a.PatientID, AppointmentID: a.ID, At: a.StartsAt.Add(-24 * time.Hour)})
				}
				remindertest.SentReminders(b, d, clinicID, sent)
			}
			b.Logf("filled 3 clinics in %s", time.Since(started).Round(time.Second))
			if d.Dialect == db.Postgres { // as autovacuum would
				_, err = d.ExecContext(context.Background(), `ANALYZE`)
				require.NoError(b, err)
			}
			p := kernel.Principal{UserID: appointmenttest.Member(b, d, clinicID, kernel.RoleOwner), ClinicID: clinicID, Role: kernel.RoleOwner}
			svc := services(b, d, nil)
			q := analytics.Query{From: "2029-01-01", To: "2029-12-31"}
			r, err := svc.Report(context.Background(), p, q)
			require.NoError(b, err)
			require.Equal(b, 50000, r.Summary.Appointments)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := svc.Report(context.Background(), p, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
