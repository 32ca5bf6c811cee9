// Package account holds clinics (tenants), users, their memberships and
// roles, and API tokens.
package account

import (
	"strings"
	"time"
)

// Role is a user's role in one clinic.
type Role string

// The roles, from most to least privileged.
const (
	RoleOwner        Role = "owner"
	RoleAdmin        Role = "admin"
	RoleProfessional Role = "professional"
	RoleReceptionist Role = "receptionist"
	RoleFinancial    Role = "financial"
)

// Roles lists every role.
var Roles = []Role{RoleOwner, RoleAdmin, RoleProfessional, RoleReceptionist, RoleFinancial}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// ManagesClinic reports whether r may manage the clinic's users, tokens and
// settings (owner and admin).
func (r Role) ManagesClinic() bool { return r == RoleOwner || r == RoleAdmin }

// CanGrant reports whether a holder of r may give role other to a user or
// token: owners grant any role, admins any role but owner, others none.
func (r Role) CanGrant(other Role) bool {
	switch r {
	case RoleOwner:
		return true
	case RoleAdmin:
		return other != RoleOwner
	default:
		return false
	}
}

// Clinic is a tenant.
type Clinic struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Slug      string    `json:"slug"`
	TimeZone  string    `json:"time_zone"`
	Locale    string    `json:"locale"`
	CreatedAt time.Time `json:"created_at"`
}

// User is a person who logs in.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	CreatedAt    time.Time `json:"created_at"`
	PasswordHash string    `json:"-"`
}

// Membership is a user's role in a clinic.
type Membership struct {
	ClinicID string `json:"id"`
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
}

// Token is an API token for integrations: scoped to one clinic and a role.
type Token struct {
	ID        string     `json:"id"`
	ClinicID  string     `json:"clinic_id"`
	Name      string     `json:"name"`
	Role      Role       `json:"role"`
	CreatedBy string     `json:"created_by,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Principal is who makes a request: a user through a session, or an API
// token. For a token, UserID is empty and ClinicID/Role are fixed.
type Principal struct {
	UserID   string
	TokenID  string
	ClinicID string
	Role     Role
}

// Clinic returns p's clinic id (for packages that take the caller through
// an interface, such as audit.Reader).
func (p Principal) Clinic() string { return p.ClinicID }

// ManagesClinic reports whether p's role manages the clinic (see
// Role.ManagesClinic).
func (p Principal) ManagesClinic() bool { return p.Role.ManagesClinic() }

// NormalizeEmail lower-cases and trims an e-mail address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
