package waitlist

import (
	"context"
	"time"

	"clinic/internal/account"
	"clinic/internal/platform/db"
)

// Zones gives a clinic's time zone: account.Service (cached) or
// account.Store. NotFound for an unknown clinic.
type Zones interface {
	ClinicZone(ctx context.Context, clinicID string) (*time.Location, error)
}

// Option configures a Service or a SlotFreedWorker.
type Option func(*settings)

type settings struct{ zones Zones }

// WithZones sets where clinics' time zones are read; default an
// account.Store on the database.
func WithZones(z Zones) Option { return func(s *settings) { s.zones = z } }

func settingsOf(d *db.DB, opts []Option) settings {
	s := settings{zones: account.NewStore(d)}
	for _, o := range opts {
		o(&s)
	}
	return s
}
