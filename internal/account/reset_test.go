package account_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/notify"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

// fakeJobs records the jobs inserted (as if their transaction committed).
type fakeJobs struct {
	mu   sync.Mutex
	jobs []account.EmailArgs
}

var _ account.Enqueuer = (*fakeJobs)(nil)

func (f *fakeJobs) InsertTx(_ context.Context, _ *sql.Tx, args river.JobArgs, _ *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs = append(f.jobs, args.(account.EmailArgs))
	return &rivertype.JobInsertResult{Job: &rivertype.JobRow{}}, nil
}

func (f *fakeJobs) all() []account.EmailArgs {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]account.EmailArgs(nil), f.jobs...)
}

type resetBundle struct {
	storeBundle
	jobs *fakeJobs
}

func resetSetup(t *testing.T, d *db.DB) resetBundle {
	t.Helper()
	c, err := cache.New(t.Context(), cache.Config{Backend: cache.BackendMemory}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	jobs := &fakeJobs{}
	svc, err := account.NewService(d, c, account.PasswordParams{MemoryKiB: 1024, Iterations: 1, Threads: 1},
		account.WithEmails(jobs, "https://clinic.example"))
	require.NoError(t, err)
	return resetBundle{storeBundle: storeBundle{svc: svc, store: svc.Store(), d: d}, jobs: jobs}
}

// request asks for a reset link for u and returns the token the job carries.
func (b resetBundle) request(t *testing.T, email string) string {
	t.Helper()
	before := len(b.jobs.all())
	require.NoError(t, b.svc.RequestPasswordReset(t.Context(), email))
	jobs := b.jobs.all()
	require.Len(t, jobs, before+1, "one e-mail job")
	job := jobs[len(jobs)-1]
	require.Equal(t, account.EmailPasswordReset, job.Email)
	return job.Token
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := resetSetup(t, d)
		ctx := t.Context()
		_, u, _ := b.signup(t, "Clínica "+testenv.RandomName("r"))
		const newPassword = "a brand new password"

		t.Run("unknown or malformed e-mails are answered the same, and nothing is sent", func(t *testing.T) {
			for _, email := range []string{"nobody-" + testenv.RandomName("x") + "@example.com", "not an e-mail", ""} {
				require.NoError(t, b.svc.RequestPasswordReset(ctx, email), email)
			}
			require.Empty(t, b.jobs.all())
		})

		// The e-mail is matched however it is typed.
		token := b.request(t, "  "+strings.ToUpper(u.Email)+" ")
		require.Len(t, token, 43, "32 random bytes, base64url")
		require.Equal(t, u.ID, b.jobs.all()[0].UserID)
		var stored int
		require.NoError(t, d.QueryRowContext(ctx, `SELECT COUNT(*) FROM password_resets WHERE token_hash = $1`, account.HashToken(token)).Scan(&stored))
		require.Equal(t, 1, stored, "only the token's hash is stored")
		other := b.request(t, u.Email)

		require.NoError(t, b.svc.CheckResetToken(ctx, token))
		_, err := b.svc.ResetPassword(ctx, token, "short")
		storeRequireCode(t, apperr.Invalid, err)
		require.Contains(t, apperr.As(err).Fields, "password")
		require.NoError(t, b.svc.CheckResetToken(ctx, token), "a refused password does not use the link")

		got, err := b.svc.ResetPassword(ctx, token, newPassword)
		require.NoError(t, err)
		require.Equal(t, u.ID, got.ID)
		_, err = b.svc.Authenticate(ctx, u.Email, newPassword)
		require.NoError(t, err, "the new password logs in")
		_, err = b.svc.Authenticate(ctx, u.Email, storePassword)
		storeRequireCode(t, apperr.Unauthorized, err, "the old password no longer does")

		for name, tok := range map[string]string{"reused": token, "another link of the user": other, "unknown": "x" + token[1:], "empty": ""} {
			_, err = b.svc.ResetPassword(ctx, tok, "yet another password")
			storeRequireCode(t, apperr.Invalid, err, name)
			require.Empty(t, apperr.As(err).Fields, name)
			storeRequireCode(t, apperr.Invalid, b.svc.CheckResetToken(ctx, tok), name)
		}
		_, err = b.svc.Authenticate(ctx, u.Email, newPassword)
		require.NoError(t, err, "refused links changed nothing")

		t.Run("an expired link is refused", func(t *testing.T) {
			expired := b.request(t, u.Email)
			_, err := d.ExecContext(ctx, `UPDATE password_resets SET expires_at = $1 WHERE token_hash = $2`,
				db.Time(time.Now().Add(-time.Second)), account.HashToken(expired))
			require.NoError(t, err)
			_, err = b.svc.ResetPassword(ctx, expired, "yet another password")
			storeRequireCode(t, apperr.Invalid, err)
			_, err = b.svc.Authenticate(ctx, u.Email, newPassword)
			require.NoError(t, err)
		})

		t.Run("two concurrent uses: exactly one wins", func(t *testing.T) {
			tok := b.request(t, u.Email)
			errs := make(chan error, 2)
			for _, pw := range []string{"concurrent password 1", "concurrent password 2"} {
				go func() { _, err := b.svc.ResetPassword(ctx, tok, pw); errs <- err }()
			}
			e1, e2 := <-errs, <-errs
			require.True(t, (e1 == nil) != (e2 == nil), "one success and one refusal, got %v and %v", e1, e2)
		})
	})
}

func TestPasswordResetWithoutEmailsIsUnavailable(t *testing.T) {
	t.Parallel()
	b := storeSetup(t, dbtest.SQLite(t))
	storeRequireCode(t, apperr.Unavailable, b.svc.RequestPasswordReset(t.Context(), "a@example.com"))
}

// captureChannel records the messages sent.
type captureChannel struct{ msgs []notify.Message }

func (c *captureChannel) Kind() string { return notify.KindLog }
func (c *captureChannel) Send(_ context.Context, m notify.Message) (notify.Receipt, error) {
	c.msgs = append(c.msgs, m)
	return notify.Receipt{ProviderMessageID: "x"}, nil
}

func TestPasswordResetEmailIsInTheUsersLanguageAndEscaped(t *testing.T) {
	t.Parallel()
	b := resetSetup(t, dbtest.SQLite(t))
	ctx := t.Context()
	tests := []struct {
		locale, subject, greeting string
	}{
		{"", "Redefina sua senha da clínica", "Olá, &lt;b&gt;Ana&lt;/b&gt; &amp; Co."},
		{"pt-BR", "Redefina sua senha da clínica", "Olá,"},
		{"en", "Reset your clinic password", "Hello, &lt;b&gt;Ana&lt;/b&gt; &amp; Co."},
	}
	for _, tt := range tests {
		_, u, _ := b.signup(t, "Clínica "+testenv.RandomName("m"))
		u, err := b.svc.UpdateProfile(ctx, u.ID, account.ProfileInput{Name: kernel.Some("<b>Ana</b> & Co."), Locale: kernel.Some(tt.locale)})
		require.NoError(t, err)
		token := b.request(t, u.Email)
		ch := &captureChannel{}
		args := b.jobs.all()[len(b.jobs.all())-1]
		require.NoError(t, account.NewEmailWorker(b.svc, ch).Work(ctx, &river.Job[account.EmailArgs]{JobRow: &rivertype.JobRow{}, Args: args}))
		require.Len(t, ch.msgs, 1)
		m := ch.msgs[0]
		link := "https://clinic.example/reset/" + token
		require.Equal(t, u.Email, m.To, tt.locale)
		require.Equal(t, tt.subject, m.Subject, tt.locale)
		require.Contains(t, m.Text, link, tt.locale)
		require.Contains(t, m.Text, "<b>Ana</b> & Co.", "the text part is plain text")
		require.Contains(t, m.HTML, `href="`+link+`"`, tt.locale)
		require.Contains(t, m.HTML, tt.greeting, tt.locale)
		require.NotContains(t, m.HTML, "<b>Ana", "user data is escaped")
	}
}
