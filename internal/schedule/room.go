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
	ID        string
	ClinicID  string
	Name      string
	CreatedAt time.Time
}

// RoomInput creates a room.
type RoomInput struct {
	Name string `json:"name"`
}

// CreateRoom adds a room to p's clinic (owners and admins); Conflict when
// the clinic already has a room with that name.
func (s *Service) CreateRoom(ctx context.Context, p kernel.Principal, in RoomInput) (Room, error) {
	if err := managesOnly(p, "rooms"); err != nil {
		return Room{}, err
	}
	r := Room{ID: newID(), ClinicID: p.ClinicID, Name: strings.TrimSpace(in.Name), CreatedAt: db.Time(s.now())}
	fields := map[string]string{}
	checkText(fields, "name", r.Name, true, 100)
	if len(fields) > 0 {
		return Room{}, apperr.Validation(fields)
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO rooms (id, clinic_id, name, created_at) VALUES ($1, $2, $3, $4)`,
			r.ID, r.ClinicID, r.Name, r.CreatedAt)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Message: "A room with this name already exists.",
				Fields: map[string]string{"name": "Already taken."}, Err: err}
		}
		if err != nil {
			return fmt.Errorf("schedule: create room: %w", err)
		}
		return audit.Record(ctx, tx, r.ClinicID, audit.ActionCreate, "room", r.ID, "")
	})
	if err != nil {
		return Room{}, err
	}
	return r, nil
}

// Room returns a room of the clinic; NotFound when the clinic has none with
// that id.
func (s *Service) Room(ctx context.Context, clinicID, id string) (Room, error) {
	return room(ctx, s.db, clinicID, id)
}

func room(ctx context.Context, q queryer, clinicID, id string) (Room, error) {
	if !kernel.IsID(id) {
		return Room{}, errRoomNotFound
	}
	var r Room
	err := q.QueryRowContext(ctx, `SELECT id, clinic_id, name, created_at FROM rooms WHERE clinic_id = $1 AND id = $2`, clinicID, id).
		Scan(&r.ID, &r.ClinicID, &r.Name, &r.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Room{}, errRoomNotFound
	}
	if err != nil {
		return Room{}, fmt.Errorf("schedule: room %s: %w", id, err)
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return r, nil
}

// Rooms lists the clinic's rooms by name.
func (s *Service) Rooms(ctx context.Context, clinicID string) ([]Room, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, clinic_id, name, created_at FROM rooms WHERE clinic_id = $1 ORDER BY name, id`, clinicID)
	if err != nil {
		return nil, fmt.Errorf("schedule: list rooms: %w", err)
	}
	defer rows.Close()
	out := []Room{}
	for rows.Next() {
		var r Room
		if err := rows.Scan(&r.ID, &r.ClinicID, &r.Name, &r.CreatedAt); err != nil {
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
// clinic (one query).
func checkRooms(ctx context.Context, q queryer, clinicID string, ids []string) error {
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
	rows, err := q.QueryContext(ctx, `SELECT id FROM rooms WHERE clinic_id = $1`, clinicID)
	if err != nil {
		return fmt.Errorf("schedule: check rooms: %w", err)
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("schedule: check rooms: %w", err)
		}
		if want[id] {
			found++
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("schedule: check rooms: %w", err)
	}
	if found != len(want) {
		return errRoomNotFound
	}
	return nil
}
