package appointmenttest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// The rows that tests of aggregate reads (appointment.DailyStats and the
// rest, package analytics) need beyond the others: procedures,
// appointments of a procedure, status changes in an appointment's history,
// and exceptions to working hours.

// Procedure inserts an active procedure and returns its id.
func Procedure(t testing.TB, d *db.DB, clinicID, name string) string {
	t.Helper()
	id := kernel.NewID()
	now := db.Time(time.Now())
	exec(t, d, `INSERT INTO procedures (id, clinic_id, name, name_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
		id, clinicID, name, strings.ToLower(name)+" "+id, now)
	return id
}

// SetProcedure makes the appointment one of the procedure.
func SetProcedure(t testing.TB, d *db.DB, clinicID, appointmentID, procedureID string) {
	t.Helper()
	exec(t, d, `UPDATE appointments SET procedure_id = $1 WHERE id = $2 AND clinic_id = $3`, procedureID, appointmentID, clinicID)
}

// StatusEvent adds to the appointment's history a change to status at at.
func StatusEvent(t testing.TB, d *db.DB, clinicID, appointmentID, status string, at time.Time) {
	t.Helper()
	exec(t, d, `INSERT INTO appointment_events (id, clinic_id, appointment_id, kind, new_status, at) VALUES ($1, $2, $3, 'status', $4, $5)`,
		kernel.NewID(), clinicID, appointmentID, status, db.Time(at))
}

// Exception inserts a working-hours exception of kind "off" or "extra" on
// the clinic-local date (YYYY-MM-DD), from "HH:MM" to "HH:MM" ("" and ""
// for the whole day).
func Exception(t testing.TB, d *db.DB, clinicID, professionalID, date, kind, from, to string) {
	t.Helper()
	var start, end any
	if from != "" {
		start, end = minutes(t, from), minutes(t, to)
	}
	exec(t, d, `INSERT INTO schedule_exceptions (id, clinic_id, professional_id, date, kind, start_minute, end_minute, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, kernel.NewID(), clinicID, professionalID, date, kind, start, end, db.Time(time.Now()))
}

// YearAppt is an appointment Year inserted.
type YearAppt struct {
	ID, PatientID string
	StartsAt      time.Time
	Status        string
}

// Year fills a clinic, in one transaction with rows inserted by the
// hundred, with professionals (each working Monday to Friday 08:00–18:00),
// 1 000 patients, 5 procedures and n 30-minute appointments spread over
// the weekdays of the 365 days from first (clinic-local), the
// professionals in turn: one in ten a no-show, one in ten cancelled, the
// rest completed. For benchmarks of reports.
func Year(t testing.TB, d *db.DB, clinicID string, loc *time.Location, first time.Time, professionals, n int) []YearAppt {
	t.Helper()
	ctx := t.Context()
	tx, err := d.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	now := db.Time(time.Now())
	ins := func(query string, args ...any) {
		_, err := tx.ExecContext(ctx, query, args...)
		require.NoError(t, err, "fixture: %.80s", query)
	}
	var profs, patients, procs []string
	for i := range professionals {
		id := kernel.NewID()
		ins(`INSERT INTO professionals (id, clinic_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`, id, clinicID, fmt.Sprintf("Profissional %02d", i), now)
		for wd := 1; wd <= 5; wd++ {
			ins(`INSERT INTO working_hours (id, clinic_id, professional_id, weekday, start_minute, end_minute) VALUES ($1, $2, $3, $4, 480, 1080)`,
				kernel.NewID(), clinicID, id, wd)
		}
		profs = append(profs, id)
	}
	for i := range 5 {
		id := kernel.NewID()
		ins(`INSERT INTO procedures (id, clinic_id, name, name_key, created_at, updated_at) VALUES ($1, $2, $3, $3, $4, $4)`,
			id, clinicID, fmt.Sprintf("procedimento %d", i), now)
		procs = append(procs, id)
	}
	for i := range 1000 {
		id := kernel.NewID()
		name := fmt.Sprintf("Paciente %04d", i)
		ins(`INSERT INTO patients (id, clinic_id, full_name, search_text, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
			id, clinicID, name, strings.ToLower(name), now)
		patients = append(patients, id)
	}
	local := first.In(loc)
	var weekdays []time.Time
	for day := range 365 {
		dt := time.Date(local.Year(), local.Month(), local.Day()+day, 0, 0, 0, 0, loc)
		if wd := dt.Weekday(); wd != time.Saturday && wd != time.Sunday {
			weekdays = append(weekdays, dt)
		}
	}
	perDay := (n + len(weekdays) - 1) / len(weekdays)
	out := make([]YearAppt, 0, n)
	const batch = 200
	var b strings.Builder
	var args []any
	flush := func() {
		if len(args) == 0 {
			return
		}
		ins(`INSERT INTO appointments (id, clinic_id, patient_id, professional_id, procedure_id, starts_at, ends_at, procedure, notes, status, created_at, updated_at) VALUES `+
			b.String(), args...)
		b.Reset()
		args = args[:0]
	}
	for i := range n {
		day, k := weekdays[i/perDay], i%perDay
		start := day.Add(8*time.Hour + time.Duration(k/professionals)*30*time.Minute)
		status := "completed"
		switch i % 10 {
		case 3:
			status = "no_show"
		case 7:
			status = "cancelled"
		}
		a := YearAppt{ID: kernel.NewID(), PatientID: patients[(i*7)%len(patients)], StartsAt: start, Status: status}
		out = append(out, a)
		if len(args) > 0 {
			b.WriteString(", ")
		}
		base := len(args)
		b.WriteString("(")
		for j := 1; j <= 12; j++ {
			if j > 1 {
				b.WriteString(", ")
			}
			b.WriteString("$" + strconv.Itoa(base+j))
		}
		b.WriteString(")")
		args = append(args, a.ID, clinicID, a.PatientID, profs[k%professionals], procs[i%len(procs)], db.Time(start),
			db.Time(start.Add(30*time.Minute)), "Consulta", "", status, now, now)
		if (i+1)%batch == 0 {
			flush()
		}
	}
	flush()
	require.NoError(t, tx.Commit())
	return out
}
