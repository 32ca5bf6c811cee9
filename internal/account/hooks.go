package account

import (
	"context"
	"log/slog"
)

// ClinicChange is a committed change of a clinic's settings, as the
// service's listeners see it.
type ClinicChange struct {
	ClinicID string
	// TimeZone is set when the clinic's time zone changed: working hours
	// and the agenda are clinic-local, so what other services cached in the
	// old zone is stale.
	TimeZone bool
	// Locale is set when the clinic's interface language changed.
	Locale bool
	// Name is set when the clinic's name changed.
	Name bool
	// PublicPage is set when what the public booking page shows changed
	// (whether it is open, the address, the phone).
	PublicPage bool
}

// Option configures a Service.
type Option func(*Service)

// OnClinicChange adds fn to the functions called after each committed
// change of a clinic's settings, in order, before UpdateClinic returns (so
// that its caller sees the effect at once). fn runs after the commit: it
// cannot fail the write and must handle (log) its own errors. Its ctx is not
// cancelled with the caller's. Package app wires it to the availability and
// agenda caches.
func OnClinicChange(fn func(ctx context.Context, c ClinicChange)) Option {
	return func(s *Service) { s.onClinic = append(s.onClinic, fn) }
}

// WithLogger sets the logger of failures that do not fail a call (an
// after-commit cache invalidation); default slog.Default().
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// clinicChanged drops the cached settings and tells the listeners, after a
// committed change. A failure to drop the cached copy is logged, not
// returned: the change is committed, and an error would make the caller
// believe it was not. The copy then expires within clinicTTL.
func (s *Service) clinicChanged(ctx context.Context, c ClinicChange) {
	ctx = context.WithoutCancel(ctx)
	if err := s.tenantCache(c.ClinicID).Delete(ctx, "clinic"); err != nil {
		s.log.WarnContext(ctx, "account: drop cached clinic settings after a committed change", "clinic_id", c.ClinicID, "err", err)
	}
	s.onClinic.Notify(ctx, c)
}
