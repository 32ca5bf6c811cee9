// Package account holds clinics (tenants), users, their memberships and
// roles, and API tokens.
//
// # Tables
//
// Tables: clinics, users, memberships, api_tokens, password_resets,
// user_invitations.
// Read models: member_refs (clinic_id, user_id): who belongs to which clinic.
//
// Other packages name only the read models (see the ownership test of
// package app); the clinic's time zone is asked with Service.ClinicZone.
package account

import (
	"clinic/internal/kernel"
	"time"
)

// Clinic is a tenant.
type Clinic struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	TimeZone string `json:"time_zone"`
	Locale   string `json:"locale"`
	// PublicBooking opens the clinic's public booking page (/c/{slug}).
	PublicBooking bool `json:"public_booking"`
	// Address and Phone are shown on the public page ("" when not given).
	Address   string    `json:"address"`
	Phone     string    `json:"phone"`
	CreatedAt time.Time `json:"created_at"`
}

// User is a person who logs in.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	// Locale is the user's interface language (one of Locales), or "" to
	// follow the browser's (and then the clinic's).
	Locale       string    `json:"locale"`
	CreatedAt    time.Time `json:"created_at"`
	PasswordHash string    `json:"-"`
}

// Membership is a user's role in a clinic.
type Membership struct {
	ClinicID string      `json:"id"`
	Slug     string      `json:"slug"`
	Name     string      `json:"name"`
	Role     kernel.Role `json:"role"`
}

// Token is an API token for integrations: scoped to one clinic and a role.
type Token struct {
	ID        string      `json:"id"`
	ClinicID  string      `json:"clinic_id"`
	Name      string      `json:"name"`
	Role      kernel.Role `json:"role"`
	CreatedBy string      `json:"created_by,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
	RevokedAt *time.Time  `json:"revoked_at,omitempty"`
}
