package kernel

import (
	"fmt"
	"strconv"
	"time"
)

// The range of dates and instants a clinic can mean. Every date and instant
// from a client lies in it, so that both engines store and compare them the
// same way (SQLite keeps times as text, which breaks past year 9999).
var (
	// MinInstant is the earliest instant accepted (inclusive).
	MinInstant = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	// MaxInstant is the end of the accepted range (exclusive).
	MaxInstant = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// The first and last accepted dates (YYYY-MM-DD, inclusive).
const (
	MinDate = "2000-01-01"
	MaxDate = "2099-12-31"
)

// DateLayout is the layout of a date: YYYY-MM-DD.
const DateLayout = time.DateOnly

// MsgRange is the message for a date or instant outside the accepted range.
const MsgRange = "Must be between " + MinDate + " and " + MaxDate + "."

// CheckInstant returns MsgRange when t is not in [MinInstant, MaxInstant),
// whatever its location, or "".
func CheckInstant(t time.Time) string {
	if t.Before(MinInstant) || !t.Before(MaxInstant) {
		return MsgRange
	}
	return ""
}

// ParseInstant parses an RFC 3339 date and time with an offset in the
// accepted range. The message is "" when it is acceptable, badFormat when it
// is not such a time, MsgRange when it lies outside the range (in UTC:
// 2099-12-31T22:00:00-03:00 is in year 2100).
func ParseInstant(s, badFormat string) (time.Time, string) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, badFormat
	}
	if msg := CheckInstant(t); msg != "" {
		return time.Time{}, msg
	}
	return t, ""
}

// CheckDate returns MsgRange when the calendar date of d (in d's own
// location) is not from MinDate to MaxDate, or "".
func CheckDate(d time.Time) string {
	if y := d.Year(); y < 2000 || y > 2099 {
		return MsgRange
	}
	return ""
}

// ParseDate parses a date YYYY-MM-DD (exactly that form) in the accepted
// range. The message is "" when it is acceptable, badFormat when it is not
// a date, MsgRange when it lies outside the range.
func ParseDate(s, badFormat string) (time.Time, string) {
	d, err := time.Parse(DateLayout, s)
	if err != nil || d.Format(DateLayout) != s {
		return time.Time{}, badFormat
	}
	if msg := CheckDate(d); msg != "" {
		return time.Time{}, msg
	}
	return d, ""
}

// MsgIntRange returns the message for a whole number outside [lo, hi].
func MsgIntRange(lo, hi int) string {
	return fmt.Sprintf("Must be a whole number from %d to %d.", lo, hi)
}

// CheckInt returns MsgIntRange(lo, hi) when n is not in [lo, hi], or "".
// Check every number from a client before any arithmetic on it.
func CheckInt(n, lo, hi int) string {
	if n < lo || n > hi {
		return MsgIntRange(lo, hi)
	}
	return ""
}

// ParseInt parses a whole number in [lo, hi] from a query parameter: the
// message is "" when it is acceptable, MsgIntRange(lo, hi) otherwise
// (not a number, too large for an int, or out of range).
func ParseInt(s string, lo, hi int) (int, string) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, MsgIntRange(lo, hi)
	}
	return n, ""
}

// MaxLimit is the largest page size of every list.
const MaxLimit = 200

// ParseLimit parses the limit query parameter of a list whose largest page
// is max (MaxLimit for every list but the agenda): "" is 0 (the list's
// default), otherwise a whole number from 1 to max. The message is "" when
// it is acceptable.
func ParseLimit(s string, max int) (int, string) {
	if s == "" {
		return 0, ""
	}
	return ParseInt(s, 1, max)
}

// PageSize checks the page size of a list a service is asked for: 0 is the
// list's default def, otherwise a whole number from 1 to max. The message
// is "" when it is acceptable, MsgIntRange(1, max) otherwise, under the
// field "limit" (the name of the query parameter).
func PageSize(limit, def, max int) (int, string) {
	if limit == 0 {
		return def, ""
	}
	if msg := CheckInt(limit, 1, max); msg != "" {
		return 0, msg
	}
	return limit, ""
}
