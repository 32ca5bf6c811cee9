package account_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

func TestClinicZoneFollowsTheSettings(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c, err := cache.New(ctx, cache.Config{Backend: cache.BackendMemory}, nil, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		svc, err := account.NewService(d, c, account.PasswordParams{MemoryKiB: 1024, Iterations: 1, Threads: 1})
		require.NoError(t, err)
		cl, u, err := svc.Signup(ctx, account.SignupInput{ClinicName: "Zone", Name: "Owner", Email: "zone@example.com", Password: "correct horse battery"})
		require.NoError(t, err)

		for _, z := range []interface {
			ClinicZone(context.Context, string) (*time.Location, error)
		}{svc, svc.Store()} {
			loc, err := z.ClinicZone(ctx, cl.ID)
			require.NoError(t, err)
			require.Equal(t, "America/Sao_Paulo", loc.String())
			_, err = z.ClinicZone(ctx, kernel.NewID())
			require.True(t, apperr.Is(err, apperr.NotFound), "%v", err)
		}

		var changes []account.ClinicChange
		svc, err = account.NewService(d, c, account.PasswordParams{MemoryKiB: 1024, Iterations: 1, Threads: 1},
			account.OnClinicChange(func(_ context.Context, ch account.ClinicChange) { changes = append(changes, ch) }))
		require.NoError(t, err)
		zone := "Asia/Tokyo"
		_, err = svc.UpdateClinic(ctx, kernel.Principal{UserID: u.ID, ClinicID: cl.ID, Role: kernel.RoleOwner}, account.UpdateClinicInput{TimeZone: kernel.Some(zone)})
		require.NoError(t, err)
		loc, err := svc.ClinicZone(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, "Asia/Tokyo", loc.String(), "the cached settings were dropped")
		require.Equal(t, []account.ClinicChange{{ClinicID: cl.ID, TimeZone: true}}, changes)
	})
}
