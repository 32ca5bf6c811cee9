package appointment

import "time"

// SlotFreedArgs is the job enqueued (in the same transaction) whenever an
// appointment stops occupying its time: cancelled, marked no-show, or
// rescheduled away. The waitlist works it to find patients for the slot.
//
// The job is unique per appointment and start (the fields tagged
// river:"unique"): enqueuing the same freed slot twice makes one job.
type SlotFreedArgs struct {
	ClinicID       string    `json:"clinic_id"`
	AppointmentID  string    `json:"appointment_id" river:"unique"`
	ProfessionalID string    `json:"professional_id"`
	RoomID         string    `json:"room_id,omitempty"`
	StartsAt       time.Time `json:"starts_at" river:"unique"`
	EndsAt         time.Time `json:"ends_at"`
}

// Kind implements river.JobArgs.
func (SlotFreedArgs) Kind() string { return "appointment_slot_freed" }
