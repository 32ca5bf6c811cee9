package schedule

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

// member adds a user with role to the bundle's clinic and returns its id.
func (b *testBundle) member(t testing.TB, role kernel.Role) string {
	t.Helper()
	id := kernel.NewID()
	now := db.Time(time.Now())
	_, err := b.db.ExecContext(b.ctx, `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, 'User', '', $3)`,
		id, testenv.RandomName("u")+"@example.com", now)
	require.NoError(t, err)
	_, err = b.db.ExecContext(b.ctx, `INSERT INTO memberships (clinic_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`, b.clinicID, id, string(role), now)
	require.NoError(t, err)
	return id
}

func TestProfessionalPatchTellsAbsentFromNull(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		want kernel.Opt[string]
	}{
		{`{}`, kernel.Opt[string]{}},
		{`{"user_id": null}`, kernel.Null[string]()},
		{`{"user_id": "abc"}`, kernel.Some("abc")},
	}
	for _, tt := range tests {
		var p ProfessionalPatch
		require.NoError(t, json.Unmarshal([]byte(tt.body), &p))
		require.Equal(t, tt.want, p.UserID, tt.body)
	}
}

func TestProfessionals(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "America/Sao_Paulo")
		other := setup(t, d, "America/Sao_Paulo")
		user := b.member(t, kernel.RoleProfessional)
		outsider := other.member(t, kernel.RoleProfessional)

		p, err := b.svc.CreateProfessional(b.ctx, b.owner, ProfessionalInput{Name: "  Dra. Ana  ", CouncilRegistration: "CRM  12345/SP", Color: "#AABBCC", UserID: &user})
		require.NoError(t, err)
		require.Equal(t, "Dra. Ana", p.Name)
		require.Equal(t, "CRM 12345/SP", p.CouncilRegistration)
		require.Equal(t, "#aabbcc", p.Color)
		require.Equal(t, DefaultDurationMinutes, p.DefaultDurationMinutes)
		require.True(t, p.Active)

		got, err := b.svc.ProfessionalForUser(b.ctx, b.clinicID, user)
		require.NoError(t, err)
		require.Equal(t, p.ID, got.ID)
		_, err = other.svc.ProfessionalForUser(b.ctx, other.clinicID, user)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "not a professional in the other clinic")
		_, err = other.svc.Professional(b.ctx, other.clinicID, p.ID)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "another clinic's professional")

		tests := []struct {
			name string
			in   ProfessionalInput
			code apperr.Code
			p    kernel.Principal
		}{
			{"receptionists cannot", ProfessionalInput{Name: "X"}, apperr.Forbidden, kernel.Principal{ClinicID: b.clinicID, Role: kernel.RoleReceptionist}},
			{"professionals cannot", ProfessionalInput{Name: "X"}, apperr.Forbidden, kernel.Principal{ClinicID: b.clinicID, Role: kernel.RoleProfessional}},
			{"name required", ProfessionalInput{Name: " "}, apperr.Invalid, b.owner},
			{"bad colour", ProfessionalInput{Name: "X", Color: "red"}, apperr.Invalid, b.owner},
			{"duration too long", ProfessionalInput{Name: "X", DefaultDurationMinutes: 721}, apperr.Invalid, b.owner},
			{"user of another clinic", ProfessionalInput{Name: "X", UserID: &outsider}, apperr.Invalid, b.owner},
			{"user already linked", ProfessionalInput{Name: "X", UserID: &user}, apperr.Conflict, b.owner},
		}
		for _, tt := range tests {
			_, err := b.svc.CreateProfessional(b.ctx, tt.p, tt.in)
			require.Equal(t, tt.code, apperr.CodeOf(err), "%s: %v", tt.name, err)
		}

		// PATCH: absent fields stay, null unlinks.
		newName := "Dra. Ana Souza"
		p2, err := b.svc.UpdateProfessional(b.ctx, b.owner, p.ID, ProfessionalPatch{Name: kernel.Some(newName)})
		require.NoError(t, err)
		require.Equal(t, newName, p2.Name)
		require.Equal(t, user, p2.UserID)
		p3, err := b.svc.UpdateProfessional(b.ctx, b.owner, p.ID, ProfessionalPatch{UserID: kernel.Null[string]()})
		require.NoError(t, err)
		require.Empty(t, p3.UserID)
		stored, err := b.svc.Professional(b.ctx, b.clinicID, p.ID)
		require.NoError(t, err)
		require.Equal(t, p3, stored)
		// Null clears an optional field and leaves one that cannot be
		// cleared as it is.
		p4, err := b.svc.UpdateProfessional(b.ctx, b.owner, p.ID, ProfessionalPatch{Name: kernel.Null[string](), CouncilRegistration: kernel.Null[string]()})
		require.NoError(t, err)
		require.Equal(t, newName, p4.Name)
		require.Empty(t, p4.CouncilRegistration)

		_, err = other.svc.UpdateProfessional(b.ctx, other.owner, p.ID, ProfessionalPatch{Name: kernel.Some(newName)})
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "another clinic's professional")

		list, err := b.svc.Professionals(b.ctx, b.clinicID, ProfessionalFilter{})
		require.NoError(t, err)
		require.Len(t, list, 1)
		inactive := false
		list, err = b.svc.Professionals(b.ctx, b.clinicID, ProfessionalFilter{Active: &inactive})
		require.NoError(t, err)
		require.Empty(t, list)

		var n int
		require.NoError(t, d.QueryRowContext(b.ctx, `SELECT COUNT(*) FROM audit_log WHERE clinic_id = $1 AND entity = 'professional' AND entity_id = $2`, b.clinicID, p.ID).Scan(&n))
		require.Equal(t, 4, n, "one create and three updates audited")
	})
}

func TestExceptionPermissions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "America/Sao_Paulo")
		userA := b.member(t, kernel.RoleProfessional)
		userB := b.member(t, kernel.RoleProfessional)
		mine, err := b.svc.CreateProfessional(b.ctx, b.owner, ProfessionalInput{Name: "A", UserID: &userA})
		require.NoError(t, err)
		theirs, err := b.svc.CreateProfessional(b.ctx, b.owner, ProfessionalInput{Name: "B", UserID: &userB})
		require.NoError(t, err)
		in := ExceptionInput{Date: "2026-03-10", Kind: ExceptionOff, Reason: "Dentist"}
		tests := []struct {
			name string
			p    kernel.Principal
			pro  string
			code apperr.Code
		}{
			{"a professional for themselves", kernel.Principal{UserID: userA, ClinicID: b.clinicID, Role: kernel.RoleProfessional}, mine.ID, ""},
			{"a professional for someone else", kernel.Principal{UserID: userA, ClinicID: b.clinicID, Role: kernel.RoleProfessional}, theirs.ID, apperr.Forbidden},
			{"an API token with the professional role", kernel.Principal{TokenID: "t", ClinicID: b.clinicID, Role: kernel.RoleProfessional}, mine.ID, apperr.Forbidden},
			{"a receptionist", kernel.Principal{UserID: userB, ClinicID: b.clinicID, Role: kernel.RoleReceptionist}, mine.ID, apperr.Forbidden},
			{"an admin for anyone", kernel.Principal{ClinicID: b.clinicID, Role: kernel.RoleAdmin}, theirs.ID, ""},
		}
		for _, tt := range tests {
			e, err := b.svc.AddException(b.ctx, tt.p, tt.pro, in)
			require.Equal(t, tt.code, apperr.CodeOf(err), "%s: %v", tt.name, err)
			if err == nil {
				require.Equal(t, apperr.Forbidden, apperr.CodeOf(b.svc.DeleteException(b.ctx, kernel.Principal{ClinicID: b.clinicID, Role: kernel.RoleFinancial}, tt.pro, e.ID)))
				require.NoError(t, b.svc.DeleteException(b.ctx, tt.p, tt.pro, e.ID), tt.name)
				require.Equal(t, apperr.NotFound, apperr.CodeOf(b.svc.DeleteException(b.ctx, tt.p, tt.pro, e.ID)), "deleted twice")
			}
		}
	})
}
