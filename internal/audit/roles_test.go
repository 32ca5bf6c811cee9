package audit_test

import (
	"context"
	"testing"

	"clinic/internal/account"
	"clinic/internal/account/roletest"
	"clinic/internal/audit"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

// TestRolesRefusedByTheService: the audit trail is for owners and admins,
// whoever calls the service.
func TestRolesRefusedByTheService(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := audit.NewService(d)
		clinicID := account.NewID()
		principal := func(r account.Role) account.Principal {
			return account.Principal{UserID: account.NewID(), ClinicID: clinicID, Role: r}
		}
		roletest.Run(t, principal, []roletest.Case{
			{Name: "list the trail", Allowed: roletest.Managers, Call: func(ctx context.Context, p account.Principal) error {
				_, err := svc.List(ctx, p, audit.Filter{})
				return err
			}},
		})
	})
}
