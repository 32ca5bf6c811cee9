package schedule

import (
	"context"
	"slices"
	"time"

	"clinic/internal/apperr"
)

// Interval is a span of time [Start, End) in which a professional works, in
// the room RoomID ("" when the rule or exception names no room).
type Interval struct {
	Start  time.Time
	End    time.Time
	RoomID string
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
// gives no intervals. Three queries (professional, rules, exceptions) plus
// the cached clinic time zone.
func (s *Service) WorkingIntervals(ctx context.Context, clinicID, professionalID string, from, to time.Time) ([]Interval, error) {
	if to.Sub(from) > MaxIntervalRange {
		return nil, apperr.New(apperr.Invalid, "The range must be at most 366 days.")
	}
	loc, err := s.Location(ctx, clinicID)
	if err != nil {
		return nil, err
	}
	pr, err := s.Professional(ctx, clinicID, professionalID)
	if err != nil {
		return nil, err
	}
	if !from.Before(to) {
		return []Interval{}, nil
	}
	rules, err := loadRules(ctx, s.db, clinicID, pr.ID)
	if err != nil {
		return nil, err
	}
	excs, err := loadExceptions(ctx, s.db, clinicID, pr.ID, from.In(loc).Format(DateLayout), to.In(loc).Format(DateLayout))
	if err != nil {
		return nil, err
	}
	out := clip(expand(rules[pr.ID], excs[pr.ID], loc, from, to), from, to)
	for i := range out {
		out[i].Start, out[i].End = out[i].Start.UTC(), out[i].End.UTC()
	}
	return out, nil
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
