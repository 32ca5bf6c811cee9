package waitlist

import (
	"context"
	"time"
)

// Zones gives a clinic's time zone: account.Service (cached) or
// account.Store. NotFound for an unknown clinic.
type Zones interface {
	ClinicZone(ctx context.Context, clinicID string) (*time.Location, error)
}
