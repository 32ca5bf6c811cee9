// Package waitlist keeps patients waiting for a slot and offers them freed
// slots, in the order they joined; the first patient to accept gets the
// slot.
//
// An Entry is a patient waiting for one professional (or any, when
// ProfessionalID is nil) on a date range and, optionally, a daily time window
// in the clinic's local time.
//
// # Offers
//
// When an appointment stops occupying its time (cancelled, no-show,
// rescheduled away), the appointment service enqueues an
// appointment.SlotFreedArgs job; SlotFreedWorker works it: in one
// transaction it opens the slot's cascade (a waitlist_slots row: one open
// per professional and start), records an Offer of the slot to the oldest
// waiting entry that fits it, marks that entry offered, runs the OnOfferTx
// hooks (package app wires reminder.Service.PlanOffer: the message with
// the patient's link) and inserts the cascade's next step, an
// OfferNextArgs job scheduled when the offer's exclusive time ends (the
// clinic's offer time, WithOfferTime). The patient has the slot alone
// until then.
//
// Each step (OfferNextWorker) runs once (unique job, and a step counter
// on the slot): while the slot is free and has not started, it offers the
// slot to the next fitting entry that has not been offered it, and
// schedules the next step one offer time later (or at the slot's start);
// when nobody else fits, it looks again at least an hour apart while
// earlier offers are open, and closes the slot when none is. Earlier
// offers stay open: whoever accepts first gets the slot. A slot that is
// taken, or starts, closes: its open offers expire and their entries wait
// again (a slot taken by a booking that is no accept closes at the
// cascade's next step; meanwhile Offer reports its offers closed).
//
// AcceptOffer books the slot for the offer's patient through the
// appointment service (as the system principal "patient"), whose
// no-double-booking rule arbitrates between patients accepting at once:
// the booking's transaction (BookingTx, a hook of the appointment service)
// marks the offer accepted and the entry booked and closes the slot. Any
// other patient then gets a Conflict and stays on the waitlist, waiting
// (never offered that slot again).
//
// # Tables
//
// Tables: waitlist_entries, waitlist_offers, waitlist_slots.
package waitlist

import (
	"time"

	"clinic/internal/schedule"
)

// Status is where an entry stands.
type Status string

// Entry statuses. Only waiting entries receive offers; waiting and offered
// entries are listed.
const (
	StatusWaiting Status = "waiting"
	StatusOffered Status = "offered"
	StatusBooked  Status = "booked"
	StatusRemoved Status = "removed"
)

// OfferStatus is where an offer stands. Pending and sent offers are open:
// the patient may still accept them (while the slot is free and has not
// started).
type OfferStatus string

// Offer statuses.
const (
	OfferPending  OfferStatus = "pending"
	OfferSent     OfferStatus = "sent"
	OfferAccepted OfferStatus = "accepted"
	OfferDeclined OfferStatus = "declined"
	OfferExpired  OfferStatus = "expired"
)

// Entry is a patient on the waitlist.
type Entry struct {
	ID          string `json:"id"`
	PatientID   string `json:"patient_id"`
	PatientName string `json:"patient_name"`
	// ProfessionalID is nil when any professional will do.
	ProfessionalID   *string `json:"professional_id"`
	ProfessionalName *string `json:"professional_name"`
	// FromDate and ToDate (inclusive) are clinic-local dates, YYYY-MM-DD.
	FromDate string `json:"from_date"`
	ToDate   string `json:"to_date"`
	// Earliest and Latest bound the slot's clinic-local times ("HH:MM",
	// Latest may be "24:00"); nil leaves that side open.
	Earliest        *schedule.Clock `json:"earliest"`
	Latest          *schedule.Clock `json:"latest"`
	DurationMinutes int             `json:"duration_minutes"`
	Notes           string          `json:"notes"`
	Status          Status          `json:"status"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
}

// Offer is a freed slot offered to an entry's patient.
type Offer struct {
	ID               string      `json:"id"`
	ClinicID         string      `json:"-"`
	EntryID          string      `json:"entry_id"`
	PatientID        string      `json:"patient_id"`
	ProfessionalID   string      `json:"professional_id"`
	ProfessionalName string      `json:"professional_name"`
	StartsAt         time.Time   `json:"starts_at"`
	EndsAt           time.Time   `json:"ends_at"`
	Status           OfferStatus `json:"status"`
	// ExclusiveUntil is when the slot is offered to the next patient as
	// well (nil for offers made before the cascade existed).
	ExclusiveUntil *time.Time `json:"exclusive_until"`
	// AppointmentID is the appointment booked when the patient accepted.
	AppointmentID string    `json:"appointment_id,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

// dateLayout is the layout of dates (clinic-local calendar days).
const dateLayout = time.DateOnly

// localDay returns the clinic-local date of t and the minutes since that
// date's local midnight of t's wall clock.
func localDay(t time.Time, loc *time.Location) (date string, minute int) {
	l := t.In(loc)
	return l.Format(dateLayout), l.Hour()*60 + l.Minute()
}

// slotWindow returns the clinic-local date of a slot and its start and end
// as wall-clock minutes since that date's midnight: the end may pass 1440
// when the slot ends on a later day. Wall-clock minutes are what entries'
// windows hold, so a slot on a daylight-saving day is compared by the times
// the clinic sees on its clocks.
func slotWindow(start, end time.Time, loc *time.Location) (date string, startMin, endMin int) {
	date, startMin = localDay(start, loc)
	endDate, endMin := localDay(end, loc)
	if endDate != date {
		d0, _ := time.Parse(dateLayout, date)
		d1, _ := time.Parse(dateLayout, endDate)
		endMin += int(d1.Sub(d0).Hours()/24) * 1440
	}
	return date, startMin, endMin
}
