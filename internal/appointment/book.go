package appointment

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/queue"
	"clinic/internal/schedule"
)

// CreateInput is a booking request. Times are RFC 3339 with an offset. The
// end is EndsAt, or StartsAt plus DurationMinutes, or by default StartsAt
// plus the procedure's default duration (with ProcedureID) or else the
// professional's.
type CreateInput struct {
	PatientID      string `json:"patient_id"`
	ProfessionalID string `json:"professional_id"`
	// RoomID is optional; without it the appointment takes the room of the
	// working hours it falls in, if they name one.
	RoomID          string `json:"room_id,omitempty"`
	StartsAt        string `json:"starts_at"`
	EndsAt          string `json:"ends_at,omitempty"`
	DurationMinutes int    `json:"duration_minutes,omitempty"`
	// Procedure is free text; ProcedureID names an active procedure of the
	// clinic instead, whose name the appointment then keeps as its
	// procedure (give one of them, not both).
	Procedure   string `json:"procedure,omitempty"`
	ProcedureID string `json:"procedure_id,omitempty"`
	Notes       string `json:"notes,omitempty" text:"multiline"`
	// OverrideWorkingHours books outside the professional's working hours
	// (owners, admins and receptionists only).
	OverrideWorkingHours bool `json:"override_working_hours,omitempty"`
}

// Recurrence repeats an appointment every EveryDays days (7: weekly), Count
// times or until the clinic-local date Until (inclusive, YYYY-MM-DD).
type Recurrence struct {
	EveryDays int    `json:"every_days"`
	Count     int    `json:"count,omitempty"`
	Until     string `json:"until,omitempty"`
}

// SeriesInput books a recurring series: every occurrence keeps the
// clinic-local time of day of StartsAt, across daylight-saving changes.
type SeriesInput struct {
	CreateInput
	Recurrence Recurrence `json:"recurrence"`
}

// Series is a booked series.
type Series struct {
	ID           string        `json:"series_id"`
	IDs          []string      `json:"ids"`
	Appointments []Appointment `json:"items"`
}

// Conflict is one occurrence of a series that cannot be booked.
type Conflict struct {
	StartsAt time.Time `json:"starts_at"`
	// Reason is "overlap" or "outside_working_hours".
	Reason string `json:"reason"`
	// ConflictingAppointmentID is the appointment in the way (overlap).
	ConflictingAppointmentID string `json:"conflicting_appointment_id,omitempty"`
	// ConflictWith is "professional" or "room" (overlap).
	ConflictWith string `json:"conflict_with,omitempty"`
}

// Reasons of a Conflict.
const (
	ReasonOverlap      = "overlap"
	ReasonOutsideHours = "outside_working_hours"
)

// booking is a validated request: the slots to book and what they share.
type booking struct {
	clinicID, patientID, professionalID, roomID string
	slots                                       []slot
	procedure, procedureID, notes               string
	override                                    bool
	// roomGiven is false when the room may come from the working hours.
	roomGiven bool
	refs      refs
}

// Create books one appointment for p's clinic (owners, admins,
// receptionists). NotFound for a patient, professional or room of no such
// id in the clinic; Invalid for bad fields, a start in the past or a time
// outside working hours (without an allowed override); Conflict, with the
// id of the appointment in the way in the details, when the professional or
// the room is taken.
func (s *Service) Create(ctx context.Context, p kernel.Principal, in CreateInput) (Appointment, error) {
	b, err := s.prepare(ctx, p, in, nil)
	if err != nil {
		return Appointment{}, err
	}
	list, err := s.book(ctx, p, b, "")
	if err != nil {
		return Appointment{}, err
	}
	return list[0], nil
}

// CreateSeries books every occurrence of a recurring series (at most
// MaxSeries) in one transaction, or none: when any occurrence overlaps
// another appointment (Conflict) or falls outside working hours (Invalid),
// the error's details list every failing occurrence under "conflicts".
func (s *Service) CreateSeries(ctx context.Context, p kernel.Principal, in SeriesInput) (Series, error) {
	b, err := s.prepare(ctx, p, in.CreateInput, &in.Recurrence)
	if err != nil {
		return Series{}, err
	}
	seriesID := kernel.NewID()
	list, err := s.book(ctx, p, b, seriesID)
	if err != nil {
		return Series{}, err
	}
	out := Series{ID: seriesID, IDs: make([]string, len(list)), Appointments: list}
	for i, a := range list {
		out.IDs[i] = a.ID
	}
	return out, nil
}

// parseTime parses an RFC 3339 time with an offset, within the range of
// kernel.CheckInstant.
func parseTime(fields map[string]string, field, v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, msg := kernel.ParseInstant(v, "Must be a date and time in RFC 3339 format with an offset, such as 2025-03-14T09:30:00-03:00.")
	if msg != "" {
		fields[field] = msg
		return time.Time{}
	}
	return t
}

// checkDuration checks duration_minutes before any arithmetic on it and
// reports whether it is acceptable.
func checkDuration(fields map[string]string, minutes int) bool {
	if kernel.CheckInt(minutes, int(MinDuration/time.Minute), int(MaxDuration/time.Minute)) != "" {
		fields["duration_minutes"] = fmt.Sprintf("Must be from %d to %d minutes.", int(MinDuration/time.Minute), int(MaxDuration/time.Minute))
		return false
	}
	return true
}

func checkText(fields map[string]string, field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		fields[field] = fmt.Sprintf("Must be at most %d characters.", max)
	}
}

func checkID(fields map[string]string, field, v string, required bool) {
	switch {
	case v == "" && required:
		fields[field] = "Required."
	case v != "" && !kernel.IsID(v):
		fields[field] = "Must be an id."
	}
}

// checkSpan validates an appointment's end against its start (and the
// range of kernel.CheckInstant).
func checkSpan(fields map[string]string, start, end time.Time) {
	switch d := end.Sub(start); {
	case kernel.CheckInstant(end) != "":
		fields["ends_at"] = kernel.MsgRange
	case d <= 0:
		fields["ends_at"] = "Must be after starts_at."
	case d < MinDuration:
		fields["ends_at"] = fmt.Sprintf("An appointment lasts at least %d minutes.", int(MinDuration/time.Minute))
	case d > MaxDuration:
		fields["ends_at"] = fmt.Sprintf("An appointment lasts at most %d hours.", int(MaxDuration/time.Hour))
	}
}

// prepare checks p's right to book, validates in (and rec for a series),
// and resolves the patient, professional and room (book checks working
// hours and overlaps).
func (s *Service) prepare(ctx context.Context, p kernel.Principal, in CreateInput, rec *Recurrence) (booking, error) {
	if in.OverrideWorkingHours && !manages(p.Role) {
		return booking{}, errOverrideHours
	}
	if !manages(p.Role) {
		return booking{}, errReadOnly
	}
	fields := map[string]string{}
	in.Procedure = strings.TrimSpace(in.Procedure)
	checkID(fields, "patient_id", in.PatientID, true)
	checkID(fields, "professional_id", in.ProfessionalID, true)
	checkID(fields, "room_id", in.RoomID, false)
	checkID(fields, "procedure_id", in.ProcedureID, false)
	checkText(fields, "procedure", in.Procedure, maxProcedure)
	if in.Procedure != "" && in.ProcedureID != "" {
		fields["procedure"] = "Give either procedure or procedure_id, not both."
	}
	checkText(fields, "notes", in.Notes, maxNotes)
	start := parseTime(fields, "starts_at", in.StartsAt)
	if in.StartsAt == "" {
		fields["starts_at"] = "Required."
	}
	end := parseTime(fields, "ends_at", in.EndsAt)
	switch {
	case in.EndsAt != "" && in.DurationMinutes != 0:
		fields["duration_minutes"] = "Give either ends_at or duration_minutes, not both."
	case in.DurationMinutes != 0:
		if checkDuration(fields, in.DurationMinutes) && !start.IsZero() {
			end = start.Add(time.Duration(in.DurationMinutes) * time.Minute)
		}
	}
	if !start.IsZero() && !end.IsZero() {
		checkSpan(fields, start, end)
	}
	if !start.IsZero() && start.Before(s.now()) && fields["starts_at"] == "" {
		fields["starts_at"] = "Must not be in the past."
	}
	if rec != nil {
		checkRecurrence(fields, *rec)
	}
	if len(fields) > 0 {
		return booking{}, apperr.Validation(fields)
	}
	r, err := s.lookupRefs(ctx, p.ClinicID, in.PatientID, in.ProfessionalID, in.RoomID, in.ProcedureID)
	if err != nil {
		return booking{}, err
	}
	switch {
	case !end.IsZero():
	case in.ProcedureID != "":
		end = start.Add(r.procedureDuration)
	default:
		end = start.Add(r.defaultDuration)
	}
	if in.ProcedureID != "" {
		in.ProcedureID, _ = kernel.CanonicalID(in.ProcedureID)
		in.Procedure = r.procedureName
	}
	starts := []time.Time{start}
	if rec != nil {
		loc, err := s.schedule.Location(ctx, p.ClinicID)
		if err != nil {
			return booking{}, err
		}
		if starts, err = occurrences(start, loc, *rec); err != nil {
			return booking{}, err
		}
	}
	b := booking{clinicID: p.ClinicID, patientID: in.PatientID, professionalID: in.ProfessionalID, roomID: in.RoomID,
		roomGiven: in.RoomID != "", procedure: in.Procedure, procedureID: in.ProcedureID, notes: in.Notes, override: in.OverrideWorkingHours, refs: r}
	for _, st := range starts {
		b.slots = append(b.slots, slot{start: st.UTC(), end: st.Add(end.Sub(start)).UTC()})
	}
	if last := b.slots[len(b.slots)-1]; kernel.CheckInstant(last.end) != "" {
		field := "ends_at"
		switch {
		case rec != nil && rec.Until != "":
			field = "recurrence.until"
		case rec != nil:
			field = "recurrence.count"
		}
		return booking{}, apperr.Validation(map[string]string{field: "Must end before 2100-01-01."})
	}
	return b, nil
}

func checkRecurrence(fields map[string]string, r Recurrence) {
	if kernel.CheckInt(r.EveryDays, 1, 365) != "" {
		fields["recurrence.every_days"] = "Must be from 1 to 365 (7 repeats weekly)."
	}
	switch {
	case r.Count != 0 && r.Until != "":
		fields["recurrence.count"] = "Give either count or until, not both."
	case r.Count == 0 && r.Until == "":
		fields["recurrence.count"] = "Give count or until."
	case r.Until == "" && kernel.CheckInt(r.Count, 1, MaxSeries) != "":
		fields["recurrence.count"] = fmt.Sprintf("Must be from %d to %d.", 1, MaxSeries)
	case r.Until != "":
		if _, msg := kernel.ParseDate(r.Until, "Must be a date (YYYY-MM-DD)."); msg != "" {
			fields["recurrence.until"] = msg
		}
	}
}

// occurrences returns the starts of a series: the clinic-local date of start
// advanced by EveryDays each time, at start's local time of day.
func occurrences(start time.Time, loc *time.Location, r Recurrence) ([]time.Time, error) {
	local := start.In(loc)
	y, m, d := local.Date()
	hh, mm, ss := local.Clock()
	ns := local.Nanosecond()
	var until time.Time
	if r.Until != "" {
		u, _ := time.Parse(time.DateOnly, r.Until) // checked by checkRecurrence
		until = time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
		if until.Before(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
			return nil, apperr.Validation(map[string]string{"recurrence.until": "Must not be before the date of starts_at."})
		}
	}
	var out []time.Time
	for i := 0; ; i++ {
		if r.Count > 0 && i == r.Count {
			break
		}
		// Calendar arithmetic on the date alone, then the wall clock in loc:
		// the local time of day stays put across daylight-saving changes.
		day := time.Date(y, m, d+i*r.EveryDays, 0, 0, 0, 0, time.UTC)
		if r.Until != "" && day.After(until) {
			break
		}
		if len(out) == MaxSeries {
			return nil, apperr.Validation(map[string]string{"recurrence.until": fmt.Sprintf("The series would have more than %d appointments; choose an earlier date.", MaxSeries)})
		}
		out = append(out, time.Date(day.Year(), day.Month(), day.Day(), hh, mm, ss, ns, loc))
	}
	return out, nil
}

// room is a room's id and name ("" for none).
type room struct{ id, name string }

// hours checks every slot against the professional's working hours and
// returns the indexes of the slots that do not fit fully inside one working
// interval, and for the others the room of that interval.
func (s *Service) hours(ctx context.Context, clinicID, professionalID string, slots []slot) (outside []int, rooms []room, err error) {
	rooms = make([]room, len(slots))
	for i := 0; i < len(slots); {
		// One call for as many consecutive slots as one range allows.
		j := i + 1
		for j < len(slots) && slots[j].end.Sub(slots[i].start) <= schedule.MaxIntervalRange {
			j++
		}
		ivs, err := s.schedule.WorkingIntervals(ctx, clinicID, professionalID, slots[i].start, slots[j-1].end)
		if err != nil {
			return nil, nil, err
		}
		for k := i; k < j; k++ {
			room, ok := within(ivs, slots[k])
			if !ok {
				outside = append(outside, k)
				continue
			}
			rooms[k] = room
		}
		i = j
	}
	return outside, rooms, nil
}

// within reports whether sl lies fully inside one of ivs, and that
// interval's room.
func within(ivs []schedule.Interval, sl slot) (room, bool) {
	for _, iv := range ivs {
		if !iv.Start.After(sl.start) && !iv.End.Before(sl.end) {
			return room{id: iv.RoomID, name: iv.RoomName}, true
		}
	}
	return room{}, false
}

// book writes the appointments of b (a series when seriesID is set) in one
// transaction, after checking working hours and overlaps. The writes of
// every appointment (the row, its created event, its audit entry) go in one
// batch: on PostgreSQL one round trip, in which the exclusion constraints
// refuse any overlap; on SQLite inside the write transaction that first
// looks for overlaps.
func (s *Service) book(ctx context.Context, p kernel.Principal, b booking, seriesID string) ([]Appointment, error) {
	series := seriesID != ""
	var rooms []room
	if !b.override {
		outside, rs, err := s.hours(ctx, b.clinicID, b.professionalID, b.slots)
		if err != nil {
			return nil, err
		}
		if len(outside) > 0 {
			if !series {
				return nil, outsideHoursError()
			}
			// Nothing will be booked: report the overlaps too, read without
			// taking the write lock.
			ovs, err := s.overlaps(ctx, s.db, b.clinicID, b.professionalID, b.roomID, "", b.slots)
			if err != nil {
				return nil, err
			}
			return nil, seriesError(b.slots, outside, ovs)
		}
		rooms = rs
	}
	now := db.Time(s.now())
	list := make([]Appointment, len(b.slots))
	for i, sl := range b.slots {
		list[i] = Appointment{ID: kernel.NewID(), ClinicID: b.clinicID, PatientID: b.patientID, PatientName: b.refs.patientName,
			ProfessionalID: b.professionalID, ProfessionalName: b.refs.professionalName, RoomID: b.roomID, RoomName: b.refs.roomName,
			StartsAt: db.Time(sl.start), EndsAt: db.Time(sl.end), Procedure: b.procedure, ProcedureID: b.procedureID,
			ProcedureColor: b.refs.procedureColor, Notes: &b.notes,
			Status: StatusScheduled, SeriesID: seriesID, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
		if !b.roomGiven && rooms != nil {
			list[i].RoomID, list[i].RoomName = rooms[i].id, rooms[i].name
		}
	}
	var writes db.Batch
	if err := s.lockSlots(ctx, &writes, list); err != nil {
		return nil, err
	}
	for i := range list {
		if err := writeCreated(ctx, &writes, &list[i], p.UserID, now); err != nil {
			return nil, err
		}
		if err := s.runTxHooks(ctx, &writes, changeOf(ChangeCreated, list[i])); err != nil {
			return nil, err
		}
	}
	var err error
	if s.db.Dialect == db.Postgres {
		// The exclusion constraints refuse any overlap by themselves; a
		// series' conflicts are all listed by exclusionError.
		err = s.db.SendBatch(ctx, &writes)
	} else {
		err = s.db.TxBatch(ctx, func(tx *db.BatchTx) error {
			// The room may differ between occurrences (taken from working
			// hours): check overlaps per distinct room.
			byRoom := map[string][]int{}
			for i := range list {
				byRoom[list[i].RoomID] = append(byRoom[list[i].RoomID], i)
			}
			var all []overlap
			for room, idx := range byRoom {
				sub := make([]slot, len(idx))
				for k, i := range idx {
					sub[k] = b.slots[i]
				}
				ovs, err := s.overlaps(ctx, tx, b.clinicID, b.professionalID, room, "", sub)
				if err != nil {
					return err
				}
				for _, o := range ovs {
					o.slot = idx[o.slot]
					all = append(all, o)
				}
			}
			if len(all) > 0 {
				if !series {
					return overlapError(all[0])
				}
				return seriesError(b.slots, nil, all)
			}
			return tx.Send(ctx, &writes)
		})
	}
	if db.IsExclusionViolation(err) {
		return nil, s.exclusionError(ctx, b.clinicID, list, "", err)
	}
	if err != nil {
		return nil, fmt.Errorf("appointment: book: %w", err)
	}
	c := changeOf(ChangeCreated, list[0])
	c.EndsAt = list[len(list)-1].EndsAt
	s.changed(ctx, c, true)
	return list, nil
}

// writeCreated queues the writes of a new appointment: its row, its created
// event and its audit entry.
func writeCreated(ctx context.Context, w *db.Batch, a *Appointment, userID string, now time.Time) error {
	if err := insertAppointment(ctx, w, a); err != nil {
		return err
	}
	if err := insertEvent(ctx, w, a.ClinicID, a.ID, userID, now, eventRow{kind: EventCreated,
		newStart: a.StartsAt, newEnd: a.EndsAt, newProfessional: a.ProfessionalID, newRoom: a.RoomID, newStatus: a.Status}); err != nil {
		return err
	}
	return audit.Record(ctx, w, a.ClinicID, audit.ActionCreate, "appointment", a.ID, a.PatientID)
}

// exclusionError answers a PostgreSQL exclusion violation (an overlap that
// a concurrent booking committed meanwhile): it looks up, after the failed
// transaction, what is in the way of each appointment of list.
func (s *Service) exclusionError(ctx context.Context, clinicID string, list []Appointment, exclude string, cause error) error {
	slots := make([]slot, len(list))
	for i, a := range list {
		slots[i] = slot{start: a.StartsAt, end: a.EndsAt}
	}
	var all []overlap
	byRoom := map[string][]int{}
	for i := range list {
		byRoom[list[i].RoomID] = append(byRoom[list[i].RoomID], i)
	}
	for room, idx := range byRoom {
		sub := make([]slot, len(idx))
		for k, i := range idx {
			sub[k] = slots[i]
		}
		ovs, err := s.overlaps(ctx, s.db, clinicID, list[0].ProfessionalID, room, exclude, sub)
		if err != nil {
			return err
		}
		for _, o := range ovs {
			o.slot = idx[o.slot]
			all = append(all, o)
		}
	}
	if len(all) == 0 {
		// What was in the way is gone already.
		return apperr.Wrap(cause, apperr.Conflict, "Another appointment took that time meanwhile. Please try again.")
	}
	if len(list) == 1 {
		e := overlapError(all[0])
		e.Err = cause
		return e
	}
	return seriesError(slots, nil, all)
}

func outsideHoursError() error {
	return &apperr.Error{Code: apperr.Invalid, Message: "The appointment is outside the professional's working hours.",
		Fields: map[string]string{"starts_at": "Outside the professional's working hours. An owner, admin or receptionist may book it anyway with override_working_hours."}}
}

func overlapError(o overlap) *apperr.Error {
	msg := "The professional already has an appointment at that time."
	if o.with == "room" {
		msg = "The room is already booked at that time."
	}
	return &apperr.Error{Code: apperr.Conflict, Message: msg,
		Details: map[string]any{"conflicting_appointment_id": o.appointmentID, "conflict_with": o.with}}
}

// seriesError lists every occurrence of a series that cannot be booked (one
// entry per date and reason):
// Conflict when any overlaps another appointment, Invalid when the only
// problem is working hours.
func seriesError(slots []slot, outside []int, ovs []overlap) error {
	var cs []Conflict
	for _, i := range outside {
		cs = append(cs, Conflict{StartsAt: slots[i].start, Reason: ReasonOutsideHours})
	}
	for _, o := range ovs {
		cs = append(cs, Conflict{StartsAt: slots[o.slot].start, Reason: ReasonOverlap, ConflictingAppointmentID: o.appointmentID, ConflictWith: o.with})
	}
	slices.SortStableFunc(cs, func(a, b Conflict) int { return a.StartsAt.Compare(b.StartsAt) })
	details := map[string]any{"conflicts": cs}
	if len(ovs) > 0 {
		return &apperr.Error{Code: apperr.Conflict, Details: details,
			Message: fmt.Sprintf("%d of the %d dates are taken or outside working hours; nothing was booked.", len(cs), len(slots))}
	}
	return &apperr.Error{Code: apperr.Invalid, Details: details,
		Message: fmt.Sprintf("%d of the %d dates are outside the professional's working hours; nothing was booked.", len(cs), len(slots)),
		Fields:  map[string]string{"starts_at": "Some dates are outside the professional's working hours (see details.conflicts)."}}
}

// changed drops what the cache holds of the clinic's agenda after a
// committed change c, and its cached availability too when the change
// occupied or freed time, then tells the listeners (see OnChange). A
// failure is logged: the change itself succeeded.
func (s *Service) changed(ctx context.Context, c Change, occupancy bool) {
	s.invalidateAgenda(ctx, c.ClinicID)
	if occupancy && s.schedule != nil {
		if err := s.schedule.InvalidateAvailability(ctx, c.ClinicID); err != nil {
			s.log.WarnContext(ctx, "appointment: invalidate availability", "clinic_id", c.ClinicID, "err", err)
		}
	}
	s.onChange.Notify(ctx, c)
}

// slotFreed enqueues, in tx, the job that offers a freed slot to the
// waitlist.
func (s *Service) slotFreed(ctx context.Context, tx *sql.Tx, a Appointment) error {
	if s.jobs == nil {
		return nil // no queue wired (the waitlist then learns nothing)
	}
	args := SlotFreedArgs{ClinicID: a.ClinicID, AppointmentID: a.ID, ProfessionalID: a.ProfessionalID, RoomID: a.RoomID,
		StartsAt: a.StartsAt, EndsAt: a.EndsAt}
	opts := queue.WithClinic(&river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}, a.ClinicID)
	if _, err := s.jobs.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("appointment: enqueue slot freed: %w", err)
	}
	return nil
}

// slotLockStep is the width of the time buckets lockSlots locks.
const slotLockStep = 15 * time.Minute

// lockSlots queues, first in a PostgreSQL write batch, a transaction-scoped
// advisory lock per professional (and room) and 15-minute bucket that each
// of list's appointments covers, in one global order. Two overlapping
// appointments of one professional or room share a bucket, so their writes
// queue here and the second finds the first committed (a plain exclusion
// violation); left to the exclusion constraints alone, concurrent inserts of
// one slot wait for each other's rows, and a burst of them is a chain of
// deadlocks that PostgreSQL breaks one per deadlock_timeout (100 bookings of
// one slot timed out behind it). Bookings that do not overlap take
// different locks and do not wait for each other. SQLite has one writer at
// a time already: nothing to do.
func (s *Service) lockSlots(ctx context.Context, w *db.Batch, list []Appointment) error {
	if s.db.Dialect != db.Postgres {
		return nil
	}
	var keys []int64
	for _, a := range list {
		for t := a.StartsAt.Truncate(slotLockStep); t.Before(a.EndsAt); t = t.Add(slotLockStep) {
			bucket := strconv.FormatInt(t.Unix()/int64(slotLockStep/time.Second), 36)
			keys = append(keys, lockKey("appointment:pro:"+a.ProfessionalID+":"+bucket))
			if a.RoomID != "" {
				keys = append(keys, lockKey("appointment:room:"+a.RoomID+":"+bucket))
			}
		}
	}
	slices.Sort(keys)
	// One statement whatever the number of locks, taken in the array's
	// (sorted) order.
	if _, err := w.ExecContext(ctx, `SELECT pg_advisory_xact_lock(k) FROM unnest($1::int8[]) WITH ORDINALITY AS l(k, n) ORDER BY n`, slices.Compact(keys)); err != nil {
		return err
	}
	return nil
}

// lockKey is the advisory lock of a name: its 64-bit FNV-1a hash.
func lockKey(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return int64(h.Sum64())
}
