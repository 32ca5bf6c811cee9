package schedule

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
)

// Interval is a span of time [Start, End) in which a professional works, in
// the room RoomID ("" when the rule or exception names no room).
type Interval struct {
	Start  time.Time
	End    time.Time
	RoomID string
	// RoomName is the name of RoomID ("" without a room).
	RoomName string
}

// MaxIntervalRange bounds the range WorkingIntervals expands.
const MaxIntervalRange = 366 * 24 * time.Hour

// WorkingIntervals returns the intervals, in UTC, in which the professional
// works between from and to (clipped to [from, to)), sorted by start: the
// weekly rules expanded day by day in the clinic's time zone, minus the
// "off" exceptions, plus the "extra" ones (which take precedence over a rule
// for the time they cover, room included). Touching intervals in the same
// room are merged.
//
// It does not look at appointments nor at Professional.Active: a caller that
// books checks both. NotFound when the clinic has no such professional;
// Invalid when the range is longer than MaxIntervalRange. An empty range
// gives no intervals. One query (the professional, its rules and exceptions
// and their rooms' names) plus the cached clinic time zone.
func (s *Service) WorkingIntervals(ctx context.Context, clinicID, professionalID string, from, to time.Time) ([]Interval, error) {
	if to.Sub(from) > MaxIntervalRange {
		return nil, apperr.New(apperr.Invalid, "The range must be at most 366 days.")
	}
	if !kernel.IsID(professionalID) {
		return nil, errProfessionalNotFound
	}
	loc, err := s.Location(ctx, clinicID)
	if err != nil {
		return nil, err
	}
	h, err := loadHours(ctx, s.db, clinicID, professionalID, from.In(loc).Format(DateLayout), to.In(loc).Format(DateLayout))
	if err != nil {
		return nil, err
	}
	if !h.found {
		return nil, errProfessionalNotFound
	}
	if !from.Before(to) {
		return []Interval{}, nil
	}
	out := clip(expand(h.rules, h.exceptions, loc, from, to), from, to)
	for i := range out {
		out[i].Start, out[i].End = out[i].Start.UTC(), out[i].End.UTC()
		out[i].RoomName = h.roomNames[out[i].RoomID]
	}
	return out, nil
}

// hoursOf is what WorkingIntervals reads of one professional.
type hoursOf struct {
	found      bool // the clinic has the professional
	rules      []Rule
	exceptions []Exception
	roomNames  map[string]string // by room id
}

// loadHours reads, in one query, whether the clinic has the professional,
// its weekly rules and its exceptions dated from..to (clinic-local
// YYYY-MM-DD, inclusive), with the names of their rooms (an inactive room
// reads as none).
func loadHours(ctx context.Context, q queryer, clinicID, professionalID, from, to string) (hoursOf, error) {
	// One row per thing read, told apart by the first column; the columns a
	// row kind does not use are NULL.
	rows, err := q.QueryContext(ctx, `SELECT 'p' AS what, NULL AS weekday, NULL AS date, NULL AS kind, NULL AS start_minute,
		NULL AS end_minute, NULL AS room_id, NULL AS room_name, 0 AS sort_minute
	FROM professionals WHERE clinic_id = $1 AND id = $2
	UNION ALL
	SELECT 'r', wh.weekday, NULL, NULL, wh.start_minute, wh.end_minute, r.id, r.name, wh.start_minute
	FROM working_hours wh LEFT JOIN rooms r ON r.id = wh.room_id AND r.clinic_id = wh.clinic_id AND r.active
	WHERE wh.clinic_id = $1 AND wh.professional_id = $2
	UNION ALL
	SELECT 'e', NULL, e.date, e.kind, e.start_minute, e.end_minute, r.id, r.name, COALESCE(e.start_minute, 0)
	FROM schedule_exceptions e LEFT JOIN rooms r ON r.id = e.room_id AND r.clinic_id = e.clinic_id AND r.active
	WHERE e.clinic_id = $1 AND e.professional_id = $2 AND e.date >= $3 AND e.date <= $4
	ORDER BY 1, 3, 2, 9`, clinicID, professionalID, from, to)
	if err != nil {
		return hoursOf{}, fmt.Errorf("schedule: load working hours: %w", err)
	}
	defer rows.Close()
	h := hoursOf{roomNames: map[string]string{}}
	for rows.Next() {
		var (
			what                      string
			weekday, start, end, sort sql.NullInt64
			date, kind, room, name    sql.NullString
		)
		if err := rows.Scan(&what, &weekday, &date, &kind, &start, &end, &room, &name, &sort); err != nil {
			return hoursOf{}, fmt.Errorf("schedule: load working hours: %w", err)
		}
		if room.Valid {
			h.roomNames[room.String] = name.String
		}
		switch what {
		case "p":
			h.found = true
		case "r":
			h.rules = append(h.rules, Rule{Weekday: time.Weekday(weekday.Int64), Start: Clock(start.Int64), End: Clock(end.Int64),
				RoomID: room.String})
		case "e":
			e := Exception{ClinicID: clinicID, ProfessionalID: professionalID, Date: date.String, Kind: ExceptionKind(kind.String),
				RoomID: room.String}
			if start.Valid && end.Valid {
				e.Start, e.End = Clock(start.Int64), Clock(end.Int64)
			} else {
				e.WholeDay, e.Start, e.End = true, 0, EndOfDay
			}
			h.exceptions = append(h.exceptions, e)
		}
	}
	if err := rows.Err(); err != nil {
		return hoursOf{}, fmt.Errorf("schedule: load working hours: %w", err)
	}
	return h, nil
}

// civil is a calendar date.
type civil struct {
	y int
	m time.Month
	d int
}

func civilOf(t time.Time) civil {
	y, m, d := t.Date()
	return civil{y, m, d}
}

// expand returns the working intervals of every clinic-local day that
// [from, to) touches, whole (not clipped), in loc, sorted and merged: the
// rules of the day's weekday, minus its "off" exceptions, then its "extra"
// exceptions laid over.
func expand(rules []Rule, excs []Exception, loc *time.Location, from, to time.Time) []Interval {
	if !from.Before(to) {
		return nil
	}
	var byDay [7][]Rule
	for _, r := range rules {
		byDay[r.Weekday] = append(byDay[r.Weekday], r)
	}
	byDate := map[civil][]Exception{}
	for _, e := range excs {
		t, err := time.Parse(DateLayout, e.Date)
		if err != nil {
			continue
		}
		byDate[civilOf(t)] = append(byDate[civilOf(t)], e)
	}
	lf, lt := from.In(loc), to.In(loc)
	// Days are iterated as UTC dates: calendar arithmetic without any
	// daylight-saving shift; each local instant is then built in loc.
	day := time.Date(lf.Year(), lf.Month(), lf.Day(), 0, 0, 0, 0, time.UTC)
	last := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
	var out, buf []Interval
	for ; !day.After(last); day = day.AddDate(0, 0, 1) {
		c := civilOf(day)
		at := func(m Clock) time.Time { return time.Date(c.y, c.m, c.d, 0, int(m), 0, 0, loc) }
		buf = buf[:0]
		for _, r := range byDay[day.Weekday()] {
			if s, e := at(r.Start), at(r.End); s.Before(e) {
				buf = append(buf, Interval{Start: s, End: e, RoomID: r.RoomID})
			}
		}
		if exs := byDate[c]; len(exs) > 0 {
			for _, e := range exs {
				if e.Kind == ExceptionOff {
					buf = subtract(buf, at(e.Start), at(e.End))
				}
			}
			for _, e := range exs {
				if s, end := at(e.Start), at(e.End); e.Kind == ExceptionExtra && s.Before(end) {
					buf = append(subtract(buf, s, end), Interval{Start: s, End: end, RoomID: e.RoomID})
				}
			}
		}
		out = append(out, buf...)
	}
	return merge(out)
}

// subtract removes [start, end) from every interval of ivs.
func subtract(ivs []Interval, start, end time.Time) []Interval {
	out := make([]Interval, 0, len(ivs)+1)
	for _, iv := range ivs {
		if !iv.Start.Before(end) || !start.Before(iv.End) {
			out = append(out, iv)
			continue
		}
		if iv.Start.Before(start) {
			out = append(out, Interval{Start: iv.Start, End: start, RoomID: iv.RoomID})
		}
		if end.Before(iv.End) {
			out = append(out, Interval{Start: end, End: iv.End, RoomID: iv.RoomID})
		}
	}
	return out
}

// merge sorts ivs by start and joins touching or overlapping intervals of
// the same room.
func merge(ivs []Interval) []Interval {
	slices.SortStableFunc(ivs, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	out := ivs[:0]
	for _, iv := range ivs {
		if n := len(out); n > 0 && out[n-1].RoomID == iv.RoomID && !iv.Start.After(out[n-1].End) {
			if iv.End.After(out[n-1].End) {
				out[n-1].End = iv.End
			}
			continue
		}
		out = append(out, iv)
	}
	return out
}

// clip cuts ivs to [from, to), dropping what falls outside.
func clip(ivs []Interval, from, to time.Time) []Interval {
	out := make([]Interval, 0, len(ivs))
	for _, iv := range ivs {
		if iv.Start.Before(from) {
			iv.Start = from
		}
		if iv.End.After(to) {
			iv.End = to
		}
		if iv.Start.Before(iv.End) {
			out = append(out, iv)
		}
	}
	return out
}
