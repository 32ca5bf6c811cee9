// Package analytics computes a clinic's indicators ("Indicadores") over a
// range of clinic-local dates: appointments per day by status, the no-show,
// cancellation and confirmation-after-reminder rates, occupancy, new and
// returning patients and, when billing is wired, revenue per professional
// and procedure. It owns no table: each owner answers its own part with
// an aggregate read done in SQL (appointment.DailyStats and Patients;
// schedule.Capacity; reminder.Confirmations; the billing revenue function
// given WithRevenue), and this package puts them together.
//
// # Definitions
//
// The range is from From to To inclusive, local dates in the clinic's time
// zone; an appointment belongs to the local day it starts on.
//
//   - Appointments: every appointment starting in the range, in any status.
//   - Due: appointments not cancelled that had started by the time of the
//     report (future ones cannot be missed yet).
//   - No-show rate: no-shows ÷ due appointments.
//   - Cancellation rate: cancelled ÷ appointments.
//   - Confirmation rate after reminders: of the appointments whose first
//     reminder went out (sent, delivered or read) while they were not yet
//     confirmed, the share first confirmed at or after it: first changed to
//     confirmed, arrived, in progress or completed (a patient's answer to
//     the reminder confirms through that same change). Appointments
//     confirmed before any reminder are left out of both counts.
//   - Occupancy: booked minutes ÷ available minutes. Booked: the length of
//     the appointments not cancelled (a no-show held its time). Available:
//     the working hours of the active professionals (or of the one
//     filtered), minus time off, plus extra hours. Squeeze-ins booked
//     outside the working hours can take it above 100 %.
//   - New patients: patients with an appointment in the range (not
//     cancelled) whose first-ever appointment at the clinic that was not
//     cancelled falls in the range; returning: the others seen in it.
//   - Revenue: amounts charged and received, per professional and
//     procedure, as billing reports them (integer cents).
//
// # Roles
//
// Owners, admins and financial users see the clinic's indicators;
// revenue only owners and financial users. A professional sees only their
// own figures (the professional filter is theirs; another's is
// forbidden) and no revenue. Receptionists do not see reports (forbidden).
package analytics

import (
	"context"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/kernel"
	"clinic/internal/reminder"
	"clinic/internal/schedule"
)

// RevenueRow is what billing charged and received on one clinic-local day
// (Date, YYYY-MM-DD) for one professional and procedure ("" when none), in
// cents.
type RevenueRow struct {
	ProfessionalID string
	ProcedureID    string
	Date           string
	ChargedCents   int64
	ReceivedCents  int64
}

// RevenueFunc reports revenue rows for the clinic from from to to
// (instants: the local midnights that bound the range), role-checked by
// its owner (package billing).
type RevenueFunc func(ctx context.Context, p kernel.Principal, clinicID string, from, to time.Time) ([]RevenueRow, error)

// Reminders answers the confirmation after reminders (ReminderStats
// adapts *reminder.Service).
type Reminders interface {
	// Confirmations counts, of the appointments starting in [from, to)
	// (of the professional and procedure, "" for all) that were not yet
	// confirmed when their first reminder went out, the reminded and the
	// confirmed after it.
	Confirmations(ctx context.Context, p kernel.Principal, from, to time.Time, professionalID, procedureID string) (reminded, confirmed int, err error)
}

// ReminderStats adapts *reminder.Service to Reminders.
func ReminderStats(r *reminder.Service) Reminders { return reminderStats{r} }

type reminderStats struct{ r *reminder.Service }

func (s reminderStats) Confirmations(ctx context.Context, p kernel.Principal, from, to time.Time, professionalID, procedureID string) (int, int, error) {
	c, err := s.r.Confirmations(ctx, p, from, to, professionalID, procedureID)
	return c.Reminded, c.Confirmed, err
}

// Option configures a Service.
type Option func(*Service)

// WithRevenue makes reports include revenue from f (billing's Revenue).
// Without it, reports have no revenue.
func WithRevenue(f RevenueFunc) Option { return func(s *Service) { s.revenue = f } }

// WithReminders makes reports include the confirmation rate after
// reminders. Without it, that rate is absent.
func WithReminders(r Reminders) Option { return func(s *Service) { s.reminders = r } }

// WithClock sets the service's clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// Service computes reports.
type Service struct {
	appointments *appointment.Service
	schedule     *schedule.Service
	reminders    Reminders
	revenue      RevenueFunc
	now          func() time.Time
}

// NewService returns a Service reading appointments and schedules.
func NewService(appts *appointment.Service, sched *schedule.Service, opts ...Option) *Service {
	s := &Service{appointments: appts, schedule: sched, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// HasRevenue reports whether reports can include revenue (WithRevenue).
func (s *Service) HasRevenue() bool { return s.revenue != nil }

// MaxDays is the longest range of a report, in days.
const MaxDays = 366

// Query selects a report: From and To are clinic-local dates YYYY-MM-DD,
// inclusive ("" for both: the last 30 days up to today); ProfessionalID
// and ProcedureID filter ("" for all).
type Query struct {
	From, To       string
	ProfessionalID string
	ProcedureID    string
}

var (
	errReceptionist = apperr.New(apperr.Forbidden, "Receptionists do not see reports.")
	errOtherProf    = apperr.New(apperr.Forbidden, "Professionals see only their own figures.")
	errNoProf       = apperr.New(apperr.Forbidden, "Your user is not linked to a professional, so there are no figures of your own.")
	errRole         = apperr.New(apperr.Forbidden, "Your role cannot see reports.")
)

// SeesRevenue reports whether role r sees revenue.
func SeesRevenue(r kernel.Role) bool { return r == kernel.RoleOwner || r == kernel.RoleFinancial }

// SeesReports reports whether role r may open the indicators at all.
func SeesReports(r kernel.Role) bool {
	switch r {
	case kernel.RoleOwner, kernel.RoleAdmin, kernel.RoleFinancial, kernel.RoleProfessional:
		return true
	}
	return false
}

// Range returns the local dates and their bounding instants of q in loc,
// defaults applied: today is now's local date.
func (q *Query) resolve(loc *time.Location, now time.Time) (from, to time.Time, err error) {
	fields := map[string]string{}
	today := now.In(loc)
	if q.From == "" && q.To == "" {
		t := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
		q.From, q.To = t.AddDate(0, 0, -29).Format(time.DateOnly), t.Format(time.DateOnly)
	}
	var f, t time.Time
	var msg string
	if q.From == "" {
		fields["from"] = "Required with to."
	} else if f, msg = kernel.ParseDate(q.From, "Must be a date YYYY-MM-DD."); msg != "" {
		fields["from"] = msg
	}
	if q.To == "" {
		fields["to"] = "Required with from."
	} else if t, msg = kernel.ParseDate(q.To, "Must be a date YYYY-MM-DD."); msg != "" {
		fields["to"] = msg
	}
	if len(fields) == 0 {
		switch days := int(t.Sub(f).Hours()/24) + 1; {
		case days < 1:
			fields["to"] = "Must be on or after from."
		case days > MaxDays:
			fields["to"] = "The range must be at most 366 days."
		}
	}
	if q.ProfessionalID != "" {
		if id, ok := kernel.CanonicalID(q.ProfessionalID); ok {
			q.ProfessionalID = id
		} else {
			fields["professional_id"] = "Must be the id of a professional of this clinic."
		}
	}
	if q.ProcedureID != "" {
		if id, ok := kernel.CanonicalID(q.ProcedureID); ok {
			q.ProcedureID = id
		} else {
			fields["procedure_id"] = "Must be the id of a procedure of this clinic."
		}
	}
	if len(fields) > 0 {
		return time.Time{}, time.Time{}, apperr.Validation(fields)
	}
	from = time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc)
	to = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
	return from, to, nil
}

// authorize checks p may see the report q asks for, and narrows a
// professional's to their own.
func (s *Service) authorize(ctx context.Context, p kernel.Principal, q *Query) error {
	switch p.Role {
	case kernel.RoleOwner, kernel.RoleAdmin, kernel.RoleFinancial:
		return nil
	case kernel.RoleReceptionist:
		return errReceptionist
	case kernel.RoleProfessional:
		if p.UserID == "" {
			return errNoProf
		}
		pr, err := s.schedule.ProfessionalForUser(ctx, p.ClinicID, p.UserID)
		if apperr.Is(err, apperr.NotFound) {
			return errNoProf
		}
		if err != nil {
			return err
		}
		if q.ProfessionalID != "" && q.ProfessionalID != pr.ID {
			return errOtherProf
		}
		q.ProfessionalID = pr.ID
		return nil
	}
	return errRole
}
