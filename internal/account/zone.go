package account

import (
	"context"
	"fmt"
	"time"

	"clinic/internal/apperr"
)

// The clinic's time zone is read in one place: here. Other packages ask
// for it through a small interface of their own (schedule.Zones,
// waitlist.Zones) that package app fills with the Service (cached), and
// that defaults to a Store (a database read) where nothing is wired.

// ClinicZone returns the clinic's time zone from the database. NotFound for
// an unknown clinic.
func (s *Store) ClinicZone(ctx context.Context, clinicID string) (*time.Location, error) {
	c, err := s.Clinic(ctx, clinicID)
	if err != nil {
		return nil, err
	}
	return s.location(c.TimeZone)
}

// location returns the loaded zone of that name (LoadLocation reads the
// zone database on every call, so loaded zones are kept).
func (s *Store) location(name string) (*time.Location, error) {
	if l, ok := s.zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("account: clinic time zone %q: %w", name, err)
	}
	s.zones.Store(name, l)
	return l, nil
}

// ClinicZone returns the clinic's time zone, from the cached settings (see
// Clinic; a change through UpdateClinic shows at once, on every server).
// When the cache cannot answer, it reads the database. NotFound for an
// unknown clinic.
func (s *Service) ClinicZone(ctx context.Context, clinicID string) (*time.Location, error) {
	c, err := s.Clinic(ctx, clinicID)
	if apperr.Is(err, apperr.Unavailable) {
		return s.store.ClinicZone(ctx, clinicID)
	}
	if err != nil {
		return nil, err
	}
	return s.store.location(c.TimeZone)
}
