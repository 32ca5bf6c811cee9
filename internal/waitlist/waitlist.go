// Package waitlist keeps patients waiting for a slot and offers them freed
// slots, in the order they joined.
//
// An Entry is a patient waiting for one professional (or any, when
// ProfessionalID is nil) on a date range and, optionally, a daily time window
// in the clinic's local time. When an appointment stops occupying its time
// (cancelled, no-show, rescheduled away), the appointment service enqueues an
// appointment.SlotFreedArgs job; SlotFreedWorker works it: it records an
// Offer of the slot to the oldest waiting entry that fits it and marks that
// entry offered. Sending the offer is the notifications' job.
package waitlist

import (
	"fmt"
	"time"

	"clinic/internal/platform/db"
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

// OfferStatus is where an offer stands. Pending and sent offers are open: a
// slot with an open offer is not offered again.
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
	Earliest        *ClockTime `json:"earliest"`
	Latest          *ClockTime `json:"latest"`
	DurationMinutes int        `json:"duration_minutes"`
	Notes           string     `json:"notes"`
	Status          Status     `json:"status"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// Offer is a freed slot offered to an entry's patient.
type Offer struct {
	ID               string      `json:"id"`
	EntryID          string      `json:"entry_id"`
	ProfessionalID   string      `json:"professional_id"`
	ProfessionalName string      `json:"professional_name"`
	StartsAt         time.Time   `json:"starts_at"`
	EndsAt           time.Time   `json:"ends_at"`
	Status           OfferStatus `json:"status"`
	CreatedAt        time.Time   `json:"created_at"`
}

// ClockTime is a clinic-local time of day in minutes since midnight, from 0
// ("00:00") to 1440 ("24:00", the end of the day). It reads and writes JSON
// as "HH:MM".
type ClockTime int

// ParseClockTime parses "HH:MM" (00:00 to 24:00).
func ParseClockTime(s string) (ClockTime, error) {
	bad := fmt.Errorf("waitlist: clock time %q: want HH:MM", s)
	if len(s) != 5 || s[2] != ':' {
		return 0, bad
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, bad
		}
	}
	h, m := int(s[0]-'0')*10+int(s[1]-'0'), int(s[3]-'0')*10+int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, bad
	}
	return ClockTime(h*60 + m), nil
}

// String formats c as "HH:MM".
func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// MarshalText implements encoding.TextMarshaler.
func (c ClockTime) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *ClockTime) UnmarshalText(b []byte) error {
	v, err := ParseClockTime(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
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

// nowFunc returns the current time for storage.
func nowFunc() time.Time { return db.Time(time.Now()) }
