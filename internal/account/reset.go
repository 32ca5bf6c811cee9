package account

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// ResetTTL is how long a password reset link works.
const ResetTTL = time.Hour

// Enqueuer inserts background jobs inside the caller's transaction
// (*queue.Queue implements it).
type Enqueuer interface {
	// InsertTx enqueues a job in tx: it exists only if tx commits.
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// WithEmails makes the service send account e-mails (password reset) as
// EmailArgs jobs inserted through jobs, with links under baseURL (the
// site's BASE_URL, no trailing slash). Without it RequestPasswordReset
// refuses with Unavailable.
func WithEmails(jobs Enqueuer, baseURL string) Option {
	return func(s *Service) { s.jobs, s.baseURL = jobs, baseURL }
}

// Kinds of account e-mail (EmailArgs.Email).
const (
	EmailPasswordReset = "password_reset"
)

// EmailArgs is the job that sends one account e-mail to a user. Token is
// the link's secret: the database keeps only its hash, and the job row is
// removed by River's retention of finished jobs; the link expires within
// ResetTTL anyway.
type EmailArgs struct {
	Email  string `json:"email"`
	UserID string `json:"user_id"`
	Token  string `json:"token"`
}

// Kind implements river.JobArgs.
func (EmailArgs) Kind() string { return "account_email" }

// errResetLink is the one answer for a reset link that is unknown, used or
// expired.
var errResetLink = apperr.New(apperr.Invalid, "This link was already used or has expired. Ask for a new one.")

// RequestPasswordReset sends a password reset link to the account with that
// e-mail, if there is one. It answers the same (nil) for an unknown or
// malformed e-mail, so that nobody learns which e-mails have accounts; only
// a failure to store or enqueue is an error. The link works once, for
// ResetTTL; the e-mail is a job inserted in the same transaction as the
// link, so it is sent (and retried) whenever the link exists.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	if s.jobs == nil {
		return apperr.New(apperr.Unavailable, "E-mail is not configured.")
	}
	email, err := kernel.ParseEmail(email)
	if err != nil {
		return nil
	}
	u, err := s.store.UserByEmail(ctx, s.db, email)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	token, err := newLinkToken()
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO password_resets (token_hash, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4)`,
			HashToken(token), u.ID, db.Time(now.Add(ResetTTL)), db.Time(now)); err != nil {
			return fmt.Errorf("account store: create password reset: %w", err)
		}
		if _, err := s.jobs.InsertTx(ctx, tx, EmailArgs{Email: EmailPasswordReset, UserID: u.ID, Token: token}, nil); err != nil {
			return fmt.Errorf("account: enqueue password reset e-mail: %w", err)
		}
		return nil
	})
}

// CheckResetToken reports whether token is a password reset link that still
// works (unused, unexpired), so that a page can say so before the user
// types a new password; the same error as ResetPassword otherwise.
func (s *Service) CheckResetToken(ctx context.Context, token string) error {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`,
		HashToken(token), db.Time(s.now())).Scan(&n)
	if err != nil {
		return fmt.Errorf("account store: check password reset: %w", err)
	}
	if n == 0 {
		return errResetLink
	}
	return nil
}

// ResetPassword sets the password of the user whose reset link token is,
// and returns the user. The link works once: it is marked used in the
// transaction that changes the password (two concurrent uses: one wins), and
// every other outstanding link of the user stops working too. A link that
// is unknown, used or expired is refused (Invalid, nothing changes); so is a
// password that Signup would refuse (Invalid, field "password").
func (s *Service) ResetPassword(ctx context.Context, token, password string) (User, error) {
	fields := map[string]string{}
	checkPassword(fields, "password", password)
	if len(fields) > 0 {
		return User{}, apperr.Validation(fields)
	}
	if err := s.CheckResetToken(ctx, token); err != nil {
		return User{}, err // before the hash's cost
	}
	hash, err := HashPassword(password, s.params)
	if err != nil {
		return User{}, err
	}
	now := db.Time(s.now())
	var u User
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var userID string
		err := tx.QueryRowContext(ctx, `UPDATE password_resets SET used_at = $1
			WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id`, now, HashToken(token)).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return errResetLink
		}
		if err != nil {
			return fmt.Errorf("account store: use password reset: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL`, now, userID); err != nil {
			return fmt.Errorf("account store: end password resets: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID); err != nil {
			return fmt.Errorf("account store: set password: %w", err)
		}
		u, err = s.store.UserByID(ctx, tx, userID)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// newLinkToken returns 32 random bytes in base64url: the secret of a link.
func newLinkToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("account: link token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
