// Package appointmenttest inserts, straight into the tables, the rows that
// appointment tests need (clinics, users, patients, professionals, rooms,
// working hours, appointments), so that those tests depend on the schema
// only, not on the services that own these rows.
package appointmenttest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

func exec(t testing.TB, d *db.DB, query string, args ...any) {
	t.Helper()
	_, err := d.ExecContext(context.Background(), query, args...)
	require.NoError(t, err, "fixture: %s", query)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Clinic inserts a clinic in timeZone ("" for America/Sao_Paulo) and
// returns its id.
func Clinic(t testing.TB, d *db.DB, timeZone string) string {
	t.Helper()
	if timeZone == "" {
		timeZone = "America/Sao_Paulo"
	}
	id := kernel.NewID()
	exec(t, d, `INSERT INTO clinics (id, name, slug, time_zone, locale, created_at) VALUES ($1, $2, $3, $4, 'pt-BR', $5)`,
		id, "Clinic "+id[:8], "clinic-"+id, timeZone, db.Time(time.Now()))
	return id
}

// User inserts a user (no membership) and returns its id.
func User(t testing.TB, d *db.DB) string {
	t.Helper()
	id := kernel.NewID()
	exec(t, d, `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, 'x', $4)`,
		id, id+"@example.com", "User "+id[:8], db.Time(time.Now()))
	return id
}

// Member inserts a user with role in clinicID and returns its id.
func Member(t testing.TB, d *db.DB, clinicID string, role kernel.Role) string {
	t.Helper()
	id := User(t, d)
	exec(t, d, `INSERT INTO memberships (clinic_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
		clinicID, id, string(role), db.Time(time.Now()))
	return id
}

// Principals returns a function that makes the caller of each role in
// clinicID, for role tests (see kernel/roletest): a member with that role,
// or for an invalid role a user who is no member. With ownProfessional, a
// professional also gets a professional record linked to the user.
func Principals(t testing.TB, d *db.DB, clinicID string, ownProfessional bool) func(kernel.Role) kernel.Principal {
	return func(r kernel.Role) kernel.Principal {
		t.Helper()
		if !r.Valid() {
			return kernel.Principal{UserID: User(t, d), ClinicID: clinicID, Role: r}
		}
		p := kernel.Principal{UserID: Member(t, d, clinicID, r), ClinicID: clinicID, Role: r}
		if ownProfessional && r == kernel.RoleProfessional {
			Professional(t, d, clinicID, "Own", 0, p.UserID)
		}
		return p
	}
}

// Patient inserts a patient and returns its id.
func Patient(t testing.TB, d *db.DB, clinicID, name string) string {
	t.Helper()
	id := kernel.NewID()
	now := db.Time(time.Now())
	exec(t, d, `INSERT INTO patients (id, clinic_id, full_name, search_text, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
		id, clinicID, name, strings.ToLower(name), now)
	return id
}

// Professional inserts an active professional whose appointments last
// defaultMinutes by default (0: 30), linked to userID ("" for none), and
// returns its id.
func Professional(t testing.TB, d *db.DB, clinicID, name string, defaultMinutes int, userID string) string {
	t.Helper()
	if defaultMinutes == 0 {
		defaultMinutes = 30
	}
	id := kernel.NewID()
	now := db.Time(time.Now())
	exec(t, d, `INSERT INTO professionals (id, clinic_id, name, default_duration_minutes, user_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)`, id, clinicID, name, defaultMinutes, nullable(userID), now)
	return id
}

// Room inserts a room and returns its id.
func Room(t testing.TB, d *db.DB, clinicID, name string) string {
	t.Helper()
	id := kernel.NewID()
	exec(t, d, `INSERT INTO rooms (id, clinic_id, name, created_at) VALUES ($1, $2, $3, $4)`, id, clinicID, name, db.Time(time.Now()))
	return id
}

func minutes(t testing.TB, hhmm string) int {
	t.Helper()
	h, m, ok := strings.Cut(hhmm, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	require.True(t, ok && err1 == nil && err2 == nil, "fixture: time %q is not HH:MM", hhmm)
	return hh*60 + mm
}

// Hours inserts a weekly working-hours rule: the professional works from
// "HH:MM" to "HH:MM" (clinic-local; "24:00" is midnight) on the weekday, in
// roomID ("" for none).
func Hours(t testing.TB, d *db.DB, clinicID, professionalID string, weekday time.Weekday, from, to, roomID string) {
	t.Helper()
	exec(t, d, `INSERT INTO working_hours (id, clinic_id, professional_id, weekday, start_minute, end_minute, room_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, kernel.NewID(), clinicID, professionalID, int(weekday),
		minutes(t, from), minutes(t, to), nullable(roomID))
}

// Weekdays inserts the same hours for Monday to Friday.
func Weekdays(t testing.TB, d *db.DB, clinicID, professionalID, from, to, roomID string) {
	t.Helper()
	for wd := time.Monday; wd <= time.Friday; wd++ {
		Hours(t, d, clinicID, professionalID, wd, from, to, roomID)
	}
}

// AllWeek makes the professional work all day, every day.
func AllWeek(t testing.TB, d *db.DB, clinicID, professionalID, roomID string) {
	t.Helper()
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		Hours(t, d, clinicID, professionalID, wd, "00:00", "24:00", roomID)
	}
}

// Appt is an appointment row to insert.
type Appt struct {
	ClinicID, PatientID, ProfessionalID, RoomID string
	StartsAt                                    time.Time
	Duration                                    time.Duration // 0: 30 minutes
	Status                                      string        // "": scheduled
	Notes                                       string
}

// Appointment inserts an appointment as it is (no checks, no history) and
// returns its id.
func Appointment(t testing.TB, d *db.DB, a Appt) string {
	t.Helper()
	if a.Duration == 0 {
		a.Duration = 30 * time.Minute
	}
	if a.Status == "" {
		a.Status = "scheduled"
	}
	id := kernel.NewID()
	now := db.Time(time.Now())
	exec(t, d, `INSERT INTO appointments (id, clinic_id, patient_id, professional_id, room_id, starts_at, ends_at, notes, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`, id, a.ClinicID, a.PatientID, a.ProfessionalID, nullable(a.RoomID),
		db.Time(a.StartsAt), db.Time(a.StartsAt.Add(a.Duration)), a.Notes, a.Status, now)
	return id
}

// Overlaps returns a description of every pair of active appointments of
// the clinic that share a professional or a room and overlap ("" when none).
func Overlaps(t testing.TB, d *db.DB, clinicID string) string {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT a.id, b.id FROM appointments a JOIN appointments b
		ON a.id < b.id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
		AND (a.professional_id = b.professional_id OR a.room_id = b.room_id)
	WHERE a.clinic_id = $1 AND b.clinic_id = $1
		AND a.status NOT IN ('cancelled', 'no_show') AND b.status NOT IN ('cancelled', 'no_show')`, clinicID)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a, b string
		require.NoError(t, rows.Scan(&a, &b))
		out = append(out, fmt.Sprintf("%s overlaps %s", a, b))
	}
	require.NoError(t, rows.Err())
	return strings.Join(out, "; ")
}

// Count returns the number of appointments of the clinic.
func Count(t testing.TB, d *db.DB, clinicID string) int {
	t.Helper()
	var n int
	require.NoError(t, d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM appointments WHERE clinic_id = $1`, clinicID).Scan(&n))
	return n
}

// BusyClinic fills a clinic, in one transaction, with 500 patients, 8
// professionals and perDay appointments a day (of 30 minutes from 08:00
// clinic-local, the professionals in turn) for days days from first, and
// returns the ids of the professionals and patients.
func BusyClinic(t testing.TB, d *db.DB, clinicID string, loc *time.Location, first time.Time, days, perDay int) (professionals, patients []string) {
	t.Helper()
	ctx := context.Background()
	tx, err := d.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	now := db.Time(time.Now())
	for i := range 8 {
		id := kernel.NewID()
		_, err := tx.ExecContext(ctx, `INSERT INTO professionals (id, clinic_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
			id, clinicID, fmt.Sprintf("Profissional %d", i), now)
		require.NoError(t, err)
		professionals = append(professionals, id)
	}
	for i := range 500 {
		id := kernel.NewID()
		name := fmt.Sprintf("Paciente %03d", i)
		_, err := tx.ExecContext(ctx, `INSERT INTO patients (id, clinic_id, full_name, search_text, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
			id, clinicID, name, strings.ToLower(name), now)
		require.NoError(t, err)
		patients = append(patients, id)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO appointments (id, clinic_id, patient_id, professional_id, starts_at, ends_at, procedure, notes, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'Consulta', 'Notas', 'scheduled', $7, $7)`)
	require.NoError(t, err)
	defer stmt.Close()
	local := first.In(loc)
	for day := range days {
		for i := range perDay {
			slot := i / len(professionals)
			start := time.Date(local.Year(), local.Month(), local.Day()+day, 8, 30*slot, 0, 0, loc)
			_, err := stmt.ExecContext(ctx, kernel.NewID(), clinicID, patients[(day*perDay+i)%len(patients)], professionals[i%len(professionals)],
				db.Time(start), db.Time(start.Add(30*time.Minute)), now)
			require.NoError(t, err)
		}
	}
	require.NoError(t, tx.Commit())
	return professionals, patients
}
