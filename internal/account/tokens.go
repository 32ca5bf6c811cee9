package account

import (
	"context"
	"database/sql"
	"fmt"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
)

// Tokens lists the API tokens of p's clinic, live and revoked, newest first
// (owners and admins). The secrets are not stored, so none is returned.
func (s *Service) Tokens(ctx context.Context, p kernel.Principal) ([]Token, error) {
	if !p.Role.ManagesClinic() {
		return nil, apperr.New(apperr.Forbidden, "Only owners and admins can list API tokens.")
	}
	return s.store.tokens(ctx, p.ClinicID)
}

// tokens lists a clinic's tokens, newest first.
func (s *Store) tokens(ctx context.Context, clinicID string) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, clinic_id, name, role, created_by, created_at, revoked_at FROM api_tokens
		WHERE clinic_id = $1 ORDER BY created_at DESC, id DESC`, clinicID)
	if err != nil {
		return nil, fmt.Errorf("account store: tokens: %w", err)
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var createdBy sql.NullString
		var revoked sql.NullTime
		if err := rows.Scan(&t.ID, &t.ClinicID, &t.Name, &t.Role, &createdBy, &t.CreatedAt, &revoked); err != nil {
			return nil, fmt.Errorf("account store: tokens: %w", err)
		}
		t.CreatedBy, t.CreatedAt = createdBy.String, t.CreatedAt.UTC()
		if revoked.Valid {
			at := revoked.Time.UTC()
			t.RevokedAt = &at
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account store: tokens: %w", err)
	}
	return out, nil
}
