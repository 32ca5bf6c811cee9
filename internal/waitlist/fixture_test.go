package waitlist_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/testenv"
)

// fixture is one clinic of a test database, with rows inserted by SQL.
type fixture struct {
	t        *testing.T
	d        *db.DB
	clinicID string
	loc      *time.Location
	// clock orders entries: each entry is created one second after the
	// previous one.
	clock time.Time
}

func newFixture(t *testing.T, d *db.DB, tz string) *fixture {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	require.NoError(t, err)
	f := &fixture{t: t, d: d, clinicID: kernel.NewID(), loc: loc, clock: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	f.exec(`INSERT INTO clinics (id, name, slug, time_zone, locale, created_at) VALUES ($1, $2, $3, $4, 'pt-BR', $5)`,
		f.clinicID, "Clinic", testenv.RandomName("clinic-"), tz, db.Time(time.Now()))
	return f
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	_, err := f.d.ExecContext(context.Background(), q, args...)
	require.NoError(f.t, err, q)
}

func (f *fixture) principal(role kernel.Role, userID string) kernel.Principal {
	return kernel.Principal{UserID: userID, ClinicID: f.clinicID, Role: role}
}

func (f *fixture) user() string {
	id := kernel.NewID()
	f.exec(`INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, 'User', 'x', $3)`,
		id, testenv.RandomName("u")+"@example.com", db.Time(time.Now()))
	f.exec(`INSERT INTO memberships (clinic_id, user_id, role, created_at) VALUES ($1, $2, 'professional', $3)`,
		f.clinicID, id, db.Time(time.Now()))
	return id
}

func (f *fixture) patient(fullName, socialName string) string {
	id := kernel.NewID()
	now := db.Time(time.Now())
	f.exec(`INSERT INTO patients (id, clinic_id, full_name, social_name, search_text, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
		id, f.clinicID, fullName, socialName, fullName, now)
	return id
}

func (f *fixture) professional(name, userID string) string {
	id := kernel.NewID()
	now := db.Time(time.Now())
	var user any
	if userID != "" {
		user = userID
	}
	f.exec(`INSERT INTO professionals (id, clinic_id, name, user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
		id, f.clinicID, name, user, now)
	return id
}

func (f *fixture) appointment(professionalID, patientID string, start, end time.Time, status string) string {
	id := kernel.NewID()
	now := db.Time(time.Now())
	f.exec(`INSERT INTO appointments (id, clinic_id, patient_id, professional_id, starts_at, ends_at, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, id, f.clinicID, patientID, professionalID, db.Time(start), db.Time(end), status, now)
	return id
}

// entryRow is a waitlist entry to insert; nil pointers are NULL.
type entryRow struct {
	patientID, professionalID string // "" professional: any
	from, to                  string
	earliest, latest          *int
	duration                  int
	status                    string
}

func minutes(h, m int) *int { v := h*60 + m; return &v }

func (f *fixture) entry(e entryRow) string {
	f.t.Helper()
	id := kernel.NewID()
	f.clock = f.clock.Add(time.Second)
	var prof, earliest, latest any
	if e.professionalID != "" {
		prof = e.professionalID
	}
	if e.earliest != nil {
		earliest = *e.earliest
	}
	if e.latest != nil {
		latest = *e.latest
	}
	if e.duration == 0 {
		e.duration = 30
	}
	if e.status == "" {
		e.status = "waiting"
	}
	f.exec(`INSERT INTO waitlist_entries (id, clinic_id, patient_id, professional_id, from_date, to_date, earliest_minute, latest_minute,
			duration_minutes, notes, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10, $11, $11)`,
		id, f.clinicID, e.patientID, prof, e.from, e.to, earliest, latest, e.duration, e.status, db.Time(f.clock))
	return id
}

// status returns an entry's status.
func (f *fixture) status(entryID string) string {
	f.t.Helper()
	var s string
	require.NoError(f.t, f.d.QueryRowContext(context.Background(), `SELECT status FROM waitlist_entries WHERE id = $1`, entryID).Scan(&s))
	return s
}

// offer is a recorded offer, as stored.
type offer struct {
	id, entryID, professionalID, status string
	startsAt, endsAt                    time.Time
}

// offers returns the clinic's offers.
func (f *fixture) offers() []offer {
	f.t.Helper()
	rows, err := f.d.QueryContext(context.Background(), `SELECT id, entry_id, professional_id, status, starts_at, ends_at
		FROM waitlist_offers WHERE clinic_id = $1 ORDER BY created_at, id`, f.clinicID)
	require.NoError(f.t, err)
	defer rows.Close()
	var out []offer
	for rows.Next() {
		var o offer
		require.NoError(f.t, rows.Scan(&o.id, &o.entryID, &o.professionalID, &o.status, &o.startsAt, &o.endsAt))
		out = append(out, o)
	}
	require.NoError(f.t, rows.Err())
	return out
}

// auditEntry is one row of the audit log.
type auditEntry struct {
	action, entity, entityID string
	patientID, userID        sql.NullString
}

func (f *fixture) audit(entity string) []auditEntry {
	f.t.Helper()
	rows, err := f.d.QueryContext(context.Background(), `SELECT action, entity, entity_id, patient_id, user_id FROM audit_log
		WHERE clinic_id = $1 AND entity = $2 ORDER BY id`, f.clinicID, entity)
	require.NoError(f.t, err)
	defer rows.Close()
	var out []auditEntry
	for rows.Next() {
		var a auditEntry
		require.NoError(f.t, rows.Scan(&a.action, &a.entity, &a.entityID, &a.patientID, &a.userID))
		out = append(out, a)
	}
	require.NoError(f.t, rows.Err())
	return out
}
