package schedule_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/kernel"
	"clinic/internal/kernel/roletest"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/schedule"
)

// TestRolesRefusedByTheService: professionals, rooms, procedures and working hours are
// for owners and admins; time off and extra hours also for professionals
// (their own), whoever calls the service.
func TestRolesRefusedByTheService(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c, err := cache.New(context.Background(), cache.Config{Backend: cache.BackendMemory}, nil, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		svc := schedule.NewService(d, c)
		clinicID := appointmenttest.Clinic(t, d, "")
		principal := appointmenttest.Principals(t, d, clinicID, false)
		exceptions := append([]kernel.Role{kernel.RoleProfessional}, roletest.Managers...)
		roletest.Run(t, principal, []roletest.Case{
			{Name: "add a professional", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.CreateProfessional(ctx, p, schedule.ProfessionalInput{})
				return err
			}},
			{Name: "change a professional", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.UpdateProfessional(ctx, p, kernel.NewID(), schedule.ProfessionalPatch{})
				return err
			}},
			{Name: "set working hours", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.SetWorkingHours(ctx, p, kernel.NewID(), nil)
				return err
			}},
			{Name: "add an exception", Allowed: exceptions, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.AddException(ctx, p, kernel.NewID(), schedule.ExceptionInput{})
				return err
			}},
			{Name: "delete an exception", Allowed: exceptions, Call: func(ctx context.Context, p kernel.Principal) error {
				return svc.DeleteException(ctx, p, kernel.NewID(), kernel.NewID())
			}},
			{Name: "add a room", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.CreateRoom(ctx, p, schedule.RoomInput{})
				return err
			}},
			{Name: "change a room", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.UpdateRoom(ctx, p, kernel.NewID(), schedule.RoomPatch{})
				return err
			}},
			{Name: "add a procedure", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.CreateProcedure(ctx, p, schedule.ProcedureInput{})
				return err
			}},
			{Name: "change a procedure", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.UpdateProcedure(ctx, p, kernel.NewID(), schedule.ProcedurePatch{})
				return err
			}},
		})
	})
}
