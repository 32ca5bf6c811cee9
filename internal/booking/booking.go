// Package booking is the public booking page's service: anyone, without an
// account, sees a clinic that opened its page (account.Clinic.PublicBooking),
// the procedures it offers online and the free slots for them, and books
// one, giving a name, a phone and optionally a CPF, an e-mail and a birth
// date, with consent per channel.
//
// It has no tables of its own: it asks account for the clinic, schedule for
// procedures, professionals and free slots, patient to match or register
// the person (never a duplicate, see patient.Service.Identify), and
// appointment to book, so that every rule of a booking by the staff holds
// (no double booking, working hours, the same after-commit effects). It acts
// as a system principal of the clinic (kernel.SystemPublicBooking) with a
// receptionist's rights; the audit trail names it, with the visitor's IP.
//
// Every professional offers every bookable procedure for now.
package booking

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/schedule"
)

// ErrNotFound answers for a clinic slug that no clinic has, or whose clinic
// has its public booking page turned off: both look the same.
var ErrNotFound = apperr.New(apperr.NotFound, "Clinic not found.")

var (
	errProcedureNotFound    = apperr.New(apperr.NotFound, "Procedure not found.")
	errProfessionalNotFound = apperr.New(apperr.NotFound, "Professional not found.")
)

// Limits of the slot search.
const (
	// MaxDays is the most days one slot search covers.
	MaxDays = 28
	// DefaultDays is the number of days searched when none is asked.
	DefaultDays = 14
	// MaxAhead bounds how far ahead the search may start (days from today).
	MaxAhead = 366
)

// Service serves the public booking page.
type Service struct {
	accounts     *account.Service
	schedule     *schedule.Service
	patients     *patient.Service
	appointments *appointment.Service
	now          func() time.Time
	log          *slog.Logger
}

// Option configures a Service.
type Option func(*Service)

// WithLogger sets the logger (honeypot hits); default slog.Default().
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithClock sets the clock (tests); default time.Now.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// NewService returns a Service on the other services.
func NewService(accounts *account.Service, sched *schedule.Service, patients *patient.Service, appointments *appointment.Service, opts ...Option) *Service {
	s := &Service{accounts: accounts, schedule: sched, patients: patients, appointments: appointments, now: time.Now, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Clinic is what the public page shows of a clinic.
type Clinic struct {
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
	// Locale is the clinic's interface language (the page's default).
	Locale  string `json:"locale"`
	Address string `json:"address"`
	Phone   string `json:"phone"`
	// Procedures are the active procedures offered online, by name.
	Procedures []Procedure `json:"procedures"`
	// Professionals are the active professionals, by name; each offers
	// every procedure.
	Professionals []Professional `json:"professionals"`
}

// Procedure is a procedure offered online.
type Procedure struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	DurationMinutes int    `json:"duration_minutes"`
	Color           string `json:"color"`
}

// Professional is a professional the public page offers.
type Professional struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Specialty string `json:"specialty"`
}

// clinic returns the clinic of slug when its public page is open.
func (s *Service) clinic(ctx context.Context, slug string) (account.Clinic, error) {
	c, err := s.accounts.ClinicBySlug(ctx, strings.ToLower(strings.TrimSpace(slug)))
	if apperr.Is(err, apperr.NotFound) || (err == nil && !c.PublicBooking) {
		return account.Clinic{}, ErrNotFound
	}
	return c, err
}

// Clinic returns the public information of the clinic of slug: name, time
// zone, address, phone, the procedures offered online and the active
// professionals. ErrNotFound when no clinic has the slug or its public page
// is off.
func (s *Service) Clinic(ctx context.Context, slug string) (Clinic, error) {
	c, err := s.clinic(ctx, slug)
	if err != nil {
		return Clinic{}, err
	}
	procs, err := s.procedures(ctx, c.ID)
	if err != nil {
		return Clinic{}, err
	}
	active := true
	pros, err := s.schedule.Professionals(ctx, c.ID, schedule.ProfessionalFilter{Active: &active})
	if err != nil {
		return Clinic{}, err
	}
	out := Clinic{Slug: c.Slug, Name: c.Name, TimeZone: c.TimeZone, Locale: c.Locale, Address: c.Address, Phone: c.Phone,
		Procedures: make([]Procedure, len(procs)), Professionals: make([]Professional, len(pros))}
	for i, p := range procs {
		out.Procedures[i] = Procedure{ID: p.ID, Name: p.Name, DurationMinutes: p.DefaultDurationMinutes, Color: p.Color}
	}
	for i, p := range pros {
		out.Professionals[i] = Professional{ID: p.ID, Name: p.Name, Specialty: p.Specialty}
	}
	return out, nil
}

// procedures lists the clinic's active procedures offered online.
func (s *Service) procedures(ctx context.Context, clinicID string) ([]schedule.Procedure, error) {
	yes := true
	return s.schedule.Procedures(ctx, clinicID, schedule.ProcedureFilter{Active: &yes, BookableOnline: &yes})
}

// procedure returns an active procedure of the clinic offered online;
// NotFound for any other id.
func (s *Service) procedure(ctx context.Context, clinicID, id string) (schedule.Procedure, error) {
	p, err := s.schedule.Procedure(ctx, clinicID, id)
	if apperr.Is(err, apperr.NotFound) || (err == nil && (!p.Active || !p.BookableOnline)) {
		return schedule.Procedure{}, errProcedureNotFound
	}
	return p, err
}

// professional returns an active professional of the clinic; NotFound for
// any other id.
func (s *Service) professional(ctx context.Context, clinicID, id string) (schedule.Professional, error) {
	p, err := s.schedule.Professional(ctx, clinicID, id)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !p.Active) {
		return schedule.Professional{}, errProfessionalNotFound
	}
	return p, err
}

// SlotQuery asks for the free slots of a procedure.
type SlotQuery struct {
	ProcedureID string
	// ProfessionalID is one professional, or "" for any.
	ProfessionalID string
	// From is the first clinic-local day (YYYY-MM-DD); "" or a past day
	// means today. At most MaxAhead days ahead.
	From string
	// Days is the number of days searched, 1 to MaxDays (0: DefaultDays).
	Days int
}

// Slot is a free time for a procedure with a professional.
type Slot struct {
	ProfessionalID string    `json:"professional_id"`
	StartsAt       time.Time `json:"starts_at"`
	EndsAt         time.Time `json:"ends_at"`
}

// Slots returns the free slots of q's procedure (its default length) at the
// clinic of slug, from schedule's availability: within working hours, not
// overlapping any appointment, never in the past; times are in the clinic's
// zone, by start. ErrNotFound for the clinic as in Clinic; NotFound for a
// procedure that is not offered online or a professional that is not
// active; Invalid for a bad date or number of days.
func (s *Service) Slots(ctx context.Context, slug string, q SlotQuery) ([]Slot, error) {
	c, err := s.clinic(ctx, slug)
	if err != nil {
		return nil, err
	}
	loc, err := s.schedule.Location(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if q.ProcedureID == "" {
		fields["procedure_id"] = "Required."
	}
	now := s.now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	from := today
	if q.From != "" {
		d, msg := kernel.ParseDate(q.From, "Must be a date YYYY-MM-DD.")
		switch day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc); {
		case msg != "":
			fields["from"] = msg
		case day.After(today.AddDate(0, 0, MaxAhead)):
			fields["from"] = fmt.Sprintf("Must be at most %d days from today.", MaxAhead)
		case day.After(today):
			from = day
		}
	}
	days := q.Days
	if days == 0 {
		days = DefaultDays
	} else if msg := kernel.CheckInt(days, 1, MaxDays); msg != "" {
		fields["days"] = msg
	}
	if len(fields) > 0 {
		return nil, apperr.Validation(fields)
	}
	proc, err := s.procedure(ctx, c.ID, q.ProcedureID)
	if err != nil {
		return nil, err
	}
	if q.ProfessionalID != "" {
		if _, err := s.professional(ctx, c.ID, q.ProfessionalID); err != nil {
			return nil, err
		}
	}
	free, err := s.schedule.Availability(ctx, c.ID, schedule.AvailabilityQuery{ProfessionalID: q.ProfessionalID,
		From: from, To: from.AddDate(0, 0, days), Duration: proc.DefaultDuration()})
	if err != nil {
		return nil, err
	}
	out := make([]Slot, 0, len(free))
	for _, sl := range free {
		// Availability answers slots that start from now on; several rooms
		// of one professional never give one start twice.
		if n := len(out); n > 0 && out[n-1].ProfessionalID == sl.ProfessionalID && out[n-1].StartsAt.Equal(sl.Start) {
			continue
		}
		out = append(out, Slot{ProfessionalID: sl.ProfessionalID, StartsAt: sl.Start, EndsAt: sl.End})
	}
	return out, nil
}

// Consents are the visitor's answers per channel (false: declined).
type Consents struct {
	WhatsApp bool `json:"whatsapp,omitempty"`
	SMS      bool `json:"sms,omitempty"`
	Email    bool `json:"email,omitempty"`
}

// Input is a booking from the public page.
type Input struct {
	ProcedureID    string `json:"procedure_id"`
	ProfessionalID string `json:"professional_id"`
	// StartsAt is the start of one of the free slots (RFC 3339 with an
	// offset), as Slots answered it.
	StartsAt string `json:"starts_at"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	// CPF, Email and BirthDate (YYYY-MM-DD) are optional.
	CPF       string   `json:"cpf,omitempty"`
	Email     string   `json:"email,omitempty"`
	BirthDate string   `json:"birth_date,omitempty"`
	Consents  Consents `json:"consents,omitzero"`
	// Website is a honeypot: a field people do not see and bots fill in.
	// When it is not empty, Book answers as if it booked and books nothing.
	Website string `json:"website,omitempty"`
	// SourceIP is the visitor's address, for the audit trail (not JSON).
	SourceIP string `json:"-"`
}

// Confirmation is what the visitor is told once booked. Times are in the
// clinic's zone.
type Confirmation struct {
	AppointmentID string       `json:"appointment_id"`
	StartsAt      time.Time    `json:"starts_at"`
	EndsAt        time.Time    `json:"ends_at"`
	Date          string       `json:"date"` // clinic-local YYYY-MM-DD
	Time          string       `json:"time"` // clinic-local HH:MM
	TimeZone      string       `json:"time_zone"`
	Professional  Professional `json:"professional"`
	Procedure     Procedure    `json:"procedure"`
	Clinic        ClinicRef    `json:"clinic"`
}

// ClinicRef names the clinic in a confirmation.
type ClinicRef struct {
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Address string `json:"address"`
	Phone   string `json:"phone"`
}

// principal is the system principal the page acts as in clinicID.
func principal(clinicID string) kernel.Principal {
	return kernel.Principal{ClinicID: clinicID, Role: kernel.RoleReceptionist, System: kernel.SystemPublicBooking}
}

// Book books in at the clinic of slug: it checks the procedure (offered
// online), the professional (active) and that the time is one of the free
// slots, matches or registers the patient (patient.Service.Identify: by
// CPF, then phone; never a duplicate), records the consents given with the
// time and the source "public_booking", and books through the appointment
// service. ErrNotFound for the clinic as in Clinic; Invalid with fields for
// bad input (nothing is written); NotFound for a procedure or professional
// not offered; Conflict when the time is no longer free. A filled-in
// honeypot (Website) answers a confirmation and books nothing.
func (s *Service) Book(ctx context.Context, slug string, in Input) (Confirmation, error) {
	c, err := s.clinic(ctx, slug)
	if err != nil {
		return Confirmation{}, err
	}
	loc, err := s.schedule.Location(ctx, c.ID)
	if err != nil {
		return Confirmation{}, err
	}
	fields := map[string]string{}
	for field, v := range map[string]string{"procedure_id": in.ProcedureID, "professional_id": in.ProfessionalID} {
		if v == "" {
			fields[field] = "Required."
		}
	}
	var start time.Time
	if in.StartsAt == "" {
		fields["starts_at"] = "Required."
	} else {
		var msg string
		if start, msg = kernel.ParseInstant(in.StartsAt, "Must be a date and time in RFC 3339 format with an offset, such as 2025-03-14T09:30:00-03:00."); msg != "" {
			fields["starts_at"] = msg
		}
	}
	if len(fields) > 0 {
		return Confirmation{}, apperr.Validation(fields)
	}
	proc, err := s.procedure(ctx, c.ID, in.ProcedureID)
	if err != nil {
		return Confirmation{}, err
	}
	pro, err := s.professional(ctx, c.ID, in.ProfessionalID)
	if err != nil {
		return Confirmation{}, err
	}
	conf := Confirmation{TimeZone: loc.String(),
		Professional: Professional{ID: pro.ID, Name: pro.Name, Specialty: pro.Specialty},
		Procedure:    Procedure{ID: proc.ID, Name: proc.Name, DurationMinutes: proc.DefaultDurationMinutes, Color: proc.Color},
		Clinic:       ClinicRef{Slug: c.Slug, Name: c.Name, Address: c.Address, Phone: c.Phone}}
	confirm := func(id string, start, end time.Time) Confirmation {
		conf.AppointmentID, conf.StartsAt, conf.EndsAt = id, start.In(loc), end.In(loc)
		conf.Date, conf.Time = conf.StartsAt.Format(time.DateOnly), conf.StartsAt.Format("15:04")
		return conf
	}
	if in.Website != "" {
		s.log.WarnContext(ctx, "booking: honeypot filled in; nothing booked", "clinic_id", c.ID, "ip", in.SourceIP)
		return confirm(kernel.NewID(), start, start.Add(proc.DefaultDuration())), nil
	}

	// The person first (validated by patient's own rules, without writing),
	// then the time, before anything is written.
	reg := patient.SelfRegistration{FullName: in.Name, Phone: in.Phone, CPF: in.CPF, Email: in.Email, BirthDate: in.BirthDate,
		Consents: patient.ConsentsInput{WhatsApp: kernel.Some(in.Consents.WhatsApp), SMS: kernel.Some(in.Consents.SMS),
			Email: kernel.Some(in.Consents.Email)}, Source: kernel.SystemPublicBooking}
	if fields := patient.CheckSelfRegistration(reg, s.now()); fields != nil {
		if fn, ok := fields["full_name"]; ok {
			delete(fields, "full_name")
			fields["name"] = fn
		}
		return Confirmation{}, apperr.Validation(fields)
	}
	if err := s.checkFree(ctx, c.ID, loc, pro.ID, start, proc.DefaultDuration()); err != nil {
		return Confirmation{}, err
	}

	p := principal(c.ID)
	actor := audit.ActorFrom(ctx)
	actor.ClinicID, actor.UserID, actor.TokenID, actor.System = c.ID, "", "", kernel.SystemPublicBooking
	if in.SourceIP != "" {
		actor.IP = in.SourceIP
	}
	ctx = audit.WithActor(ctx, actor)
	pt, _, err := s.patients.Identify(ctx, p, reg)
	if err != nil {
		return Confirmation{}, renameField(err, "full_name", "name")
	}
	a, err := s.appointments.Create(ctx, p, appointment.CreateInput{PatientID: pt.ID, ProfessionalID: pro.ID,
		ProcedureID: proc.ID, StartsAt: start.Format(time.RFC3339)})
	if err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return Confirmation{}, errTaken
		}
		return Confirmation{}, err
	}
	return confirm(a.ID, a.StartsAt, a.EndsAt), nil
}

// errTaken answers a time that is not (or no longer) one of the free slots.
var errTaken = &apperr.Error{Code: apperr.Conflict, Message: "This time is no longer available; please choose another.",
	Fields: map[string]string{"starts_at": "No longer available."}}

// checkFree returns errTaken unless start is the start of a free slot of
// the professional for a procedure of length d.
func (s *Service) checkFree(ctx context.Context, clinicID string, loc *time.Location, professionalID string, start time.Time, d time.Duration) error {
	local := start.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	free, err := s.schedule.Availability(ctx, clinicID, schedule.AvailabilityQuery{ProfessionalID: professionalID,
		From: day, To: day.AddDate(0, 0, 1), Duration: d})
	if err != nil {
		return err
	}
	for _, sl := range free {
		if sl.Start.Equal(start) {
			return nil
		}
	}
	return errTaken
}

// renameField moves the message of an Invalid error's field from to to.
func renameField(err error, from, to string) error {
	e := apperr.As(err)
	if e.Code != apperr.Invalid || e.Fields[from] == "" {
		return err
	}
	cp := *e
	cp.Fields = map[string]string{}
	for k, v := range e.Fields {
		if k == from {
			k = to
		}
		cp.Fields[k] = v
	}
	return &cp
}
