package appointmenttest

import (
	"strings"
	"testing"
	"time"

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
