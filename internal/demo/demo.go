// Package demo fills a new clinic with believable data (professionals,
// rooms, procedures, working hours, patients, a month of appointments, the
// public booking page open) so that a
// newcomer sees a living agenda at once. It goes through the same services
// as the API, so the data obeys every rule real data does.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/billing"
	"clinic/internal/kernel"
	"clinic/internal/notify"
	"clinic/internal/patient"
	"clinic/internal/record"
	"clinic/internal/reminder"
	"clinic/internal/schedule"
)

// Services are what the seeding uses.
type Services struct {
	Accounts     *account.Service
	Patients     *patient.Service
	Schedule     *schedule.Service
	Appointments *appointment.Service
	// Reminders, when set, turns the clinic's reminders on (e-mail through
	// the server's own mail: the log unless SMTP_URL is set), so that the
	// appointments of the next days show their messages.
	Reminders *reminder.Service
	// Records, when set, gives the first appointments an encounter with a
	// signed (and once amended) note, a diagnosis and a prescription
	// (records.go).
	Records *record.Service
	// Billing, when set, gives the procedures prices, adds an insurance
	// plan, a Pix key and a few charges with payments (see billing.go).
	Billing *billing.Service
}

// Options size the demo.
type Options struct {
	Patients int // default 300
	Days     int // days of appointments from today, default 21
	// Fill is the share of free slots booked, 0..1 (default 0.45).
	Fill float64
	// Seed makes the data repeatable (0: random).
	Seed uint64
}

// Result is the login of the new demo clinic.
type Result struct {
	ClinicID string
	// Slug names the clinic's public booking page (/c/{slug}).
	Slug         string
	Email        string
	Password     string
	Patients     int
	Appointments int
	// Encounter is one of the encounters Records made (zero without
	// Records).
	Encounter RecordsResult
	// ChargeID is a charge with a partial payment ("" without Billing).
	ChargeID string
}

type pro struct {
	name, specialty, council, color string
	minutes                         int
	saturday                        bool
	room                            int
	procedures                      []string
}

var professionals = []pro{
	{"Dra. Ana Souza", "Clínica geral", "CRM 123456/SP", "#2563eb", 30, true, 0, []string{"Consulta", "Retorno"}},
	{"Dr. Bruno Lima", "Cardiologia", "CRM 234567/SP", "#dc2626", 30, false, 1, []string{"Consulta", "Retorno", "Avaliação"}},
	{"Dra. Carla Mendes", "Odontologia", "CRO 34567/SP", "#16a34a", 45, true, 1, []string{"Limpeza", "Avaliação"}},
	{"Diego Rocha", "Fisioterapia", "CREFITO 45678-F", "#9333ea", 60, false, 2, []string{"Sessão", "Avaliação"}},
	{"Dra. Elisa Castro", "Psicologia", "CRP 06/56789", "#ea580c", 50, false, -1, []string{"Sessão", "Avaliação"}},
}

// procedures are the demo clinic's procedures, all offered online.
var procedures = []schedule.ProcedureInput{
	{Name: "Consulta", DefaultDurationMinutes: 30, Color: "#3b82f6", BookableOnline: true},
	{Name: "Retorno", DefaultDurationMinutes: 30, Color: "#14b8a6", BookableOnline: true},
	{Name: "Avaliação", DefaultDurationMinutes: 45, Color: "#f59e0b", BookableOnline: true},
	{Name: "Limpeza", DefaultDurationMinutes: 45, Color: "#06b6d4", BookableOnline: true},
	{Name: "Sessão", DefaultDurationMinutes: 50, Color: "#a855f7", BookableOnline: true},
}

var rooms = []string{"Consultório 1", "Consultório 2", "Sala de fisioterapia"}

var firstNames = []string{"João", "Maria", "José", "Ana", "Francisco", "Antônia", "Carlos", "Adriana", "Paulo", "Juliana",
	"Pedro", "Márcia", "Lucas", "Fernanda", "Luiz", "Patrícia", "Marcos", "Aline", "Luís", "Sandra", "Gabriel", "Camila",
	"Rafael", "Amanda", "Daniel", "Bruna", "Marcelo", "Letícia", "Bruno", "Júlia", "Eduardo", "Beatriz", "Felipe", "Larissa",
	"Raimundo", "Vitória", "Rodrigo", "Helena", "Thiago", "Sofia"}

var lastNames = []string{"Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes",
	"Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes", "Vieira", "Barbosa", "Rocha",
	"Dias", "Nascimento", "Andrade", "Moreira", "Nunes", "Marques", "Machado", "Mendes", "Freitas", "Cardoso", "Araújo"}

var plans = []string{"", "", "Unimed", "Bradesco Saúde", "SulAmérica", "Amil", "Porto Seguro Saúde"}

// Seed creates a demo clinic and returns its owner's login.
func Seed(ctx context.Context, s Services, o Options) (Result, error) {
	if o.Patients <= 0 {
		o.Patients = 300
	}
	if o.Days <= 0 {
		o.Days = 21
	}
	if o.Fill <= 0 || o.Fill > 1 {
		o.Fill = 0.45
	}
	seed := o.Seed
	if seed == 0 {
		seed = mrand.Uint64()
	}
	rng := mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	suffix := randomHex(3)
	res := Result{Email: "demo-" + suffix + "@example.com", Password: "demo-" + randomHex(6)}
	c, owner, err := s.Accounts.Signup(ctx, account.SignupInput{
		ClinicName: "Clínica Demo " + suffix, Name: "Marina Oliveira", Email: res.Email, Password: res.Password,
	})
	if err != nil {
		return Result{}, fmt.Errorf("demo: signup: %w", err)
	}
	res.ClinicID, res.Slug = c.ID, c.Slug
	p := kernel.Principal{UserID: owner.ID, ClinicID: c.ID, Role: kernel.RoleOwner}
	if _, err := s.Accounts.UpdateClinic(ctx, p, account.UpdateClinicInput{PublicBooking: kernel.Some(true),
		Address: kernel.Some("Av. Paulista, 1000, sala 101, Bela Vista, São Paulo - SP, 01310-100"), Phone: kernel.Some("(11) 3333-4444")}); err != nil {
		return Result{}, fmt.Errorf("demo: clinic settings: %w", err)
	}
	procedureIDs := map[string]string{}
	for _, in := range procedures {
		pr, err := s.Schedule.CreateProcedure(ctx, p, in)
		if err != nil {
			return Result{}, fmt.Errorf("demo: procedure: %w", err)
		}
		procedureIDs[pr.Name] = pr.ID
	}

	roomIDs := make([]string, len(rooms))
	for i, name := range rooms {
		r, err := s.Schedule.CreateRoom(ctx, p, schedule.RoomInput{Name: name})
		if err != nil {
			return Result{}, fmt.Errorf("demo: room: %w", err)
		}
		roomIDs[i] = r.ID
	}
	type proRec struct {
		pro
		id string
	}
	var pros []proRec
	for _, pr := range professionals {
		rec, err := s.Schedule.CreateProfessional(ctx, p, schedule.ProfessionalInput{
			Name: pr.name, Specialty: pr.specialty, CouncilRegistration: pr.council, Color: pr.color, DefaultDurationMinutes: pr.minutes,
		})
		if err != nil {
			return Result{}, fmt.Errorf("demo: professional: %w", err)
		}
		var room *string
		if pr.room >= 0 {
			room = &roomIDs[pr.room]
		}
		var rules []schedule.RuleInput
		for wd := 1; wd <= 6; wd++ {
			if wd == 6 && !pr.saturday {
				continue
			}
			rules = append(rules, schedule.RuleInput{Weekday: &wd, Start: "08:00", End: "12:00", RoomID: room})
			if wd < 6 {
				rules = append(rules, schedule.RuleInput{Weekday: &wd, Start: "13:00", End: "18:00", RoomID: room})
			}
		}
		if _, err := s.Schedule.SetWorkingHours(ctx, p, rec.ID, rules); err != nil {
			return Result{}, fmt.Errorf("demo: working hours: %w", err)
		}
		pros = append(pros, proRec{pr, rec.ID})
	}

	patients := make([]string, 0, o.Patients)
	for i := range o.Patients {
		name := firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))] + " " + lastNames[rng.IntN(len(lastNames))]
		in := patient.Input{
			FullName:  kernel.Some(name),
			CPF:       kernel.Some(fakeCPF(rng)),
			BirthDate: kernel.Some(time.Date(1940+rng.IntN(75), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)),
			Phone:     kernel.Some(fmt.Sprintf("(11) 9%04d-%04d", rng.IntN(10000), rng.IntN(10000))),
			Consents:  kernel.Some(patient.ConsentsInput{WhatsApp: kernel.Some(rng.IntN(10) < 8), Email: kernel.Some(rng.IntN(10) < 7)}),
		}
		if rng.IntN(10) < 8 {
			in.Email = kernel.Some(fmt.Sprintf("paciente%d.%s@example.com", i+1, suffix))
		}
		if plan := plans[rng.IntN(len(plans))]; plan != "" {
			in.Insurance = kernel.Some(patient.InsuranceInput{Plan: kernel.Some(plan), CardNumber: kernel.Some(fmt.Sprintf("%016d", rng.Uint64()%1e16))})
		}
		pt, err := s.Patients.Create(ctx, p, in)
		if apperr.Is(err, apperr.Conflict) { // a random CPF met another
			continue
		}
		if err != nil {
			return Result{}, fmt.Errorf("demo: patient %d: %w", i, err)
		}
		patients = append(patients, pt.ID)
	}
	res.Patients = len(patients)
	if s.Reminders != nil {
		if _, err := s.Reminders.SaveChannel(ctx, p, reminder.ChannelSettings{Kind: notify.KindEmail, Enabled: true}); err != nil {
			return Result{}, fmt.Errorf("demo: e-mail channel: %w", err)
		}
		policy := reminder.DefaultPolicy()
		// A month typed in at once: no word of each booking or cancellation.
		policy.Enabled, policy.OnBooked, policy.OnRescheduled, policy.OnCancelled = true, false, false, false
		if _, err := s.Reminders.SavePolicy(ctx, p, policy); err != nil {
			return Result{}, fmt.Errorf("demo: reminders: %w", err)
		}
	}

	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return Result{}, fmt.Errorf("demo: zone: %w", err)
	}
	now := time.Now()
	var booked []appointment.Appointment
	today := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	for _, pr := range pros {
		// From the start of the day, so that slots fall on the working
		// hours' own steps (09:00, 09:30…), not on the minute the demo runs;
		// the past ones are skipped below.
		ivs, err := s.Schedule.WorkingIntervals(ctx, c.ID, pr.id, today, today.AddDate(0, 0, o.Days))
		if err != nil {
			return Result{}, fmt.Errorf("demo: working intervals: %w", err)
		}
		step := time.Duration(pr.minutes) * time.Minute
		for _, iv := range ivs {
			for start := iv.Start; !start.Add(step).After(iv.End); start = start.Add(step) {
				if start.Before(now.Add(5*time.Minute)) || rng.Float64() > o.Fill {
					continue
				}
				a, err := s.Appointments.Create(ctx, p, appointment.CreateInput{
					PatientID: patients[rng.IntN(len(patients))], ProfessionalID: pr.id,
					StartsAt: start.Format(time.RFC3339), DurationMinutes: pr.minutes,
					ProcedureID: procedureIDs[pr.procedures[rng.IntN(len(pr.procedures))]],
				})
				if apperr.Is(err, apperr.Conflict) {
					continue
				}
				if err != nil {
					return Result{}, fmt.Errorf("demo: appointment: %w", err)
				}
				res.Appointments++
				booked = append(booked, a)
				// Upcoming days: many patients already confirmed; a few cancelled.
				switch roll := rng.IntN(10); {
				case roll < 4 && start.Before(today.AddDate(0, 0, 3)):
					_, err = s.Appointments.SetStatus(ctx, p, a.ID, appointment.StatusInput{Status: appointment.StatusConfirmed})
				case roll == 9:
					_, err = s.Appointments.SetStatus(ctx, p, a.ID, appointment.StatusInput{Status: appointment.StatusCancelled})
				}
				if err != nil {
					return Result{}, fmt.Errorf("demo: status: %w", err)
				}
			}
		}
	}
	if s.Records != nil {
		if res.Encounter, err = seedRecords(ctx, s.Records, p, booked); err != nil {
			return Result{}, err
		}
	}
	if s.Billing != nil {
		if res.ChargeID, err = seedBilling(ctx, s.Billing, p, procedureIDs, patients); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

// fakeCPF returns a CPF with valid check digits (not a real person's).
func fakeCPF(rng *mrand.Rand) string {
	d := make([]int, 11)
	for i := range 9 {
		d[i] = rng.IntN(10)
	}
	for n := 9; n < 11; n++ {
		sum := 0
		for i := range n {
			sum += d[i] * (n + 1 - i)
		}
		r := sum * 10 % 11
		if r == 10 {
			r = 0
		}
		d[n] = r
	}
	return fmt.Sprintf("%d%d%d.%d%d%d.%d%d%d-%d%d", d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
