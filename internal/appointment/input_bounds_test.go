package appointment

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestInputBounds(t *testing.T) {
	t.Parallel()
	const rangeMsg = "Must be between 2000-01-01 and 2099-12-31."
	t.Run("times", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct{ in, want string }{
			{"2030-03-14T09:30:00-03:00", ""},
			{"9999-12-31T23:50:00Z", rangeMsg},
			{"9999-12-31T22:00:00-03:00", rangeMsg},
			{"2099-12-31T22:00:00-03:00", rangeMsg},
			{"1999-12-31T23:00:00Z", rangeMsg},
			{"2030-03-14 09:30", "Must be a date and time in RFC 3339 format with an offset, such as 2025-03-14T09:30:00-03:00."},
		} {
			fields := map[string]string{}
			parseTime(fields, "starts_at", tt.in)
			require.Equal(t, tt.want, fields["starts_at"], tt.in)
		}
	})
	t.Run("durations", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct {
			minutes int
			ok      bool
		}{{5, true}, {720, true}, {4, false}, {721, false}, {-30, false}, {307445740, false}, {1 << 62, false}} {
			fields := map[string]string{}
			require.Equal(t, tt.ok, checkDuration(fields, tt.minutes), "%d", tt.minutes)
			require.Equal(t, !tt.ok, fields["duration_minutes"] != "", "%d", tt.minutes)
		}
	})
	t.Run("span ending past the range", func(t *testing.T) {
		t.Parallel()
		start := time.Date(2099, 12, 31, 23, 50, 0, 0, time.UTC)
		fields := map[string]string{}
		checkSpan(fields, start, start.Add(30*time.Minute))
		require.Equal(t, rangeMsg, fields["ends_at"])
	})
	t.Run("recurrences", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct {
			name  string
			r     Recurrence
			field string
		}{
			{"weekly ten times", Recurrence{EveryDays: 7, Count: 10}, ""},
			{"until a date", Recurrence{EveryDays: 7, Until: "2030-06-30"}, ""},
			{"every_days overflowing", Recurrence{EveryDays: 307445740, Count: 2}, "recurrence.every_days"},
			{"every_days zero", Recurrence{EveryDays: 0, Count: 2}, "recurrence.every_days"},
			{"count overflowing", Recurrence{EveryDays: 7, Count: 1 << 62}, "recurrence.count"},
			{"negative count", Recurrence{EveryDays: 7, Count: -1}, "recurrence.count"},
			{"until in year 9999", Recurrence{EveryDays: 7, Until: "9999-12-31"}, "recurrence.until"},
			{"until in year 1", Recurrence{EveryDays: 7, Until: "0001-01-01"}, "recurrence.until"},
		} {
			fields := map[string]string{}
			checkRecurrence(fields, tt.r)
			if tt.field == "" {
				require.Empty(t, fields, tt.name)
				continue
			}
			require.Contains(t, fields, tt.field, tt.name)
		}
	})
}
