package waitlist

import (
	"context"
	"time"

	"clinic/internal/account"
	"clinic/internal/appointment"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Appointments is what the waitlist asks of the appointment service
// (*appointment.Service) to book an accepted offer.
type Appointments interface {
	Create(ctx context.Context, p kernel.Principal, in appointment.CreateInput) (appointment.Appointment, error)
	Get(ctx context.Context, p kernel.Principal, id string) (appointment.Appointment, error)
}

// OfferTxHook adds another package's writes to the transaction that
// records an offer (package reminder plans the offer's message this way):
// they commit with the offer or not at all. It must only write through w;
// an error rolls the offer back.
type OfferTxHook func(ctx context.Context, w appointment.Writer, o Offer) error

// OfferTime returns how long the patient of a new offer of the clinic has
// the slot alone, before it is offered to the next patient as well.
type OfferTime func(ctx context.Context, clinicID string) (time.Duration, error)

// DefaultOfferTime is the exclusive time of an offer without WithOfferTime.
const DefaultOfferTime = 2 * time.Hour

// Option configures a Service, a SlotFreedWorker or an OfferNextWorker.
type Option func(*settings)

type settings struct {
	zones     Zones
	now       func() time.Time
	offerTime OfferTime
	onOffer   []OfferTxHook
	jobs      appointment.Enqueuer
	appts     Appointments
}

// WithZones sets where clinics' time zones are read; default an
// account.Store on the database.
func WithZones(z Zones) Option { return func(s *settings) { s.zones = z } }

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(s *settings) { s.now = now } }

// WithOfferTime sets the exclusive time of a clinic's offers (package app
// reads the clinic's reminder policy); default DefaultOfferTime.
func WithOfferTime(f OfferTime) Option { return func(s *settings) { s.offerTime = f } }

// OnOfferTx adds h to the hooks run inside the transaction of every offer
// recorded.
func OnOfferTx(h OfferTxHook) Option { return func(s *settings) { s.onOffer = append(s.onOffer, h) } }

// WithJobs sets the queue the cascade's next steps (OfferNextArgs) are
// inserted in, in the transaction of each offer. Without it a slot is
// offered to its first patient only.
func WithJobs(q appointment.Enqueuer) Option { return func(s *settings) { s.jobs = q } }

// WithAppointments sets the appointment service AcceptOffer books through.
// That service must run Service.BookingTx among its transaction hooks
// (appointment.WithTxHook), so that the booking and the accepted offer
// commit together.
func WithAppointments(a Appointments) Option { return func(s *settings) { s.appts = a } }

func settingsOf(d *db.DB, opts []Option) settings {
	s := settings{zones: account.NewStore(d), now: time.Now}
	for _, o := range opts {
		o(&s)
	}
	raw := s.now
	s.now = func() time.Time { return db.Time(raw()) } // for storage
	return s
}

// exclusive returns the offer time of the clinic.
func (s *settings) exclusive(ctx context.Context, clinicID string) (time.Duration, error) {
	if s.offerTime == nil {
		return DefaultOfferTime, nil
	}
	d, err := s.offerTime(ctx, clinicID)
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return DefaultOfferTime, nil
	}
	return d, nil
}
