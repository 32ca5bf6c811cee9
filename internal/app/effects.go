package app

import (
	"context"

	"clinic/internal/account"
	"clinic/internal/patient"
	"clinic/internal/schedule"
)

// Cross-service effects of committed writes. A service tells its listeners
// (set at construction: account.OnClinicChange, patient.OnChange,
// schedule.OnProfessionalChange, OnProcedureChange and OnRoomChange) after
// a write commits, and these methods
// drop what other services cached of the data changed, so that the agenda
// and availability show it at once, whoever made the change (the API, the
// demo, jobs, a web UI).
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

// clinicChanged: working hours are clinic-local and the agenda is shown in
// the clinic's zone, so a new time zone ends both caches.
func (a *App) clinicChanged(ctx context.Context, c account.ClinicChange) {
	if !c.TimeZone {
		return
	}
	a.invalidateAvailability(ctx, c.ClinicID)
	a.Appointments.InvalidateAgenda(ctx, c.ClinicID)
}

// patientChanged: the agenda shows patients' names, and an archived patient
// leaves it.
func (a *App) patientChanged(ctx context.Context, c patient.Change) {
	a.Appointments.InvalidateAgenda(ctx, c.ClinicID)
}

// professionalChanged: the agenda shows professionals' names and colours
// (schedule invalidates its own availability).
func (a *App) professionalChanged(ctx context.Context, c schedule.ProfessionalChange) {
	if c.Created {
		return // nothing in the agenda names a professional that did not exist
	}
	a.Appointments.InvalidateAgenda(ctx, c.ClinicID)
}

// procedureChanged: the agenda shows procedures' names (as booked, in the
// appointment) and colours (the procedure's own).
func (a *App) procedureChanged(ctx context.Context, c schedule.ProcedureChange) {
	if c.Created {
		return // no appointment names a procedure that did not exist
	}
	a.Appointments.InvalidateAgenda(ctx, c.ClinicID)
}

// roomChanged: the agenda shows rooms' names (schedule invalidates its own
// availability).
func (a *App) roomChanged(ctx context.Context, c schedule.RoomChange) {
	a.Appointments.InvalidateAgenda(ctx, c.ClinicID)
}

// invalidateAvailability ends the clinic's availability generation, logging
// a failure (see above).
func (a *App) invalidateAvailability(ctx context.Context, clinicID string) {
	if err := a.Schedule.InvalidateAvailability(ctx, clinicID); err != nil {
		a.Log.WarnContext(ctx, "app: invalidate availability after a committed change", "clinic_id", clinicID, "err", err)
	}
}
