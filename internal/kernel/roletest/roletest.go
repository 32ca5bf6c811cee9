// Package roletest checks, for the services that take an kernel.Principal,
// that a caller whose role is not allowed a call is refused by the service
// itself (no HTTP involved).
package roletest

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
)

// Case is one service call and the roles allowed to make it. Call should use
// unknown ids or incomplete input, so that an allowed role gets NotFound or
// Invalid and no call changes anything that another case reads.
type Case struct {
	Name    string
	Allowed []kernel.Role
	Call    func(ctx context.Context, p kernel.Principal) error
}

// Roles are the roles each case runs as: every role, and "" (a principal
// without a valid role).
var Roles = append(slices.Clone(kernel.Roles), "")

// Run calls every case as the principal of every role in Roles (principal
// builds them, once per role, before any call) and checks that the roles
// not allowed get a Forbidden error, and the allowed ones any answer but
// Forbidden.
func Run(t *testing.T, principal func(kernel.Role) kernel.Principal, cases []Case) {
	t.Helper()
	ps := make(map[kernel.Role]kernel.Principal, len(Roles))
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
var Managers = []kernel.Role{kernel.RoleOwner, kernel.RoleAdmin}

// Valid are all the roles.
var Valid = kernel.Roles
