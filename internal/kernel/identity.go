package kernel

// Role is a user's (or an API token's) role in one clinic.
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

// Principal is who makes a request: a user through a session, an API
// token, or a part of clinic acting by itself (System). For a token, UserID is empty and ClinicID/Role are fixed. Every
// service method that acts for somebody takes one and checks its Role.
type Principal struct {
	UserID   string
	TokenID  string
	ClinicID string
	Role     Role
	// System names the part of clinic that acts by itself, for nobody
	// logged in (SystemPublicBooking); "" for a user or a token. A system
	// principal has no UserID and no TokenID, and the Role its part needs.
	System string
}

// The parts of clinic that act as a system principal (Principal.System).
const (
	// SystemPublicBooking is the public booking page: it registers
	// patients and books their appointments as a receptionist would.
	SystemPublicBooking = "public_booking"
	// SystemMessages is the sending of reminders: it reads appointments
	// and patients to write and address them.
	SystemMessages = "messages"
	// SystemPatient is a patient answering a message through its signed
	// link or a WhatsApp button: they confirm or cancel their appointment.
	SystemPatient = "patient"
)

// Clinic returns p's clinic id (for packages that take the caller through
// an interface, such as audit.Reader).
func (p Principal) Clinic() string { return p.ClinicID }

// ManagesClinic reports whether p's role manages the clinic (see
// Role.ManagesClinic).
func (p Principal) ManagesClinic() bool { return p.Role.ManagesClinic() }
