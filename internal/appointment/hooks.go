package appointment

import (
	"context"
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
	// ProfessionalID, StartsAt, EndsAt and Status are the appointment's
	// after the write. For a series, StartsAt is the start of the first
	// occurrence and EndsAt the end of the last: every occurrence lies
	// between them.
	ProfessionalID string
	StartsAt       time.Time
	EndsAt         time.Time
	Status         Status
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

// AgendaTopic is the pub/sub topic on which every change a clinic's agenda
// shows is announced (by package app, from OnChange and the other services'
// hooks), and to which the clinic's open agendas listen.
func AgendaTopic(clinicID string) string { return "agenda:" + clinicID }

// changeOf returns the Change of kind for a written appointment.
func changeOf(kind ChangeKind, a Appointment) Change {
	return Change{Kind: kind, ClinicID: a.ClinicID, AppointmentID: a.ID, SeriesID: a.SeriesID,
		ProfessionalID: a.ProfessionalID, StartsAt: a.StartsAt, EndsAt: a.EndsAt, Status: a.Status}
}
