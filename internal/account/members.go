package account

import (
	"context"
	"database/sql"
	"fmt"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
)

// Members lists the users of p's clinic with their roles (owners and
// admins).
func (s *Service) Members(ctx context.Context, p kernel.Principal) ([]Member, error) {
	if !p.Role.ManagesClinic() {
		return nil, apperr.New(apperr.Forbidden, "Only owners and admins can list users.")
	}
	return s.store.members(ctx, p.ClinicID)
}

// ChangeRole gives a member of p's clinic another role. Owners change any
// role; admins cannot touch owners or make one. The last owner cannot be
// demoted. The cached role is dropped on every server.
func (s *Service) ChangeRole(ctx context.Context, p kernel.Principal, userID string, role kernel.Role) error {
	if !role.Valid() {
		return apperr.Validation(map[string]string{"role": "Role must be one of owner, admin, professional, receptionist, financial."})
	}
	return s.changeMembership(ctx, p, userID, &role)
}

// RemoveMember takes a user out of p's clinic (the account stays, with its
// other clinics). The last owner cannot be removed.
func (s *Service) RemoveMember(ctx context.Context, p kernel.Principal, userID string) error {
	return s.changeMembership(ctx, p, userID, nil)
}

// changeMembership sets userID's role in p's clinic, or removes the
// membership when role is nil.
func (s *Service) changeMembership(ctx context.Context, p kernel.Principal, userID string, role *kernel.Role) error {
	if !p.Role.ManagesClinic() {
		return apperr.New(apperr.Forbidden, "Only owners and admins can change users.")
	}
	if !kernel.IsID(userID) {
		return notFound("User")
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		current, owners, err := s.store.lockedRoles(ctx, tx, p.ClinicID, userID)
		if err != nil {
			return err
		}
		if !p.Role.CanGrant(current) || (role != nil && !p.Role.CanGrant(*role)) {
			return apperr.New(apperr.Forbidden, "Your role cannot change a user with the role %s.", current)
		}
		if current == kernel.RoleOwner && owners == 1 && (role == nil || *role != kernel.RoleOwner) {
			return apperr.New(apperr.Conflict, "A clinic needs at least one owner: make someone else owner first.")
		}
		action := audit.ActionUpdate
		var res sql.Result
		if role == nil {
			action = audit.ActionDelete
			res, err = tx.ExecContext(ctx, `DELETE FROM memberships WHERE clinic_id = $1 AND user_id = $2`, p.ClinicID, userID)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE memberships SET role = $3 WHERE clinic_id = $1 AND user_id = $2`, p.ClinicID, userID, string(*role))
		}
		if err != nil {
			return fmt.Errorf("account: change membership: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return notFound("User")
		}
		return audit.Record(ctx, tx, p.ClinicID, action, "membership", userID, "")
	})
	if err != nil {
		return err
	}
	return s.tenantCache(p.ClinicID).Delete(ctx, "role:"+userID)
}
