package record_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/app"
	"clinic/internal/app/apptest"
	"clinic/internal/appointment"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/testenv"
	"clinic/internal/record"
	"clinic/internal/schedule"
)

// testBundle is one clinic on a fresh database: its owner, a professional
// user (Ana) with an appointment with the patient, another professional
// user (Bia) without one, the other roles, a patient and the appointment.
type testBundle struct {
	a       *app.App
	svc     *record.Service
	clinic  string
	owner   kernel.Principal
	ana     kernel.Principal // professional, the patient's
	bia     kernel.Principal // professional, not the patient's
	admin   kernel.Principal
	recep   kernel.Principal
	fin     kernel.Principal
	anaProf schedule.Professional
	biaProf schedule.Professional
	patient patient.Patient
	appt    appointment.Appointment
}

func newApp(t *testing.T, dbURL string) *app.App {
	t.Helper()
	cfg := apptest.Config(t, dbURL, map[string]string{"WORKERS": "0"})
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// setup builds a clinic in a (a new app on dbURL when a is nil).
func setup(t *testing.T, a *app.App) *testBundle {
	t.Helper()
	ctx := context.Background()
	c, u, err := a.Accounts.Signup(ctx, account.SignupInput{ClinicName: "Clínica Bem-Estar", Name: "Dona Clara",
		Email: testenv.RandomName("o") + "@example.com", Password: "correct horse battery"})
	require.NoError(t, err)
	b := &testBundle{a: a, svc: a.Records, clinic: c.ID}
	b.owner = kernel.Principal{UserID: u.ID, ClinicID: c.ID, Role: kernel.RoleOwner}
	_, err = a.Accounts.UpdateClinic(ctx, b.owner, account.UpdateClinicInput{TimeZone: kernel.Some("America/Sao_Paulo"),
		Address: kernel.Some("Rua das Flores, 10 — São Paulo")})
	require.NoError(t, err)
	member := func(role kernel.Role, name string) kernel.Principal {
		u, _, err := a.Accounts.AddUser(ctx, b.owner, account.AddUserInput{Email: testenv.RandomName("u") + "@example.com", Name: name, Role: role})
		require.NoError(t, err)
		return kernel.Principal{UserID: u.ID, ClinicID: c.ID, Role: role}
	}
	b.ana, b.bia = member(kernel.RoleProfessional, "Dra. Ana Souza"), member(kernel.RoleProfessional, "Dra. Bia Lima")
	b.admin, b.recep, b.fin = member(kernel.RoleAdmin, "Adm"), member(kernel.RoleReceptionist, "Rita"), member(kernel.RoleFinancial, "Fábio")
	b.anaProf, err = a.Schedule.CreateProfessional(ctx, b.owner, schedule.ProfessionalInput{Name: "Dra. Ana Souza",
		CouncilRegistration: "CRM 12345/SP", UserID: &b.ana.UserID})
	require.NoError(t, err)
	b.biaProf, err = a.Schedule.CreateProfessional(ctx, b.owner, schedule.ProfessionalInput{Name: "Dra. Bia Lima", UserID: &b.bia.UserID})
	require.NoError(t, err)
	b.patient, err = a.Patients.Create(ctx, b.owner, patient.Input{FullName: kernel.Some("Maria da Silva")})
	require.NoError(t, err)
	start := time.Now().Add(24 * time.Hour).Truncate(time.Hour).UTC()
	b.appt, err = a.Appointments.Create(ctx, b.owner, appointment.CreateInput{PatientID: b.patient.ID, ProfessionalID: b.anaProf.ID,
		StartsAt: start.Format(time.RFC3339), DurationMinutes: 30, Procedure: "Consulta", OverrideWorkingHours: true})
	require.NoError(t, err)
	return b
}

// templateOf returns the clinic's default template of a builtin name.
func (b *testBundle) templateOf(t *testing.T, builtin string) record.Template {
	t.Helper()
	list, err := b.svc.Templates(context.Background(), b.owner)
	require.NoError(t, err)
	for _, tp := range list {
		if tp.Builtin == builtin {
			return tp
		}
	}
	t.Fatalf("no default template %q in %v", builtin, list)
	return record.Template{}
}

// encounter opens Ana's encounter from the appointment.
func (b *testBundle) encounter(t *testing.T) record.Encounter {
	t.Helper()
	e, _, err := b.svc.Open(context.Background(), b.ana, record.OpenInput{AppointmentID: b.appt.ID})
	require.NoError(t, err)
	return e
}

// reads counts the audit trail's read entries about the patient.
func (b *testBundle) reads(t *testing.T) int {
	t.Helper()
	var n int
	require.NoError(t, b.a.DB.QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM audit_log WHERE clinic_id = $1 AND patient_id = $2 AND action = 'read' AND entity IN ('encounter', 'note', 'prescription', 'record')`,
		b.clinic, b.patient.ID).Scan(&n))
	return n
}
