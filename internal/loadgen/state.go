package loadgen

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// State is what seeding created: the clinics with their professionals,
// patients, appointments and users. Saved as JSON (SaveState), it lets a
// later run skip seeding (LoadState, then Login).
type State struct {
	// BaseURL is the server the state was seeded on (for the record: a run
	// may target another URL of the same deployment, such as nginx).
	BaseURL string   `json:"base_url"`
	Clinics []Clinic `json:"clinics"`
}

// Clinic is one seeded clinic.
type Clinic struct {
	ID       string `json:"id"`
	TimeZone string `json:"time_zone"`
	// FirstDay is the clinic-local date (YYYY-MM-DD) of slot 0 of every
	// professional; Days is how many days the seeded appointments span (the
	// agenda views and availability look at these days).
	FirstDay      string         `json:"first_day"`
	Days          int            `json:"days"`
	Professionals []Professional `json:"professionals"`
	Patients      []PatientRef   `json:"patients"`
	// Appointments are scheduled appointments, which status changes and
	// reschedules work on.
	Appointments []Appointment `json:"appointments"`
	Users        []User        `json:"users"`
}

// Professional is a seeded professional. NextSlot is the next slot of their
// working hours never handed out (see slotStart).
type Professional struct {
	ID       string `json:"id"`
	NextSlot int    `json:"next_slot"`
}

// Appointment is a seeded (or booked) appointment; Professional is the
// index of its professional in Clinic.Professionals.
type Appointment struct {
	ID           string `json:"id"`
	Professional int    `json:"professional"`
}

// PatientRef is a seeded patient.
type PatientRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// User is a staff user of a clinic: a virtual user of the run, with its own
// session (Cookie, set by Seed or Login, not saved).
type User struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Cookie   string `json:"-"`
}

// The seeded working hours: every day of the week, workStart to workStart +
// SlotsPerDay × slotLength, clinic-local.
const (
	SlotsPerDay = 20
	slotLength  = 30 * time.Minute
	workStart   = 8 * time.Hour
)

// slotStart returns when slot k of a professional starts: slots are handed
// out day by day from first (a clinic-local midnight), SlotsPerDay a day.
func slotStart(first time.Time, k int) time.Time {
	d := first.AddDate(0, 0, k/SlotsPerDay)
	return d.Add(workStart + time.Duration(k%SlotsPerDay)*slotLength)
}

// firstDay parses c.FirstDay in the clinic's time zone.
func (c *Clinic) firstDay() (time.Time, *time.Location, error) {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("clinic %s: time zone %q: %w", c.ID, c.TimeZone, err)
	}
	first, err := time.ParseInLocation(time.DateOnly, c.FirstDay, loc)
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("clinic %s: first_day %q: %w", c.ID, c.FirstDay, err)
	}
	return first, loc, nil
}

// LoadState reads a state file written by SaveState.
func LoadState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("load state %s: %w", path, err)
	}
	if len(st.Clinics) == 0 {
		return nil, fmt.Errorf("load state %s: no clinics", path)
	}
	return &st, nil
}

// SaveState writes st to path as JSON (it holds the users' passwords: the
// file is readable by its owner only).
func SaveState(path string, st *State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}
