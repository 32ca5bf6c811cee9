package account_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

// storeBundle is an account service on a fresh database.
type storeBundle struct {
	svc   *account.Service
	store *account.Store
	d     *db.DB
}

func storeSetup(t *testing.T, d *db.DB) storeBundle {
	t.Helper()
	c, err := cache.New(t.Context(), cache.Config{Backend: cache.BackendMemory}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	svc, err := account.NewService(d, c, account.PasswordParams{MemoryKiB: 1024, Iterations: 1, Threads: 1})
	require.NoError(t, err)
	return storeBundle{svc: svc, store: svc.Store(), d: d}
}

const storePassword = "correct horse battery"

// signup creates a clinic named name and returns its owner's principal.
func (b storeBundle) signup(t *testing.T, name string) (account.Clinic, account.User, kernel.Principal) {
	t.Helper()
	c, u, err := b.svc.Signup(t.Context(), account.SignupInput{
		ClinicName: name, Name: "Owner of " + name, Email: testenv.RandomName("owner") + "@example.com", Password: storePassword,
	})
	require.NoError(t, err)
	return c, u, kernel.Principal{UserID: u.ID, ClinicID: c.ID, Role: kernel.RoleOwner}
}

// addUser adds a new user with role to owner's clinic and returns their
// principal there.
func (b storeBundle) addUser(t *testing.T, owner kernel.Principal, name string, role kernel.Role) kernel.Principal {
	t.Helper()
	u, got, err := b.svc.AddUser(t.Context(), owner, account.AddUserInput{
		Email: testenv.RandomName("user") + "@example.com", Name: name, Role: role,
	})
	require.NoError(t, err)
	require.Equal(t, role, got)
	return kernel.Principal{UserID: u.ID, ClinicID: owner.ClinicID, Role: role}
}

func storeRequireCode(t *testing.T, code apperr.Code, err error, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.Equal(t, code, apperr.CodeOf(err), append([]any{"error: %v"}, err)...)
}

func TestStoreClinicsCreateGetUpdate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := storeSetup(t, d)
		ctx := t.Context()
		name := "Clínica " + testenv.RandomName("x")
		c, u, owner := b.signup(t, name)

		got, err := b.store.Clinic(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, name, got.Name)
		require.Equal(t, account.Slugify(name), got.Slug)
		require.Equal(t, "America/Sao_Paulo", got.TimeZone)
		require.Equal(t, "pt-BR", got.Locale)
		require.True(t, c.CreatedAt.Equal(got.CreatedAt), "created_at: want %v, got %v", c.CreatedAt, got.CreatedAt)
		role, err := b.store.Role(ctx, c.ID, u.ID)
		require.NoError(t, err)
		require.Equal(t, kernel.RoleOwner, role, "the one who signs up owns the clinic")

		// A second clinic of the same name gets the next free slug.
		c2, _, _ := b.signup(t, name)
		require.Equal(t, account.Slugify(name)+"-2", c2.Slug)

		// Read through the cache once, so that the update must drop it.
		_, err = b.svc.Clinic(ctx, c.ID)
		require.NoError(t, err)
		newName, tz, locale := "Renamed", "America/Manaus", "en"
		updated, err := b.svc.UpdateClinic(ctx, owner, account.UpdateClinicInput{Name: kernel.Some(newName), TimeZone: kernel.Some(tz), Locale: kernel.Some(locale)})
		require.NoError(t, err)
		require.Equal(t, newName, updated.Name)
		for _, read := range []func(context.Context, string) (account.Clinic, error){b.store.Clinic, b.svc.Clinic} {
			got, err := read(ctx, c.ID)
			require.NoError(t, err)
			require.Equal(t, newName, got.Name)
			require.Equal(t, tz, got.TimeZone)
			require.Equal(t, locale, got.Locale)
			require.Equal(t, c.Slug, got.Slug, "the slug stays")
		}
		// No setting can be cleared: null reads as absent.
		kept, err := b.svc.UpdateClinic(ctx, owner, account.UpdateClinicInput{Name: kernel.Null[string](), TimeZone: kernel.Null[string]()})
		require.NoError(t, err)
		require.Equal(t, newName, kept.Name)
		require.Equal(t, tz, kept.TimeZone)

		_, err = b.store.Clinic(ctx, kernel.NewID())
		storeRequireCode(t, apperr.NotFound, err, "unknown clinic")
	})
}

func TestStoreUsers(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := storeSetup(t, d)
		ctx := t.Context()
		_, u, _ := b.signup(t, "Users")

		byID, err := b.store.User(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, u.Email, byID.Email)
		require.Equal(t, u.Name, byID.Name)
		require.NotEmpty(t, byID.PasswordHash)
		byEmail, err := b.store.UserByEmail(ctx, d, u.Email)
		require.NoError(t, err)
		require.Equal(t, u.ID, byEmail.ID)

		_, err = b.store.User(ctx, kernel.NewID())
		storeRequireCode(t, apperr.NotFound, err, "unknown id")
		_, err = b.store.UserByEmail(ctx, d, "nobody@example.com")
		storeRequireCode(t, apperr.NotFound, err, "unknown e-mail")

		// The e-mail is one account: signing up again with it (in any case)
		// is a conflict, and leaves no clinic behind.
		_, _, err = b.svc.Signup(ctx, account.SignupInput{ClinicName: "Other", Name: "X", Email: strings.ToUpper(u.Email), Password: storePassword})
		storeRequireCode(t, apperr.Conflict, err)
		var n int
		require.NoError(t, d.QueryRowContext(ctx, `SELECT COUNT(*) FROM clinics WHERE name = 'Other'`).Scan(&n))
		require.Zero(t, n)

		tests := []struct {
			name, email, password string
			ok                    bool
		}{
			{"right password", u.Email, storePassword, true},
			{"e-mail in another case", "  " + strings.ToUpper(u.Email), storePassword, true},
			{"wrong password", u.Email, storePassword + "!", false},
			{"unknown e-mail", "nobody@example.com", storePassword, false},
		}
		for _, tt := range tests {
			got, err := b.svc.Authenticate(ctx, tt.email, tt.password)
			if tt.ok {
				require.NoError(t, err, tt.name)
				require.Equal(t, u.ID, got.ID, tt.name)
			} else {
				storeRequireCode(t, apperr.Unauthorized, err, tt.name)
			}
		}
	})
}

func TestStoreMembershipsAndRoles(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := storeSetup(t, d)
		ctx := t.Context()
		_, _, ownerA := b.signup(t, "A clinic")
		_, _, ownerB := b.signup(t, "B clinic")

		// One account, two clinics, two roles.
		recep := b.addUser(t, ownerA, "Rita", kernel.RoleReceptionist)
		u, err := b.store.User(ctx, recep.UserID)
		require.NoError(t, err)
		_, role, err := b.svc.AddUser(ctx, ownerB, account.AddUserInput{Email: u.Email, Name: "ignored", Role: kernel.RoleFinancial})
		require.NoError(t, err)
		require.Equal(t, kernel.RoleFinancial, role)
		ms, err := b.store.Memberships(ctx, recep.UserID)
		require.NoError(t, err)
		require.Equal(t, []account.Membership{
			{ClinicID: ownerA.ClinicID, Slug: account.Slugify("A clinic"), Name: "A clinic", Role: kernel.RoleReceptionist},
			{ClinicID: ownerB.ClinicID, Slug: account.Slugify("B clinic"), Name: "B clinic", Role: kernel.RoleFinancial},
		}, ms, "by clinic name")

		_, _, err = b.svc.AddUser(ctx, ownerA, account.AddUserInput{Email: u.Email, Name: "Rita", Role: kernel.RoleAdmin})
		storeRequireCode(t, apperr.Conflict, err, "already a member")

		members, err := b.svc.Members(ctx, ownerA)
		require.NoError(t, err)
		require.Len(t, members, 2)
		got := map[string]kernel.Role{}
		for _, m := range members {
			got[m.ID] = m.Role
		}
		require.Equal(t, map[string]kernel.Role{ownerA.UserID: kernel.RoleOwner, recep.UserID: kernel.RoleReceptionist}, got)

		// A change of role is seen at once, also through the cached Role.
		_, err = b.svc.Role(ctx, ownerA.ClinicID, recep.UserID)
		require.NoError(t, err)
		require.NoError(t, b.svc.ChangeRole(ctx, ownerA, recep.UserID, kernel.RoleProfessional))
		for _, read := range []func(context.Context, string, string) (kernel.Role, error){b.store.Role, b.svc.Role} {
			r, err := read(ctx, ownerA.ClinicID, recep.UserID)
			require.NoError(t, err)
			require.Equal(t, kernel.RoleProfessional, r)
		}
		r, err := b.store.Role(ctx, ownerB.ClinicID, recep.UserID)
		require.NoError(t, err)
		require.Equal(t, kernel.RoleFinancial, r, "the other clinic's role stays")

		// Removed from A: no role there (also cached), the account and its
		// membership of B stay.
		require.NoError(t, b.svc.RemoveMember(ctx, ownerA, recep.UserID))
		for _, read := range []func(context.Context, string, string) (kernel.Role, error){b.store.Role, b.svc.Role} {
			_, err := read(ctx, ownerA.ClinicID, recep.UserID)
			storeRequireCode(t, apperr.NotFound, err)
		}
		ms, err = b.store.Memberships(ctx, recep.UserID)
		require.NoError(t, err)
		require.Len(t, ms, 1)
		require.Equal(t, ownerB.ClinicID, ms[0].ClinicID)
		_, err = b.store.User(ctx, recep.UserID)
		require.NoError(t, err)

		storeRequireCode(t, apperr.NotFound, b.svc.RemoveMember(ctx, ownerA, recep.UserID), "removed twice")
		storeRequireCode(t, apperr.NotFound, b.svc.ChangeRole(ctx, ownerA, kernel.NewID(), kernel.RoleAdmin), "unknown user")
		storeRequireCode(t, apperr.NotFound, b.svc.ChangeRole(ctx, ownerA, "not-an-id", kernel.RoleAdmin), "malformed id")
		storeRequireCode(t, apperr.Invalid, b.svc.ChangeRole(ctx, ownerA, ownerA.UserID, kernel.Role("boss")), "unknown role")
	})
}

func TestStoreLastOwnerIsProtected(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := storeSetup(t, d)
		ctx := t.Context()
		_, _, owner := b.signup(t, "Owners")

		storeRequireCode(t, apperr.Conflict, b.svc.ChangeRole(ctx, owner, owner.UserID, kernel.RoleAdmin), "demote the only owner")
		storeRequireCode(t, apperr.Conflict, b.svc.RemoveMember(ctx, owner, owner.UserID), "remove the only owner")
		require.NoError(t, b.svc.ChangeRole(ctx, owner, owner.UserID, kernel.RoleOwner), "owner to owner keeps an owner")
		role, err := b.store.Role(ctx, owner.ClinicID, owner.UserID)
		require.NoError(t, err)
		require.Equal(t, kernel.RoleOwner, role)

		// With a second owner the first may step down; then the second is
		// the last one.
		second := b.addUser(t, owner, "Second", kernel.RoleOwner)
		require.NoError(t, b.svc.ChangeRole(ctx, owner, owner.UserID, kernel.RoleAdmin))
		storeRequireCode(t, apperr.Conflict, b.svc.RemoveMember(ctx, second, second.UserID), "remove the last owner")
		storeRequireCode(t, apperr.Conflict, b.svc.ChangeRole(ctx, second, second.UserID, kernel.RoleReceptionist), "demote the last owner")
		members, err := b.svc.Members(ctx, second)
		require.NoError(t, err)
		owners := 0
		for _, m := range members {
			if m.Role == kernel.RoleOwner {
				owners++
			}
		}
		require.Equal(t, 1, owners)
	})
}

func TestStoreAPITokens(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := storeSetup(t, d)
		ctx := t.Context()
		_, _, owner := b.signup(t, "Tokens")

		tok, secret, err := b.svc.CreateToken(ctx, owner, account.CreateTokenInput{Name: " Integration ", Role: kernel.RoleReceptionist})
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(secret, account.TokenPrefix))
		require.Equal(t, "Integration", tok.Name)
		require.Equal(t, owner.UserID, tok.CreatedBy)
		var stored string
		require.NoError(t, d.QueryRowContext(ctx, `SELECT token_hash FROM api_tokens WHERE id = $1`, tok.ID).Scan(&stored))
		require.Equal(t, account.HashToken(secret), stored, "only the hash is stored")

		p, err := b.svc.TokenPrincipal(ctx, secret)
		require.NoError(t, err)
		require.Equal(t, kernel.Principal{TokenID: tok.ID, ClinicID: owner.ClinicID, Role: kernel.RoleReceptionist}, p)

		other, otherSecret, err := b.svc.CreateToken(ctx, owner, account.CreateTokenInput{Name: "Other", Role: kernel.RoleFinancial})
		require.NoError(t, err)

		for name, s := range map[string]string{
			"unknown secret": account.TokenPrefix + "nope",
			"no prefix":      strings.TrimPrefix(secret, account.TokenPrefix),
			"empty":          "",
		} {
			_, err := b.svc.TokenPrincipal(ctx, s)
			storeRequireCode(t, apperr.Unauthorized, err, name)
		}

		require.NoError(t, b.svc.RevokeToken(ctx, owner, tok.ID))
		_, err = b.svc.TokenPrincipal(ctx, secret)
		storeRequireCode(t, apperr.Unauthorized, err, "revoked")
		require.NoError(t, b.svc.RevokeToken(ctx, owner, tok.ID), "revoking twice is not an error")
		p, err = b.svc.TokenPrincipal(ctx, otherSecret)
		require.NoError(t, err, "the other token still works")
		require.Equal(t, other.ID, p.TokenID)

		storeRequireCode(t, apperr.NotFound, b.svc.RevokeToken(ctx, owner, kernel.NewID()), "unknown token")
		storeRequireCode(t, apperr.NotFound, b.svc.RevokeToken(ctx, owner, "not-an-id"), "malformed id")
	})
}

// TestStoreTenancy checks that a clinic's rows are not found from another
// clinic.
func TestStoreTenancy(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := storeSetup(t, d)
		ctx := t.Context()
		_, _, ownerA := b.signup(t, "Tenant A")
		_, _, ownerB := b.signup(t, "Tenant B")
		userA := b.addUser(t, ownerA, "Only in A", kernel.RoleAdmin)
		tokA, secretA, err := b.svc.CreateToken(ctx, ownerA, account.CreateTokenInput{Name: "A", Role: kernel.RoleAdmin})
		require.NoError(t, err)

		tests := []struct {
			name string
			do   func() error
		}{
			{"role of A's user in B", func() error { _, err := b.store.Role(ctx, ownerB.ClinicID, userA.UserID); return err }},
			{"cached role of A's user in B", func() error { _, err := b.svc.Role(ctx, ownerB.ClinicID, userA.UserID); return err }},
			{"B changes A's user", func() error { return b.svc.ChangeRole(ctx, ownerB, userA.UserID, kernel.RoleFinancial) }},
			{"B removes A's user", func() error { return b.svc.RemoveMember(ctx, ownerB, userA.UserID) }},
			{"B removes A's owner", func() error { return b.svc.RemoveMember(ctx, ownerB, ownerA.UserID) }},
			{"B revokes A's token", func() error { return b.svc.RevokeToken(ctx, ownerB, tokA.ID) }},
		}
		for _, tt := range tests {
			storeRequireCode(t, apperr.NotFound, tt.do(), tt.name)
		}

		// Nothing of A changed.
		role, err := b.store.Role(ctx, ownerA.ClinicID, userA.UserID)
		require.NoError(t, err)
		require.Equal(t, kernel.RoleAdmin, role)
		p, err := b.svc.TokenPrincipal(ctx, secretA)
		require.NoError(t, err)
		require.Equal(t, ownerA.ClinicID, p.ClinicID)
		membersB, err := b.svc.Members(ctx, ownerB)
		require.NoError(t, err)
		require.Len(t, membersB, 1)
		require.Equal(t, ownerB.UserID, membersB[0].ID)

		// B's settings change B only.
		name := "B renamed"
		_, err = b.svc.UpdateClinic(ctx, ownerB, account.UpdateClinicInput{Name: kernel.Some(name)})
		require.NoError(t, err)
		a, err := b.store.Clinic(ctx, ownerA.ClinicID)
		require.NoError(t, err)
		require.Equal(t, "Tenant A", a.Name)
	})
}
