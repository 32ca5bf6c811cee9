// Package roletest checks, for the services that take an account.Principal,
// that a caller whose role is not allowed a call is refused by the service
// itself (no HTTP involved).
package roletest

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/apperr"
)

// Case is one service call and the roles allowed to make it. Call should use
// unknown ids or incomplete input, so that an allowed role gets NotFound or
// Invalid and no call changes anything that another case reads.
type Case struct {
	Name    string
	Allowed []account.Role
	Call    func(ctx context.Context, p account.Principal) error
}

// Roles are the roles each case runs as: every role, and "" (a principal
// without a valid role).
var Roles = append(slices.Clone(account.Roles), "")

// Run calls every case as the principal of every role in Roles (principal
// builds them, once per role, before any call) and checks that the roles
// not allowed get a Forbidden error, and the allowed ones any answer but
// Forbidden.
func Run(t *testing.T, principal func(account.Role) account.Principal, cases []Case) {
	t.Helper()
	ps := make(map[account.Role]account.Principal, len(Roles))
	for _, r := range Roles {
		ps[r] = principal(r)
	}
	for _, c := range cases {
		for _, r := range Roles {
			name := string(r)
			if name == "" {
				name = "no_role"
			}
			t.Run(c.Name+"/"+name, func(t *testing.T) {
				t.Parallel()
				err := c.Call(context.Background(), ps[r])
				if slices.Contains(c.Allowed, r) {
					require.False(t, apperr.Is(err, apperr.Forbidden), "%s may %s, but was refused: %v", name, c.Name, err)
				} else {
					require.True(t, apperr.Is(err, apperr.Forbidden), "%s may not %s, but got: %v", name, c.Name, err)
				}
			})
		}
	}
}

// Managers are the roles that manage a clinic.
var Managers = []account.Role{account.RoleOwner, account.RoleAdmin}

// Valid are all the roles.
var Valid = account.Roles
