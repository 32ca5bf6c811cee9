package app

import (
	"context"
	"time"

	"clinic/internal/appointment"
	"clinic/internal/kernel"
	"clinic/internal/reminder"
	"clinic/internal/waitlist"
)

// The waitlist and the reminder service know nothing of each other: these
// adapters let the waitlist ask the clinic's offer time and plan an offer's
// message, and let the patient's link (reminder) take an offer.

// offerTime is the clinic's offer time: its reminder policy's OfferMinutes.
func (a *App) offerTime(ctx context.Context, clinicID string) (time.Duration, error) {
	p, err := a.Reminders.Policy(ctx, kernel.Principal{ClinicID: clinicID, Role: kernel.RoleReceptionist, System: kernel.SystemMessages})
	if err != nil {
		return 0, err
	}
	return time.Duration(p.OfferMinutes) * time.Minute, nil
}

// planOffer plans, in the transaction that records an offer, the message
// that takes it to the patient.
func (a *App) planOffer(ctx context.Context, w appointment.Writer, o waitlist.Offer) error {
	return a.Reminders.PlanOffer(ctx, w, reminder.Offer{ID: o.ID, ClinicID: o.ClinicID, PatientID: o.PatientID,
		ProfessionalID: o.ProfessionalID, StartsAt: o.StartsAt, EndsAt: o.EndsAt})
}

// waitlistOffers is the waitlist as the reminder service's reminder.Offers.
type waitlistOffers struct{ a *App }

var _ reminder.Offers = waitlistOffers{}

// Offer returns the offer with the times of the appointment it would book.
func (o waitlistOffers) Offer(ctx context.Context, clinicID, offerID string) (reminder.Offer, error) {
	st, err := o.a.Waitlist.Offer(ctx, clinicID, offerID)
	if err != nil {
		return reminder.Offer{}, err
	}
	pro, err := o.a.Schedule.Professional(ctx, clinicID, st.ProfessionalID)
	if err != nil {
		return reminder.Offer{}, err
	}
	return reminder.Offer{ID: st.ID, ClinicID: st.ClinicID, PatientID: st.PatientID, ProfessionalID: st.ProfessionalID,
		ProfessionalName: pro.Name, StartsAt: st.StartsAt, EndsAt: st.StartsAt.Add(time.Duration(st.DurationMinutes) * time.Minute),
		Open: st.Open}, nil
}

// AcceptOffer books the offer for its patient (Conflict when the slot is
// gone).
func (o waitlistOffers) AcceptOffer(ctx context.Context, clinicID, offerID string) (appointment.Appointment, error) {
	return o.a.Waitlist.AcceptOffer(ctx, clinicID, offerID)
}
