package billing_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/app"
	"clinic/internal/app/apptest"
	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/billing"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/testenv"
	"clinic/internal/schedule"
)

// env is a clinic on a fresh database: the app's services (no job
// workers), an owner, a professional with a user of their own, a
// procedure and a patient.
type env struct {
	t         testing.TB
	a         *app.App
	b         *billing.Service
	clinicID  string
	owner     kernel.Principal
	financial kernel.Principal
	recep     kernel.Principal
	admin     kernel.Principal
	profUser  kernel.Principal
	prof      schedule.Professional
	proc      schedule.Procedure
	patient   patient.Patient
}

func newApp(t testing.TB, url string) *app.App {
	t.Helper()
	cfg := apptest.Config(t, url, map[string]string{"WORKERS": "0"})
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func newEnv(t testing.TB, a *app.App) *env {
	t.Helper()
	ctx := context.Background()
	c, u, err := a.Accounts.Signup(ctx, account.SignupInput{ClinicName: "Clínica Bem-Estar", Name: "Dona", Email: testenv.RandomName("o") + "@example.com",
		Password: "correct horse battery"})
	require.NoError(t, err)
	owner := kernel.Principal{UserID: u.ID, ClinicID: c.ID, Role: kernel.RoleOwner}
	_, err = a.Accounts.UpdateClinic(ctx, owner, account.UpdateClinicInput{TimeZone: kernel.Some("America/Sao_Paulo")})
	require.NoError(t, err)
	pw := "correct horse battery"
	pu, _, err := a.Accounts.AddUser(ctx, owner, account.AddUserInput{Email: testenv.RandomName("p") + "@example.com", Name: "Ana", Role: kernel.RoleProfessional, Password: &pw})
	require.NoError(t, err)
	prof, err := a.Schedule.CreateProfessional(ctx, owner, schedule.ProfessionalInput{Name: "Dra. Ana Souza", DefaultDurationMinutes: 30, UserID: &pu.ID})
	require.NoError(t, err)
	proc, err := a.Schedule.CreateProcedure(ctx, owner, schedule.ProcedureInput{Name: "Consulta", DefaultDurationMinutes: 30})
	require.NoError(t, err)
	pat, err := a.Patients.Create(ctx, owner, patient.Input{FullName: kernel.Some("Maria da Silva")})
	require.NoError(t, err)
	as := func(r kernel.Role) kernel.Principal { return kernel.Principal{UserID: u.ID, ClinicID: c.ID, Role: r} }
	return &env{t: t, a: a, b: a.Billing, clinicID: c.ID, owner: owner, financial: as(kernel.RoleFinancial), recep: as(kernel.RoleReceptionist),
		admin: as(kernel.RoleAdmin), profUser: kernel.Principal{UserID: pu.ID, ClinicID: c.ID, Role: kernel.RoleProfessional},
		prof: prof, proc: proc, patient: pat}
}

// complete books the patient with the procedure n×40 minutes after the
// next ten (bookings are never in the past) and completes it.
func (e *env) complete(patientID string, n int) appointment.Appointment {
	e.t.Helper()
	start := time.Now().Truncate(time.Minute).Add(time.Duration(10+40*n) * time.Minute)
	ctx := context.Background()
	ap, err := e.a.Appointments.Create(ctx, e.owner, appointment.CreateInput{PatientID: patientID, ProfessionalID: e.prof.ID,
		StartsAt: start.Format(time.RFC3339), DurationMinutes: 30, ProcedureID: e.proc.ID, OverrideWorkingHours: true})
	require.NoError(e.t, err, "%+v", apperr.As(err).Fields)
	for _, st := range []appointment.Status{appointment.StatusArrived, appointment.StatusCompleted} {
		_, err = e.a.Appointments.SetStatus(ctx, e.owner, ap.ID, appointment.StatusInput{Status: st})
		require.NoError(e.t, err)
	}
	return ap
}

func (e *env) price(private int64, plans ...billing.PlanPrice) {
	e.t.Helper()
	_, err := e.b.SetProcedurePrices(context.Background(), e.owner, e.proc.ID, billing.PricesInput{PrivateCents: &private, Plans: plans})
	require.NoError(e.t, err)
}

func (e *env) charge(cents int64) billing.Charge {
	e.t.Helper()
	c, err := e.b.CreateCharge(context.Background(), e.financial, billing.ChargeInput{PatientID: e.patient.ID, Description: "Relatório", AmountCents: cents})
	require.NoError(e.t, err)
	return c
}

func mustZone(t testing.TB) *time.Location {
	t.Helper()
	z, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	return z
}

func scheduleInput(name string) schedule.ProfessionalInput {
	return schedule.ProfessionalInput{Name: name, DefaultDurationMinutes: 30}
}
