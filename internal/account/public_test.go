package account_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

func TestClinicPublicPageSettings(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := storeSetup(t, d)
		ctx := t.Context()
		c, _, owner := b.signup(t, "Clínica Aberta")
		require.False(t, c.PublicBooking, "the page starts off")
		got, err := b.svc.UpdateClinic(ctx, owner, account.UpdateClinicInput{PublicBooking: kernel.Some(true),
			Address: kernel.Some("  Av. Paulista,   1000 "), Phone: kernel.Some("(11) 3333-4444")})
		require.NoError(t, err)
		require.True(t, got.PublicBooking)
		require.Equal(t, "Av. Paulista, 1000", got.Address)
		bySlug, err := b.svc.ClinicBySlug(ctx, c.Slug)
		require.NoError(t, err)
		require.Equal(t, got, bySlug)
		cached, err := b.svc.Clinic(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, got, cached, "the cached settings follow")

		// Null and "" clear the address and phone; absent keeps them.
		got, err = b.svc.UpdateClinic(ctx, owner, account.UpdateClinicInput{Address: kernel.Null[string](), Phone: kernel.Some(" ")})
		require.NoError(t, err)
		require.Empty(t, got.Address)
		require.Empty(t, got.Phone)
		require.True(t, got.PublicBooking)

		_, err = b.svc.UpdateClinic(ctx, owner, account.UpdateClinicInput{Address: kernel.Some(strings.Repeat("a", 301)), Phone: kernel.Some(strings.Repeat("1", 61))})
		storeRequireCode(t, apperr.Invalid, err)
		require.Contains(t, apperr.As(err).Fields, "address")
		require.Contains(t, apperr.As(err).Fields, "phone")

		for _, slug := range []string{"", "no-such-clinic", "x\x00y", strings.Repeat("a", 65)} {
			_, err = b.svc.ClinicBySlug(ctx, slug)
			storeRequireCode(t, apperr.NotFound, err, slug)
		}
	})
}

func TestUpdateProfile(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := storeSetup(t, d)
		ctx := t.Context()
		_, u, _ := b.signup(t, "Perfil")
		require.Empty(t, u.Locale, "a new user follows the browser")

		got, err := b.svc.UpdateProfile(ctx, u.ID, account.ProfileInput{Locale: kernel.Some("en"), Name: kernel.Some("  Ana Souza ")})
		require.NoError(t, err)
		require.Equal(t, "en", got.Locale)
		require.Equal(t, "Ana Souza", got.Name)
		read, err := b.svc.User(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, "en", read.Locale)
		require.Equal(t, u.PasswordHash, read.PasswordHash, "the password stays")

		got, err = b.svc.UpdateProfile(ctx, u.ID, account.ProfileInput{Locale: kernel.Null[string]()})
		require.NoError(t, err)
		require.Empty(t, got.Locale)
		require.Equal(t, "Ana Souza", got.Name)

		for _, in := range []account.ProfileInput{{Locale: kernel.Some("fr")}, {Locale: kernel.Some("pt_BR")}, {Name: kernel.Some(" ")}} {
			_, err = b.svc.UpdateProfile(ctx, u.ID, in)
			storeRequireCode(t, apperr.Invalid, err)
		}
		read, err = b.svc.User(ctx, u.ID)
		require.NoError(t, err)
		require.Empty(t, read.Locale, "refused changes write nothing")
		_, err = b.svc.UpdateProfile(ctx, kernel.NewID(), account.ProfileInput{Locale: kernel.Some("en")})
		storeRequireCode(t, apperr.NotFound, err)
	})
}
