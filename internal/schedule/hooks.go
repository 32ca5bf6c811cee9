package schedule

import (
	"context"
	"log/slog"
	"time"
)

// ProfessionalChange is a committed write to a professional, as the
// service's listeners see it: a new professional, or a change of one (its
// name or colour, as the agenda shows them, or its deactivation).
type ProfessionalChange struct {
	ClinicID       string
	ProfessionalID string
	// Created is set for a new professional.
	Created bool
}

// ProcedureChange is a committed write to a procedure: a new one, or a
// change of one (its name or colour, as the agenda shows them, its length,
// whether it is offered online, or its deactivation).
type ProcedureChange struct {
	ClinicID    string
	ProcedureID string
	// Created is set for a new procedure.
	Created bool
}

// RoomChange is a committed change of a room: its name (as the agenda
// shows it) or its deactivation.
type RoomChange struct {
	ClinicID string
	RoomID   string
}

// Option configures a Service.
type Option func(*Service)

// OnProfessionalChange adds fn to the functions called after each committed
// creation or update of a professional, in order, before the service method
// returns (so that its caller sees the effect at once). fn runs after the
// commit: it cannot fail the write and must handle (log) its own errors. Its
// ctx is not cancelled with the caller's. Package app wires it to the
// agenda's cache (the agenda shows professionals' names). The service's own
// availability cache needs no listener: it is invalidated by the service.
func OnProfessionalChange(fn func(ctx context.Context, c ProfessionalChange)) Option {
	return func(s *Service) { s.onProfessional = append(s.onProfessional, fn) }
}

// OnProcedureChange adds fn to the functions called after each committed
// creation or update of a procedure, on the terms of OnProfessionalChange.
// Package app wires it to the agenda's cache (the agenda shows procedures'
// names and colours).
func OnProcedureChange(fn func(ctx context.Context, c ProcedureChange)) Option {
	return func(s *Service) { s.onProcedure = append(s.onProcedure, fn) }
}

// OnRoomChange adds fn to the functions called after each committed update
// of a room, on the terms of OnProfessionalChange. Package app wires it to
// the agenda's cache (the agenda shows rooms' names).
func OnRoomChange(fn func(ctx context.Context, c RoomChange)) Option {
	return func(s *Service) { s.onRoom = append(s.onRoom, fn) }
}

// Zones gives a clinic's time zone: account.Service (cached) or
// account.Store. NotFound for an unknown clinic.
type Zones interface {
	ClinicZone(ctx context.Context, clinicID string) (*time.Location, error)
}

// WithZones sets where the service reads clinics' time zones; default an
// account.Store on the service's database.
func WithZones(z Zones) Option { return func(s *Service) { s.clinicZones = z } }

// WithLogger sets the logger of failures that do not fail a call (an
// after-commit cache invalidation); default slog.Default().
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// professionalChanged tells the listeners about a committed change and ends
// the clinic's availability generation.
func (s *Service) professionalChanged(ctx context.Context, c ProfessionalChange) {
	ctx = context.WithoutCancel(ctx)
	s.availabilityChanged(ctx, c.ClinicID)
	s.directoryChanged(ctx, c.ClinicID)
	s.onProfessional.Notify(ctx, c)
}

// availabilityChanged invalidates the clinic's cached availability after a
// committed change. A failure is logged, not returned: the change is
// committed, and answering an error would make the caller believe it was
// not (and retry it). The cache heals by itself: an answer lives at most
// availabilityTTL, so a missed invalidation is stale for at most that long
// (and a missed time-zone change for at most stateTTL); an unreachable Redis
// serves nothing stale meanwhile (see cache.Tiered).
func (s *Service) availabilityChanged(ctx context.Context, clinicID string) {
	if err := s.InvalidateAvailability(context.WithoutCancel(ctx), clinicID); err != nil {
		s.log.WarnContext(ctx, "schedule: invalidate availability after a committed change", "clinic_id", clinicID, "err", err)
	}
}
