package app

import (
	"context"
	"encoding/json"
	"time"

	"clinic/internal/account"
	"clinic/internal/appointment"
	"clinic/internal/patient"
	"clinic/internal/schedule"
)

// Cross-service effects of committed writes. A service tells its listeners
// (set at construction: account.OnClinicChange, patient.OnChange,
// schedule.OnProfessionalChange, OnProcedureChange and OnRoomChange,
// appointment.OnChange) after a write commits, and these methods drop what
// other services cached of the data changed, so that the agenda and
// availability show it at once, and tell the open agendas, whoever made the
// change (the API, the demo, jobs, a web UI).
//
// When an invalidation fails (an unreachable Redis), the write stays
// committed and its caller gets its success: answering an error for a
// committed write would make the caller retry it or believe it lost. The
// failure is logged, and the caches heal by themselves: both are keyed by a
// per-clinic generation that an invalidation ends, and every entry under a
// generation lives only briefly (appointment.AgendaTTL for agenda pages, a
// minute for availability answers, a few minutes for the clinic's zone in
// availability's state), so a missed invalidation is stale for that long at
// most. Meanwhile an unreachable Redis serves nothing (cache.Tiered bypasses
// its local layer while disconnected), so a blip rarely shows at all.
//
// Live agenda: every change an agenda shows is also published, after the
// caches are dropped, on the clinic's appointment.AgendaTopic as one
// agendaEvent, for the open agendas of every server (through PubSub) to
// reload what changed. A failed publish is logged too: open agendas miss
// that change until their next reload (the pub/sub keeps nothing anyway; a
// browser that lost its stream reloads when it reconnects).

// clinicChanged: working hours are clinic-local and the agenda is shown in
// the clinic's zone, so a new time zone ends both caches.
func (a *App) clinicChanged(ctx context.Context, c account.ClinicChange) {
	if !c.TimeZone {
		return
	}
	a.invalidateAvailability(ctx, c.ClinicID)
	a.Appointments.InvalidateAgenda(ctx, c.ClinicID)
	a.publishAgenda(ctx, c.ClinicID, agendaEvent{Kind: agendaClinic})
}

// patientChanged: the agenda shows patients' names, and an archived patient
// leaves it.
func (a *App) patientChanged(ctx context.Context, c patient.Change) {
	a.Appointments.InvalidateAgenda(ctx, c.ClinicID)
	a.publishAgenda(ctx, c.ClinicID, agendaEvent{Kind: agendaPatient, PatientID: c.PatientID})
}

// professionalChanged: the agenda shows professionals' names and colours
// (schedule invalidates its own availability), and a column per
// professional: open agendas hear of a new one too.
func (a *App) professionalChanged(ctx context.Context, c schedule.ProfessionalChange) {
	if !c.Created { // nothing cached names a professional that did not exist
		a.Appointments.InvalidateAgenda(ctx, c.ClinicID)
	}
	a.publishAgenda(ctx, c.ClinicID, agendaEvent{Kind: agendaProfessional, ProfessionalID: c.ProfessionalID})
}

// appointmentChanged: the appointment service dropped its own cached pages
// and availability; open agendas hear of the change.
func (a *App) appointmentChanged(ctx context.Context, c appointment.Change) {
	a.publishAgenda(ctx, c.ClinicID, agendaEvent{
		Kind: string(c.Kind), AppointmentID: c.AppointmentID, SeriesID: c.SeriesID, ProfessionalID: c.ProfessionalID,
		StartsAt: c.StartsAt, EndsAt: c.EndsAt, Status: string(c.Status),
		OldProfessionalID: c.OldProfessionalID, OldStartsAt: c.OldStartsAt, OldEndsAt: c.OldEndsAt,
	})
}

// Kinds of agendaEvent besides the appointment.ChangeKind values.
const (
	agendaPatient      = "patient"      // a patient's name changed, or they were archived
	agendaProfessional = "professional" // a professional was added or changed
	agendaClinic       = "clinic"       // the clinic's time zone changed
	agendaProcedure    = "procedure"    // a procedure was renamed or recoloured
	agendaRoom         = "room"         // a room was renamed or deactivated
)

// agendaEvent is the JSON payload published on appointment.AgendaTopic: what
// changed, for an open agenda to decide what to reload (an agenda that only
// reloads everything may read kind alone).
type agendaEvent struct {
	// Kind is an appointment.ChangeKind (created, rescheduled, status,
	// updated) or agendaPatient, agendaProfessional or agendaClinic.
	Kind           string `json:"kind"`
	AppointmentID  string `json:"appointment_id,omitempty"`
	SeriesID       string `json:"series_id,omitempty"`
	PatientID      string `json:"patient_id,omitempty"`
	ProfessionalID string `json:"professional_id,omitempty"`
	// StartsAt and EndsAt span what an appointment change touched (see
	// appointment.Change); Old… are where a rescheduled one was.
	StartsAt          time.Time `json:"starts_at,omitzero"`
	EndsAt            time.Time `json:"ends_at,omitzero"`
	Status            string    `json:"status,omitempty"`
	OldProfessionalID string    `json:"old_professional_id,omitempty"`
	OldStartsAt       time.Time `json:"old_starts_at,omitzero"`
	OldEndsAt         time.Time `json:"old_ends_at,omitzero"`
}

// publishAgenda publishes e to the clinic's open agendas, logging a failure
// (see above).
func (a *App) publishAgenda(ctx context.Context, clinicID string, e agendaEvent) {
	payload, err := json.Marshal(e)
	if err == nil {
		err = a.PubSub.Publish(ctx, appointment.AgendaTopic(clinicID), payload)
	}
	if err != nil {
		a.Log.WarnContext(ctx, "app: publish a committed change to the live agenda", "clinic_id", clinicID, "kind", e.Kind, "err", err)
	}
}

// procedureChanged: the agenda shows procedures' names (as booked, in the
// appointment) and colours (the procedure's own).
func (a *App) procedureChanged(ctx context.Context, c schedule.ProcedureChange) {
	if c.Created {
		return // no appointment names a procedure that did not exist
	}
	a.Appointments.InvalidateAgenda(ctx, c.ClinicID)
	a.publishAgenda(ctx, c.ClinicID, agendaEvent{Kind: agendaProcedure})
}

// roomChanged: the agenda shows rooms' names (schedule invalidates its own
// availability).
func (a *App) roomChanged(ctx context.Context, c schedule.RoomChange) {
	a.Appointments.InvalidateAgenda(ctx, c.ClinicID)
	a.publishAgenda(ctx, c.ClinicID, agendaEvent{Kind: agendaRoom})
}

// invalidateAvailability ends the clinic's availability generation, logging
// a failure (see above).
func (a *App) invalidateAvailability(ctx context.Context, clinicID string) {
	if err := a.Schedule.InvalidateAvailability(ctx, clinicID); err != nil {
		a.Log.WarnContext(ctx, "app: invalidate availability after a committed change", "clinic_id", clinicID, "err", err)
	}
}
