package schedule

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Room is a consulting room or other resource that one appointment at a time
// may use. Names are unique within a clinic.
type Room struct {
	ID       string
	ClinicID string
	Name     string
	// Active rooms can be booked; an inactive one (out of use) stays in the
	// history of its appointments, and working hours that name it count as
	// working hours without a room.
	Active    bool
	CreatedAt time.Time
}

// RoomInput creates a room.
type RoomInput struct {
	Name string `json:"name"`
}

// RoomPatch renames or (de)activates a room; absent fields stay as they
// are, null reads as absent.
type RoomPatch struct {
	Name   kernel.Opt[string] `json:"name,omitzero"`
	Active kernel.Opt[bool]   `json:"active,omitzero"`
}

func roomWriteError(op string, err error) error {
	if db.IsUniqueViolation(err) {
		return &apperr.Error{Code: apperr.Conflict, Message: "A room with this name already exists.",
			Fields: map[string]string{"name": "Already taken."}, Err: err}
	}
	return fmt.Errorf("schedule: %s room: %w", op, err)
}

// CreateRoom adds a room to p's clinic (owners and admins); Conflict when
// the clinic already has a room with that name.
func (s *Service) CreateRoom(ctx context.Context, p kernel.Principal, in RoomInput) (Room, error) {
	if err := managesOnly(p, "rooms"); err != nil {
		return Room{}, err
	}
	r := Room{ID: newID(), ClinicID: p.ClinicID, Name: strings.TrimSpace(in.Name), Active: true, CreatedAt: db.Time(s.now())}
	fields := map[string]string{}
	checkText(fields, "name", r.Name, true, 100)
	if len(fields) > 0 {
		return Room{}, apperr.Validation(fields)
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO rooms (id, clinic_id, name, active, created_at) VALUES ($1, $2, $3, $4, $5)`,
			r.ID, r.ClinicID, r.Name, r.Active, r.CreatedAt)
		if err != nil {
			return roomWriteError("create", err)
		}
		return audit.Record(ctx, tx, r.ClinicID, audit.ActionCreate, "room", r.ID, "")
	})
	if err != nil {
		return Room{}, err
	}
	s.directoryChanged(ctx, r.ClinicID)
	return r, nil
}

// UpdateRoom renames or (de)activates a room of p's clinic (owners and
// admins) and returns it. Once committed, the clinic's availability is
// invalidated and the OnRoomChange listeners are told. NotFound for a room
// of no such id in the clinic; Invalid for a bad name; Conflict when
// another room of the clinic has the name.
func (s *Service) UpdateRoom(ctx context.Context, p kernel.Principal, id string, in RoomPatch) (Room, error) {
	if err := managesOnly(p, "rooms"); err != nil {
		return Room{}, err
	}
	if !kernel.IsID(id) {
		return Room{}, errRoomNotFound
	}
	var r Room
	var changed bool
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = room(ctx, tx, p.ClinicID, id); err != nil {
			return err
		}
		old := r
		if name, ok := in.Name.Value(); ok {
			r.Name = strings.TrimSpace(name)
		}
		set(&r.Active, in.Active)
		fields := map[string]string{}
		checkText(fields, "name", r.Name, true, 100)
		if len(fields) > 0 {
			return apperr.Validation(fields)
		}
		if r == old {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rooms SET name = $3, active = $4 WHERE clinic_id = $1 AND id = $2`,
			r.ClinicID, r.ID, r.Name, r.Active); err != nil {
			return roomWriteError("update", err)
		}
		changed = true
		return audit.Record(ctx, tx, r.ClinicID, audit.ActionUpdate, "room", r.ID, "")
	})
	if err != nil {
		return Room{}, err
	}
	if changed {
		ctx = context.WithoutCancel(ctx)
		s.availabilityChanged(ctx, r.ClinicID)
		s.directoryChanged(ctx, r.ClinicID)
		s.onRoom.Notify(ctx, RoomChange{ClinicID: r.ClinicID, RoomID: r.ID})
	}
	return r, nil
}

// Room returns a room of the clinic; NotFound when the clinic has none with
// that id.
func (s *Service) Room(ctx context.Context, clinicID, id string) (Room, error) {
	return room(ctx, s.db, clinicID, id)
}

func room(ctx context.Context, q reader, clinicID, id string) (Room, error) {
	if !kernel.IsID(id) {
		return Room{}, errRoomNotFound
	}
	var r Room
	err := q.QueryRowContext(ctx, `SELECT id, clinic_id, name, active, created_at FROM rooms WHERE clinic_id = $1 AND id = $2`, clinicID, id).
		Scan(&r.ID, &r.ClinicID, &r.Name, &r.Active, &r.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Room{}, errRoomNotFound
	}
	if err != nil {
		return Room{}, fmt.Errorf("schedule: room %s: %w", id, err)
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return r, nil
}

// RoomFilter selects rooms; nil Active means all.
type RoomFilter struct {
	Active *bool
}

// Rooms lists the clinic's rooms matching f by name.
func (s *Service) Rooms(ctx context.Context, clinicID string, f RoomFilter) ([]Room, error) {
	q := `SELECT id, clinic_id, name, active, created_at FROM rooms WHERE clinic_id = $1`
	args := []any{clinicID}
	if f.Active != nil {
		q += ` AND active = $2`
		args = append(args, *f.Active)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("schedule: list rooms: %w", err)
	}
	defer rows.Close()
	out := []Room{}
	for rows.Next() {
		var r Room
		if err := rows.Scan(&r.ID, &r.ClinicID, &r.Name, &r.Active, &r.CreatedAt); err != nil {
			return nil, fmt.Errorf("schedule: list rooms: %w", err)
		}
		r.CreatedAt = r.CreatedAt.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schedule: list rooms: %w", err)
	}
	return out, nil
}

// checkRooms returns NotFound unless every non-empty id is a room of the
// clinic, and Invalid (under field) when one is inactive (one query).
func checkRooms(ctx context.Context, q queryer, clinicID, field string, ids []string) error {
	want := map[string]bool{}
	for _, id := range ids {
		if id == "" {
			continue
		}
		c, ok := kernel.CanonicalID(id)
		if !ok {
			return errRoomNotFound
		}
		want[c] = true
	}
	if len(want) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT id, active FROM rooms WHERE clinic_id = $1`, clinicID)
	if err != nil {
		return fmt.Errorf("schedule: check rooms: %w", err)
	}
	defer rows.Close()
	found, inactive := 0, false
	for rows.Next() {
		var id string
		var active bool
		if err := rows.Scan(&id, &active); err != nil {
			return fmt.Errorf("schedule: check rooms: %w", err)
		}
		if want[id] {
			found++
			inactive = inactive || !active
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("schedule: check rooms: %w", err)
	}
	if found != len(want) {
		return errRoomNotFound
	}
	if inactive {
		return apperr.Validation(map[string]string{field: errRoomInactive})
	}
	return nil
}

// errRoomInactive is the message for a room out of use.
const errRoomInactive = "This room is inactive."

// inactiveRooms returns the ids of the clinic's inactive rooms.
func inactiveRooms(ctx context.Context, q reader, clinicID string) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM rooms WHERE clinic_id = $1 AND NOT active`, clinicID)
	if err != nil {
		return nil, fmt.Errorf("schedule: inactive rooms: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("schedule: inactive rooms: %w", err)
		}
		out[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schedule: inactive rooms: %w", err)
	}
	return out, nil
}
