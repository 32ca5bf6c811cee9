package booking_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/booking"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
	"clinic/internal/schedule"
)

// testBundle is a clinic with its public page open: one procedure offered
// online (30 minutes), one that is not, and a professional working
// 08:00–12:00 every day.
type testBundle struct {
	d         *db.DB
	svc       *booking.Service
	accounts  *account.Service
	patients  *patient.Service
	appts     *appointment.Service
	sched     *schedule.Service
	owner     kernel.Principal
	slug      string
	procID    string
	privateID string
	proID     string
	loc       *time.Location
	// day is a clinic-local day two days ahead.
	day time.Time
}

func setup(t *testing.T, d *db.DB) *testBundle {
	t.Helper()
	ctx := context.Background()
	c, err := cache.New(ctx, cache.Config{Backend: cache.BackendMemory}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	accounts, err := account.NewService(d, c, account.PasswordParams{MemoryKiB: 1024, Iterations: 1, Threads: 1})
	require.NoError(t, err)
	sched := schedule.NewService(d, c, schedule.WithZones(accounts))
	patients := patient.NewService(d, c)
	appts := appointment.NewService(d, sched, nil, appointment.WithCache(c))
	b := &testBundle{d: d, accounts: accounts, sched: sched, patients: patients, appts: appts,
		svc: booking.NewService(accounts, sched, patients, appts)}
	cl, u, err := accounts.Signup(ctx, account.SignupInput{ClinicName: "Clínica Pública", Name: "Owner",
		Email: testenv.RandomName("owner") + "@example.com", Password: "correct horse battery"})
	require.NoError(t, err)
	b.slug, b.owner = cl.Slug, kernel.Principal{UserID: u.ID, ClinicID: cl.ID, Role: kernel.RoleOwner}
	_, err = accounts.UpdateClinic(ctx, b.owner, account.UpdateClinicInput{PublicBooking: kernel.Some(true), Address: kernel.Some("Rua A, 1"), Phone: kernel.Some("(11) 3333-4444")})
	require.NoError(t, err)
	p, err := sched.CreateProcedure(ctx, b.owner, schedule.ProcedureInput{Name: "Consulta", DefaultDurationMinutes: 30, BookableOnline: true, Color: "#3b82f6"})
	require.NoError(t, err)
	b.procID = p.ID
	p, err = sched.CreateProcedure(ctx, b.owner, schedule.ProcedureInput{Name: "Cirurgia", DefaultDurationMinutes: 120})
	require.NoError(t, err)
	b.privateID = p.ID
	pro, err := sched.CreateProfessional(ctx, b.owner, schedule.ProfessionalInput{Name: "Dra. Ana", Specialty: "Clínica geral"})
	require.NoError(t, err)
	b.proID = pro.ID
	rules := make([]schedule.RuleInput, 7)
	for wd := range rules {
		rules[wd] = schedule.RuleInput{Weekday: &wd, Start: "08:00", End: "12:00"}
	}
	_, err = sched.SetWorkingHours(ctx, b.owner, pro.ID, rules)
	require.NoError(t, err)
	b.loc, err = time.LoadLocation(cl.TimeZone)
	require.NoError(t, err)
	now := time.Now().In(b.loc)
	b.day = time.Date(now.Year(), now.Month(), now.Day()+2, 0, 0, 0, 0, b.loc)
	return b
}

// at returns hh:mm of b.day.
func (b *testBundle) at(hh, mm int) time.Time {
	return time.Date(b.day.Year(), b.day.Month(), b.day.Day(), hh, mm, 0, 0, b.loc)
}

// input is a valid booking at hh:mm of b.day.
func (b *testBundle) input(hh, mm int, name, phone string) booking.Input {
	return booking.Input{ProcedureID: b.procID, ProfessionalID: b.proID, StartsAt: b.at(hh, mm).Format(time.RFC3339),
		Name: name, Phone: phone, Consents: booking.Consents{WhatsApp: true}, SourceIP: "203.0.113.7"}
}

// patientsWithPhone counts the clinic's active patients with an E.164 phone.
func (b *testBundle) patientsWithPhone(t *testing.T, phone string) int {
	t.Helper()
	page, err := b.patients.List(context.Background(), b.owner, patient.ListQuery{Q: phone})
	require.NoError(t, err)
	return len(page.Items)
}

func (b *testBundle) appointment(t *testing.T, id string) appointment.Appointment {
	t.Helper()
	a, err := b.appts.Get(context.Background(), b.owner, id)
	require.NoError(t, err)
	return a
}

func TestPublicClinic(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d)
		ctx := context.Background()
		c, err := b.svc.Clinic(ctx, b.slug)
		require.NoError(t, err)
		require.Equal(t, "Clínica Pública", c.Name)
		require.Equal(t, "America/Sao_Paulo", c.TimeZone)
		require.Equal(t, "Rua A, 1", c.Address)
		require.Equal(t, []booking.Procedure{{ID: b.procID, Name: "Consulta", DurationMinutes: 30, Color: "#3b82f6"}}, c.Procedures,
			"only the procedures offered online")
		require.Equal(t, []booking.Professional{{ID: b.proID, Name: "Dra. Ana", Specialty: "Clínica geral"}}, c.Professionals)

		// An unknown slug and a clinic whose page is off look the same.
		_, err = b.svc.Clinic(ctx, "no-such-clinic")
		require.ErrorIs(t, err, booking.ErrNotFound)
		_, err = b.accounts.UpdateClinic(ctx, b.owner, account.UpdateClinicInput{PublicBooking: kernel.Some(false)})
		require.NoError(t, err)
		_, err = b.svc.Clinic(ctx, b.slug)
		require.ErrorIs(t, err, booking.ErrNotFound)
		_, err = b.svc.Slots(ctx, b.slug, booking.SlotQuery{ProcedureID: b.procID})
		require.ErrorIs(t, err, booking.ErrNotFound)
		_, err = b.svc.Book(ctx, b.slug, b.input(9, 0, "Maria Silva", "(11) 98765-4321"))
		require.ErrorIs(t, err, booking.ErrNotFound)
	})
}

func TestPublicSlots(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d)
		ctx := context.Background()
		from := b.day.Format(time.DateOnly)
		slots, err := b.svc.Slots(ctx, b.slug, booking.SlotQuery{ProcedureID: b.procID, From: from, Days: 1})
		require.NoError(t, err)
		require.Len(t, slots, 8, "08:00–12:00 in 30-minute slots")
		require.True(t, slots[0].StartsAt.Equal(b.at(8, 0)))
		require.Equal(t, b.loc.String(), slots[0].StartsAt.Location().String(), "in the clinic's zone")
		require.Equal(t, 30*time.Minute, slots[0].EndsAt.Sub(slots[0].StartsAt), "the procedure's length")

		// A past day starts today; never a slot in the past.
		past, err := b.svc.Slots(ctx, b.slug, booking.SlotQuery{ProcedureID: b.procID, From: "2020-01-01", Days: 3})
		require.NoError(t, err)
		for _, sl := range past {
			require.True(t, sl.StartsAt.After(time.Now()), "slot in the past: %v", sl.StartsAt)
		}

		// A booked slot is no longer offered.
		_, err = b.svc.Book(ctx, b.slug, b.input(9, 0, "Maria Silva", "(11) 98765-4321"))
		require.NoError(t, err)
		slots, err = b.svc.Slots(ctx, b.slug, booking.SlotQuery{ProcedureID: b.procID, ProfessionalID: b.proID, From: from, Days: 1})
		require.NoError(t, err)
		require.Len(t, slots, 7)
		for _, sl := range slots {
			require.False(t, sl.StartsAt.Equal(b.at(9, 0)), "the booked 09:00 is offered")
		}

		tests := []struct {
			name  string
			q     booking.SlotQuery
			code  apperr.Code
			field string
		}{
			{"no procedure", booking.SlotQuery{}, apperr.Invalid, "procedure_id"},
			{"a procedure not offered online", booking.SlotQuery{ProcedureID: b.privateID}, apperr.NotFound, ""},
			{"an unknown procedure", booking.SlotQuery{ProcedureID: kernel.NewID()}, apperr.NotFound, ""},
			{"an unknown professional", booking.SlotQuery{ProcedureID: b.procID, ProfessionalID: kernel.NewID()}, apperr.NotFound, ""},
			{"a bad date", booking.SlotQuery{ProcedureID: b.procID, From: "31/12/2030"}, apperr.Invalid, "from"},
			{"too far ahead", booking.SlotQuery{ProcedureID: b.procID, From: time.Now().AddDate(2, 0, 0).Format(time.DateOnly)}, apperr.Invalid, "from"},
			{"too many days", booking.SlotQuery{ProcedureID: b.procID, Days: booking.MaxDays + 1}, apperr.Invalid, "days"},
			{"no days", booking.SlotQuery{ProcedureID: b.procID, Days: -1}, apperr.Invalid, "days"},
		}
		for _, tt := range tests {
			_, err := b.svc.Slots(ctx, b.slug, tt.q)
			require.Equal(t, tt.code, apperr.CodeOf(err), "%s: %v", tt.name, err)
			if tt.field != "" {
				require.Contains(t, apperr.As(err).Fields, tt.field, tt.name)
			}
		}
	})
}

func TestPublicBooking(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d)
		ctx := context.Background()

		// A new person: a patient is registered with their consents.
		in := b.input(8, 0, "Maria da Silva", "(11) 98765-4321")
		in.Email, in.BirthDate = "maria@example.com", "1980-05-17"
		conf, err := b.svc.Book(ctx, b.slug, in)
		require.NoError(t, err)
		require.True(t, conf.StartsAt.Equal(b.at(8, 0)))
		require.Equal(t, b.at(8, 0).Format(time.DateOnly), conf.Date)
		require.Equal(t, "08:00", conf.Time)
		require.Equal(t, "America/Sao_Paulo", conf.TimeZone)
		require.Equal(t, "Dra. Ana", conf.Professional.Name)
		require.Equal(t, "Consulta", conf.Procedure.Name)
		require.Equal(t, booking.ClinicRef{Slug: b.slug, Name: "Clínica Pública", Address: "Rua A, 1", Phone: "(11) 3333-4444"}, conf.Clinic)
		first := b.appointment(t, conf.AppointmentID)
		require.Equal(t, b.procID, first.ProcedureID)
		require.Equal(t, "Consulta", first.Procedure)
		require.Empty(t, first.CreatedBy, "no user booked it")
		pt, err := b.patients.Get(ctx, b.owner, first.PatientID)
		require.NoError(t, err)
		require.Equal(t, "Maria da Silva", pt.FullName)
		require.Equal(t, "+5511987654321", pt.Phone)
		require.Equal(t, "maria@example.com", pt.Email)
		require.Equal(t, "1980-05-17", pt.BirthDate)
		require.True(t, pt.Consents.WhatsApp.Granted)
		require.Equal(t, kernel.SystemPublicBooking, pt.Consents.WhatsApp.Source)
		require.NotNil(t, pt.Consents.WhatsApp.At)
		require.False(t, pt.Consents.SMS.Granted)
		require.Equal(t, kernel.SystemPublicBooking, pt.Consents.SMS.Source, "a declined channel is recorded too")

		// The audit trail names the public page and the visitor's IP.
		trail, err := audit.NewService(d).List(ctx, b.owner, audit.Filter{PatientID: pt.ID})
		require.NoError(t, err)
		var systemEntries int
		for _, e := range trail.Entries {
			if e.Action != audit.ActionRead {
				require.Equal(t, kernel.SystemPublicBooking, e.SystemActor, "%+v", e)
				require.Equal(t, "203.0.113.7", e.IP)
				require.Empty(t, e.UserID)
				systemEntries++
			}
		}
		require.Equal(t, 2, systemEntries, "the patient and the appointment created")

		// The same phone, written another way: the same patient; the consent
		// given now is recorded.
		again := b.input(8, 30, "maria  da SILVA", "11987654321")
		again.Consents = booking.Consents{SMS: true}
		conf, err = b.svc.Book(ctx, b.slug, again)
		require.NoError(t, err)
		require.Equal(t, pt.ID, b.appointment(t, conf.AppointmentID).PatientID)
		require.Equal(t, 1, b.patientsWithPhone(t, "11987654321"))
		pt, err = b.patients.Get(ctx, b.owner, pt.ID)
		require.NoError(t, err)
		require.True(t, pt.Consents.SMS.Granted)
		require.True(t, pt.Consents.WhatsApp.Granted, "a visitor with the patient's phone cannot withdraw the patient's consent")
		require.Equal(t, "Maria da Silva", pt.FullName, "a match keeps the patient's data")

		// The same CPF with another phone: the patient of that CPF.
		withCPF, err := b.patients.Create(ctx, b.owner, patient.Input{FullName: kernel.Some("João Souza"), CPF: kernel.Some("529.982.247-25"),
			Phone: kernel.Some("(21) 99999-0000")})
		require.NoError(t, err)
		byCPF := b.input(9, 0, "João de Souza", "(11) 91111-2222")
		byCPF.CPF = "52998224725"
		conf, err = b.svc.Book(ctx, b.slug, byCPF)
		require.NoError(t, err)
		require.Equal(t, withCPF.ID, b.appointment(t, conf.AppointmentID).PatientID)
		require.Equal(t, 0, b.patientsWithPhone(t, "11911112222"), "no patient registered for the new phone")

		// Several patients share a phone: the one of the same name, else
		// the oldest; one with another CPF is someone else.
		mother, err := b.patients.Create(ctx, b.owner, patient.Input{FullName: kernel.Some("Ana Lima"), Phone: kernel.Some("(11) 93333-4444")})
		require.NoError(t, err)
		son, err := b.patients.Create(ctx, b.owner, patient.Input{FullName: kernel.Some("Pedro Lima"), Phone: kernel.Some("(11) 93333-4444")})
		require.NoError(t, err)
		conf, err = b.svc.Book(ctx, b.slug, b.input(9, 30, "Pedro Lima", "(11) 93333-4444"))
		require.NoError(t, err)
		require.Equal(t, son.ID, b.appointment(t, conf.AppointmentID).PatientID)
		conf, err = b.svc.Book(ctx, b.slug, b.input(10, 0, "P. Lima", "(11) 93333-4444"))
		require.NoError(t, err)
		require.Equal(t, mother.ID, b.appointment(t, conf.AppointmentID).PatientID, "the oldest")
		other := b.input(10, 30, "Ana Lima", "(21) 99999-0000")
		other.CPF = "111.444.777-35"
		conf, err = b.svc.Book(ctx, b.slug, other)
		require.NoError(t, err)
		require.NotEqual(t, withCPF.ID, b.appointment(t, conf.AppointmentID).PatientID, "another CPF is another person")

		// A taken time is a conflict, and is not booked twice.
		_, err = b.svc.Book(ctx, b.slug, b.input(8, 0, "Carla Dias", "(11) 95555-6666"))
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
		require.Equal(t, 0, b.patientsWithPhone(t, "11955556666"), "a refused booking registers nobody")
	})
}

func TestPublicBookingBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d)
		ctx := context.Background()
		tests := []struct {
			name   string
			change func(in *booking.Input)
			code   apperr.Code
			field  string
		}{
			{"no name", func(in *booking.Input) { in.Name = " " }, apperr.Invalid, "name"},
			{"no phone", func(in *booking.Input) { in.Phone = "" }, apperr.Invalid, "phone"},
			{"a bad phone", func(in *booking.Input) { in.Phone = "98765-4321" }, apperr.Invalid, "phone"},
			{"a bad CPF", func(in *booking.Input) { in.CPF = "123.456.789-00" }, apperr.Invalid, "cpf"},
			{"a bad e-mail", func(in *booking.Input) { in.Email = "maria@" }, apperr.Invalid, "email"},
			{"a future birth date", func(in *booking.Input) { in.BirthDate = "2999-01-01" }, apperr.Invalid, "birth_date"},
			{"no time", func(in *booking.Input) { in.StartsAt = "" }, apperr.Invalid, "starts_at"},
			{"a bad time", func(in *booking.Input) { in.StartsAt = "amanhã 9h" }, apperr.Invalid, "starts_at"},
			{"no procedure", func(in *booking.Input) { in.ProcedureID = "" }, apperr.Invalid, "procedure_id"},
			{"no professional", func(in *booking.Input) { in.ProfessionalID = "" }, apperr.Invalid, "professional_id"},
			{"a procedure not offered online", func(in *booking.Input) { in.ProcedureID = b.privateID }, apperr.NotFound, ""},
			{"an unknown professional", func(in *booking.Input) { in.ProfessionalID = kernel.NewID() }, apperr.NotFound, ""},
			{"a time off the slots", func(in *booking.Input) { in.StartsAt = b.at(8, 10).Format(time.RFC3339) }, apperr.Conflict, "starts_at"},
			{"a time outside working hours", func(in *booking.Input) { in.StartsAt = b.at(14, 0).Format(time.RFC3339) }, apperr.Conflict, "starts_at"},
			{"a time in the past", func(in *booking.Input) { in.StartsAt = b.at(9, 0).AddDate(0, 0, -7).Format(time.RFC3339) }, apperr.Conflict, "starts_at"},
		}
		for _, tt := range tests {
			in := b.input(9, 0, "Maria Silva", "(11) 98765-4321")
			tt.change(&in)
			_, err := b.svc.Book(ctx, b.slug, in)
			require.Equal(t, tt.code, apperr.CodeOf(err), "%s: %v", tt.name, err)
			if tt.field != "" {
				require.Contains(t, apperr.As(err).Fields, tt.field, tt.name)
			}
		}
		page, err := b.patients.List(ctx, b.owner, patient.ListQuery{})
		require.NoError(t, err)
		require.Empty(t, page.Items, "no patient registered")
		agenda, err := b.appts.List(ctx, b.owner, appointment.ListFilter{From: b.at(0, 0), To: b.at(23, 0)})
		require.NoError(t, err)
		require.Empty(t, agenda.Items, "nothing booked")

		// The honeypot answers like a booking and books nothing.
		in := b.input(9, 0, "Bot", "(11) 98765-4321")
		in.Website = "http://spam.example"
		conf, err := b.svc.Book(ctx, b.slug, in)
		require.NoError(t, err)
		require.True(t, kernel.IsID(conf.AppointmentID))
		require.Equal(t, "09:00", conf.Time)
		page, err = b.patients.List(ctx, b.owner, patient.ListQuery{})
		require.NoError(t, err)
		require.Empty(t, page.Items)
		_, err = b.appts.Get(ctx, b.owner, conf.AppointmentID)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	})
}

func TestConcurrentIdenticalBookingsMakeOnePatient(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d)
		ctx := context.Background()
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				// Two slots, each asked for by half the requests: every
				// request registers the same person.
				_, errs[i] = b.svc.Book(ctx, b.slug, b.input(8, 30*(i%2), "Maria Silva", "(11) 98765-4321"))
			})
		}
		wg.Wait()
		booked := 0
		for _, err := range errs {
			if err == nil {
				booked++
				continue
			}
			require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
		}
		require.Equal(t, 2, booked, "one booking per slot")
		require.Equal(t, 1, b.patientsWithPhone(t, "11987654321"), "one patient")
	})
}
