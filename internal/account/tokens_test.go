package account_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

// Tokens lists a clinic's tokens newest first, revoked ones with the time
// of revocation, never another clinic's, and only to owners and admins.
func TestTokensListsTheClinicsTokensNewestFirst(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := storeSetup(t, d)
		ctx := t.Context()
		_, _, owner := b.signup(t, "Clínica Tokens")
		_, _, other := b.signup(t, "Outra Clínica")
		first, _, err := b.svc.CreateToken(ctx, owner, account.CreateTokenInput{Name: "Agenda online", Role: kernel.RoleReceptionist})
		require.NoError(t, err)
		second, _, err := b.svc.CreateToken(ctx, owner, account.CreateTokenInput{Name: "ERP", Role: kernel.RoleFinancial})
		require.NoError(t, err)
		_, _, err = b.svc.CreateToken(ctx, other, account.CreateTokenInput{Name: "Elsewhere", Role: kernel.RoleAdmin})
		require.NoError(t, err)
		require.NoError(t, b.svc.RevokeToken(ctx, owner, first.ID))

		got, err := b.svc.Tokens(ctx, owner)
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.ElementsMatch(t, []string{first.ID, second.ID}, []string{got[0].ID, got[1].ID})
		byID := map[string]account.Token{got[0].ID: got[0], got[1].ID: got[1]}
		require.Equal(t, "ERP", byID[second.ID].Name)
		require.Equal(t, kernel.RoleFinancial, byID[second.ID].Role)
		require.Nil(t, byID[second.ID].RevokedAt)
		require.NotNil(t, byID[first.ID].RevokedAt, "a revoked token is listed with its revocation")
		require.False(t, got[0].CreatedAt.Before(got[1].CreatedAt), "newest first")

		for _, role := range []kernel.Role{kernel.RoleProfessional, kernel.RoleReceptionist, kernel.RoleFinancial} {
			p := b.addUser(t, owner, "User "+string(role), role)
			_, err := b.svc.Tokens(ctx, p)
			storeRequireCode(t, apperr.Forbidden, err, "role %s", role)
		}
	})
}
