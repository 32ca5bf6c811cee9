package appointment

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ChangeKind says what a committed write did to an appointment. The kinds
// are those of the history's events.
type ChangeKind string

// The kinds of Change.
const (
	// ChangeCreated: a booking (one appointment, or a whole series).
	ChangeCreated ChangeKind = EventCreated
	// ChangeRescheduled: a new time, professional or room (perhaps with a
	// new procedure or notes in the same write).
	ChangeRescheduled ChangeKind = EventRescheduled
	// ChangeStatus: a new status, cancelled and no-show included.
	ChangeStatus ChangeKind = EventStatus
	// ChangeUpdated: a new procedure or new notes, in the same place.
	ChangeUpdated ChangeKind = EventUpdated
)

// Change is a committed write to the appointments of a clinic, as its
// listeners see it: one per write, whatever the number of appointments it
// wrote.
type Change struct {
	Kind     ChangeKind
	ClinicID string
	// AppointmentID is the appointment written; for a series, its first
	// occurrence (SeriesID names them all).
	AppointmentID string
	SeriesID      string
	// PatientID is the appointment's patient.
	PatientID string
	// ProfessionalID, StartsAt, EndsAt and Status are the appointment's
	// after the write. For a series, StartsAt is the start of the first
	// occurrence and EndsAt the end of the last: every occurrence lies
	// between them.
	ProfessionalID string
	// ProcedureID is the appointment's procedure after the write ("" for a
	// free-text procedure); package billing prices the completed visit.
	ProcedureID string
	StartsAt    time.Time
	EndsAt      time.Time
	Status      Status
	// OldProfessionalID, OldStartsAt and OldEndsAt are where a rescheduled
	// appointment was (ChangeRescheduled only).
	OldProfessionalID string
	OldStartsAt       time.Time
	OldEndsAt         time.Time
}

// OnChange adds fn to the functions called after each committed booking
// (single or series), reschedule, status change (cancel and no-show
// included) and edit of an appointment, once per write, in order, before the
// service method returns and after the service dropped its own cached
// agenda pages (so that whoever fn tells reads the change at once). A write
// that is refused, or that changes nothing, calls nothing. fn runs after the
// commit: it cannot fail the write, and must handle (log) its own errors.
// Its ctx is not cancelled with the caller's. Package app wires it to the
// live agenda (see AgendaTopic).
func OnChange(fn func(ctx context.Context, c Change)) Option {
	return func(s *Service) { s.onChange = append(s.onChange, fn) }
}

// Writer queues a statement of a write's transaction (a batch: TxHooks
// write, they never read).
type Writer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// TxHook adds another package's writes to the transaction of an appointment
// write, so that they commit with it or not at all (package reminder plans
// an appointment's messages this way). It is called once per appointment
// written, for a booking (each occurrence of a series), a reschedule (with
// the old place in OldStartsAt…) and a status change, with the Change as
// it will be after the commit. It must only queue writes on w; an error
// rolls the whole write back.
type TxHook func(ctx context.Context, w Writer, c Change) error

// WithTxHook adds h to the hooks run inside every appointment write.
func WithTxHook(h TxHook) Option {
	return func(s *Service) { s.txHooks = append(s.txHooks, h) }
}

// runTxHooks runs the TxHooks for c on w.
func (s *Service) runTxHooks(ctx context.Context, w Writer, c Change) error {
	for _, h := range s.txHooks {
		if err := h(ctx, w, c); err != nil {
			return fmt.Errorf("appointment: %s hook: %w", c.Kind, err)
		}
	}
	return nil
}

// AgendaTopic is the pub/sub topic on which every change a clinic's agenda
// shows is announced (by package app, from OnChange and the other services'
// hooks), and to which the clinic's open agendas listen.
func AgendaTopic(clinicID string) string { return "agenda:" + clinicID }

// changeOf returns the Change of kind for a written appointment.
func changeOf(kind ChangeKind, a Appointment) Change {
	return Change{Kind: kind, ClinicID: a.ClinicID, AppointmentID: a.ID, SeriesID: a.SeriesID, PatientID: a.PatientID,
		ProfessionalID: a.ProfessionalID, ProcedureID: a.ProcedureID, StartsAt: a.StartsAt, EndsAt: a.EndsAt, Status: a.Status}
}
