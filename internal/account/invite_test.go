package account_test

import (
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

// invite invites email with role through p and returns the link's token.
func (b resetBundle) invite(t *testing.T, p kernel.Principal, email string, role kernel.Role) string {
	t.Helper()
	before := len(b.jobs.all())
	require.NoError(t, b.svc.InviteUser(t.Context(), p, account.InviteInput{Email: email, Role: role}))
	jobs := b.jobs.all()
	require.Len(t, jobs, before+1)
	require.Equal(t, account.EmailInvitation, jobs[len(jobs)-1].Email)
	return jobs[len(jobs)-1].Token
}

func TestInvitation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := resetSetup(t, d)
		ctx := t.Context()
		c, owner, p := b.signup(t, "Clínica "+testenv.RandomName("i"))
		email := testenv.RandomName("new") + "@example.com"

		t.Run("refusals", func(t *testing.T) {
			admin := b.addUser(t, p, "Admin", kernel.RoleAdmin)
			reception := b.addUser(t, p, "Reception", kernel.RoleReceptionist)
			tests := []struct {
				name string
				p    kernel.Principal
				in   account.InviteInput
				code apperr.Code
			}{
				{"not an e-mail", p, account.InviteInput{Email: "nope", Role: kernel.RoleAdmin}, apperr.Invalid},
				{"unknown role", p, account.InviteInput{Email: email, Role: "boss"}, apperr.Invalid},
				{"a receptionist", reception, account.InviteInput{Email: email, Role: kernel.RoleReceptionist}, apperr.Forbidden},
				{"an admin inviting an owner", admin, account.InviteInput{Email: email, Role: kernel.RoleOwner}, apperr.Forbidden},
				{"already a member", p, account.InviteInput{Email: owner.Email, Role: kernel.RoleAdmin}, apperr.Conflict},
			}
			for _, tt := range tests {
				storeRequireCode(t, tt.code, b.svc.InviteUser(ctx, tt.p, tt.in), tt.name)
			}
			require.Empty(t, b.jobs.all(), "nothing sent")
		})

		token := b.invite(t, p, email, kernel.RoleProfessional)
		inv, err := b.svc.Invitation(ctx, token)
		require.NoError(t, err)
		require.Equal(t, account.Invitation{Email: email, ClinicID: c.ID, ClinicName: c.Name, Role: kernel.RoleProfessional}, inv)

		_, err = b.svc.AcceptInvitation(ctx, token, "", "short")
		storeRequireCode(t, apperr.Invalid, err)
		require.Contains(t, apperr.As(err).Fields, "name")
		require.Contains(t, apperr.As(err).Fields, "password")

		u, err := b.svc.AcceptInvitation(ctx, token, "  Dra. Ana  ", "a good password")
		require.NoError(t, err)
		require.Equal(t, "Dra. Ana", u.Name)
		_, err = b.svc.Authenticate(ctx, email, "a good password")
		require.NoError(t, err)
		role, err := b.svc.Role(ctx, c.ID, u.ID)
		require.NoError(t, err)
		require.Equal(t, kernel.RoleProfessional, role)

		_, err = b.svc.AcceptInvitation(ctx, token, "Someone else", "another password")
		storeRequireCode(t, apperr.Invalid, err, "the link works once")
		_, err = b.svc.Invitation(ctx, token)
		storeRequireCode(t, apperr.Invalid, err)
		_, err = b.svc.Authenticate(ctx, email, "a good password")
		require.NoError(t, err, "the reuse changed nothing")

		t.Run("an account that logs in keeps its password and gets the membership", func(t *testing.T) {
			_, _, p2 := b.signup(t, "Terceira "+testenv.RandomName("t"))
			tok := b.invite(t, p2, email, kernel.RoleAdmin)
			inv, err := b.svc.Invitation(ctx, tok)
			require.NoError(t, err)
			require.True(t, inv.HasPassword)
			got, err := b.svc.AcceptInvitation(ctx, tok, "", "")
			require.NoError(t, err)
			require.Equal(t, u.ID, got.ID)
			require.Equal(t, "Dra. Ana", got.Name)
			_, err = b.svc.Authenticate(ctx, email, "a good password")
			require.NoError(t, err)
			role, err := b.svc.Role(ctx, p2.ClinicID, u.ID)
			require.NoError(t, err)
			require.Equal(t, kernel.RoleAdmin, role)
		})

		t.Run("an expired invitation is refused", func(t *testing.T) {
			tok := b.invite(t, p, testenv.RandomName("late")+"@example.com", kernel.RoleFinancial)
			_, err := d.ExecContext(ctx, `UPDATE user_invitations SET expires_at = $1 WHERE token_hash = $2`,
				db.Time(time.Now().Add(-time.Second)), account.HashToken(tok))
			require.NoError(t, err)
			_, err = b.svc.AcceptInvitation(ctx, tok, "Late", "a good password")
			storeRequireCode(t, apperr.Invalid, err)
		})
	})
}

func TestInvitationEmailNamesTheClinicInItsLanguage(t *testing.T) {
	t.Parallel()
	b := resetSetup(t, dbtest.SQLite(t))
	ctx := t.Context()
	c, _, p := b.signup(t, "<Clínica> "+testenv.RandomName("e"))
	_, err := b.svc.UpdateClinic(ctx, p, account.UpdateClinicInput{Locale: kernel.Some("en")})
	require.NoError(t, err)
	email := testenv.RandomName("inv") + "@example.com"
	token := b.invite(t, p, email, kernel.RoleReceptionist)
	ch := &captureChannel{}
	args := b.jobs.all()[len(b.jobs.all())-1]
	w := account.NewEmailWorker(b.svc, ch)
	require.NoError(t, w.Work(ctx, &river.Job[account.EmailArgs]{JobRow: &rivertype.JobRow{}, Args: args}))
	require.Len(t, ch.msgs, 1)
	m := ch.msgs[0]
	require.Equal(t, email, m.To)
	require.Equal(t, "You are invited to "+c.Name, m.Subject)
	require.Contains(t, m.Text, "https://clinic.example/invite/"+token)
	require.Contains(t, m.Text, "as Receptionist")
	require.NotContains(t, m.HTML, "<Clínica>", "escaped")

	_, err = b.svc.AcceptInvitation(ctx, token, "Ana", "a good password")
	require.NoError(t, err)
	ch.msgs = nil
	require.NoError(t, w.Work(ctx, &river.Job[account.EmailArgs]{JobRow: &rivertype.JobRow{}, Args: args}))
	require.Empty(t, ch.msgs, "a used invitation is not sent again (a retried job)")
}
