package account_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/kernel"
	"clinic/internal/kernel/roletest"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

// TestRolesRefusedByTheService: clinic settings, members and API tokens are
// for owners and admins, whoever calls the service.
func TestRolesRefusedByTheService(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c, err := cache.New(context.Background(), cache.Config{Backend: cache.BackendMemory}, nil, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		svc, err := account.NewService(d, c, account.PasswordParams{MemoryKiB: 1024, Iterations: 1, Threads: 1})
		require.NoError(t, err)
		clinicID := appointmenttest.Clinic(t, d, "")
		principal := appointmenttest.Principals(t, d, clinicID, false)
		roletest.Run(t, principal, []roletest.Case{
			{Name: "update clinic settings", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.UpdateClinic(ctx, p, account.UpdateClinicInput{})
				return err
			}},
			{Name: "add a user", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, _, err := svc.AddUser(ctx, p, account.AddUserInput{})
				return err
			}},
			{Name: "list members", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.Members(ctx, p)
				return err
			}},
			{Name: "change a role", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				return svc.ChangeRole(ctx, p, kernel.NewID(), kernel.RoleReceptionist)
			}},
			{Name: "remove a member", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				return svc.RemoveMember(ctx, p, kernel.NewID())
			}},
			{Name: "create a token", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, _, err := svc.CreateToken(ctx, p, account.CreateTokenInput{})
				return err
			}},
			{Name: "revoke a token", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				return svc.RevokeToken(ctx, p, kernel.NewID())
			}},
		})
	})
}
