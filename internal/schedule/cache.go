package schedule

import (
	"context"
	"fmt"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
)

// Cache lifetimes. The state entry outlives the availability answers so that
// they are not orphaned early; it also bounds how long a changed clinic time
// zone takes to reach availability (unless InvalidateAvailability is called).
const (
	availabilityTTL = time.Minute
	stateTTL        = 5 * time.Minute
)

// stateKey is the cache key (under the clinic prefix) of the clinic's state.
const stateKey = "schedule:state"

// clinicState is what availability needs of a clinic before it can look an
// answer up: the current cache generation and the time zone.
type clinicState struct {
	Gen      string `json:"gen"`
	TimeZone string `json:"tz"`
}

// tenantCache returns the cache view of one clinic (keys prefixed with its
// id, as in package account).
func (s *Service) tenantCache(clinicID string) cache.Cache {
	return cache.ForTenant(s.cache, clinicID)
}

// state returns the clinic's state from the cache, starting a new
// generation when there is none. When the cache cannot answer, it reads the
// time zone from the database and returns an empty Gen: the caller must then
// not cache anything.
func (s *Service) state(ctx context.Context, clinicID string) (clinicState, error) {
	if !kernel.IsID(clinicID) {
		return clinicState{}, notFound("Clinic")
	}
	st, err := cache.LoadJSON(ctx, s.tenantCache(clinicID), stateKey, stateTTL, func(ctx context.Context) (clinicState, error) {
		return s.loadState(ctx, clinicID)
	})
	switch {
	case err == nil:
		return st, nil
	case st.TimeZone != "":
		// Loaded but not stored: usable, but not as a generation.
		return clinicState{TimeZone: st.TimeZone}, nil
	case apperr.Is(err, apperr.Unavailable):
		st, err = s.loadState(ctx, clinicID)
		return clinicState{TimeZone: st.TimeZone}, err
	default:
		return clinicState{}, err
	}
}

func (s *Service) loadState(ctx context.Context, clinicID string) (clinicState, error) {
	loc, err := s.clinicZones.ClinicZone(ctx, clinicID)
	if err != nil {
		return clinicState{}, err // NotFound for an unknown clinic
	}
	return clinicState{Gen: newID(), TimeZone: loc.String()}, nil
}

// Location returns the clinic's time zone, from its one source (account's
// cached clinic settings, which bookings do not invalidate). NotFound for an
// unknown clinic.
func (s *Service) Location(ctx context.Context, clinicID string) (*time.Location, error) {
	if !kernel.IsID(clinicID) {
		return nil, notFound("Clinic")
	}
	return s.clinicZones.ClinicZone(ctx, clinicID)
}

func (s *Service) zone(name string) (*time.Location, error) {
	if l, ok := s.zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("schedule: clinic time zone %q: %w", name, err)
	}
	s.zones.Store(name, l)
	return l, nil
}

// InvalidateAvailability drops every cached availability answer of the
// clinic, on every server sharing the cache, by ending the clinic's cache
// generation (the next state reads the clinic's zone again). Call it after
// any change that can change availability, once the change is committed:
// working hours, exceptions, professionals, the clinic's time zone, and
// appointments booked, moved or cancelled. The zone is read from account's
// cached settings, which bookings leave alone, so a new state costs no
// database read. It returns an error only when the cache could not be reached.
func (s *Service) InvalidateAvailability(ctx context.Context, clinicID string) error {
	if err := s.tenantCache(clinicID).Delete(ctx, stateKey); err != nil {
		return fmt.Errorf("schedule: invalidate availability: %w", err)
	}
	return nil
}
