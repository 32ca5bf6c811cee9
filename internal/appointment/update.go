package appointment

import (
	"context"
	"fmt"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// UpdateInput changes an appointment; absent fields stay as they are.
// Changing StartsAt alone keeps the duration. Null (or "") clears the room,
// the procedure, the procedure id and the notes; null on the other fields
// reads as absent. A ProcedureID sets the procedure to that procedure's
// name (give either procedure or procedure_id).
type UpdateInput struct {
	StartsAt        kernel.Opt[string] `json:"starts_at,omitzero"`
	EndsAt          kernel.Opt[string] `json:"ends_at,omitzero"`
	DurationMinutes kernel.Opt[int]    `json:"duration_minutes,omitzero"`
	ProfessionalID  kernel.Opt[string] `json:"professional_id,omitzero"`
	RoomID          kernel.Opt[string] `json:"room_id,omitzero"`
	Procedure       kernel.Opt[string] `json:"procedure,omitzero"`
	ProcedureID     kernel.Opt[string] `json:"procedure_id,omitzero"`
	Notes           kernel.Opt[string] `json:"notes,omitzero" text:"multiline"`
	// OverrideWorkingHours moves the appointment outside the professional's
	// working hours (owners, admins and receptionists only).
	OverrideWorkingHours bool `json:"override_working_hours,omitempty"`
}

// change is an UpdateInput resolved: nil keeps a field; null reads as
// absent on a field that cannot be cleared and as "" on one that can.
type change struct {
	startsAt, endsAt                         *string
	durationMinutes                          *int
	professionalID, roomID, procedure, notes *string
	procedureID                              *string
	override                                 bool
}

func (in UpdateInput) change() change {
	return change{
		startsAt: given(in.StartsAt), endsAt: given(in.EndsAt), durationMinutes: given(in.DurationMinutes),
		professionalID: given(in.ProfessionalID), roomID: clearable(in.RoomID), procedure: clearable(in.Procedure),
		notes: clearable(in.Notes), procedureID: clearable(in.ProcedureID), override: in.OverrideWorkingHours,
	}
}

// given returns the value of a field that cannot be cleared (nil when it is
// absent or null).
func given[T any](o kernel.Opt[T]) *T {
	if v, ok := o.Value(); ok {
		return &v
	}
	return nil
}

// clearable returns the value of a field that can be cleared: nil when it is
// absent, the zero T when it is null.
func clearable[T any](o kernel.Opt[T]) *T {
	if !o.Set {
		return nil
	}
	var v T
	if !o.Null {
		v = o.V
	}
	return &v
}

// moves reports whether ch reschedules (time, professional or room).
func (ch change) moves() bool {
	return ch.startsAt != nil || ch.endsAt != nil || ch.durationMinutes != nil || ch.professionalID != nil || ch.roomID != nil
}

// Update reschedules an appointment or changes its procedure or notes, and
// records the change in its history. Owners, admins and receptionists
// change anything; a professional only the notes of their own appointments.
// NotFound for an appointment (or a new professional or room) of no such id
// in the clinic or not visible to p; Invalid for bad fields, a new start in
// the past or a time outside working hours (without an allowed override);
// Conflict when the new time is taken (with the id of the appointment in
// the way), when a completed, cancelled or no-show appointment would move,
// or when the appointment changed meanwhile.
func (s *Service) Update(ctx context.Context, p kernel.Principal, id string, upd UpdateInput) (Appointment, error) {
	in := upd.change()
	switch {
	case in.override && !manages(p.Role):
		return Appointment{}, errOverrideHours
	case p.Role == kernel.RoleProfessional && (in.moves() || in.procedure != nil || in.procedureID != nil):
		return Appointment{}, errOwnNotesOnly
	case !manages(p.Role) && p.Role != kernel.RoleProfessional:
		return Appointment{}, errReadOnly
	}
	fields := map[string]string{}
	if in.procedure != nil {
		*in.procedure = strings.TrimSpace(*in.procedure)
		checkText(fields, "procedure", *in.procedure, maxProcedure)
	}
	if in.notes != nil {
		checkText(fields, "notes", *in.notes, maxNotes)
	}
	if in.procedureID != nil {
		checkID(fields, "procedure_id", *in.procedureID, false)
		if *in.procedureID != "" && in.procedure != nil && *in.procedure != "" {
			fields["procedure"] = "Give either procedure or procedure_id, not both."
		}
	}
	if in.professionalID != nil {
		checkID(fields, "professional_id", *in.professionalID, true)
	}
	if in.roomID != nil {
		checkID(fields, "room_id", *in.roomID, false)
	}
	var start, end time.Time
	if in.startsAt != nil {
		if start = parseTime(fields, "starts_at", *in.startsAt); *in.startsAt == "" {
			fields["starts_at"] = "Must not be empty."
		}
	}
	if in.endsAt != nil {
		if end = parseTime(fields, "ends_at", *in.endsAt); *in.endsAt == "" {
			fields["ends_at"] = "Must not be empty."
		}
	}
	if in.durationMinutes != nil {
		if in.endsAt != nil {
			fields["duration_minutes"] = "Give either ends_at or duration_minutes, not both."
		} else {
			checkDuration(fields, *in.durationMinutes)
		}
	}
	if len(fields) > 0 {
		return Appointment{}, apperr.Validation(fields)
	}
	if !in.moves() && in.procedure == nil && in.notes == nil && in.procedureID == nil {
		return Appointment{}, apperr.New(apperr.Invalid, "Nothing to change: give at least one field.")
	}
	var procedureColor string
	if in.procedureID != nil && *in.procedureID != "" {
		r, err := s.lookupRefs(ctx, p.ClinicID, "", "", "", *in.procedureID)
		if err != nil {
			return Appointment{}, err
		}
		id, _ := kernel.CanonicalID(*in.procedureID)
		in.procedureID, in.procedure, procedureColor = &id, &r.procedureName, r.procedureColor
	}

	// The new place in time, worked out (and checked against working hours)
	// before the transaction, from the appointment as read now; the
	// transaction then refuses to go on if it changed meanwhile.
	var cur, next Appointment
	if in.moves() {
		var err error
		if cur, err = s.load(ctx, s.db, p.ClinicID, id, false); err != nil {
			return Appointment{}, err
		}
		if next, err = s.moveTo(ctx, p, cur, in, start, end); err != nil {
			return Appointment{}, err
		}
	}

	now := db.Time(s.now())
	var out Appointment
	var wrote, moved bool
	// The writes (the row, its events, the audit entry) go in one batch: one
	// round trip on PostgreSQL.
	err := s.db.TxBatch(ctx, func(tx *db.BatchTx) error {
		a, err := s.load(ctx, tx, p.ClinicID, id, true)
		if err != nil {
			return err
		}
		if !visible(p, &a) {
			return errNotFound
		}
		moved = false
		if in.moves() {
			if !samePlace(a, cur) || a.Status != cur.Status {
				return errChanged
			}
			moved = !samePlace(a, next)
		}
		var changed []string
		if (in.procedure != nil && *in.procedure != a.Procedure) || (in.procedureID != nil && *in.procedureID != a.ProcedureID) {
			changed = append(changed, "procedure")
		}
		if in.notes != nil && *in.notes != a.notes() {
			changed = append(changed, "notes")
		}
		if !moved && len(changed) == 0 {
			out = a
			return nil // nothing changes: no write, no history
		}
		old := a
		if moved {
			if s.db.Dialect == db.SQLite {
				ovs, err := s.overlaps(ctx, tx, a.ClinicID, next.ProfessionalID, next.RoomID, a.ID, []slot{{next.StartsAt, next.EndsAt}})
				if err != nil {
					return err
				}
				if len(ovs) > 0 {
					return overlapError(ovs[0])
				}
			}
			a.StartsAt, a.EndsAt, a.ProfessionalID, a.RoomID = next.StartsAt, next.EndsAt, next.ProfessionalID, next.RoomID
			a.ProfessionalName, a.RoomName, a.professionalUserID = next.ProfessionalName, next.RoomName, next.professionalUserID
		}
		if in.procedure != nil {
			a.Procedure = *in.procedure
		}
		if in.procedureID != nil {
			a.ProcedureID, a.ProcedureColor = *in.procedureID, procedureColor
		}
		if in.notes != nil {
			a.Notes = in.notes
		}
		a.UpdatedAt = now
		var w db.Batch
		if moved {
			// Moves into one slot queue like bookings (see lockSlots).
			if err := s.lockSlots(ctx, &w, []Appointment{a}); err != nil {
				return err
			}
		}
		if _, err := w.ExecContext(ctx, `UPDATE appointments SET starts_at = $1, ends_at = $2, professional_id = $3, room_id = $4,
			procedure = $5, procedure_id = $6, notes = $7, updated_at = $8 WHERE id = $9 AND clinic_id = $10`,
			db.Time(a.StartsAt), db.Time(a.EndsAt), a.ProfessionalID, nullable(a.RoomID), a.Procedure, nullable(a.ProcedureID),
			a.notes(), now, a.ID, a.ClinicID); err != nil {
			return fmt.Errorf("appointment: update %s: %w", a.ID, err)
		}
		if moved {
			if err := insertEvent(ctx, &w, a.ClinicID, a.ID, p.UserID, now, eventRow{kind: EventRescheduled,
				oldStart: old.StartsAt, oldEnd: old.EndsAt, newStart: a.StartsAt, newEnd: a.EndsAt,
				oldProfessional: old.ProfessionalID, newProfessional: a.ProfessionalID, oldRoom: old.RoomID, newRoom: a.RoomID}); err != nil {
				return err
			}
		}
		if len(changed) > 0 {
			if err := insertEvent(ctx, &w, a.ClinicID, a.ID, p.UserID, now, eventRow{kind: EventUpdated, changed: changed}); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, &w, a.ClinicID, audit.ActionUpdate, "appointment", a.ID, a.PatientID); err != nil {
			return err
		}
		if moved {
			c := changeOf(ChangeRescheduled, a)
			c.OldProfessionalID, c.OldStartsAt, c.OldEndsAt = old.ProfessionalID, old.StartsAt, old.EndsAt
			if err := s.runTxHooks(ctx, &w, c); err != nil {
				return err
			}
		}
		if err := tx.Send(ctx, &w); err != nil {
			return fmt.Errorf("appointment: update %s: %w", a.ID, err)
		}
		if moved && frees(old, a) {
			if err := s.slotFreed(ctx, tx.Tx, old); err != nil {
				return err
			}
		}
		out, wrote = a, true
		return nil
	})
	if db.IsExclusionViolation(err) {
		return Appointment{}, s.exclusionError(ctx, p.ClinicID, []Appointment{next}, id, err)
	}
	if err != nil {
		return Appointment{}, err
	}
	if wrote {
		c := changeOf(ChangeUpdated, out)
		if moved {
			c.Kind, c.OldProfessionalID, c.OldStartsAt, c.OldEndsAt = ChangeRescheduled, cur.ProfessionalID, cur.StartsAt, cur.EndsAt
		}
		s.changed(ctx, c, moved)
	}
	present(p, &out)
	return out, nil
}

// moveTo works out where cur goes with in (start and end parsed from it),
// and checks the new place: an appointment that is over cannot move, a new
// start cannot be in the past, a new professional or room must exist, and
// the time must be inside working hours unless overridden.
func (s *Service) moveTo(ctx context.Context, p kernel.Principal, cur Appointment, in change, start, end time.Time) (Appointment, error) {
	if cur.Status.Final() {
		return Appointment{}, apperr.New(apperr.Conflict, "A %s appointment cannot be rescheduled.", strings.ReplaceAll(string(cur.Status), "_", "-"))
	}
	next := cur
	if in.startsAt != nil {
		next.StartsAt = db.Time(start)
	}
	switch {
	case in.endsAt != nil:
		next.EndsAt = db.Time(end)
	case in.durationMinutes != nil:
		next.EndsAt = next.StartsAt.Add(time.Duration(*in.durationMinutes) * time.Minute)
	default:
		next.EndsAt = next.StartsAt.Add(cur.EndsAt.Sub(cur.StartsAt))
	}
	if in.professionalID != nil {
		next.ProfessionalID = *in.professionalID
	}
	if in.roomID != nil {
		next.RoomID, next.RoomName = *in.roomID, ""
	}
	fields := map[string]string{}
	checkSpan(fields, next.StartsAt, next.EndsAt)
	if !next.StartsAt.Equal(cur.StartsAt) && next.StartsAt.Before(s.now()) && fields["ends_at"] == "" {
		fields["starts_at"] = "Must not be in the past."
	}
	if len(fields) > 0 {
		return Appointment{}, apperr.Validation(fields)
	}
	newProf, newRoom := next.ProfessionalID != cur.ProfessionalID, next.RoomID != cur.RoomID
	if newProf || (newRoom && next.RoomID != "") {
		r, err := s.lookupRefs(ctx, p.ClinicID, "", pick(newProf, next.ProfessionalID), pick(newRoom, next.RoomID), "")
		if err != nil {
			return Appointment{}, err
		}
		if newProf {
			next.ProfessionalName, next.professionalUserID = r.professionalName, r.professionalUserID
		}
		if newRoom {
			next.RoomName = r.roomName
		}
	}
	timeMoved := !next.StartsAt.Equal(cur.StartsAt) || !next.EndsAt.Equal(cur.EndsAt) || newProf
	if timeMoved && !in.override {
		outside, _, err := s.hours(ctx, p.ClinicID, next.ProfessionalID, []slot{{next.StartsAt, next.EndsAt}})
		if err != nil {
			return Appointment{}, err
		}
		if len(outside) > 0 {
			return Appointment{}, outsideHoursError()
		}
	}
	return next, nil
}

// samePlace reports whether a and b have the same time, professional and
// room.
func samePlace(a, b Appointment) bool {
	return a.StartsAt.Equal(b.StartsAt) && a.EndsAt.Equal(b.EndsAt) && a.ProfessionalID == b.ProfessionalID && a.RoomID == b.RoomID
}

func pick(ok bool, s string) string {
	if ok {
		return s
	}
	return ""
}

// frees reports whether moving an active appointment from old to next frees
// time of old's professional (another professional, or a range that does
// not cover the old one).
func frees(old, next Appointment) bool {
	if !old.Status.Active() {
		return false
	}
	return old.ProfessionalID != next.ProfessionalID || next.StartsAt.After(old.StartsAt) || next.EndsAt.Before(old.EndsAt)
}

// StatusInput changes an appointment's status.
type StatusInput struct {
	Status Status `json:"status"`
}

// SetStatus moves an appointment to another status along the allowed
// transitions (see Status.Next) and records it in its history. Owners,
// admins and receptionists change any appointment, a professional their own.
// Cancelling or marking a no-show frees the slot: the SlotFreedArgs job is
// enqueued in the same transaction. NotFound for an appointment of no such id
// in the clinic or not visible to p; Invalid for an unknown status; Conflict,
// naming both statuses, for a transition that is not allowed.
func (s *Service) SetStatus(ctx context.Context, p kernel.Principal, id string, in StatusInput) (Appointment, error) {
	if !manages(p.Role) && p.Role != kernel.RoleProfessional {
		return Appointment{}, errReadOnly
	}
	if !in.Status.Valid() {
		return Appointment{}, apperr.Validation(map[string]string{"status": "Must be one of " + statusList(Statuses) + "."})
	}
	now := db.Time(s.now())
	var out Appointment
	err := s.db.TxBatch(ctx, func(tx *db.BatchTx) error {
		a, err := s.load(ctx, tx, p.ClinicID, id, true)
		if err != nil {
			return err
		}
		if !visible(p, &a) {
			return errNotFound
		}
		if !a.Status.CanBecome(in.Status) {
			return transitionError(a.Status, in.Status)
		}
		old := a
		a.Status, a.UpdatedAt = in.Status, now
		var w db.Batch
		if _, err := w.ExecContext(ctx, `UPDATE appointments SET status = $1, updated_at = $2 WHERE id = $3 AND clinic_id = $4`,
			a.Status, now, a.ID, a.ClinicID); err != nil {
			return fmt.Errorf("appointment: set status of %s: %w", a.ID, err)
		}
		if err := insertEvent(ctx, &w, a.ClinicID, a.ID, p.UserID, now, eventRow{kind: EventStatus, oldStatus: old.Status, newStatus: a.Status}); err != nil {
			return err
		}
		if err := audit.Record(ctx, &w, a.ClinicID, audit.ActionUpdate, "appointment", a.ID, a.PatientID); err != nil {
			return err
		}
		if err := s.runTxHooks(ctx, &w, changeOf(ChangeStatus, a)); err != nil {
			return err
		}
		if err := tx.Send(ctx, &w); err != nil {
			return fmt.Errorf("appointment: set status of %s: %w", a.ID, err)
		}
		if old.Status.Active() && !a.Status.Active() {
			if err := s.slotFreed(ctx, tx.Tx, old); err != nil {
				return err
			}
		}
		out = a
		return nil
	})
	if err != nil {
		return Appointment{}, err
	}
	s.changed(ctx, changeOf(ChangeStatus, out), !out.Status.Active())
	present(p, &out)
	return out, nil
}

func transitionError(from, to Status) error {
	msg := fmt.Sprintf("An appointment cannot go from %s to %s.", from, to)
	switch next := transitions[from]; {
	case from == to:
		msg = fmt.Sprintf("An appointment cannot go from %s to %s: it is %s already.", from, to, from)
	case len(next) == 0:
		msg += fmt.Sprintf(" A %s appointment is final.", from)
	default:
		msg += " It can go to " + statusList(next) + "."
	}
	next := transitions[from]
	if next == nil {
		next = []Status{}
	}
	return &apperr.Error{Code: apperr.Conflict, Message: msg, Details: map[string]any{"from": from, "to": to, "allowed": next}}
}

func statusList(ss []Status) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	default:
		return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
	}
}
