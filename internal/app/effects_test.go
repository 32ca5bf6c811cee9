package app_test

import (
	"context"
	"encoding/json"
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
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/schedule"
)

// newApp builds a wired App on url without serving HTTP: tests call its
// services directly, so that they go through the real hooks.
func newApp(t *testing.T, url string) *app.App {
	t.Helper()
	cfg := apptest.Config(t, url, map[string]string{"WORKERS": "0"})
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	return a
}

// effectsClinic is a clinic with a professional working 08:00–12:00 every
// day, a patient, and one appointment the day after tomorrow.
type effectsClinic struct {
	owner          kernel.Principal
	professionalID string
	patientID      string
	appointmentID  string
	// day is a whole UTC day two days ahead: the agenda and availability
	// are read over it.
	day time.Time
}

func setupEffectsClinic(t *testing.T, a *app.App) effectsClinic {
	t.Helper()
	ctx := context.Background()
	c, u, err := a.Accounts.Signup(ctx, account.SignupInput{
		ClinicName: "Effects", Name: "Owner", Email: email("effects"), Password: "correct horse battery",
	})
	require.NoError(t, err)
	owner := kernel.Principal{UserID: u.ID, ClinicID: c.ID, Role: kernel.RoleOwner}
	pr, err := a.Schedule.CreateProfessional(ctx, owner, schedule.ProfessionalInput{Name: "Dra. Ana", DefaultDurationMinutes: 30})
	require.NoError(t, err)
	rules := make([]schedule.RuleInput, 7)
	for d := range rules {
		rules[d] = schedule.RuleInput{Weekday: &d, Start: "08:00", End: "12:00"}
	}
	_, err = a.Schedule.SetWorkingHours(ctx, owner, pr.ID, rules)
	require.NoError(t, err)
	pa, err := a.Patients.Create(ctx, owner, patient.Input{FullName: kernel.Some("Maria Silva")})
	require.NoError(t, err)
	day := time.Now().UTC().Truncate(24 * time.Hour).Add(48 * time.Hour)
	ap, err := a.Appointments.Create(ctx, owner, appointment.CreateInput{
		PatientID: pa.ID, ProfessionalID: pr.ID, StartsAt: day.Add(12 * time.Hour).Format(time.RFC3339), // 09:00 in São Paulo
		DurationMinutes: 30,
	})
	require.NoError(t, err)
	return effectsClinic{owner: owner, professionalID: pr.ID, patientID: pa.ID, appointmentID: ap.ID, day: day}
}

type agendaItem struct {
	ID               string `json:"id"`
	PatientName      string `json:"patient_name"`
	ProfessionalName string `json:"professional_name"`
	Procedure        string `json:"procedure"`
	ProcedureColor   string `json:"procedure_color"`
	RoomName         string `json:"room_name"`
}

// agenda reads the day's agenda through the cached path (ListJSON).
func (c effectsClinic) agenda(t *testing.T, a *app.App) []agendaItem {
	t.Helper()
	body, _, err := a.Appointments.ListJSON(context.Background(), c.owner, appointment.ListFilter{From: c.day, To: c.day.Add(24 * time.Hour)}, nil)
	require.NoError(t, err)
	var page struct{ Items []agendaItem }
	require.NoError(t, json.Unmarshal(body, &page), "%s", body)
	return page.Items
}

// availability reads the day's free slots of every active professional.
func (c effectsClinic) availability(t *testing.T, a *app.App) []schedule.Slot {
	t.Helper()
	slots, err := a.Schedule.Availability(context.Background(), c.owner.ClinicID, schedule.AvailabilityQuery{From: c.day, To: c.day.Add(24 * time.Hour)})
	require.NoError(t, err)
	return slots
}

// behindTheCache changes the appointment's procedure straight in the
// database, where no service sees it: the agenda shows it only once its
// cached pages are dropped.
func (c effectsClinic) behindTheCache(t *testing.T, a *app.App, procedure string) {
	t.Helper()
	_, err := a.DB.ExecContext(context.Background(), `UPDATE appointments SET procedure = $1 WHERE id = $2`, procedure, c.appointmentID)
	require.NoError(t, err)
}

// inWorkingHours reports whether every slot starts within 08:00–12:00 in loc.
func inWorkingHours(slots []schedule.Slot, loc *time.Location) bool {
	for _, s := range slots {
		if h := s.Start.In(loc).Hour(); h < 8 || h >= 12 {
			return false
		}
	}
	return true
}

// TestCrossServiceEffects checks that a write made through one service is
// seen at once by the agenda (its cached pages) and by availability (its
// cached answers), through the hooks wired in app: no HTTP is involved.
// Each case also changes the appointment behind the cache just before its
// write, so that the agenda must have been read again afterwards even where
// the write itself shows nothing on it.
func TestCrossServiceEffects(t *testing.T) {
	t.Parallel()
	saoPaulo, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)

	tests := []struct {
		name  string
		write func(t *testing.T, a *app.App, c effectsClinic)
		// check looks at the agenda and availability after the write.
		check func(t *testing.T, c effectsClinic, agenda []agendaItem, slots []schedule.Slot)
	}{
		{
			name: "patient renamed",
			write: func(t *testing.T, a *app.App, c effectsClinic) {
				_, err := a.Patients.Update(context.Background(), c.owner, c.patientID, patient.Input{FullName: kernel.Some("Maria Souza")})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c effectsClinic, agenda []agendaItem, _ []schedule.Slot) {
				require.Equal(t, "Maria Souza", agenda[0].PatientName)
			},
		},
		{
			name: "patient archived",
			write: func(t *testing.T, a *app.App, c effectsClinic) {
				require.NoError(t, a.Patients.Archive(context.Background(), c.owner, c.patientID))
			},
			check: func(t *testing.T, c effectsClinic, agenda []agendaItem, _ []schedule.Slot) {
				// The agenda keeps an archived patient's appointments.
				require.Equal(t, "Maria Silva", agenda[0].PatientName)
			},
		},
		{
			name: "professional renamed",
			write: func(t *testing.T, a *app.App, c effectsClinic) {
				name := "Dra. Ana Lima"
				_, err := a.Schedule.UpdateProfessional(context.Background(), c.owner, c.professionalID, schedule.ProfessionalPatch{Name: kernel.Some(name)})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c effectsClinic, agenda []agendaItem, slots []schedule.Slot) {
				require.Equal(t, "Dra. Ana Lima", agenda[0].ProfessionalName)
				require.NotEmpty(t, slots)
			},
		},
		{
			name: "professional deactivated",
			write: func(t *testing.T, a *app.App, c effectsClinic) {
				inactive := false
				_, err := a.Schedule.UpdateProfessional(context.Background(), c.owner, c.professionalID, schedule.ProfessionalPatch{Active: kernel.Some(inactive)})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c effectsClinic, _ []agendaItem, slots []schedule.Slot) {
				require.Empty(t, slots, "an inactive professional offers no slots")
			},
		},
		{
			name: "procedure recoloured",
			write: func(t *testing.T, a *app.App, c effectsClinic) {
				ctx := context.Background()
				pc, err := a.Schedule.CreateProcedure(ctx, c.owner, schedule.ProcedureInput{Name: "Consulta", Color: "#111111"})
				require.NoError(t, err)
				_, err = a.DB.ExecContext(ctx, `UPDATE appointments SET procedure_id = $1 WHERE id = $2`, pc.ID, c.appointmentID)
				require.NoError(t, err)
				_, err = a.Schedule.UpdateProcedure(ctx, c.owner, pc.ID, schedule.ProcedurePatch{Color: kernel.Some("#222222")})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c effectsClinic, agenda []agendaItem, _ []schedule.Slot) {
				require.Equal(t, "#222222", agenda[0].ProcedureColor)
			},
		},
		{
			name: "room renamed",
			write: func(t *testing.T, a *app.App, c effectsClinic) {
				ctx := context.Background()
				r, err := a.Schedule.CreateRoom(ctx, c.owner, schedule.RoomInput{Name: "Sala 1"})
				require.NoError(t, err)
				_, err = a.DB.ExecContext(ctx, `UPDATE appointments SET room_id = $1 WHERE id = $2`, r.ID, c.appointmentID)
				require.NoError(t, err)
				_, err = a.Schedule.UpdateRoom(ctx, c.owner, r.ID, schedule.RoomPatch{Name: kernel.Some("Consultório 1")})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c effectsClinic, agenda []agendaItem, _ []schedule.Slot) {
				require.Equal(t, "Consultório 1", agenda[0].RoomName)
			},
		},
		{
			name: "clinic time zone changed",
			write: func(t *testing.T, a *app.App, c effectsClinic) {
				zone := "Asia/Tokyo"
				_, err := a.Accounts.UpdateClinic(context.Background(), c.owner, account.UpdateClinicInput{TimeZone: kernel.Some(zone)})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c effectsClinic, _ []agendaItem, slots []schedule.Slot) {
				require.NotEmpty(t, slots)
				require.True(t, inWorkingHours(slots, tokyo), "slots still laid in the old zone: %v", slots)
			},
		},
	}
	dbtest.EachURL(t, func(t *testing.T, url string) {
		a := newApp(t, url)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				c := setupEffectsClinic(t, a)
				// Fill both caches, and check they answer from them.
				before := c.agenda(t, a)
				require.Len(t, before, 1)
				slots := c.availability(t, a)
				require.NotEmpty(t, slots)
				require.True(t, inWorkingHours(slots, saoPaulo))
				c.behindTheCache(t, a, "unseen")
				require.Equal(t, before, c.agenda(t, a), "the agenda is not cached")

				c.behindTheCache(t, a, "seen after the write")
				tt.write(t, a, c)
				agenda := c.agenda(t, a)
				require.Len(t, agenda, 1)
				require.Equal(t, "seen after the write", agenda[0].Procedure, "the agenda's cached pages survived the write")
				tt.check(t, c, agenda, c.availability(t, a))
			})
		}
	})
}
