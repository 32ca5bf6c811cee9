package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

func TestParseClock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Clock
		ok   bool
	}{
		{"00:00", 0, true},
		{"08:30", 510, true},
		{"23:59", 1439, true},
		{"24:00", EndOfDay, true},
		{"24:01", 0, false},
		{"25:00", 0, false},
		{"12:60", 0, false},
		{"8:30", 0, false},
		{"08-30", 0, false},
		{"", 0, false},
		{"ab:cd", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseClock(tt.in)
		if !tt.ok {
			require.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got, tt.in)
		require.Equal(t, tt.in, got.String())
	}
}

// TestWorkingIntervals expands rules and exceptions in clinics of several
// zones. Expectations are UTC instants, so they hold whatever the server's
// own zone (TZ) is.
func TestWorkingIntervals(t *testing.T) {
	t.Parallel()
	daily := func(start, end string) []rule {
		var out []rule
		for wd := 0; wd < 7; wd++ {
			out = append(out, rule{wd, start, end, ""})
		}
		return out
	}
	tests := []struct {
		name       string
		tz         string
		rules      []rule
		exceptions []exc
		from, to   string
		want       []string // "start end room" in UTC
	}{
		{
			name: "New York, spring forward: local hours kept, UTC shifts by an hour",
			tz:   "America/New_York", rules: daily("08:00", "12:00"),
			from: "2026-03-07T00:00:00-05:00", to: "2026-03-10T00:00:00-04:00",
			want: []string{
				"2026-03-07T13:00:00Z 2026-03-07T17:00:00Z",
				"2026-03-08T12:00:00Z 2026-03-08T16:00:00Z",
				"2026-03-09T12:00:00Z 2026-03-09T16:00:00Z",
			},
		},
		{
			name: "New York, spring forward: the whole day is 23 hours",
			tz:   "America/New_York", rules: []rule{{0, "00:00", "24:00", ""}},
			from: "2026-03-08T00:00:00-05:00", to: "2026-03-09T00:00:00-04:00",
			want: []string{"2026-03-08T05:00:00Z 2026-03-09T04:00:00Z"},
		},
		{
			name: "New York, fall back: local hours kept",
			tz:   "America/New_York", rules: daily("08:00", "12:00"),
			from: "2026-10-31T00:00:00-04:00", to: "2026-11-02T00:00:00-05:00",
			want: []string{
				"2026-10-31T12:00:00Z 2026-10-31T16:00:00Z",
				"2026-11-01T13:00:00Z 2026-11-01T17:00:00Z",
			},
		},
		{
			name: "New York, fall back: the whole day is 25 hours",
			tz:   "America/New_York", rules: []rule{{0, "00:00", "24:00", ""}},
			from: "2026-11-01T00:00:00-04:00", to: "2026-11-02T00:00:00-05:00",
			want: []string{"2026-11-01T04:00:00Z 2026-11-02T05:00:00Z"},
		},
		{
			name: "São Paulo has no daylight saving time: UTC-3 all year",
			tz:   "America/Sao_Paulo", rules: []rule{{1, "08:00", "12:00", ""}},
			from: "2026-02-16T00:00:00-03:00", to: "2026-02-17T00:00:00-03:00",
			want: []string{"2026-02-16T11:00:00Z 2026-02-16T15:00:00Z"},
		},
		{
			name: "São Paulo in November (formerly summer time)",
			tz:   "America/Sao_Paulo", rules: []rule{{1, "08:00", "12:00", ""}},
			from: "2026-11-02T00:00:00Z", to: "2026-11-03T12:00:00Z",
			want: []string{"2026-11-02T11:00:00Z 2026-11-02T15:00:00Z"},
		},
		{
			name: "Tokyo: a local Monday morning is Sunday in UTC, and the range clips",
			tz:   "Asia/Tokyo", rules: []rule{{1, "08:00", "12:00", ""}, {2, "08:00", "12:00", ""}},
			from: "2026-03-08T00:00:00Z", to: "2026-03-10T00:00:00Z",
			want: []string{
				"2026-03-08T23:00:00Z 2026-03-09T03:00:00Z",
				"2026-03-09T23:00:00Z 2026-03-10T00:00:00Z",
			},
		},
		{
			name: "Kolkata: half-hour offset",
			tz:   "Asia/Kolkata", rules: []rule{{1, "09:00", "13:00", ""}},
			from: "2026-03-09T00:00:00+05:30", to: "2026-03-10T00:00:00+05:30",
			want: []string{"2026-03-09T03:30:00Z 2026-03-09T07:30:00Z"},
		},
		{
			name: "the range clips intervals on both sides",
			tz:   "America/Sao_Paulo", rules: []rule{{1, "08:00", "12:00", ""}},
			from: "2026-03-09T09:15:00-03:00", to: "2026-03-09T10:45:00-03:00",
			want: []string{"2026-03-09T12:15:00Z 2026-03-09T13:45:00Z"},
		},
		{
			name:       "off for a whole day removes that day",
			tz:         "America/Sao_Paulo",
			rules:      append(weekdays("08:00", "12:00", ""), weekdays("14:00", "18:00", "")...),
			exceptions: []exc{{date: "2026-03-10", kind: ExceptionOff}},
			from:       "2026-03-09T00:00:00-03:00", to: "2026-03-12T00:00:00-03:00",
			want: []string{
				"2026-03-09T11:00:00Z 2026-03-09T15:00:00Z", "2026-03-09T17:00:00Z 2026-03-09T21:00:00Z",
				"2026-03-11T11:00:00Z 2026-03-11T15:00:00Z", "2026-03-11T17:00:00Z 2026-03-11T21:00:00Z",
			},
		},
		{
			name:       "off for part of a day splits an interval",
			tz:         "America/Sao_Paulo",
			rules:      weekdays("08:00", "12:00", ""),
			exceptions: []exc{{date: "2026-03-10", kind: ExceptionOff, start: "09:00", end: "10:00"}},
			from:       "2026-03-10T00:00:00-03:00", to: "2026-03-11T00:00:00-03:00",
			want: []string{
				"2026-03-10T11:00:00Z 2026-03-10T12:00:00Z",
				"2026-03-10T13:00:00Z 2026-03-10T15:00:00Z",
			},
		},
		{
			name:       "off across the lunch break trims two intervals",
			tz:         "America/Sao_Paulo",
			rules:      append(weekdays("08:00", "12:00", ""), weekdays("14:00", "18:00", "")...),
			exceptions: []exc{{date: "2026-03-10", kind: ExceptionOff, start: "11:00", end: "15:00"}},
			from:       "2026-03-10T00:00:00-03:00", to: "2026-03-11T00:00:00-03:00",
			want: []string{
				"2026-03-10T11:00:00Z 2026-03-10T14:00:00Z",
				"2026-03-10T18:00:00Z 2026-03-10T21:00:00Z",
			},
		},
		{
			name:       "extra hours on a Saturday, in a room",
			tz:         "America/Sao_Paulo",
			rules:      weekdays("08:00", "12:00", ""),
			exceptions: []exc{{date: "2026-03-14", kind: ExceptionExtra, start: "09:00", end: "11:00", room: "A"}},
			from:       "2026-03-13T12:00:00-03:00", to: "2026-03-16T00:00:00-03:00",
			want: []string{"2026-03-14T12:00:00Z 2026-03-14T14:00:00Z A"},
		},
		{
			name:       "extra hours overlapping a rule take over its room",
			tz:         "America/Sao_Paulo",
			rules:      []rule{{1, "08:00", "12:00", "A"}},
			exceptions: []exc{{date: "2026-03-09", kind: ExceptionExtra, start: "11:00", end: "13:00", room: "B"}},
			from:       "2026-03-09T00:00:00-03:00", to: "2026-03-10T00:00:00-03:00",
			want: []string{
				"2026-03-09T11:00:00Z 2026-03-09T14:00:00Z A",
				"2026-03-09T14:00:00Z 2026-03-09T16:00:00Z B",
			},
		},
		{
			name:       "extra hours extending a rule in the same room merge with it",
			tz:         "America/Sao_Paulo",
			rules:      []rule{{1, "08:00", "12:00", ""}},
			exceptions: []exc{{date: "2026-03-09", kind: ExceptionExtra, start: "12:00", end: "13:30"}},
			from:       "2026-03-09T00:00:00-03:00", to: "2026-03-10T00:00:00-03:00",
			want: []string{"2026-03-09T11:00:00Z 2026-03-09T16:30:00Z"},
		},
		{
			name:       "extra hours on a day off still count",
			tz:         "America/Sao_Paulo",
			rules:      []rule{{1, "08:00", "12:00", ""}},
			exceptions: []exc{{date: "2026-03-09", kind: ExceptionOff}, {date: "2026-03-09", kind: ExceptionExtra, start: "18:00", end: "20:00"}},
			from:       "2026-03-09T00:00:00-03:00", to: "2026-03-10T00:00:00-03:00",
			want: []string{"2026-03-09T21:00:00Z 2026-03-09T23:00:00Z"},
		},
		{
			name:  "touching rules in one room merge, in different rooms they do not",
			tz:    "America/Sao_Paulo",
			rules: []rule{{1, "08:00", "10:00", "A"}, {1, "10:00", "12:00", "A"}, {1, "12:00", "13:00", "B"}},
			from:  "2026-03-09T00:00:00-03:00", to: "2026-03-10T00:00:00-03:00",
			want: []string{
				"2026-03-09T11:00:00Z 2026-03-09T15:00:00Z A",
				"2026-03-09T15:00:00Z 2026-03-09T16:00:00Z B",
			},
		},
		{
			name:  "a night shift across midnight is one interval",
			tz:    "America/Sao_Paulo",
			rules: []rule{{1, "22:00", "24:00", ""}, {2, "00:00", "06:00", ""}},
			from:  "2026-03-09T00:00:00-03:00", to: "2026-03-11T00:00:00-03:00",
			want: []string{"2026-03-10T01:00:00Z 2026-03-10T09:00:00Z"},
		},
		{
			name:       "an exception of another date changes nothing",
			tz:         "America/Sao_Paulo",
			rules:      []rule{{1, "08:00", "12:00", ""}},
			exceptions: []exc{{date: "2026-03-16", kind: ExceptionOff}},
			from:       "2026-03-09T00:00:00-03:00", to: "2026-03-10T00:00:00-03:00",
			want: []string{"2026-03-09T11:00:00Z 2026-03-09T15:00:00Z"},
		},
		{
			name: "no rules, no intervals",
			tz:   "America/Sao_Paulo",
			from: "2026-03-09T00:00:00-03:00", to: "2026-03-10T00:00:00-03:00",
			want: []string{},
		},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				b := setup(t, d, tt.tz)
				b.room(t, "A")
				b.room(t, "B")
				pro := b.professional(t, "Dra. Ana", 30)
				b.week(t, pro, tt.rules...)
				for _, e := range tt.exceptions {
					b.exception(t, pro, e)
				}
				ivs, err := b.svc.WorkingIntervals(b.ctx, b.clinicID, pro, mustTime(t, tt.from), mustTime(t, tt.to))
				require.NoError(t, err)
				got := make([]string, len(ivs))
				for i, iv := range ivs {
					require.Equal(t, time.UTC, iv.Start.Location(), "intervals are in UTC")
					got[i] = iv.Start.Format(time.RFC3339) + " " + iv.End.Format(time.RFC3339)
					if iv.RoomID != "" {
						got[i] += " " + b.roomName(iv.RoomID)
					}
					require.Equal(t, map[bool]string{true: b.roomName(iv.RoomID)}[iv.RoomID != ""], iv.RoomName, "the room's name")
				}
				require.Equal(t, tt.want, got)
			})
		}
	})
}

func TestWorkingIntervalsDSTDayLengths(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "America/New_York")
		pro := b.professional(t, "Dr. Bob", 30)
		b.week(t, pro, rule{0, "00:00", "24:00", ""})
		for date, want := range map[string]time.Duration{"2026-03-08": 23 * time.Hour, "2026-03-15": 24 * time.Hour, "2026-11-01": 25 * time.Hour} {
			loc, err := time.LoadLocation("America/New_York")
			require.NoError(t, err)
			day, err := time.ParseInLocation(DateLayout, date, loc)
			require.NoError(t, err)
			ivs, err := b.svc.WorkingIntervals(b.ctx, b.clinicID, pro, day, day.AddDate(0, 0, 1))
			require.NoError(t, err)
			require.Len(t, ivs, 1, date)
			require.Equal(t, want, ivs[0].End.Sub(ivs[0].Start), date)
		}
	})
}

func TestWorkingIntervalsErrors(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "America/Sao_Paulo")
		other := setup(t, d, "America/Sao_Paulo")
		theirs := other.professional(t, "Other clinic's", 30)
		mine := b.professional(t, "Mine", 30)
		from := mustTime(t, "2026-03-09T00:00:00Z")
		tests := []struct {
			name     string
			clinicID string
			proID    string
			from, to time.Time
			code     apperr.Code
		}{
			{"unknown professional", b.clinicID, "01900000-0000-7000-8000-000000000000", from, from.Add(time.Hour), apperr.NotFound},
			{"malformed professional id", b.clinicID, "not-an-id", from, from.Add(time.Hour), apperr.NotFound},
			{"another clinic's professional", b.clinicID, theirs, from, from.Add(time.Hour), apperr.NotFound},
			{"unknown clinic", "01900000-0000-7000-8000-000000000001", mine, from, from.Add(time.Hour), apperr.NotFound},
			{"range over a year", b.clinicID, mine, from, from.AddDate(1, 1, 0), apperr.Invalid},
		}
		for _, tt := range tests {
			_, err := b.svc.WorkingIntervals(b.ctx, tt.clinicID, tt.proID, tt.from, tt.to)
			require.Equal(t, tt.code, apperr.CodeOf(err), "%s: %v", tt.name, err)
		}
		ivs, err := b.svc.WorkingIntervals(b.ctx, b.clinicID, mine, from, from)
		require.NoError(t, err)
		require.Empty(t, ivs, "an empty range has no intervals")
	})
}
