package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// InviteTTL is how long an invitation link works.
const InviteTTL = 7 * 24 * time.Hour

// EmailInvitation is the kind of account e-mail that invites to a clinic.
const EmailInvitation = "invitation"

// InviteInput invites someone to a clinic by e-mail.
type InviteInput struct {
	Email string      `json:"email"`
	Role  kernel.Role `json:"role"`
}

// Invitation is what an invitation link offers.
type Invitation struct {
	Email      string
	ClinicID   string
	ClinicName string
	Role       kernel.Role
	// HasPassword is set when the e-mail already has an account that logs
	// in: accepting only adds the membership (the account's name and
	// password stay).
	HasPassword bool
}

// errInviteLink is the one answer for an invitation link that is unknown,
// used or expired.
var errInviteLink = apperr.New(apperr.Invalid, "This invitation was already used or has expired. Ask for a new one.")

// InviteUser e-mails an invitation to join p's clinic with a role (owners
// and admins; admins cannot invite owners). The link works once, for
// InviteTTL; the e-mail is a job inserted with it. Conflict when the e-mail
// already belongs to the clinic.
func (s *Service) InviteUser(ctx context.Context, p kernel.Principal, in InviteInput) error {
	if !p.Role.ManagesClinic() {
		return apperr.New(apperr.Forbidden, "Only owners and admins can add users.")
	}
	if s.jobs == nil {
		return apperr.New(apperr.Unavailable, "E-mail is not configured.")
	}
	in.Email = kernel.NormalizeEmail(in.Email)
	fields := map[string]string{}
	checkEmail(fields, "email", in.Email)
	if !in.Role.Valid() {
		fields["role"] = "Role must be one of owner, admin, professional, receptionist, financial."
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	if !p.Role.CanGrant(in.Role) {
		return apperr.New(apperr.Forbidden, "Your role cannot grant the role %s.", in.Role)
	}
	token, err := newLinkToken()
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.clinic_id = $1 AND u.email = $2`, p.ClinicID, in.Email).Scan(&n); err != nil {
			return fmt.Errorf("account store: check member: %w", err)
		}
		if n > 0 {
			return &apperr.Error{Code: apperr.Conflict, Message: "This user already belongs to the clinic.",
				Fields: map[string]string{"email": "This user already belongs to the clinic."}}
		}
		hash := HashToken(token)
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_invitations (token_hash, clinic_id, email, role, invited_by, expires_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, hash, p.ClinicID, in.Email, string(in.Role), nullableID(p.UserID),
			db.Time(now.Add(InviteTTL)), db.Time(now)); err != nil {
			return fmt.Errorf("account store: create invitation: %w", err)
		}
		if _, err := s.jobs.InsertTx(ctx, tx, EmailArgs{Email: EmailInvitation, Token: token}, nil); err != nil {
			return fmt.Errorf("account: enqueue invitation e-mail: %w", err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, "invitation", hash[:16], "")
	})
}

func nullableID(id string) any {
	if id == "" {
		return nil
	}
	return id
}

type queryRower interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// Invitation returns what the invitation link token offers; the same error
// as AcceptInvitation when it no longer works.
func (s *Service) Invitation(ctx context.Context, token string) (Invitation, error) {
	return s.invitation(ctx, s.db, token)
}

func (s *Service) invitation(ctx context.Context, q queryRower, token string) (Invitation, error) {
	var inv Invitation
	var role string
	err := q.QueryRowContext(ctx, `SELECT i.email, i.clinic_id, c.name, i.role FROM user_invitations i JOIN clinics c ON c.id = i.clinic_id
		WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2`, HashToken(token), db.Time(s.now())).
		Scan(&inv.Email, &inv.ClinicID, &inv.ClinicName, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return Invitation{}, errInviteLink
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("account store: invitation: %w", err)
	}
	inv.Role = kernel.Role(role)
	u, err := s.store.UserByEmail(ctx, q, inv.Email)
	switch {
	case err == nil:
		inv.HasPassword = u.PasswordHash != ""
	case !apperr.Is(err, apperr.NotFound):
		return Invitation{}, err
	}
	return inv, nil
}

// AcceptInvitation uses the invitation link token: it adds the membership
// and returns the user, creating the account with name and password when
// the e-mail has none (or setting them on an account that cannot log in
// yet). An account that logs in keeps its name and password (name and
// password are ignored). The link works once (two concurrent uses: one
// wins); unknown, used or expired links are refused (Invalid) and change
// nothing.
func (s *Service) AcceptInvitation(ctx context.Context, token, name, password string) (User, error) {
	name = strings.TrimSpace(name)
	inv, err := s.Invitation(ctx, token)
	if err != nil {
		return User{}, err
	}
	hash := ""
	if !inv.HasPassword {
		fields := map[string]string{}
		checkName(fields, "name", name)
		checkPassword(fields, "password", password)
		if len(fields) > 0 {
			return User{}, apperr.Validation(fields)
		}
		if hash, err = HashPassword(password, s.params); err != nil {
			return User{}, err
		}
	}
	now := db.Time(s.now())
	var u User
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var clinicID, email, role string
		err := tx.QueryRowContext(ctx, `UPDATE user_invitations SET used_at = $1
			WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING clinic_id, email, role`, now, HashToken(token)).
			Scan(&clinicID, &email, &role)
		if errors.Is(err, sql.ErrNoRows) {
			return errInviteLink
		}
		if err != nil {
			return fmt.Errorf("account store: use invitation: %w", err)
		}
		u, err = s.store.UserByEmail(ctx, tx, email)
		switch {
		case apperr.Is(err, apperr.NotFound):
			u = User{ID: kernel.NewID(), Email: email, Name: name, PasswordHash: hash, CreatedAt: now}
			if err := s.store.createUser(ctx, tx, &u); err != nil {
				return err
			}
		case err != nil:
			return err
		case u.PasswordHash == "":
			if hash == "" {
				return errInviteLink // the account changed since Invitation: ask again
			}
			u.Name, u.PasswordHash = name, hash
			if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1, password_hash = $2 WHERE id = $3`, u.Name, hash, u.ID); err != nil {
				return fmt.Errorf("account store: set password: %w", err)
			}
		}
		err = s.store.addMembership(ctx, tx, clinicID, u.ID, kernel.Role(role), now)
		if apperr.Is(err, apperr.Conflict) {
			return nil // added another way meanwhile: the invitation is used all the same
		}
		return err
	})
	if err != nil {
		return User{}, err
	}
	if err := s.tenantCache(inv.ClinicID).Delete(ctx, "role:"+u.ID); err != nil {
		s.log.WarnContext(ctx, "account: drop cached role after an accepted invitation", "clinic_id", inv.ClinicID, "err", err)
	}
	return u, nil
}
