package appointment_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/appointment"
	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/kernel"
	"clinic/internal/kernel/roletest"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/schedule"
)

// TestRolesRefusedByTheService: owners, admins and receptionists book and
// change appointments, professionals change the status and notes of their
// own, financial users nothing, whoever calls the service.
func TestRolesRefusedByTheService(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c, err := cache.New(context.Background(), cache.Config{Backend: cache.BackendMemory}, nil, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		svc := appointment.NewService(d, schedule.NewService(d, c), nil, appointment.WithCache(c))
		clinicID := appointmenttest.Clinic(t, d, "")
		principal := appointmenttest.Principals(t, d, clinicID, true)
		bookers := []kernel.Role{kernel.RoleOwner, kernel.RoleAdmin, kernel.RoleReceptionist}
		changers := append([]kernel.Role{kernel.RoleProfessional}, bookers...)
		later := "2099-01-05T10:00:00-03:00"
		notes := "seen"
		roletest.Run(t, principal, []roletest.Case{
			{Name: "book", Allowed: bookers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.Create(ctx, p, appointment.CreateInput{})
				return err
			}},
			{Name: "book outside working hours", Allowed: bookers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.Create(ctx, p, appointment.CreateInput{OverrideWorkingHours: true})
				return err
			}},
			{Name: "book a series", Allowed: bookers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.CreateSeries(ctx, p, appointment.SeriesInput{})
				return err
			}},
			{Name: "move", Allowed: bookers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.Update(ctx, p, kernel.NewID(), appointment.UpdateInput{StartsAt: kernel.Some(later)})
				return err
			}},
			{Name: "change notes", Allowed: changers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.Update(ctx, p, kernel.NewID(), appointment.UpdateInput{Notes: kernel.Some(notes)})
				return err
			}},
			{Name: "change status", Allowed: changers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.SetStatus(ctx, p, kernel.NewID(), appointment.StatusInput{Status: appointment.StatusConfirmed})
				return err
			}},
		})
	})
}
