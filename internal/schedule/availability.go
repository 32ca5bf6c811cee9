package schedule

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
)

// MaxAvailabilityDays bounds the range of one availability question, in
// clinic-local calendar days.
const MaxAvailabilityDays = 31

// busyLookback bounds how long before the start of a range an appointment
// that still overlaps it may have started, which keeps the query on the
// (clinic_id, starts_at) index: appointments are at most 12 hours long (a
// CHECK of the appointments table on both engines).
const busyLookback = 12 * time.Hour

// AvailabilityQuery asks for the free slots between From and To.
type AvailabilityQuery struct {
	// ProfessionalID is one professional, or "" for every active
	// professional of the clinic.
	ProfessionalID string
	From, To       time.Time
	// Duration is the length of the appointment to fit, whole minutes from
	// 5 to 720; 0 means each professional's default length.
	Duration time.Duration
	// RoomID asks for slots in that room: the room must be free too, and
	// working time assigned to another room does not count. "" for any.
	RoomID string
}

// Slot is a free appointment slot: Start to End, for ProfessionalID, in
// RoomID ("" when no room is involved).
type Slot struct {
	ProfessionalID string
	Start          time.Time
	End            time.Time
	RoomID         string
}

// Availability returns the free slots between q.From and q.To, sorted by
// start (then by professional name), with times in the clinic's zone.
//
// A slot lies within the professional's working intervals (see
// WorkingIntervals), does not overlap an active appointment (status other
// than cancelled and no_show) of the professional, nor of its room when it
// has one (the working rule's or exception's room, or q.RoomID), and does not
// start before now. Slots are laid on a grid with the step of the duration,
// starting at the beginning of each working interval: 08:00–12:00 with 30
// minutes gives 08:00, 08:30, … 11:30, and an appointment 09:10–09:40 takes
// out 09:00 and 09:30. An interval that starts after an "off" exception
// starts its own grid.
//
// Answers are cached for a minute per clinic generation (see
// InvalidateAvailability). A range longer than MaxAvailabilityDays local
// days, an empty one, or a bad duration is Invalid; an unknown professional
// or room is NotFound.
func (s *Service) Availability(ctx context.Context, clinicID string, q AvailabilityQuery) ([]Slot, error) {
	st, err := s.state(ctx, clinicID)
	if err != nil {
		return nil, err
	}
	loc, err := s.zone(st.TimeZone)
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	switch {
	case q.From.IsZero():
		fields["from"] = "Required."
	case q.To.IsZero():
		fields["to"] = "Required."
	case !q.From.Before(q.To):
		fields["to"] = "Must be after from."
	case q.To.After(q.From.In(loc).AddDate(0, 0, MaxAvailabilityDays)):
		fields["to"] = fmt.Sprintf("The range must be at most %d days.", MaxAvailabilityDays)
	}
	if q.Duration != 0 && (q.Duration%time.Minute != 0 || q.Duration < MinDurationMinutes*time.Minute || q.Duration > MaxDurationMinutes*time.Minute) {
		fields["duration"] = fmt.Sprintf("Must be from %d to %d minutes.", MinDurationMinutes, MaxDurationMinutes)
	}
	if len(fields) > 0 {
		return nil, apperr.Validation(fields)
	}
	if q.ProfessionalID != "" {
		id, ok := kernel.CanonicalID(q.ProfessionalID)
		if !ok {
			return nil, errProfessionalNotFound
		}
		q.ProfessionalID = id
	}
	if q.RoomID != "" {
		id, ok := kernel.CanonicalID(q.RoomID)
		if !ok {
			return nil, errRoomNotFound
		}
		q.RoomID = id
	}

	packed, err := s.cachedAvailability(ctx, clinicID, st.Gen, loc, q)
	if err != nil {
		return nil, err
	}
	return packed.unpack(loc, s.now()), nil
}

// cachedAvailability answers q from the cache under generation gen, or
// computes (and stores) it. Without a generation, or when the cache is
// unreachable or holds an unreadable value, it answers uncached.
func (s *Service) cachedAvailability(ctx context.Context, clinicID, gen string, loc *time.Location, q AvailabilityQuery) (packedSlots, error) {
	if gen == "" {
		return s.computeAvailability(ctx, clinicID, loc, q)
	}
	tc := s.tenantCache(clinicID)
	key := fmt.Sprintf("avail:%s:%s:%d:%d:%d:%s", gen, q.ProfessionalID, q.From.UnixNano(), q.To.UnixNano(), q.Duration/time.Minute, q.RoomID)
	b, err := cache.Load(ctx, tc, key, availabilityTTL, func(ctx context.Context) ([]byte, error) {
		// Cached for everyone: read from a replica only once it holds
		// every write committed before (the one that ended the previous
		// generation included).
		p, err := s.computeAvailability(s.db.Fresh(ctx), clinicID, loc, q)
		if err != nil {
			return nil, err
		}
		return p.MarshalBinary()
	})
	switch {
	case err != nil && b != nil:
		// Computed but not stored: still right.
	case apperr.Is(err, apperr.Unavailable):
		return s.computeAvailability(ctx, clinicID, loc, q)
	case err != nil:
		return packedSlots{}, err
	}
	var p packedSlots
	if err := p.UnmarshalBinary(b); err != nil {
		// Written by another version: drop it and answer afresh.
		if err := tc.Delete(ctx, key); err != nil {
			return packedSlots{}, err
		}
		return s.computeAvailability(ctx, clinicID, loc, q)
	}
	return p, nil
}

// packedSlots is the cached form of an availability answer, compact so that
// a month of a whole clinic decodes in microseconds: each slot is
// [professional index, start, end (Unix seconds), room index + 1 (0 for
// none)]. Slot bounds are whole minutes, so seconds lose nothing.
type packedSlots struct {
	Pros  []string
	Rooms []string
	Slots [][4]int64
}

// packedVersion starts the binary form of packedSlots.
const packedVersion = 1

// MarshalBinary encodes p: a version byte, the professional and room
// tables (count, then length-prefixed ids), then the slots as varints
// (professional index, start as a delta from the previous start, length,
// room index + 1).
func (p packedSlots) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 16+40*(len(p.Pros)+len(p.Rooms))+8*len(p.Slots))
	b = append(b, packedVersion)
	for _, table := range [][]string{p.Pros, p.Rooms} {
		b = binary.AppendUvarint(b, uint64(len(table)))
		for _, id := range table {
			b = binary.AppendUvarint(b, uint64(len(id)))
			b = append(b, id...)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(p.Slots)))
	prev := int64(0)
	for _, sl := range p.Slots {
		b = binary.AppendUvarint(b, uint64(sl[0]))
		b = binary.AppendVarint(b, sl[1]-prev)
		b = binary.AppendUvarint(b, uint64(sl[2]-sl[1]))
		b = binary.AppendUvarint(b, uint64(sl[3]))
		prev = sl[1]
	}
	return b, nil
}

var errPacked = errors.New("schedule: malformed cached availability")

// UnmarshalBinary decodes what MarshalBinary encoded, checking every index.
func (p *packedSlots) UnmarshalBinary(b []byte) error {
	if len(b) == 0 || b[0] != packedVersion {
		return errPacked
	}
	b = b[1:]
	uv := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	tables := [2][]string{}
	for t := range tables {
		n, ok := uv()
		if !ok || n > uint64(len(b)) {
			return errPacked
		}
		tables[t] = make([]string, 0, n)
		for range n {
			l, ok := uv()
			if !ok || l > uint64(len(b)) {
				return errPacked
			}
			tables[t] = append(tables[t], string(b[:l]))
			b = b[l:]
		}
	}
	p.Pros, p.Rooms = tables[0], tables[1]
	n, ok := uv()
	if !ok || n > uint64(len(b)) {
		return errPacked
	}
	p.Slots = make([][4]int64, 0, n)
	prev := int64(0)
	for range n {
		pi, ok1 := uv()
		d, k := binary.Varint(b)
		if !ok1 || k <= 0 {
			return errPacked
		}
		b = b[k:]
		length, ok2 := uv()
		ri, ok3 := uv()
		if !ok2 || !ok3 || pi >= uint64(len(p.Pros)) || ri > uint64(len(p.Rooms)) {
			return errPacked
		}
		start := prev + d
		p.Slots = append(p.Slots, [4]int64{int64(pi), start, start + int64(length), int64(ri)})
		prev = start
	}
	if len(b) != 0 {
		return errPacked
	}
	return nil
}

// add appends a slot; pro and room are looked up in (or added to) the
// tables through the index maps.
func (p *packedSlots) add(pi int, start, end int64, room string, rooms map[string]int) {
	ri := 0
	if room != "" {
		if ri = rooms[room]; ri == 0 {
			p.Rooms = append(p.Rooms, room)
			ri = len(p.Rooms)
			rooms[room] = ri
		}
	}
	p.Slots = append(p.Slots, [4]int64{int64(pi), start, end, int64(ri)})
}

// unpack returns the slots that do not start before now, in loc.
func (p packedSlots) unpack(loc *time.Location, now time.Time) []Slot {
	cut := now.Unix()
	if now.Nanosecond() > 0 {
		cut++ // a slot at the current second has already started
	}
	out := make([]Slot, 0, len(p.Slots))
	for _, sl := range p.Slots {
		if sl[1] < cut {
			continue
		}
		s := Slot{ProfessionalID: p.Pros[sl[0]], Start: time.Unix(sl[1], 0).In(loc), End: time.Unix(sl[2], 0).In(loc)}
		if sl[3] > 0 {
			s.RoomID = p.Rooms[sl[3]-1]
		}
		out = append(out, s)
	}
	return out
}

// span is a busy time [start, end) in Unix seconds (start rounded down, end
// up: a busy time never shrinks).
type span struct{ start, end int64 }

// busy is a sorted list of disjoint spans.
type busy []span

// overlaps reports whether [start, end) overlaps a span of b.
func (b busy) overlaps(start, end int64) bool {
	i := sort.Search(len(b), func(i int) bool { return b[i].end > start })
	return i < len(b) && b[i].start < end
}

// normalize sorts b and merges overlapping spans, so that ends increase.
func (b busy) normalize() busy {
	slices.SortFunc(b, func(x, y span) int {
		switch {
		case x.start < y.start:
			return -1
		case x.start > y.start:
			return 1
		}
		return 0
	})
	out := b[:0]
	for _, sp := range b {
		if n := len(out); n > 0 && sp.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, sp.end)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// computeAvailability answers q from the database, with one query each for
// the professionals, the room (when asked), the rules, the exceptions, the
// appointments of the whole range and the inactive rooms; the rest is
// computed in memory.
func (s *Service) computeAvailability(ctx context.Context, clinicID string, loc *time.Location, q AvailabilityQuery) (packedSlots, error) {
	rd := s.db.Reader(ctx) // reads only, outside any transaction
	var pros []Professional
	if q.ProfessionalID != "" {
		pr, err := professional(ctx, rd, clinicID, q.ProfessionalID)
		if err != nil {
			return packedSlots{}, err
		}
		if pr.Active {
			pros = []Professional{pr}
		}
	} else {
		var err error
		pros, err = queryProfessionals(ctx, rd, `SELECT `+professionalColumns+` FROM professionals WHERE clinic_id = $1 AND active = $2 ORDER BY name, id`, clinicID, true)
		if err != nil {
			return packedSlots{}, err
		}
	}
	if q.RoomID != "" {
		r, err := room(ctx, rd, clinicID, q.RoomID)
		if err != nil {
			return packedSlots{}, err
		}
		if !r.Active {
			return packedSlots{}, apperr.Validation(map[string]string{"room_id": errRoomInactive})
		}
	}
	out := packedSlots{Pros: []string{}, Rooms: []string{}, Slots: [][4]int64{}}
	if len(pros) == 0 {
		return out, nil
	}
	rules, err := loadRules(ctx, rd, clinicID, q.ProfessionalID)
	if err != nil {
		return packedSlots{}, err
	}
	excs, err := loadExceptions(ctx, rd, clinicID, q.ProfessionalID, q.From.In(loc).Format(DateLayout), q.To.In(loc).Format(DateLayout))
	if err != nil {
		return packedSlots{}, err
	}
	byPro, byRoom, err := s.loadBusy(ctx, rd, clinicID, q.ProfessionalID, q.From, q.To)
	if err != nil {
		return packedSlots{}, err
	}
	// Working hours in a room out of use count as working hours without a
	// room (as WorkingIntervals reads them for a booking).
	inactive, err := inactiveRooms(ctx, rd, clinicID)
	if err != nil {
		return packedSlots{}, err
	}
	if len(inactive) > 0 {
		for _, rs := range rules {
			for i := range rs {
				if inactive[rs[i].RoomID] {
					rs[i].RoomID = ""
				}
			}
		}
		for _, es := range excs {
			for i := range es {
				if inactive[es[i].RoomID] {
					es[i].RoomID = ""
				}
			}
		}
	}
	from, to := q.From.Unix(), q.To.Unix()
	if q.From.Nanosecond() > 0 {
		from++
	}
	roomIdx := map[string]int{}
	for pi, pr := range pros {
		out.Pros = append(out.Pros, pr.ID)
		d := q.Duration
		if d == 0 {
			d = pr.DefaultDuration()
		}
		step := int64(d / time.Second)
		proBusy := byPro[pr.ID]
		for _, iv := range expand(rules[pr.ID], excs[pr.ID], loc, q.From, q.To) {
			roomID := iv.RoomID
			if q.RoomID != "" {
				if roomID != "" && roomID != q.RoomID {
					continue
				}
				roomID = q.RoomID
			}
			roomBusy := byRoom[roomID]
			end := iv.End.Unix()
			// The grid starts at the interval's start; only the part of it
			// inside [from, to) is kept.
			for st := iv.Start.Unix(); st+step <= end; st += step {
				en := st + step
				if st < from {
					continue
				}
				if en > to {
					break
				}
				if proBusy.overlaps(st, en) || (roomID != "" && roomBusy.overlaps(st, en)) {
					continue
				}
				out.add(pi, st, en, roomID, roomIdx)
			}
		}
	}
	// Professionals were visited by name: a stable sort by start keeps that
	// order among slots starting together.
	slices.SortStableFunc(out.Slots, func(a, b [4]int64) int { return cmp.Compare(a[1], b[1]) })
	return out, nil
}

// loadBusy returns the active appointments overlapping [from, to) by
// professional and by room, each normalized. With professionalID, only that
// professional's appointments and those with a room are read.
func (s *Service) loadBusy(ctx context.Context, rd reader, clinicID, professionalID string, from, to time.Time) (map[string]busy, map[string]busy, error) {
	cols := `starts_at, ends_at`
	if s.db.Dialect == db.SQLite {
		// Text, parsed once with the one layout the driver writes: faster
		// than letting the driver try its layouts on every row.
		cols = `CAST(starts_at AS TEXT), CAST(ends_at AS TEXT)`
	}
	// appointment_refs: the read model of package appointment.
	query := `SELECT professional_id, room_id, ` + cols + ` FROM appointment_refs
		WHERE clinic_id = $1 AND active AND starts_at < $2 AND starts_at >= $3 AND ends_at > $4`
	args := []any{clinicID, db.Time(to), db.Time(from.Add(-busyLookback)), db.Time(from)}
	if professionalID != "" {
		query += ` AND (professional_id = $5 OR room_id IS NOT NULL)`
		args = append(args, professionalID)
	}
	rows, err := rd.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("schedule: load appointments: %w", err)
	}
	defer rows.Close()
	byPro, byRoom := map[string]busy{}, map[string]busy{}
	for rows.Next() {
		var pro string
		var room sql.NullString
		var start, end instant
		if err := rows.Scan(&pro, &room, &start, &end); err != nil {
			return nil, nil, fmt.Errorf("schedule: load appointments: %w", err)
		}
		sp := span{start.Unix(), end.Unix()}
		if end.Nanosecond() > 0 {
			sp.end++
		}
		byPro[pro] = append(byPro[pro], sp)
		if room.Valid {
			byRoom[room.String] = append(byRoom[room.String], sp)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("schedule: load appointments: %w", err)
	}
	for k, b := range byPro {
		byPro[k] = b.normalize()
	}
	for k, b := range byRoom {
		byRoom[k] = b.normalize()
	}
	return byPro, byRoom, nil
}

// sqliteTimeLayout is how the SQLite driver writes times (db.Time: UTC).
const sqliteTimeLayout = "2006-01-02 15:04:05.999999999-07:00"

// instant scans a timestamp given as a time.Time or as SQLite text.
type instant struct{ time.Time }

// Scan implements sql.Scanner.
func (i *instant) Scan(v any) error {
	var s string
	switch v := v.(type) {
	case time.Time:
		i.Time = v
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("schedule: scan time from %T", v)
	}
	t, err := time.Parse(sqliteTimeLayout, s)
	if err != nil {
		return fmt.Errorf("schedule: scan time %q: %w", s, err)
	}
	i.Time = t
	return nil
}
