package analytics_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/analytics"
	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/reminder"
	"clinic/internal/reminder/remindertest"
	"clinic/internal/schedule"
)

// testNow is the reports' clock: after the data set, so that every
// appointment of it was due.
var testNow = time.Date(2030, 4, 1, 12, 0, 0, 0, time.UTC)

type testBundle struct {
	d        *db.DB
	svc      *analytics.Service
	clinicID string
	loc      *time.Location
	owner    kernel.Principal
	// profA and profB are the professionals; procID the procedure of
	// Monday's appointments.
	profA, profB, procID string
	profAUser            string
}

// services builds the analytics service on d, with reminders and with
// revenue from rows (nil: none).
func services(t testing.TB, d *db.DB, rows []analytics.RevenueRow) *analytics.Service {
	t.Helper()
	c, err := cache.New(context.Background(), cache.Config{Backend: cache.BackendMemory}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	sched := schedule.NewService(d, c)
	appts := appointment.NewService(d, sched, nil)
	rem := reminder.NewService(d, c, nil, appts, nil, nil, nil, reminder.Config{})
	opts := []analytics.Option{analytics.WithClock(func() time.Time { return testNow }), analytics.WithReminders(analytics.ReminderStats(rem))}
	if rows != nil {
		opts = append(opts, analytics.WithRevenue(func(_ context.Context, _ kernel.Principal, _ string, _, _ time.Time) ([]analytics.RevenueRow, error) {
			return rows, nil
		}))
	}
	return analytics.NewService(appts, sched, opts...)
}

// setup makes a clinic in America/Sao_Paulo with a known week, 2030-03-04
// (Monday) to 2030-03-10 (Sunday):
//
//   - Professional A works Monday to Friday 08:00–12:00 (5 × 240 minutes);
//     B the same, but is off all Wednesday and works extra hours on
//     Saturday 08:00–12:00 (4 × 240 + 240): 2 400 minutes available.
//   - A has four 30-minute appointments a day Monday to Thursday and three
//     on Friday (19): two of them no-shows (Monday 09:00, Wednesday
//     09:30), the rest completed. B has one on Sunday at 23:30 local time
//     (02:30 UTC on Monday: it counts on Sunday) and two cancelled (Tuesday
//     10:00, Friday 09:30). 22 appointments, 20 not cancelled and due:
//     exactly 10 % no-shows, 2/22 cancelled, 600 minutes booked: 25 %
//     occupancy.
//   - Outside the range: one on 2030-03-03 at 23:30 local (02:30 UTC on
//     the 4th: not in the range) and one on 2030-03-11 at 00:30 local.
//   - Patients: P1 (Monday to Thursday) is new; P2 (Friday) came on the
//     3rd, so is returning; P3 (Sunday) had only a cancelled appointment
//     before, so is new; P4 has only the cancelled ones in the range and is
//     not counted. 3 seen, 2 new, 1 returning.
//   - Monday's four appointments are of procedure procID and had a
//     reminder sent the day before at 10:00; 08:00 was confirmed after it,
//     08:30 before it (left out), 09:30 completed after it, 09:00 (the
//     no-show) never: 3 reminded while unconfirmed, 2 confirmed after.
//     Tuesday 08:00's reminder failed and does not count.
func setup(t *testing.T, d *db.DB, rows []analytics.RevenueRow) *testBundle {
	t.Helper()
	loc, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	b := &testBundle{d: d, svc: services(t, d, rows), loc: loc}
	b.clinicID = appointmenttest.Clinic(t, d, "America/Sao_Paulo")
	b.owner = kernel.Principal{UserID: appointmenttest.Member(t, d, b.clinicID, kernel.RoleOwner), ClinicID: b.clinicID, Role: kernel.RoleOwner}
	b.profAUser = appointmenttest.Member(t, d, b.clinicID, kernel.RoleProfessional)
	b.profA = appointmenttest.Professional(t, d, b.clinicID, "Dra. Ana", 30, b.profAUser)
	b.profB = appointmenttest.Professional(t, d, b.clinicID, "Dr. Bruno", 30, "")
	appointmenttest.Weekdays(t, d, b.clinicID, b.profA, "08:00", "12:00", "")
	appointmenttest.Weekdays(t, d, b.clinicID, b.profB, "08:00", "12:00", "")
	appointmenttest.Exception(t, d, b.clinicID, b.profB, "2030-03-06", "off", "", "")
	appointmenttest.Exception(t, d, b.clinicID, b.profB, "2030-03-09", "extra", "08:00", "12:00")
	b.procID = appointmenttest.Procedure(t, d, b.clinicID, "Consulta")
	p1 := appointmenttest.Patient(t, d, b.clinicID, "P1")
	p2 := appointmenttest.Patient(t, d, b.clinicID, "P2")
	p3 := appointmenttest.Patient(t, d, b.clinicID, "P3")
	p4 := appointmenttest.Patient(t, d, b.clinicID, "P4")
	at := func(day, hour, minute int) time.Time { return time.Date(2030, 3, day, hour, minute, 0, 0, loc) }
	add := func(patient, prof string, start time.Time, status string) string {
		return appointmenttest.Appointment(t, d, appointmenttest.Appt{ClinicID: b.clinicID, PatientID: patient, ProfessionalID: prof,
			StartsAt: start, Status: status})
	}
	slots := [][2]int{{8, 0}, {8, 30}, {9, 0}, {9, 30}}
	for day := 4; day <= 8; day++ {
		for i, sl := range slots {
			if day == 8 && i == 3 {
				break
			}
			status := "completed"
			if day == 4 && i == 2 || day == 6 && i == 3 {
				status = "no_show"
			}
			patient := p1
			if day == 8 {
				patient = p2
			}
			id := add(patient, b.profA, at(day, sl[0], sl[1]), status)
			if day == 4 {
				appointmenttest.SetProcedure(t, d, b.clinicID, id, b.procID)
				sent := at(3, 10, 0)
				remindertest.Reminder(t, d, b.clinicID, patient, id, "delivered", sent, sent)
				switch i {
				case 0:
					appointmenttest.StatusEvent(t, d, b.clinicID, id, "confirmed", sent.Add(time.Hour))
				case 1:
					appointmenttest.StatusEvent(t, d, b.clinicID, id, "confirmed", sent.Add(-time.Hour))
				case 3:
					appointmenttest.StatusEvent(t, d, b.clinicID, id, "completed", at(4, 10, 0))
				}
			}
			if day == 5 && i == 0 {
				remindertest.Reminder(t, d, b.clinicID, patient, id, "failed", at(4, 10, 0), time.Time{})
			}
		}
	}
	add(p3, b.profB, at(10, 23, 30), "completed")
	add(p4, b.profB, at(5, 10, 0), "cancelled")
	add(p4, b.profB, at(8, 9, 30), "cancelled")
	add(p2, b.profA, at(3, 23, 30), "completed")
	add(p3, b.profA, time.Date(2030, 2, 1, 9, 0, 0, 0, loc), "cancelled")
	add(p1, b.profA, at(11, 0, 30), "scheduled")
	return b
}

func pct(f *float64) float64 {
	if f == nil {
		return -1
	}
	return *f
}

// TestReportKnownAnswers checks every figure of the known week (issue 12,
// point 3), on both engines.
func TestReportKnownAnswers(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, nil)
		r, err := b.svc.Report(context.Background(), b.owner, analytics.Query{From: "2030-03-04", To: "2030-03-10"})
		require.NoError(t, err)
		s := r.Summary
		require.Equal(t, 22, s.Appointments)
		require.Equal(t, analytics.StatusCounts{Completed: 18, NoShow: 2, Cancelled: 2}, s.ByStatus)
		require.Equal(t, 20, s.Due)
		require.InDelta(t, 0.10, pct(s.NoShowRate), 1e-9)
		require.InDelta(t, 2.0/22, pct(s.CancellationRate), 1e-9)
		require.Equal(t, int64(600), s.BookedMinutes)
		require.Equal(t, int64(2400), s.AvailableMinutes)
		require.InDelta(t, 0.25, pct(s.Occupancy), 1e-9)
		require.Equal(t, analytics.Patients{Seen: 3, New: 2, Returning: 1}, r.Patients)
		require.NotNil(t, r.Confirmation)
		require.Equal(t, 3, r.Confirmation.Reminded, "08:30 was confirmed before its reminder")
		require.Equal(t, 2, r.Confirmation.Confirmed)
		require.InDelta(t, 2.0/3, pct(r.Confirmation.Rate), 1e-9)
		require.Nil(t, r.Revenue, "no revenue without billing")
		require.Equal(t, "America/Sao_Paulo", r.TimeZone)

		require.Len(t, r.Days, 7)
		type dayWant struct {
			date                   string
			appointments, no, canc int
			booked, available      int64
		}
		want := []dayWant{
			{"2030-03-04", 4, 1, 0, 120, 480},
			{"2030-03-05", 5, 0, 1, 120, 480},
			{"2030-03-06", 4, 1, 0, 120, 240},
			{"2030-03-07", 4, 0, 0, 120, 480},
			{"2030-03-08", 4, 0, 1, 90, 480},
			{"2030-03-09", 0, 0, 0, 0, 240},
			{"2030-03-10", 1, 0, 0, 30, 0}, // 23:30 local on Sunday is 02:30 UTC on Monday
		}
		for i, w := range want {
			got := r.Days[i]
			require.Equal(t, w, dayWant{got.Date, got.Appointments, got.ByStatus.NoShow, got.ByStatus.Cancelled,
				got.BookedMinutes, got.AvailableMinutes}, "day %s", w.date)
		}
		require.Nil(t, r.Days[6].Occupancy, "no working time on Sunday: no occupancy")
		require.Nil(t, r.Days[5].NoShowRate, "no appointment on Saturday: no rate")

		var csv bytes.Buffer
		require.NoError(t, r.WriteCSV(&csv, "rates"))
		require.Contains(t, csv.String(), "date,appointments,due,no_show,no_show_rate,cancelled,cancellation_rate\n2030-03-04,4,4,1,0.2500,0,0.0000\n")
		csv.Reset()
		require.NoError(t, r.WriteCSV(&csv, "occupancy"))
		require.Contains(t, csv.String(), "2030-03-06,120,240,0.5000\n")
		require.Contains(t, csv.String(), "2030-03-10,30,0,\n")
		require.True(t, apperr.Is(r.WriteCSV(&csv, "revenue-professionals"), apperr.NotFound))
		require.True(t, apperr.Is(r.WriteCSV(&csv, "nope"), apperr.NotFound))
	})
}

// TestReportFilters narrows the known week to a professional and to a
// procedure.
func TestReportFilters(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, nil)
		ctx := context.Background()
		r, err := b.svc.Report(ctx, b.owner, analytics.Query{From: "2030-03-04", To: "2030-03-10", ProfessionalID: b.profB})
		require.NoError(t, err)
		require.Equal(t, 3, r.Summary.Appointments)
		require.Equal(t, int64(30), r.Summary.BookedMinutes)
		require.Equal(t, int64(1200), r.Summary.AvailableMinutes)
		require.InDelta(t, 0.025, pct(r.Summary.Occupancy), 1e-9)
		require.Equal(t, analytics.Patients{Seen: 1, New: 1}, r.Patients)

		r, err = b.svc.Report(ctx, b.owner, analytics.Query{From: "2030-03-04", To: "2030-03-10", ProcedureID: b.procID})
		require.NoError(t, err)
		require.Equal(t, 4, r.Summary.Appointments)
		require.InDelta(t, 0.25, pct(r.Summary.NoShowRate), 1e-9)
		require.Equal(t, analytics.Confirmation{Reminded: 3, Confirmed: 2, Rate: r.Confirmation.Rate}, *r.Confirmation)

		r, err = b.svc.Report(ctx, b.owner, analytics.Query{From: "2030-03-04", To: "2030-03-10", ProfessionalID: b.profB})
		require.NoError(t, err)
		require.Equal(t, analytics.Confirmation{}, *r.Confirmation, "B's appointments had no reminder")

		other := appointmenttest.Clinic(t, d, "")
		otherProf := appointmenttest.Professional(t, d, other, "Outra", 30, "")
		otherProc := appointmenttest.Procedure(t, d, other, "Outro")
		_, err = b.svc.Report(ctx, b.owner, analytics.Query{From: "2030-03-04", To: "2030-03-10", ProfessionalID: otherProf})
		require.True(t, apperr.Is(err, apperr.NotFound), "another clinic's professional: %v", err)
		_, err = b.svc.Report(ctx, b.owner, analytics.Query{From: "2030-03-04", To: "2030-03-10", ProcedureID: otherProc})
		require.True(t, apperr.Is(err, apperr.NotFound), "another clinic's procedure: %v", err)
	})
}

// TestReportLocalDays counts appointments on the clinic's local day in
// zones behind and ahead of UTC and across a daylight-saving change.
func TestReportLocalDays(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, zone, from, to string
		// starts are local times "YYYY-MM-DD HH:MM"; want the
		// appointments per date of the range.
		starts []string
		want   map[string]int
	}{
		{name: "behind UTC", zone: "America/Sao_Paulo", from: "2030-03-04", to: "2030-03-05",
			starts: []string{"2030-03-03 23:30", "2030-03-04 23:30", "2030-03-05 00:10", "2030-03-05 23:59", "2030-03-06 00:00"},
			want:   map[string]int{"2030-03-04": 1, "2030-03-05": 2}},
		{name: "ahead of UTC", zone: "Asia/Tokyo", from: "2030-03-04", to: "2030-03-05",
			starts: []string{"2030-03-03 23:30", "2030-03-04 00:30", "2030-03-04 23:30", "2030-03-05 08:00", "2030-03-06 00:30"},
			want:   map[string]int{"2030-03-04": 2, "2030-03-05": 1}},
		{name: "daylight saving starts", zone: "Europe/Lisbon", from: "2030-03-30", to: "2030-04-01",
			starts: []string{"2030-03-30 23:30", "2030-03-31 00:30", "2030-03-31 03:00", "2030-03-31 23:30", "2030-04-01 23:30", "2030-04-02 00:30"},
			want:   map[string]int{"2030-03-30": 1, "2030-03-31": 3, "2030-04-01": 1}},
		{name: "daylight saving ends", zone: "America/New_York", from: "2030-11-02", to: "2030-11-04",
			starts: []string{"2030-11-02 23:30", "2030-11-03 00:30", "2030-11-03 23:30", "2030-11-04 23:30", "2030-11-05 00:30"},
			want:   map[string]int{"2030-11-02": 1, "2030-11-03": 2, "2030-11-04": 1}},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := services(t, d, nil)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				loc, err := time.LoadLocation(tc.zone)
				require.NoError(t, err)
				clinicID := appointmenttest.Clinic(t, d, tc.zone)
				owner := kernel.Principal{UserID: appointmenttest.Member(t, d, clinicID, kernel.RoleOwner), ClinicID: clinicID, Role: kernel.RoleOwner}
				prof := appointmenttest.Professional(t, d, clinicID, "Dra. Ana", 30, "")
				patient := appointmenttest.Patient(t, d, clinicID, "Maria")
				for _, s := range tc.starts {
					start, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
					require.NoError(t, err)
					appointmenttest.Appointment(t, d, appointmenttest.Appt{ClinicID: clinicID, PatientID: patient, ProfessionalID: prof,
						StartsAt: start, Duration: time.Minute})
				}
				r, err := svc.Report(context.Background(), owner, analytics.Query{From: tc.from, To: tc.to})
				require.NoError(t, err)
				got := map[string]int{}
				for _, day := range r.Days {
					if day.Appointments > 0 {
						got[day.Date] = day.Appointments
					}
				}
				require.Equal(t, tc.want, got)
			})
		}
	})
}

// TestReportRoles: owners, admins and financial users see the clinic's
// figures, revenue only owners and financial users; a professional only
// their own; receptionists none.
func TestReportRoles(t *testing.T) {
	t.Parallel()
	rows := []analytics.RevenueRow{
		{Date: "2030-03-04", ChargedCents: 30000, ReceivedCents: 20000},
		{Date: "2030-03-05", ChargedCents: 15000, ReceivedCents: 15000},
		{Date: "2030-03-20", ChargedCents: 99900, ReceivedCents: 99900}, // outside the range
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, nil)
		rows := append([]analytics.RevenueRow(nil), rows...)
		rows[0].ProfessionalID, rows[0].ProcedureID = b.profA, b.procID
		rows[1].ProfessionalID = b.profB
		b.svc = services(t, d, rows)
		ctx := context.Background()
		q := analytics.Query{From: "2030-03-04", To: "2030-03-10"}
		member := func(r kernel.Role) kernel.Principal {
			return kernel.Principal{UserID: appointmenttest.Member(t, d, b.clinicID, r), ClinicID: b.clinicID, Role: r}
		}
		cases := []struct {
			name         string
			p            kernel.Principal
			q            analytics.Query
			err          apperr.Code
			appointments int
			revenue      bool
		}{
			{name: "owner", p: b.owner, q: q, appointments: 22, revenue: true},
			{name: "financial", p: member(kernel.RoleFinancial), q: q, appointments: 22, revenue: true},
			{name: "admin", p: member(kernel.RoleAdmin), q: q, appointments: 22},
			{name: "receptionist", p: member(kernel.RoleReceptionist), q: q, err: apperr.Forbidden},
			{name: "professional sees their own", p: kernel.Principal{UserID: b.profAUser, ClinicID: b.clinicID, Role: kernel.RoleProfessional},
				q: q, appointments: 19},
			{name: "professional asking for another's", p: kernel.Principal{UserID: b.profAUser, ClinicID: b.clinicID, Role: kernel.RoleProfessional},
				q: analytics.Query{From: q.From, To: q.To, ProfessionalID: b.profB}, err: apperr.Forbidden},
			{name: "professional without a record", p: member(kernel.RoleProfessional), q: q, err: apperr.Forbidden},
			{name: "no role", p: kernel.Principal{UserID: appointmenttest.User(t, d), ClinicID: b.clinicID}, q: q, err: apperr.Forbidden},
		}
		for _, tc := range cases {
			r, err := b.svc.Report(ctx, tc.p, tc.q)
			if tc.err != "" {
				require.True(t, apperr.Is(err, tc.err), "%s: %v", tc.name, err)
				continue
			}
			require.NoError(t, err, tc.name)
			require.Equal(t, tc.appointments, r.Summary.Appointments, tc.name)
			require.Equal(t, tc.revenue, r.Revenue != nil, tc.name)
			if tc.revenue {
				require.Equal(t, int64(45000), r.Revenue.ChargedCents, tc.name)
				require.Equal(t, int64(35000), r.Revenue.ReceivedCents, tc.name)
				require.Equal(t, []analytics.RevenueTotal{{ID: b.profA, Name: "Dra. Ana", ChargedCents: 30000, ReceivedCents: 20000},
					{ID: b.profB, Name: "Dr. Bruno", ChargedCents: 15000, ReceivedCents: 15000}}, r.Revenue.ByProfessional, tc.name)
				var csv bytes.Buffer
				require.NoError(t, r.WriteCSV(&csv, "revenue-procedures"))
				require.Equal(t, "id,name,charged,received\n"+b.procID+",Consulta,300.00,200.00\n,,150.00,150.00\n", csv.String())
			}
		}
	})
}

// TestQueryValidation refuses bad ranges and ids with the field at fault.
func TestQueryValidation(t *testing.T) {
	t.Parallel()
	d := dbtest.SQLite(t)
	svc := services(t, d, nil)
	clinicID := appointmenttest.Clinic(t, d, "")
	owner := kernel.Principal{UserID: appointmenttest.Member(t, d, clinicID, kernel.RoleOwner), ClinicID: clinicID, Role: kernel.RoleOwner}
	cases := []struct {
		name  string
		q     analytics.Query
		field string
	}{
		{"from only", analytics.Query{From: "2030-03-04"}, "to"},
		{"to only", analytics.Query{To: "2030-03-04"}, "from"},
		{"bad date", analytics.Query{From: "2030-3-4", To: "2030-03-04"}, "from"},
		{"inverted", analytics.Query{From: "2030-03-05", To: "2030-03-04"}, "to"},
		{"too long", analytics.Query{From: "2030-01-01", To: "2031-01-02"}, "to"},
		{"bad professional", analytics.Query{From: "2030-01-01", To: "2030-01-02", ProfessionalID: "x"}, "professional_id"},
		{"bad procedure", analytics.Query{From: "2030-01-01", To: "2030-01-02", ProcedureID: "x"}, "procedure_id"},
	}
	for _, tc := range cases {
		_, err := svc.Report(context.Background(), owner, tc.q)
		require.True(t, apperr.Is(err, apperr.Invalid), "%s: %v", tc.name, err)
		require.Contains(t, apperr.As(err).Fields, tc.field, tc.name)
	}
	r, err := svc.Report(context.Background(), owner, analytics.Query{})
	require.NoError(t, err)
	require.Len(t, r.Days, 30, "the default range is the last 30 days")
	require.Equal(t, "2030-04-01", r.To)
	r, err = svc.Report(context.Background(), owner, analytics.Query{From: "2030-01-01", To: "2030-12-31"})
	require.NoError(t, err)
	require.Len(t, r.Days, 365)
}

// TestMonths rolls days up by month with the month's own rates.
func TestMonths(t *testing.T) {
	t.Parallel()
	r := analytics.Report{Days: []analytics.Day{
		{Date: "2030-01-31", Figures: analytics.Figures{Appointments: 2, ByStatus: analytics.StatusCounts{NoShow: 1, Completed: 1}, Due: 2, BookedMinutes: 60, AvailableMinutes: 120}},
		{Date: "2030-02-01", Figures: analytics.Figures{Appointments: 4, ByStatus: analytics.StatusCounts{Cancelled: 1, Completed: 3}, Due: 3, BookedMinutes: 90, AvailableMinutes: 0}},
		{Date: "2030-02-02", Figures: analytics.Figures{Appointments: 1, ByStatus: analytics.StatusCounts{NoShow: 1}, Due: 1, BookedMinutes: 30, AvailableMinutes: 240}},
	}}
	m := r.Months()
	require.Len(t, m, 2)
	require.Equal(t, "2030-01", m[0].Date)
	require.InDelta(t, 0.5, pct(m[0].NoShowRate), 1e-9)
	require.Equal(t, "2030-02", m[1].Date)
	require.Equal(t, 5, m[1].Appointments)
	require.Equal(t, analytics.StatusCounts{Cancelled: 1, Completed: 3, NoShow: 1}, m[1].ByStatus)
	require.InDelta(t, 0.25, pct(m[1].NoShowRate), 1e-9)
	require.InDelta(t, 0.2, pct(m[1].CancellationRate), 1e-9)
	require.InDelta(t, 0.5, pct(m[1].Occupancy), 1e-9)
}
