package account_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/kernel"
)

func TestSlugify(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Clínica São João":        "clinica-sao-joao",
		"  Odonto   Sorriso!! ":   "odonto-sorriso",
		"Fisio & Cia. 2":          "fisio-cia-2",
		"日本":                      "clinic",
		strings.Repeat("ab ", 40): strings.Repeat("ab-", 16) + "a", // cut at 48 characters
	}
	for in, want := range tests {
		require.Equal(t, want, account.Slugify(in), "Slugify(%q)", in)
	}
}

func TestPasswordHashing(t *testing.T) {
	t.Parallel()
	p := account.PasswordParams{MemoryKiB: 1024, Iterations: 1, Threads: 1}
	h, err := account.HashPassword("correct horse battery", p)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$"))
	h2, err := account.HashPassword("correct horse battery", p)
	require.NoError(t, err)
	require.NotEqual(t, h, h2, "every hash has its own salt")

	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		ok, err := account.CheckPassword(pw, h)
		require.NoError(t, err)
		require.Equal(t, want, ok, pw)
	}
	_, err = account.CheckPassword("x", "$2a$10$bcrypt")
	require.Error(t, err)
}

func TestRolesGrant(t *testing.T) {
	t.Parallel()
	tests := []struct {
		who, grants kernel.Role
		ok          bool
	}{
		{kernel.RoleOwner, kernel.RoleOwner, true},
		{kernel.RoleOwner, kernel.RoleFinancial, true},
		{kernel.RoleAdmin, kernel.RoleOwner, false},
		{kernel.RoleAdmin, kernel.RoleAdmin, true},
		{kernel.RoleReceptionist, kernel.RoleReceptionist, false},
		{kernel.RoleProfessional, kernel.RoleFinancial, false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.ok, tt.who.CanGrant(tt.grants), "%s grants %s", tt.who, tt.grants)
	}
	require.False(t, kernel.Role("boss").Valid())
}
