package schedule

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/testenv"
)

// testBundle is one clinic in a fresh database, with a Service whose clock
// is fixed at now.
type testBundle struct {
	svc      *Service
	db       *db.DB
	ctx      context.Context
	clinicID string
	owner    kernel.Principal
	rooms    map[string]string // name → id
}

// testNow is the fixed "now" of tests: before every date they use.
var testNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func setup(t testing.TB, d *db.DB, tz string) *testBundle {
	t.Helper()
	c, err := cache.New(context.Background(), cache.Config{}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return setupWithCache(t, d, c, tz)
}

func setupWithCache(t testing.TB, d *db.DB, c cache.Cache, tz string) *testBundle {
	t.Helper()
	ctx := context.Background()
	b := &testBundle{svc: NewService(d, c), db: d, ctx: ctx, clinicID: kernel.NewID(), rooms: map[string]string{}}
	b.svc.now = func() time.Time { return testNow }
	_, err := d.ExecContext(ctx, `INSERT INTO clinics (id, name, slug, time_zone, locale, created_at) VALUES ($1, $2, $3, $4, 'pt-BR', $5)`,
		b.clinicID, "Clinic", testenv.RandomName("clinic-"), tz, db.Time(time.Now()))
	require.NoError(t, err)
	b.owner = kernel.Principal{ClinicID: b.clinicID, Role: kernel.RoleOwner}
	return b
}

func (b *testBundle) professional(t testing.TB, name string, minutes int) string {
	t.Helper()
	p, err := b.svc.CreateProfessional(b.ctx, b.owner, ProfessionalInput{Name: name, DefaultDurationMinutes: minutes})
	require.NoError(t, err)
	return p.ID
}

func (b *testBundle) room(t testing.TB, name string) string {
	t.Helper()
	r, err := b.svc.CreateRoom(b.ctx, b.owner, RoomInput{Name: name})
	require.NoError(t, err)
	b.rooms[name] = r.ID
	return r.ID
}

// roomName maps a room id back to the name the test gave it.
func (b *testBundle) roomName(id string) string {
	for name, rid := range b.rooms {
		if rid == id {
			return name
		}
	}
	return id
}

// rule is a rule input; room is a room name of the bundle ("" for none).
type rule struct {
	weekday    int
	start, end string
	room       string
}

func (b *testBundle) week(t testing.TB, proID string, rules ...rule) {
	t.Helper()
	in := make([]RuleInput, len(rules))
	for i, r := range rules {
		in[i] = RuleInput{Weekday: &rules[i].weekday, Start: r.start, End: r.end}
		if r.room != "" {
			id := b.rooms[r.room]
			in[i].RoomID = &id
		}
	}
	_, err := b.svc.SetWorkingHours(b.ctx, b.owner, proID, in)
	require.NoError(t, err)
}

// weekdays returns the same hours on Monday to Friday.
func weekdays(start, end, room string) []rule {
	var out []rule
	for wd := 1; wd <= 5; wd++ {
		out = append(out, rule{wd, start, end, room})
	}
	return out
}

// exc is an exception input; "" start and end mean the whole day.
type exc struct {
	date       string
	kind       ExceptionKind
	start, end string
	room       string
}

func (b *testBundle) exception(t testing.TB, proID string, e exc) string {
	t.Helper()
	in := ExceptionInput{Date: e.date, Kind: e.kind, Reason: "test"}
	if e.start != "" {
		in.Start, in.End = &e.start, &e.end
	}
	if e.room != "" {
		id := b.rooms[e.room]
		in.RoomID = &id
	}
	got, err := b.svc.AddException(b.ctx, b.owner, proID, in)
	require.NoError(t, err)
	return got.ID
}

// appointment inserts an appointment straight into the table, as the
// appointment service would, without invalidating the cache.
func (b *testBundle) appointment(t testing.TB, proID, roomID, start, end, status string) {
	t.Helper()
	patientID := kernel.NewID()
	now := db.Time(time.Now())
	_, err := b.db.ExecContext(b.ctx, `INSERT INTO patients (id, clinic_id, full_name, search_text, created_at, updated_at) VALUES ($1, $2, 'Patient', 'patient', $3, $3)`,
		patientID, b.clinicID, now)
	require.NoError(t, err)
	var room any
	if roomID != "" {
		room = roomID
	}
	_, err = b.db.ExecContext(b.ctx, `INSERT INTO appointments (id, clinic_id, patient_id, professional_id, room_id, starts_at, ends_at, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
		kernel.NewID(), b.clinicID, patientID, proID, room, db.Time(mustTime(t, start)), db.Time(mustTime(t, end)), status, now)
	require.NoError(t, err)
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}
