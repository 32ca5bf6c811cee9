package patientfile

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/patient"
)

// Timeline page sizes.
const (
	DefaultTimelineLimit = 50
	MaxTimelineLimit     = 200
)

// TimelineQuery selects a page of a patient's timeline.
type TimelineQuery struct {
	// Kinds keeps the entries of these sources (their Name); empty: every
	// source the caller may read. Naming a clinical source without the
	// right to read clinical content is Forbidden; an unknown name Invalid.
	Kinds []string
	// Cursor is the NextCursor of the previous page ("" for the first).
	Cursor string
	// Limit is the page size: 0 means DefaultTimelineLimit; at most
	// MaxTimelineLimit.
	Limit int
}

// Timeline is one page of a patient's timeline, newest first.
type Timeline struct {
	// Patient is the patient as the caller may see them (for a page to
	// name them without reading them, and auditing the read, again).
	Patient   patient.Patient `json:"-"`
	PatientID string          `json:"patient_id"`
	Entries   []Entry         `json:"entries"`
	// NextCursor fetches the next (older) page; "" on the last one.
	NextCursor string `json:"next_cursor,omitempty"`
}

// after reports whether e comes after the cursor position c in timeline
// order (newest first; then by source and id, descending).
func after(e Entry, c Entry) bool {
	return compare(e, c) > 0
}

// compare orders entries newest first, then by source and id.
func compare(a, b Entry) int {
	if c := b.At.Compare(a.At); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Source, a.Source); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

func encodeCursor(e Entry) string {
	return kernel.EncodeCursor(e.At.UTC().Format(time.RFC3339Nano), e.Source, e.ID)
}

func decodeCursor(s string) (Entry, bool) {
	parts, ok := kernel.DecodeCursor(s, 3)
	if !ok {
		return Entry{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil || kernel.CheckInstant(at) != "" {
		return Entry{}, false
	}
	return Entry{At: at, Source: parts[1], ID: parts[2]}, true
}

// Timeline returns a page of the timeline of a patient of p's clinic:
// the entries of every source, newest first. Clinical entries and sources
// are left out for a caller who may not read clinical content
// (CanReadClinical); asking for a clinical source by name is then
// Forbidden. A source that forbids p its part is left out unless named.
// NotFound for a patient p may not open (another clinic's, another
// professional's); Invalid for a bad limit, cursor or kind.
func (s *Service) Timeline(ctx context.Context, p kernel.Principal, patientID string, q TimelineQuery) (Timeline, error) {
	fields := map[string]string{}
	limit, msg := kernel.PageSize(q.Limit, DefaultTimelineLimit, MaxTimelineLimit)
	if msg != "" {
		fields["limit"] = msg
	}
	var cur Entry
	if q.Cursor != "" {
		var ok bool
		if cur, ok = decodeCursor(q.Cursor); !ok {
			fields["cursor"] = kernel.MsgCursor
		}
	}
	sources, named, bad, err := s.pick(p, q.Kinds)
	if err != nil {
		return Timeline{}, err
	}
	if bad != "" {
		fields["kinds"] = bad
	}
	if len(fields) > 0 {
		return Timeline{}, apperr.Validation(fields)
	}
	pat, err := s.patients.Get(ctx, p, patientID)
	if err != nil {
		return Timeline{}, err
	}
	clinical := CanReadClinical(p)
	var all []Entry
	for _, src := range sources {
		entries, err := src.Timeline(ctx, p, pat.ID)
		if apperr.Is(err, apperr.Forbidden) && !named {
			continue
		}
		if err != nil {
			return Timeline{}, fmt.Errorf("patientfile: timeline of %s: %w", src.Name(), err)
		}
		for _, e := range entries {
			if e.Clinical && !clinical {
				continue
			}
			e.Source = src.Name()
			if q.Cursor != "" && !after(e, cur) {
				continue
			}
			all = append(all, e)
		}
	}
	slices.SortFunc(all, compare)
	t := Timeline{Patient: pat, PatientID: pat.ID, Entries: all}
	if len(all) > limit {
		t.Entries = all[:limit]
		t.NextCursor = encodeCursor(all[limit-1])
	}
	if t.Entries == nil {
		t.Entries = []Entry{}
	}
	return t, nil
}

// pick returns the sources that kinds names (all when empty) that p may
// read, and whether they were named. A clinical source named by a caller
// who may not read clinical content is Forbidden; an unknown name gives
// the field message bad.
func (s *Service) pick(p kernel.Principal, kinds []string) (out []Source, named bool, bad string, err error) {
	clinical := CanReadClinical(p)
	var names []string
	for _, k := range kinds {
		for _, n := range strings.Split(k, ",") {
			if n = strings.TrimSpace(strings.ToLower(n)); n != "" {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 {
		for _, src := range s.sources {
			if !src.Clinical() || clinical {
				out = append(out, src)
			}
		}
		return out, false, "", nil
	}
	for _, n := range names {
		i := slices.IndexFunc(s.sources, func(src Source) bool { return src.Name() == n })
		if i < 0 {
			return nil, true, kindsMessage(s.Sources()), nil
		}
		if s.sources[i].Clinical() && !clinical {
			return nil, true, "", errClinical
		}
		if !slices.Contains(out, s.sources[i]) {
			out = append(out, s.sources[i])
		}
	}
	return out, true, "", nil
}

// kindsMessage is the field message for an unknown kind among names.
func kindsMessage(names []string) string {
	return "Must be one or more (comma-separated) of " + strings.Join(names, ", ") + "."
}
