package appointment

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"clinic/internal/kernel"
)

// Counts is the number of appointments in each status (a status with none
// is absent).
type Counts map[Status]int

// Total returns the number of appointments in any of statuses, or in any
// status when none is given.
func (c Counts) Total(statuses ...Status) int {
	n := 0
	for st, k := range c {
		if len(statuses) == 0 || slices.Contains(statuses, st) {
			n += k
		}
	}
	return n
}

// Count counts the appointments of p's clinic that List would return for f
// (its range and filters; Cursor and Limit play no part), by status, in one
// query: the numbers of a dashboard without reading the rows. A
// professional counts only their own. Invalid as for List.
func (s *Service) Count(ctx context.Context, p kernel.Principal, f ListFilter) (Counts, error) {
	f.Cursor, f.Limit = "", 0
	q, err := checkFilter(f)
	if err != nil {
		return nil, err
	}
	out := Counts{}
	_, own, ok, err := s.scope(ctx, p)
	if err != nil || !ok {
		return out, err
	}
	var b strings.Builder
	b.WriteString(`SELECT a.status, COUNT(*) FROM appointments a`)
	var args []any
	filterWhere(&b, &args, p, q.ListFilter, own)
	b.WriteString(` GROUP BY a.status`)
	rows, err := s.db.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("appointment: count: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st Status
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("appointment: count: %w", err)
		}
		out[st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("appointment: count: %w", err)
	}
	return out, nil
}
