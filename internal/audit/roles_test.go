package audit_test

import (
	"context"
	"testing"

	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/kernel/roletest"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

// TestRolesRefusedByTheService: the audit trail is for owners and admins,
// whoever calls the service.
func TestRolesRefusedByTheService(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := audit.NewService(d)
		clinicID := kernel.NewID()
		principal := func(r kernel.Role) kernel.Principal {
			return kernel.Principal{UserID: kernel.NewID(), ClinicID: clinicID, Role: r}
		}
		roletest.Run(t, principal, []roletest.Case{
			{Name: "list the trail", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.List(ctx, p, audit.Filter{})
				return err
			}},
		})
	})
}
