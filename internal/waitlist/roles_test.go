package waitlist_test

import (
	"context"
	"testing"

	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/kernel"
	"clinic/internal/kernel/roletest"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/waitlist"
)

// TestRolesRefusedByTheService: owners, admins and receptionists manage the
// waitlist, professionals read it (their own and any-professional entries),
// financial users nothing, whoever calls the service.
func TestRolesRefusedByTheService(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := waitlist.NewService(d)
		clinicID := appointmenttest.Clinic(t, d, "")
		principal := appointmenttest.Principals(t, d, clinicID, true)
		managers := []kernel.Role{kernel.RoleOwner, kernel.RoleAdmin, kernel.RoleReceptionist}
		readers := append([]kernel.Role{kernel.RoleProfessional}, managers...)
		roletest.Run(t, principal, []roletest.Case{
			{Name: "add an entry", Allowed: managers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.Create(ctx, p, waitlist.CreateInput{})
				return err
			}},
			{Name: "remove an entry", Allowed: managers, Call: func(ctx context.Context, p kernel.Principal) error {
				return svc.Remove(ctx, p, kernel.NewID())
			}},
			{Name: "list entries", Allowed: readers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.List(ctx, p, waitlist.ListFilter{})
				return err
			}},
			{Name: "list an entry's offers", Allowed: readers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.Offers(ctx, p, kernel.NewID())
				return err
			}},
		})
	})
}
