package appointment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// queryer is a *sql.DB, *db.DB or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return db.Time(t)
}

// selectAppointment selects an appointment with the names of its patient
// (the social name when there is one), professional and room, and the
// colour of its procedure. The names come from the read models of packages
// patient and schedule, joined by primary key.
const selectAppointment = `SELECT a.id, a.clinic_id, a.patient_id, pa.name,
	a.professional_id, pr.name, pr.user_id, a.room_id, r.name, a.starts_at, a.ends_at, a.procedure, a.procedure_id, pc.color,
	a.notes, a.status, a.series_id, a.created_by, a.created_at, a.updated_at
FROM appointments a
JOIN patient_refs pa ON pa.id = a.patient_id AND pa.clinic_id = a.clinic_id
JOIN professional_refs pr ON pr.id = a.professional_id AND pr.clinic_id = a.clinic_id
LEFT JOIN room_refs r ON r.id = a.room_id AND r.clinic_id = a.clinic_id
LEFT JOIN procedure_refs pc ON pc.id = a.procedure_id AND pc.clinic_id = a.clinic_id`

// selectAgenda selects what the agenda shows of appointments, with the
// names of their patients (the read model of package patient); the
// professionals', rooms' and procedures' part comes from the clinic's
// schedule.Directory (see list).
const selectAgenda = `SELECT a.id, a.clinic_id, a.patient_id, pa.name, a.professional_id, a.room_id, a.starts_at, a.ends_at,
	a.procedure, a.procedure_id, a.notes, a.status, a.series_id, a.created_by, a.created_at, a.updated_at
FROM appointments a
JOIN patient_refs pa ON pa.id = a.patient_id AND pa.clinic_id = a.clinic_id`

// scanAgendaRow scans a row of selectAgenda.
func scanAgendaRow(row interface{ Scan(...any) error }, a *Appointment) error {
	var roomID, procedureID, seriesID, createdBy *string
	var notes string
	if err := row.Scan(&a.ID, &a.ClinicID, &a.PatientID, &a.PatientName, &a.ProfessionalID,
		&roomID, &a.StartsAt, &a.EndsAt, &a.Procedure, &procedureID, &notes, &a.Status, &seriesID, &createdBy,
		&a.CreatedAt, &a.UpdatedAt); err != nil {
		return err
	}
	a.RoomID, a.ProcedureID = deref(roomID), deref(procedureID)
	a.SeriesID, a.CreatedBy = deref(seriesID), deref(createdBy)
	a.Notes = &notes
	a.StartsAt, a.EndsAt = a.StartsAt.UTC(), a.EndsAt.UTC()
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return nil
}

func scanAppointment(row interface{ Scan(...any) error }, a *Appointment) error {
	// Pointers for the nullable columns: pgx (the agenda reads through
	// db.Query) scans them without database/sql's Scanner round about.
	var userID, roomID, roomName, procedureID, procedureColor, seriesID, createdBy *string
	var notes string
	if err := row.Scan(&a.ID, &a.ClinicID, &a.PatientID, &a.PatientName, &a.ProfessionalID, &a.ProfessionalName, &userID,
		&roomID, &roomName, &a.StartsAt, &a.EndsAt, &a.Procedure, &procedureID, &procedureColor, &notes, &a.Status, &seriesID, &createdBy,
		&a.CreatedAt, &a.UpdatedAt); err != nil {
		return err
	}
	a.professionalUserID, a.RoomID, a.RoomName = deref(userID), deref(roomID), deref(roomName)
	a.ProcedureID, a.ProcedureColor = deref(procedureID), deref(procedureColor)
	a.SeriesID, a.CreatedBy = deref(seriesID), deref(createdBy)
	a.Notes = &notes
	a.StartsAt, a.EndsAt = a.StartsAt.UTC(), a.EndsAt.UTC()
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return nil
}

// deref returns *p, or the zero value for nil (NULL).
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// load reads one appointment of a clinic; forUpdate locks its row until the
// end of the transaction q (PostgreSQL; SQLite's write lock is already held).
func (s *Service) load(ctx context.Context, q queryer, clinicID, id string, forUpdate bool) (Appointment, error) {
	if !kernel.IsID(id) {
		return Appointment{}, errNotFound
	}
	query := selectAppointment + ` WHERE a.id = $1 AND a.clinic_id = $2`
	if forUpdate && s.db.Dialect == db.Postgres {
		query += ` FOR UPDATE OF a`
	}
	var a Appointment
	err := scanAppointment(q.QueryRowContext(ctx, query, id, clinicID), &a)
	if errors.Is(err, sql.ErrNoRows) {
		return Appointment{}, errNotFound
	}
	if err != nil {
		return Appointment{}, fmt.Errorf("appointment: load %s: %w", id, err)
	}
	return a, nil
}

// refs is what a booking needs to know about its patient, professional,
// room and procedure.
type refs struct {
	patientName      string
	professionalName string
	roomName         string
	defaultDuration  time.Duration
	// professionalUserID is the user linked to the professional ("" for none).
	professionalUserID string
	// procedureName, procedureColor and procedureDuration describe the
	// procedure (procedureDuration is 0 without one).
	procedureName, procedureColor string
	procedureDuration             time.Duration
}

// lookupRefs checks that the patient, professional, room and procedure
// (each optional: "" skips it) belong to the clinic, are usable for a
// booking, and returns their names, in one query on the read models of
// packages patient and schedule.
func (s *Service) lookupRefs(ctx context.Context, clinicID, patientID, professionalID, roomID, procedureID string) (refs, error) {
	// Pointers for the columns of the LEFT JOINs (NULL: no such row), as in
	// scanAppointment.
	var (
		paID, paName                  *string
		paArchived                    *bool
		prID, prName, prUser          *string
		prDuration                    *int64
		prActive                      *bool
		roomRowID, roomRowName        *string
		roomActive                    *bool
		pcID, pcName, pcColor         *string
		pcDuration                    *int64
		pcActive                      *bool
		patientArg, profArg, rm, proc any
	)
	patientArg, profArg, rm, proc = nullable(patientID), nullable(professionalID), nullable(roomID), nullable(procedureID)
	err := s.db.QueryRow(ctx, `SELECT pa.id, pa.name, pa.archived,
		pr.id, pr.name, pr.user_id, pr.default_duration_minutes, pr.active, r.id, r.name, r.active,
		pc.id, pc.name, pc.color, pc.default_duration_minutes, pc.active
	FROM (SELECT 1 AS one) x
	LEFT JOIN patient_refs pa ON pa.id = $2 AND pa.clinic_id = $1
	LEFT JOIN professional_refs pr ON pr.id = $3 AND pr.clinic_id = $1
	LEFT JOIN room_refs r ON r.id = $4 AND r.clinic_id = $1
	LEFT JOIN procedure_refs pc ON pc.id = $5 AND pc.clinic_id = $1`, clinicID, patientArg, profArg, rm, proc).Scan(
		&paID, &paName, &paArchived, &prID, &prName, &prUser, &prDuration, &prActive, &roomRowID, &roomRowName, &roomActive,
		&pcID, &pcName, &pcColor, &pcDuration, &pcActive)
	if err != nil {
		return refs{}, fmt.Errorf("appointment: look up patient, professional, room and procedure: %w", err)
	}
	switch {
	case patientID != "" && paID == nil:
		return refs{}, apperr.New(apperr.NotFound, "Patient not found.")
	case professionalID != "" && prID == nil:
		return refs{}, apperr.New(apperr.NotFound, "Professional not found.")
	case roomID != "" && roomRowID == nil:
		return refs{}, apperr.New(apperr.NotFound, "Room not found.")
	case procedureID != "" && pcID == nil:
		return refs{}, apperr.New(apperr.NotFound, "Procedure not found.")
	case patientID != "" && deref(paArchived):
		return refs{}, apperr.Validation(map[string]string{"patient_id": "This patient is archived; restore the patient to book an appointment."})
	case professionalID != "" && !deref(prActive):
		return refs{}, apperr.Validation(map[string]string{"professional_id": "This professional is inactive."})
	case roomID != "" && !deref(roomActive):
		return refs{}, apperr.Validation(map[string]string{"room_id": "This room is inactive."})
	case procedureID != "" && !deref(pcActive):
		return refs{}, apperr.Validation(map[string]string{"procedure_id": "This procedure is inactive."})
	}
	return refs{patientName: deref(paName), professionalName: deref(prName), roomName: deref(roomRowName),
		defaultDuration: time.Duration(deref(prDuration)) * time.Minute, professionalUserID: deref(prUser),
		procedureName: deref(pcName), procedureColor: deref(pcColor), procedureDuration: time.Duration(deref(pcDuration)) * time.Minute}, nil
}

// slot is a time range [start, end).
type slot struct{ start, end time.Time }

// overlap is an active appointment in the way of a slot.
type overlap struct {
	slot          int    // index of the slot it is in the way of
	appointmentID string // the appointment in the way
	with          string // "professional" or "room"
}

// overlaps returns, for each of slots that an active appointment of
// professionalID or in roomID ("" for none) overlaps, the first such
// appointment, ignoring appointment exclude (""). One query over the whole
// range of slots, which must be sorted by start.
func (s *Service) overlaps(ctx context.Context, q queryer, clinicID, professionalID, roomID, exclude string, slots []slot) ([]overlap, error) {
	if len(slots) == 0 {
		return nil, nil
	}
	from, to := slots[0].start, slots[len(slots)-1].end
	query := `SELECT id, professional_id, starts_at, ends_at FROM appointments
	WHERE clinic_id = $1 AND status NOT IN ('cancelled', 'no_show')
		AND starts_at > $2 AND starts_at < $3 AND ends_at > $4
		AND (professional_id = $5 OR room_id = $6)`
	args := []any{clinicID, db.Time(from.Add(-MaxDuration)), db.Time(to), db.Time(from), professionalID, nullable(roomID)}
	if exclude != "" {
		query += ` AND id <> $7`
		args = append(args, exclude)
	}
	query += ` ORDER BY starts_at`
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("appointment: look for overlaps: %w", err)
	}
	defer rows.Close()
	type busy struct {
		id, professionalID string
		slot
	}
	var taken []busy
	for rows.Next() {
		var b busy
		if err := rows.Scan(&b.id, &b.professionalID, &b.start, &b.end); err != nil {
			return nil, fmt.Errorf("appointment: look for overlaps: %w", err)
		}
		taken = append(taken, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("appointment: look for overlaps: %w", err)
	}
	var out []overlap
	for i, sl := range slots {
		for _, b := range taken {
			if b.start.Before(sl.end) && b.end.After(sl.start) {
				with := "room"
				if b.professionalID == professionalID {
					with = "professional"
				}
				out = append(out, overlap{slot: i, appointmentID: b.id, with: with})
				break
			}
		}
	}
	return out, nil
}

// execer is a *sql.Tx or a *db.Batch (which queues the statement).
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func insertAppointment(ctx context.Context, tx execer, a *Appointment) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO appointments (id, clinic_id, patient_id, professional_id, room_id,
		starts_at, ends_at, procedure, procedure_id, notes, status, series_id, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		a.ID, a.ClinicID, a.PatientID, a.ProfessionalID, nullable(a.RoomID), db.Time(a.StartsAt), db.Time(a.EndsAt),
		a.Procedure, nullable(a.ProcedureID), a.notes(), a.Status, nullable(a.SeriesID), nullable(a.CreatedBy), db.Time(a.CreatedAt), db.Time(a.UpdatedAt))
	if err != nil {
		return fmt.Errorf("appointment: insert: %w", err)
	}
	return nil
}

// eventRow is an event to write.
type eventRow struct {
	kind                               string
	oldStart, oldEnd, newStart, newEnd time.Time
	oldProfessional, newProfessional   string
	oldRoom, newRoom                   string
	oldStatus, newStatus               Status
	changed                            []string
}

func insertEvent(ctx context.Context, tx execer, clinicID, appointmentID, userID string, at time.Time, e eventRow) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO appointment_events (id, clinic_id, appointment_id, kind,
		old_starts_at, old_ends_at, new_starts_at, new_ends_at, old_professional_id, new_professional_id,
		old_room_id, new_room_id, old_status, new_status, changed, user_id, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		kernel.NewID(), clinicID, appointmentID, e.kind,
		nullTime(e.oldStart), nullTime(e.oldEnd), nullTime(e.newStart), nullTime(e.newEnd),
		nullable(e.oldProfessional), nullable(e.newProfessional), nullable(e.oldRoom), nullable(e.newRoom),
		nullable(string(e.oldStatus)), nullable(string(e.newStatus)), strings.Join(e.changed, ","), nullable(userID), db.Time(at))
	if err != nil {
		return fmt.Errorf("appointment: insert %s event: %w", e.kind, err)
	}
	return nil
}

// events returns an appointment's history, oldest first.
func (s *Service) events(ctx context.Context, clinicID, appointmentID string) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, old_starts_at, old_ends_at, new_starts_at, new_ends_at,
		old_professional_id, new_professional_id, old_room_id, new_room_id, old_status, new_status, changed, user_id, at
	FROM appointment_events WHERE appointment_id = $1 AND clinic_id = $2 ORDER BY at, id`, appointmentID, clinicID)
	if err != nil {
		return nil, fmt.Errorf("appointment: events of %s: %w", appointmentID, err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var oldStart, oldEnd, newStart, newEnd sql.NullTime
		var oldProf, newProf, oldRoom, newRoom, oldStatus, newStatus, userID sql.NullString
		var changed string
		if err := rows.Scan(&e.ID, &e.Kind, &oldStart, &oldEnd, &newStart, &newEnd, &oldProf, &newProf, &oldRoom, &newRoom,
			&oldStatus, &newStatus, &changed, &userID, &e.At); err != nil {
			return nil, fmt.Errorf("appointment: events of %s: %w", appointmentID, err)
		}
		e.OldStartsAt, e.OldEndsAt, e.NewStartsAt, e.NewEndsAt = timePtr(oldStart), timePtr(oldEnd), timePtr(newStart), timePtr(newEnd)
		e.OldProfessionalID, e.NewProfessionalID = oldProf.String, newProf.String
		e.OldRoomID, e.NewRoomID = oldRoom.String, newRoom.String
		e.OldStatus, e.NewStatus = Status(oldStatus.String), Status(newStatus.String)
		e.UserID = userID.String
		e.At = e.At.UTC()
		if changed != "" {
			e.Changed = strings.Split(changed, ",")
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("appointment: events of %s: %w", appointmentID, err)
	}
	return out, nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}
