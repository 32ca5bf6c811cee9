// Package appointment holds appointments: booking without double-booking,
// status changes, rescheduling and recurring series.
//
// # Double-booking
//
// Two active appointments (any status but cancelled and no_show) of one
// professional, or in one room, never overlap. On PostgreSQL the exclusion
// constraints of the appointments table guarantee it across any number of
// servers; a violation is answered as a conflict naming the appointment in the
// way. On SQLite every write transaction takes the single write lock at BEGIN
// (BEGIN IMMEDIATE), so the service looks for an overlapping appointment
// inside the transaction that books, and nothing can slip in between. An
// appointment lasts at most 12 hours (a table constraint), which bounds the
// index range every overlap check scans.
//
// # Roles
//
// Owners, admins and receptionists manage every appointment. A professional
// sees only their own appointments (those of the professional record linked
// to their user; another's answers not found) and may change only their status
// and notes. Financial users see every appointment without its notes and
// change nothing.
//
// # Side effects
//
// Every create, update and status change writes an appointment event (the
// history) and an audit entry in its own transaction. Freeing a slot (cancel,
// no-show, rescheduling away) enqueues a SlotFreedArgs job in that same
// transaction. After a change that occupies or frees time, the schedule's
// cached availability is invalidated. After every committed write, the
// listeners set with OnChange are told (one Change per write): package app
// announces it to the clinic's open agendas.
//
// # Agenda cache
//
// With WithCache, ListJSON (the HTTP agenda) serves pages encoded from the
// cache, under a per-clinic generation that every committed change of the
// service ends, with a version that names the page (the HTTP layer keeps
// its compressed form under it); List always queries.
//
// # Tables
//
// Tables: appointments, appointment_events.
// Read models: appointment_refs (clinic_id, id, patient_id, professional_id,
// room_id, starts_at, ends_at, active), appointment_confirmation_refs
// (clinic_id, id, professional_id, procedure_id, starts_at, confirmed_at).
// appointment_refs is every appointment, active while it holds its time
// (any status but cancelled and no_show); appointment_confirmation_refs
// says when each was first confirmed (NULL: never), for package reminder's
// confirmation rate after reminders.
package appointment

import (
	"context"
	"database/sql"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/schedule"
)

// Enqueuer inserts background jobs inside the caller's transaction
// (*queue.Queue implements it).
type Enqueuer interface {
	// InsertTx enqueues a job in tx: it exists only if tx commits. A unique
	// job (opts.UniqueOpts) that duplicates an existing one is skipped, not an
	// error.
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Status is where an appointment stands.
type Status string

// The statuses of an appointment.
const (
	StatusScheduled  Status = "scheduled"
	StatusConfirmed  Status = "confirmed"
	StatusArrived    Status = "arrived"
	StatusInProgress Status = "in_progress"
	StatusCompleted  Status = "completed"
	StatusCancelled  Status = "cancelled"
	StatusNoShow     Status = "no_show"
)

// Statuses lists every status in the order of an appointment's life.
var Statuses = []Status{StatusScheduled, StatusConfirmed, StatusArrived, StatusInProgress, StatusCompleted, StatusCancelled, StatusNoShow}

// transitions lists, for each status, the statuses it may change to.
// Completed, cancelled and no_show are final.
//
//	scheduled   → confirmed, arrived, cancelled, no_show
//	confirmed   → arrived, cancelled, no_show
//	arrived     → in_progress, completed, cancelled (left before being seen)
//	in_progress → completed
var transitions = map[Status][]Status{
	StatusScheduled:  {StatusConfirmed, StatusArrived, StatusCancelled, StatusNoShow},
	StatusConfirmed:  {StatusArrived, StatusCancelled, StatusNoShow},
	StatusArrived:    {StatusInProgress, StatusCompleted, StatusCancelled},
	StatusInProgress: {StatusCompleted},
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Final reports whether s can never change (completed, cancelled, no_show).
func (s Status) Final() bool { return s.Valid() && len(transitions[s]) == 0 }

// Active reports whether an appointment in s occupies its time (every status
// but cancelled and no_show).
func (s Status) Active() bool { return s != StatusCancelled && s != StatusNoShow }

// Next returns the statuses s may change to (none for a final status).
func (s Status) Next() []Status { return slices.Clone(transitions[s]) }

// CanBecome reports whether an appointment in s may change to to.
func (s Status) CanBecome(to Status) bool { return slices.Contains(transitions[s], to) }

// Appointment is a booked time of a patient with a professional.
type Appointment struct {
	ID               string `json:"id"`
	ClinicID         string `json:"-"`
	PatientID        string `json:"patient_id"`
	PatientName      string `json:"patient_name"`
	ProfessionalID   string `json:"professional_id"`
	ProfessionalName string `json:"professional_name"`
	// professionalUserID is the user linked to the professional, if any.
	professionalUserID string
	RoomID             string    `json:"room_id,omitempty"`
	RoomName           string    `json:"room_name,omitempty"`
	StartsAt           time.Time `json:"starts_at"`
	EndsAt             time.Time `json:"ends_at"`
	Procedure          string    `json:"procedure"`
	// ProcedureID is the clinic's procedure the appointment is for ("" when
	// it was booked with a free-text procedure only); ProcedureColor is its
	// agenda colour.
	ProcedureID    string `json:"procedure_id,omitempty"`
	ProcedureColor string `json:"procedure_color,omitempty"`
	// Notes are clinical notes; nil (omitted) for financial users.
	Notes     *string   `json:"notes,omitempty"`
	Status    Status    `json:"status"`
	SeriesID  string    `json:"series_id,omitempty"`
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Events is the appointment's history, oldest first (Get only).
	Events []Event `json:"events,omitempty"`
}

// notes returns the appointment's notes ("" when hidden).
func (a *Appointment) notes() string {
	if a.Notes == nil {
		return ""
	}
	return *a.Notes
}

// Event kinds.
const (
	EventCreated     = "created"
	EventRescheduled = "rescheduled"
	EventStatus      = "status"
	EventUpdated     = "updated"
)

// Event is one entry of an appointment's history.
type Event struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Old and new times, professional and room (created, rescheduled).
	OldStartsAt       *time.Time `json:"old_starts_at,omitempty"`
	OldEndsAt         *time.Time `json:"old_ends_at,omitempty"`
	NewStartsAt       *time.Time `json:"new_starts_at,omitempty"`
	NewEndsAt         *time.Time `json:"new_ends_at,omitempty"`
	OldProfessionalID string     `json:"old_professional_id,omitempty"`
	NewProfessionalID string     `json:"new_professional_id,omitempty"`
	OldRoomID         string     `json:"old_room_id,omitempty"`
	NewRoomID         string     `json:"new_room_id,omitempty"`
	// Old and new status (created, status).
	OldStatus Status `json:"old_status,omitempty"`
	NewStatus Status `json:"new_status,omitempty"`
	// Changed names the fields an update changed (updated).
	Changed []string  `json:"changed,omitempty"`
	UserID  string    `json:"user_id,omitempty"`
	At      time.Time `json:"at"`
}

// Limits.
const (
	// MaxDuration is the longest appointment (a table constraint too).
	MaxDuration = 12 * time.Hour
	// MinDuration is the shortest appointment.
	MinDuration = 5 * time.Minute
	// MaxSeries is the most appointments one series creates.
	MaxSeries = 100
	// MaxListRange is the longest time range one list covers.
	MaxListRange = 62 * 24 * time.Hour
	// DefaultListLimit and MaxListLimit bound one page of a list.
	DefaultListLimit = 500
	MaxListLimit     = 1000

	maxProcedure = 200
	maxNotes     = 10000
)

// Service manages appointments.
type Service struct {
	db       *db.DB
	schedule *schedule.Service
	jobs     Enqueuer
	cache    cache.Cache // nil: agenda pages are not cached
	now      func() time.Time
	log      *slog.Logger
	onChange kernel.Listeners[Change]
	txHooks  []TxHook
}

// NewService returns a Service on d that checks working hours with sched and
// enqueues jobs with jobs (nil: no jobs are enqueued).
func NewService(d *db.DB, sched *schedule.Service, jobs Enqueuer, opts ...Option) *Service {
	s := &Service{db: d, schedule: sched, jobs: jobs, now: time.Now, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// manages reports whether r may book, reschedule and edit any appointment.
func manages(r kernel.Role) bool {
	return r == kernel.RoleOwner || r == kernel.RoleAdmin || r == kernel.RoleReceptionist
}

var (
	errNotFound      = apperr.New(apperr.NotFound, "Appointment not found.")
	errReadOnly      = apperr.New(apperr.Forbidden, "Your role cannot change appointments.")
	errOverrideHours = apperr.New(apperr.Forbidden, "Only owners, admins and receptionists can book outside working hours.")
	errOwnNotesOnly  = apperr.New(apperr.Forbidden, "Professionals can change only the status and notes of their own appointments.")
	errChanged       = apperr.New(apperr.Conflict, "The appointment was changed by someone else meanwhile. Reload it and try again.")
)

// visible reports whether p may see a (a professional sees only their own).
func visible(p kernel.Principal, a *Appointment) bool {
	switch {
	case p.Role == kernel.RoleProfessional:
		return p.UserID != "" && a.professionalUserID == p.UserID
	case p.Role.Valid():
		return true
	default:
		return false
	}
}

// present hides what p may not read (notes for financial users).
func present(p kernel.Principal, a *Appointment) {
	if p.Role == kernel.RoleFinancial {
		a.Notes = nil
	}
}
