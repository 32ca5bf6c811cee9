// Package schedule holds a clinic's professionals, rooms, weekly working
// hours, date exceptions (time off, extra hours) and the availability that
// follows from them and from the booked appointments.
//
// # Time
//
// Working hours and exceptions are stored as clinic-local wall-clock times
// (minutes since local midnight, on a weekday or a date) and are turned into
// UTC instants only when expanded, day by day, in the clinic's time zone
// (account.Clinic.TimeZone). A local day that changes to or from daylight
// saving time therefore keeps its local hours: 08:00–12:00 in
// America/New_York is 12:00–16:00 UTC on 2026-03-08 and 13:00–17:00 UTC the
// day before. A rule that ends at "24:00" ends at the next local midnight.
// A local time that does not exist (inside a spring-forward gap) is resolved
// as time.Date does.
//
// # For the appointment service
//
// WorkingIntervals gives the concrete intervals in which a professional
// works; Professional, ProfessionalForUser and Room resolve ids within one
// clinic (NotFound for any other clinic's ids); InvalidateAvailability must
// be called after every change that can change availability (the
// appointment service calls it after every booking change).
//
// # Availability and caching
//
// Availability answers are cached for availabilityTTL under a key that holds
// the clinic's current generation. The generation lives in the cache next to
// the clinic's time zone (the "state" entry); InvalidateAvailability deletes
// that entry, so the next request starts a new generation and every earlier
// answer of the clinic is unreachable at once, on every server sharing the
// cache. An answer computed from data read before a change can only be stored
// under the generation that the change invalidated.
// The time zone in the state comes from account's cached clinic settings,
// which bookings do not invalidate, so a new generation reads no database.
//
// # Procedures and rooms
//
// Procedures are the kinds of appointment a clinic offers (name, default
// length, agenda colour, whether the public page offers them); two active
// procedures of a clinic never share a name, compared without case,
// accents or punctuation. Procedures and rooms are deactivated, never
// deleted: an inactive procedure or room cannot be booked, and working
// hours that name an inactive room count as working hours without a room.
//
// # Tables
//
// Tables: professionals, rooms, working_hours, schedule_exceptions,
// procedures.
// Read models: professional_refs (clinic_id, id, name, user_id,
// default_duration_minutes, active), room_refs (clinic_id, id, name,
// active), procedure_refs (clinic_id, id, name, color,
// default_duration_minutes, active).
package schedule

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
)

// Service manages professionals, rooms, working hours and exceptions, and
// computes availability. Every method is scoped by clinic: an id of another
// clinic is not found.
type Service struct {
	db    *db.DB
	cache cache.Cache
	now   func() time.Time
	// zones caches loaded *time.Location by name (LoadLocation reads the
	// zone database every time).
	zones sync.Map
	log   *slog.Logger
	// clinicZones is where clinics' time zones come from (see WithZones).
	clinicZones Zones
	// onProfessional are the listeners of committed professional writes
	// (see OnProfessionalChange).
	onProfessional kernel.Listeners[ProfessionalChange]
	// onProcedure and onRoom are the listeners of committed procedure and
	// room writes (see OnProcedureChange, OnRoomChange).
	onProcedure kernel.Listeners[ProcedureChange]
	onRoom      kernel.Listeners[RoomChange]
	// dirs keeps the clinics' directories (directory.go).
	dirs directories
}

// NewService returns a Service on d that caches availability in c.
func NewService(d *db.DB, c cache.Cache, opts ...Option) *Service {
	s := &Service{db: d, cache: c, now: time.Now, log: slog.Default(), clinicZones: account.NewStore(d)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Clock is a clinic-local time of day in minutes since midnight, 0 to 1440
// ("24:00", the end of the day). It reads and writes as "HH:MM".
type Clock int

// EndOfDay is the Clock of the next midnight ("24:00").
const EndOfDay Clock = 24 * 60

// String formats c as "HH:MM".
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// MarshalText implements encoding.TextMarshaler ("HH:MM").
func (c Clock) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler ("HH:MM").
func (c *Clock) UnmarshalText(b []byte) error {
	v, err := ParseClock(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ParseClock parses "HH:MM" (00:00 to 24:00).
func ParseClock(s string) (Clock, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 || !digits(h) || !digits(m) {
		return 0, fmt.Errorf("schedule: time %q is not HH:MM", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("schedule: time %q is not HH:MM between 00:00 and 24:00", s)
	}
	return Clock(hh*60 + mm), nil
}

// digits reports whether s is made of ASCII digits only (strconv.Atoi also
// takes a sign).
func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// DateLayout is the layout of dates (clinic-local calendar days).
const DateLayout = "2006-01-02"

func notFound(what string) error { return apperr.New(apperr.NotFound, "%s not found.", what) }

var (
	errProfessionalNotFound = notFound("Professional")
	errRoomNotFound         = notFound("Room")
	errExceptionNotFound    = notFound("Exception")
)

func forbidden(msg string) error { return apperr.New(apperr.Forbidden, "%s", msg) }

// queryer is a *sql.DB, *sql.Tx or *db.DB.
type queryer interface {
	reader
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// reader is a queryer or what db.DB.Reader returns (perhaps a replica).
type reader interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func checkText(fields map[string]string, field, v string, required bool, max int) {
	switch n := utf8.RuneCountInString(v); {
	case n == 0 && required:
		fields[field] = "Required."
	case n > max:
		fields[field] = fmt.Sprintf("Must be at most %d characters.", max)
	}
}

// newID returns a new time-ordered id.
func newID() string { return kernel.NewID() }
