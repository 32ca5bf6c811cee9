package schedule

import (
	"context"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
)

// Capacity returns the working minutes of the clinic's active
// professionals (or of the one professionalID names, active or not) on
// each clinic-local day that [from, to) touches, by date (YYYY-MM-DD; a
// day with no working time is absent): the weekly rules expanded in the
// clinic's zone, minus the "off" exceptions, plus the "extra" ones, as
// WorkingIntervals computes them, clipped to [from, to). Three queries
// (professionals, rules, exceptions) for any range and number of
// professionals; the expansion is per professional and day, never per
// appointment. NotFound for an unknown professional; Invalid for a range
// longer than MaxIntervalRange + 1 day.
func (s *Service) Capacity(ctx context.Context, clinicID, professionalID string, from, to time.Time) (map[string]int, error) {
	if to.Sub(from) > MaxIntervalRange+24*time.Hour {
		return nil, apperr.New(apperr.Invalid, "The range must be at most 366 days.")
	}
	loc, err := s.Location(ctx, clinicID)
	if err != nil {
		return nil, err
	}
	var ids []string
	if professionalID != "" {
		if !kernel.IsID(professionalID) {
			return nil, errProfessionalNotFound
		}
		pr, err := s.Professional(ctx, clinicID, professionalID)
		if err != nil {
			return nil, err
		}
		ids = []string{pr.ID}
	} else {
		active := true
		prs, err := s.Professionals(ctx, clinicID, ProfessionalFilter{Active: &active})
		if err != nil {
			return nil, err
		}
		for _, pr := range prs {
			ids = append(ids, pr.ID)
		}
	}
	out := map[string]int{}
	if !from.Before(to) || len(ids) == 0 {
		return out, nil
	}
	rules, err := loadRules(ctx, s.db, clinicID, professionalID)
	if err != nil {
		return nil, err
	}
	excs, err := loadExceptions(ctx, s.db, clinicID, professionalID, from.In(loc).Format(DateLayout), to.In(loc).Format(DateLayout))
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		for _, iv := range clip(expand(rules[id], excs[id], loc, from, to), from, to) {
			// merge joins touching intervals across midnight: split them
			// back into local days.
			for start := iv.Start; start.Before(iv.End); {
				l := start.In(loc)
				end := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
				if end.After(iv.End) {
					end = iv.End
				}
				out[l.Format(DateLayout)] += int(end.Sub(start) / time.Minute)
				start = end
			}
		}
	}
	return out, nil
}
