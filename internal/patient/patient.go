// Package patient holds a clinic's patients: registration with Brazilian
// identifiers (CPF, phones in E.164), consents per channel, soft deletion,
// search by name, CPF or phone, and the role rules that say who sees whom.
//
// Every method takes the caller's kernel.Principal and enforces the roles
// itself: owners, admins and receptionists do everything; professionals
// create patients and read or change only their own (those with an
// appointment with them); financial users read without notes and write
// nothing. Every query is scoped by the principal's clinic: another clinic's
// patient is "not found".
//
// # Tables
//
// Tables: patients, patients_fts.
// Read models: patient_refs (clinic_id, id, name, archived): name is the
// social name when there is one, else the full name; archived is true for an
// archived or an anonymised patient (neither can be booked).
package patient

import (
	"time"

	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
)

// Patient is a person registered in a clinic.
type Patient struct {
	ID         string
	ClinicID   string
	FullName   string
	SocialName string
	// CPF is 11 digits, "" when unknown (FormatCPF shows it).
	CPF string
	// BirthDate is YYYY-MM-DD, "" when unknown.
	BirthDate string
	Sex       string
	// Phone is E.164 (+5511987654321), "" when unknown.
	Phone     string
	Email     string
	Address   Address
	Insurance Insurance
	Notes     string
	// NotesHidden is set when the caller may not see the notes (financial
	// role); Notes is then empty and must not be shown as such.
	NotesHidden bool
	Consents    Consents
	// AnonymisedAt is when the patient was anonymised (see Anonymise); nil
	// for a patient who was not.
	AnonymisedAt *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time

	searchText string
}

// Address is a postal address; empty fields are unknown.
type Address struct {
	Street     string `json:"street"`
	Number     string `json:"number"`
	Complement string `json:"complement"`
	District   string `json:"district"`
	City       string `json:"city"`
	// State is a UF such as SP.
	State string `json:"state"`
	// Zip is a CEP written 01310-100.
	Zip string `json:"zip"`
}

// Insurance is the patient's health plan (convênio); empty fields are
// unknown.
type Insurance struct {
	Plan       string `json:"plan"`
	CardNumber string `json:"card_number"`
	// ValidUntil is YYYY-MM-DD, "" when unknown.
	ValidUntil string `json:"valid_until,omitempty"`
}

// Consent is the patient's answer for one contact channel.
type Consent struct {
	Granted bool `json:"granted"`
	// At is when consent was last given or withdrawn; nil when never asked.
	At *time.Time `json:"at"`
	// Source says where the patient gave the answer themselves, such as
	// "public_booking" (absent for an answer recorded by the clinic's staff).
	Source string `json:"source,omitempty"`
}

// Consents holds the consent for each contact channel.
type Consents struct {
	WhatsApp Consent `json:"whatsapp"`
	SMS      Consent `json:"sms"`
	Email    Consent `json:"email"`
}

// Service manages patients.
type Service struct {
	db  *db.DB
	now func() time.Time
	// onChange are the listeners of committed writes (see OnChange).
	onChange kernel.Listeners[Change]
}

// NewService returns a Service on d. Patients are not cached: every read of
// one is audited (a write) and lists change with every registration, so the
// cache is not used.
func NewService(d *db.DB, _ cache.Cache, opts ...Option) *Service {
	s := &Service{db: d, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}
