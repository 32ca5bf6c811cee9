package app_test

import (
	"context"
	"encoding/json"
	"net/http"
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
	"clinic/internal/platform/pubsub"
	"clinic/internal/platform/pubsub/pubsubtest"
	"clinic/internal/platform/testenv"
	"clinic/internal/schedule"
)

// liveEvent is the payload published on a clinic's agenda topic, as a
// browser reads it.
type liveEvent struct {
	Kind              string    `json:"kind"`
	AppointmentID     string    `json:"appointment_id"`
	PatientID         string    `json:"patient_id"`
	ProfessionalID    string    `json:"professional_id"`
	StartsAt          time.Time `json:"starts_at"`
	EndsAt            time.Time `json:"ends_at"`
	Status            string    `json:"status"`
	OldProfessionalID string    `json:"old_professional_id"`
	OldStartsAt       time.Time `json:"old_starts_at"`
}

// listen subscribes to the clinic's agenda topic on ps.
func listen(t *testing.T, ps pubsub.PubSub, clinicID string) pubsub.Subscription {
	t.Helper()
	s, err := ps.Subscribe(t.Context(), appointment.AgendaTopic(clinicID))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// nextEvent reads the next message of s, which must be an event.
func nextEvent(t *testing.T, s pubsub.Subscription) liveEvent {
	t.Helper()
	m := pubsubtest.Receive(t, s)
	require.False(t, m.Gap, "a Gap instead of an event")
	var e liveEvent
	require.NoError(t, json.Unmarshal(m.Payload, &e), "payload %s", m.Payload)
	return e
}

// TestEveryChangeTheAgendaShowsIsPublishedOnTheClinicsTopic: whoever makes
// the change, the clinic's open agendas hear of it once, through the hooks
// wired in app (in-process pub/sub: no REDIS_URL).
func TestEveryChangeTheAgendaShowsIsPublishedOnTheClinicsTopic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		write func(t *testing.T, a *app.App, c effectsClinic)
		check func(t *testing.T, c effectsClinic, e liveEvent)
	}{
		{
			name: "a booking",
			write: func(t *testing.T, a *app.App, c effectsClinic) {
				_, err := a.Appointments.Create(context.Background(), c.owner, appointment.CreateInput{
					PatientID: c.patientID, ProfessionalID: c.professionalID, StartsAt: c.day.Add(13 * time.Hour).Format(time.RFC3339), DurationMinutes: 30,
				})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c effectsClinic, e liveEvent) {
				require.Equal(t, "created", e.Kind)
				require.NotEmpty(t, e.AppointmentID)
				require.Equal(t, c.professionalID, e.ProfessionalID)
				require.True(t, e.StartsAt.Equal(c.day.Add(13*time.Hour)), "starts_at %s", e.StartsAt)
				require.True(t, e.EndsAt.Equal(c.day.Add(13*time.Hour+30*time.Minute)), "ends_at %s", e.EndsAt)
				require.Equal(t, "scheduled", e.Status)
			},
		},
		{
			name: "a reschedule",
			write: func(t *testing.T, a *app.App, c effectsClinic) {
				_, err := a.Appointments.Update(context.Background(), c.owner, c.appointmentID, appointment.UpdateInput{
					StartsAt: kernel.Some(c.day.Add(14 * time.Hour).Format(time.RFC3339))})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c effectsClinic, e liveEvent) {
				require.Equal(t, "rescheduled", e.Kind)
				require.Equal(t, c.appointmentID, e.AppointmentID)
				require.True(t, e.StartsAt.Equal(c.day.Add(14*time.Hour)), "starts_at %s", e.StartsAt)
				require.True(t, e.OldStartsAt.Equal(c.day.Add(12*time.Hour)), "old_starts_at %s", e.OldStartsAt)
				require.Equal(t, c.professionalID, e.OldProfessionalID)
			},
		},
		{
			name: "a cancellation",
			write: func(t *testing.T, a *app.App, c effectsClinic) {
				_, err := a.Appointments.SetStatus(context.Background(), c.owner, c.appointmentID, appointment.StatusInput{Status: appointment.StatusCancelled})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c effectsClinic, e liveEvent) {
				require.Equal(t, "status", e.Kind)
				require.Equal(t, c.appointmentID, e.AppointmentID)
				require.Equal(t, "cancelled", e.Status)
			},
		},
		{
			name: "a patient renamed",
			write: func(t *testing.T, a *app.App, c effectsClinic) {
				_, err := a.Patients.Update(context.Background(), c.owner, c.patientID, patient.Input{FullName: kernel.Some("Maria Souza")})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c effectsClinic, e liveEvent) {
				require.Equal(t, liveEvent{Kind: "patient", PatientID: c.patientID}, e)
			},
		},
		{
			name: "a professional renamed",
			write: func(t *testing.T, a *app.App, c effectsClinic) {
				_, err := a.Schedule.UpdateProfessional(context.Background(), c.owner, c.professionalID, schedule.ProfessionalPatch{Name: kernel.Some("Dra. Ana Lima")})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c effectsClinic, e liveEvent) {
				require.Equal(t, liveEvent{Kind: "professional", ProfessionalID: c.professionalID}, e)
			},
		},
		{
			name: "a professional added (a new column)",
			write: func(t *testing.T, a *app.App, c effectsClinic) {
				_, err := a.Schedule.CreateProfessional(context.Background(), c.owner, schedule.ProfessionalInput{Name: "Dr. Bruno", DefaultDurationMinutes: 30})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c effectsClinic, e liveEvent) {
				require.Equal(t, "professional", e.Kind)
				require.NotEmpty(t, e.ProfessionalID)
				require.NotEqual(t, c.professionalID, e.ProfessionalID)
			},
		},
		{
			name: "the clinic's time zone changed",
			write: func(t *testing.T, a *app.App, c effectsClinic) {
				_, err := a.Accounts.UpdateClinic(context.Background(), c.owner, account.UpdateClinicInput{TimeZone: kernel.Some("Asia/Tokyo")})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c effectsClinic, e liveEvent) {
				require.Equal(t, liveEvent{Kind: "clinic"}, e)
			},
		},
	}
	dbtest.EachURL(t, func(t *testing.T, url string) {
		a := newApp(t, url)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				c := setupEffectsClinic(t, a)
				s := listen(t, a.PubSub, c.owner.ClinicID)
				tt.write(t, a, c)
				// The in-process pub/sub delivers before Publish returns, and
				// the hooks publish before the write returns.
				require.Len(t, s.C(), 1, "messages on the clinic's topic after one write")
				tt.check(t, c, nextEvent(t, s))
			})
		}
	})
}

// TestABookingOnOneServerReachesTheOpenAgendasOfTheOther runs two servers
// on one PostgreSQL and one Redis: a booking made through one server's API
// is announced to a subscriber of the other server's agenda topic.
func TestABookingOnOneServerReachesTheOpenAgendasOfTheOther(t *testing.T) {
	t.Parallel()
	pg := dbtest.PostgresURL(t)
	env := map[string]string{"REDIS_URL": testenv.RedisURL(t), "REDIS_PREFIX": testenv.RandomName("t") + ":"}
	a := apptest.New(t, pg, env)
	b := apptest.New(t, pg, env)
	require.Equal(t, "redis", a.Config.PubSub())

	onA := a.Client(t)
	clinicID, userID := onA.Signup("Live", email("owner"))
	owner := kernel.Principal{UserID: userID, ClinicID: clinicID, Role: kernel.RoleOwner}
	ctx := context.Background()
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

	agendaOnB := listen(t, b.PubSub, clinicID)
	starts := time.Now().UTC().Truncate(24 * time.Hour).Add(48*time.Hour + 12*time.Hour) // 09:00 in São Paulo
	res := onA.Do("POST", "/api/v1/clinics/"+clinicID+"/appointments", map[string]any{
		"patient_id": pa.ID, "professional_id": pr.ID, "starts_at": starts.Format(time.RFC3339), "duration_minutes": 30,
	})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var booked struct{ ID string }
	res.Decode(t, &booked)

	// Events published on a before (the professional, the working hours)
	// went out before b subscribed; the booking is the first b hears of.
	e := nextEvent(t, agendaOnB)
	require.Equal(t, "created", e.Kind)
	require.Equal(t, booked.ID, e.AppointmentID)
	require.Equal(t, pr.ID, e.ProfessionalID)
	require.True(t, e.StartsAt.Equal(starts), "starts_at %s, want %s", e.StartsAt, starts)
}
