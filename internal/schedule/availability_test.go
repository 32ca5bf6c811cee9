package schedule

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/redisx"
	"clinic/internal/platform/testenv"
)

// slotStrings formats slots as "HH:MM-HH:MM" clinic-local (with the date
// when the range spans several days), plus the professional's and room's
// names when asked.
func (b *testBundle) slotStrings(slots []Slot, names map[string]string) []string {
	out := make([]string, len(slots))
	for i, s := range slots {
		out[i] = s.Start.Format("01-02 15:04") + "-" + s.End.Format("15:04")
		if names != nil {
			out[i] += " " + names[s.ProfessionalID]
		}
		if s.RoomID != "" {
			out[i] += " " + b.roomName(s.RoomID)
		}
	}
	return out
}

func TestAvailability(t *testing.T) {
	t.Parallel()
	// All in São Paulo (UTC-3); 2026-03-09 is a Monday.
	const day = "2026-03-09"
	tests := []struct {
		name string
		// rules and exceptions of "ana" (and of "bob" when bobRules is set).
		rules        []rule
		exceptions   []exc
		bobRules     []rule
		appointments [][4]string // professional name, room name, local start, local end (on day)
		cancelled    [][4]string
		minutes      int // professional default length
		query        AvailabilityQuery
		allPros      bool
		now          string
		want         []string
	}{
		{
			name:    "working hours on the grid of the default length",
			rules:   []rule{{1, "08:00", "10:00", ""}},
			minutes: 30,
			want:    []string{"03-09 08:00-08:30", "03-09 08:30-09:00", "03-09 09:00-09:30", "03-09 09:30-10:00"},
		},
		{
			name:    "a duration that does not divide the interval leaves the rest unused",
			rules:   []rule{{1, "08:00", "10:00", ""}},
			minutes: 30,
			query:   AvailabilityQuery{Duration: 45 * time.Minute},
			want:    []string{"03-09 08:00-08:45", "03-09 08:45-09:30"},
		},
		{
			name:       "time off removes slots, and the grid restarts after it",
			rules:      []rule{{1, "08:00", "11:00", ""}},
			exceptions: []exc{{date: day, kind: ExceptionOff, start: "08:30", end: "09:15"}},
			minutes:    30,
			want:       []string{"03-09 08:00-08:30", "03-09 09:15-09:45", "03-09 09:45-10:15", "03-09 10:15-10:45"},
		},
		{
			name:       "a day off has no slots",
			rules:      []rule{{1, "08:00", "10:00", ""}},
			exceptions: []exc{{date: day, kind: ExceptionOff}},
			minutes:    30,
			want:       []string{},
		},
		{
			name:       "extra hours add slots",
			rules:      []rule{{1, "08:00", "09:00", ""}},
			exceptions: []exc{{date: day, kind: ExceptionExtra, start: "18:00", end: "19:00"}},
			minutes:    30,
			want:       []string{"03-09 08:00-08:30", "03-09 08:30-09:00", "03-09 18:00-18:30", "03-09 18:30-19:00"},
		},
		{
			name:         "an appointment takes out every slot it overlaps; a cancelled one none",
			rules:        []rule{{1, "08:00", "10:00", ""}},
			appointments: [][4]string{{"ana", "", "08:40", "09:10"}},
			cancelled:    [][4]string{{"ana", "", "09:30", "10:00"}},
			minutes:      30,
			want:         []string{"03-09 08:00-08:30", "03-09 09:30-10:00"},
		},
		{
			name:         "another professional's appointment does not count without rooms",
			rules:        []rule{{1, "08:00", "09:00", ""}},
			appointments: [][4]string{{"bob", "", "08:00", "09:00"}},
			minutes:      30,
			want:         []string{"03-09 08:00-08:30", "03-09 08:30-09:00"},
		},
		{
			name:         "a room used by another professional is busy for a rule in that room",
			rules:        []rule{{1, "08:00", "09:00", "A"}},
			appointments: [][4]string{{"bob", "A", "08:00", "08:30"}, {"bob", "B", "08:30", "09:00"}},
			minutes:      30,
			want:         []string{"03-09 08:30-09:00 A"},
		},
		{
			name:         "asking for a room: that room's appointments count and rules of other rooms do not",
			rules:        []rule{{1, "08:00", "09:00", ""}, {1, "09:00", "10:00", "B"}},
			appointments: [][4]string{{"bob", "A", "08:30", "09:00"}},
			minutes:      30,
			query:        AvailabilityQuery{RoomID: "A"},
			want:         []string{"03-09 08:00-08:30 A"},
		},
		{
			name:    "slots before now are left out",
			rules:   []rule{{1, "08:00", "10:00", ""}},
			minutes: 30,
			now:     "2026-03-09T08:45:00-03:00",
			want:    []string{"03-09 09:00-09:30", "03-09 09:30-10:00"},
		},
		{
			name:     "every active professional, sorted by start then name",
			rules:    []rule{{1, "08:00", "09:00", ""}},
			bobRules: []rule{{1, "08:30", "09:30", ""}},
			minutes:  30,
			allPros:  true,
			want: []string{
				"03-09 08:00-08:30 ana", "03-09 08:30-09:00 ana", "03-09 08:30-09:00 bob", "03-09 09:00-09:30 bob",
			},
		},
		{
			name:    "a range that starts mid-interval keeps the interval's grid",
			rules:   []rule{{1, "08:00", "10:00", ""}},
			minutes: 30,
			query:   AvailabilityQuery{From: time.Date(2026, 3, 9, 11, 10, 0, 0, time.UTC), To: time.Date(2026, 3, 9, 12, 40, 0, 0, time.UTC)},
			want:    []string{"03-09 08:30-09:00", "03-09 09:00-09:30"},
		},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				b := setup(t, d, "America/Sao_Paulo")
				if tt.now != "" {
					now := mustTime(t, tt.now)
					b.svc.now = func() time.Time { return now }
				}
				b.room(t, "A")
				b.room(t, "B")
				pros := map[string]string{"ana": b.professional(t, "Ana", tt.minutes), "bob": b.professional(t, "Bob", tt.minutes)}
				names := map[string]string{pros["ana"]: "ana", pros["bob"]: "bob"}
				b.week(t, pros["ana"], tt.rules...)
				b.week(t, pros["bob"], tt.bobRules...)
				for _, e := range tt.exceptions {
					b.exception(t, pros["ana"], e)
				}
				for _, a := range tt.appointments {
					b.appointment(t, pros[a[0]], b.rooms[a[1]], day+"T"+a[2]+":00-03:00", day+"T"+a[3]+":00-03:00", "scheduled")
				}
				for _, a := range tt.cancelled {
					b.appointment(t, pros[a[0]], b.rooms[a[1]], day+"T"+a[2]+":00-03:00", day+"T"+a[3]+":00-03:00", "cancelled")
				}
				q := tt.query
				if !tt.allPros {
					q.ProfessionalID = pros["ana"]
				}
				if q.From.IsZero() {
					q.From, q.To = mustTime(t, day+"T00:00:00-03:00"), mustTime(t, day+"T23:59:00-03:00")
				}
				if q.RoomID != "" {
					q.RoomID = b.rooms[q.RoomID]
				}
				slots, err := b.svc.Availability(b.ctx, b.clinicID, q)
				require.NoError(t, err)
				var nameMap map[string]string
				if tt.allPros {
					nameMap = names
				}
				require.Equal(t, tt.want, b.slotStrings(slots, nameMap))
				for _, s := range slots {
					_, offset := s.Start.Zone()
					require.Equal(t, -3*3600, offset, "slots are in the clinic's offset")
				}
			})
		}
	})
}

func TestAvailabilityOnDSTDay(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "America/New_York")
		pro := b.professional(t, "Dr. Bob", 60)
		b.week(t, pro, rule{0, "08:00", "12:00", ""}, rule{6, "08:00", "12:00", ""})
		// Saturday 2026-03-07 (EST) and Sunday 2026-03-08 (EDT).
		slots, err := b.svc.Availability(b.ctx, b.clinicID, AvailabilityQuery{ProfessionalID: pro,
			From: mustTime(t, "2026-03-07T00:00:00-05:00"), To: mustTime(t, "2026-03-09T00:00:00-04:00")})
		require.NoError(t, err)
		var got []string
		for _, s := range slots {
			got = append(got, s.Start.Format(time.RFC3339)+" "+s.Start.UTC().Format("15:04Z"))
		}
		require.Equal(t, []string{
			"2026-03-07T08:00:00-05:00 13:00Z", "2026-03-07T09:00:00-05:00 14:00Z", "2026-03-07T10:00:00-05:00 15:00Z", "2026-03-07T11:00:00-05:00 16:00Z",
			"2026-03-08T08:00:00-04:00 12:00Z", "2026-03-08T09:00:00-04:00 13:00Z", "2026-03-08T10:00:00-04:00 14:00Z", "2026-03-08T11:00:00-04:00 15:00Z",
		}, got)
	})
}

func TestAvailabilityErrors(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "America/Sao_Paulo")
		other := setup(t, d, "America/Sao_Paulo")
		pro := b.professional(t, "Ana", 30)
		theirPro := other.professional(t, "Theirs", 30)
		theirRoom := other.room(t, "Theirs")
		from := mustTime(t, "2026-03-01T00:00:00-03:00")
		tests := []struct {
			name   string
			q      AvailabilityQuery
			code   apperr.Code
			fields []string
		}{
			{"31 days is the most", AvailabilityQuery{From: from, To: from.AddDate(0, 0, 31).Add(time.Second)}, apperr.Invalid, []string{"to"}},
			{"to before from", AvailabilityQuery{From: from, To: from.Add(-time.Hour)}, apperr.Invalid, []string{"to"}},
			{"missing from", AvailabilityQuery{To: from}, apperr.Invalid, []string{"from"}},
			{"duration too short", AvailabilityQuery{From: from, To: from.Add(time.Hour), Duration: 4 * time.Minute}, apperr.Invalid, []string{"duration"}},
			{"duration not whole minutes", AvailabilityQuery{From: from, To: from.Add(time.Hour), Duration: 90 * time.Second}, apperr.Invalid, []string{"duration"}},
			{"another clinic's professional", AvailabilityQuery{ProfessionalID: theirPro, From: from, To: from.Add(time.Hour)}, apperr.NotFound, nil},
			{"malformed professional id", AvailabilityQuery{ProfessionalID: "x", From: from, To: from.Add(time.Hour)}, apperr.NotFound, nil},
			{"another clinic's room", AvailabilityQuery{ProfessionalID: pro, RoomID: theirRoom, From: from, To: from.Add(time.Hour)}, apperr.NotFound, nil},
		}
		for _, tt := range tests {
			_, err := b.svc.Availability(b.ctx, b.clinicID, tt.q)
			require.Equal(t, tt.code, apperr.CodeOf(err), "%s: %v", tt.name, err)
			for _, f := range tt.fields {
				require.Contains(t, apperr.As(err).Fields, f, tt.name)
			}
		}
		_, err := b.svc.Availability(b.ctx, b.clinicID, AvailabilityQuery{From: from, To: from.AddDate(0, 0, 31)})
		require.NoError(t, err, "exactly 31 days is fine")
	})
}

// TestAvailabilityCache checks that answers come from the cache (an
// appointment written behind the service's back does not show) and that
// every kind of change, and InvalidateAvailability, shows at once.
func TestAvailabilityCache(t *testing.T) {
	t.Parallel()
	caches := map[string]func(t *testing.T) cache.Cache{
		"memory": func(t *testing.T) cache.Cache {
			c, err := cache.New(context.Background(), cache.Config{}, nil, nil)
			require.NoError(t, err)
			return c
		},
		"redis": func(t *testing.T) cache.Cache {
			rdb, err := redisx.New(testenv.RedisURL(t))
			require.NoError(t, err)
			t.Cleanup(func() { _ = rdb.Close() })
			c, err := cache.New(context.Background(), cache.Config{Backend: cache.BackendTiered, KeyPrefix: testenv.RandomName("test:") + ":"}, rdb, nil)
			require.NoError(t, err)
			return c
		},
	}
	for name, newCache := range caches {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				c := newCache(t)
				t.Cleanup(func() { _ = c.Close() })
				b := setupWithCache(t, d, c, "America/Sao_Paulo")
				pro := b.professional(t, "Ana", 60)
				b.week(t, pro, rule{1, "08:00", "10:00", ""})
				q := AvailabilityQuery{ProfessionalID: pro, From: mustTime(t, "2026-03-09T00:00:00-03:00"), To: mustTime(t, "2026-03-10T00:00:00-03:00")}
				avail := func() string {
					t.Helper()
					slots, err := b.svc.Availability(b.ctx, b.clinicID, q)
					require.NoError(t, err)
					return strings.Join(b.slotStrings(slots, nil), ", ")
				}
				require.Equal(t, "03-09 08:00-09:00, 03-09 09:00-10:00", avail())

				b.week(t, pro, rule{1, "08:00", "11:00", ""})
				require.Equal(t, "03-09 08:00-09:00, 03-09 09:00-10:00, 03-09 10:00-11:00", avail(), "working hours changed")

				eid := b.exception(t, pro, exc{date: "2026-03-09", kind: ExceptionOff, start: "10:00", end: "11:00"})
				require.Equal(t, "03-09 08:00-09:00, 03-09 09:00-10:00", avail(), "time off added")
				require.NoError(t, b.svc.DeleteException(b.ctx, b.owner, pro, eid))
				require.Equal(t, "03-09 08:00-09:00, 03-09 09:00-10:00, 03-09 10:00-11:00", avail(), "time off removed")

				b.appointment(t, pro, "", "2026-03-09T08:00:00-03:00", "2026-03-09T09:00:00-03:00", "confirmed")
				require.Equal(t, "03-09 08:00-09:00, 03-09 09:00-10:00, 03-09 10:00-11:00", avail(), "served from the cache")
				require.NoError(t, b.svc.InvalidateAvailability(b.ctx, b.clinicID))
				require.Equal(t, "03-09 09:00-10:00, 03-09 10:00-11:00", avail(), "booking shows after invalidation")

				inactive := false
				_, err := b.svc.UpdateProfessional(b.ctx, b.owner, pro, ProfessionalPatch{Active: kernel.Some(inactive)})
				require.NoError(t, err)
				require.Empty(t, avail(), "an inactive professional has no slots")
			})
		})
	}
}

func TestAvailabilityOverAMonthOfSeveralProfessionals(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "America/Sao_Paulo")
		var pros []string
		for i := range 3 {
			pro := b.professional(t, fmt.Sprintf("Pro %d", i), 60)
			b.week(t, pro, weekdays("08:00", "12:00", "")...)
			pros = append(pros, pro)
		}
		// March 2026 has 22 weekdays: 22 × 4 slots each.
		b.appointment(t, pros[0], "", "2026-03-02T08:00:00-03:00", "2026-03-02T10:00:00-03:00", "scheduled")
		slots, err := b.svc.Availability(b.ctx, b.clinicID, AvailabilityQuery{
			From: mustTime(t, "2026-03-01T00:00:00-03:00"), To: mustTime(t, "2026-04-01T00:00:00-03:00")})
		require.NoError(t, err)
		require.Len(t, slots, 3*22*4-2)
	})
}

func TestPackedSlotsRoundTrip(t *testing.T) {
	t.Parallel()
	p := packedSlots{
		Pros:  []string{"0190a000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-000000000002"},
		Rooms: []string{"0190a000-0000-7000-8000-0000000000aa"},
		Slots: [][4]int64{{0, 1773054000, 1773055800, 0}, {1, 1773054000, 1773057600, 1}, {0, 1773140400, 1773142200, 1}},
	}
	b, err := p.MarshalBinary()
	require.NoError(t, err)
	var got packedSlots
	require.NoError(t, got.UnmarshalBinary(b))
	require.Equal(t, p, got)

	empty, err := packedSlots{}.MarshalBinary()
	require.NoError(t, err)
	require.NoError(t, got.UnmarshalBinary(empty))
	require.Empty(t, got.Slots)

	for name, bad := range map[string][]byte{
		"empty":          nil,
		"other version":  append([]byte{9}, b[1:]...),
		"truncated":      b[:len(b)-1],
		"trailing bytes": append(append([]byte{}, b...), 0),
		"old JSON form":  []byte(`[{"professional_id":"x"}]`),
	} {
		require.Error(t, new(packedSlots).UnmarshalBinary(bad), name)
	}
	// A slot pointing past the professional or room table is refused.
	for _, sl := range [][4]int64{{2, 1773054000, 1773055800, 0}, {0, 1773054000, 1773055800, 2}} {
		bad, err := packedSlots{Pros: p.Pros, Rooms: p.Rooms, Slots: [][4]int64{sl}}.MarshalBinary()
		require.NoError(t, err)
		require.Error(t, new(packedSlots).UnmarshalBinary(bad), "%v", sl)
	}
}
