// Package billing is the money of a clinic: insurance plans (convênios),
// prices per procedure (private and per plan), charges (cobranças) with
// discounts and cancellation, payments (cash, cards with installments, Pix,
// bank transfer, insurance), refunds (estornos) and reversals, receipts,
// professional payouts (repasse), the cash flow (fluxo de caixa) and the
// clinic's Pix settings.
//
// Money is integer cents (BRL). Nothing is ever deleted: a payment recorded
// by mistake is reversed (it stays, marked), a refund is its own entry
// referring to the payment, a charge is cancelled with a reason. Every
// money change is audited in its own transaction.
//
// A completed appointment creates its charge in the appointment's own
// transaction (AppointmentTx, an appointment.TxHook): the procedure's price
// for the patient's active insurance plan when it has one, else the private
// price; one charge per appointment (a unique index), never lost.
//
// # Roles
//
// Owners and financial users manage money: plans, prices, charges,
// payouts, the Pix settings, and read the reports (cash flow, payouts,
// revenue). Admins manage plans and prices and work the front desk.
// Receptionists (and admins) see charges and balances, the charge page and
// receipts, and record payments; not the reports. Professionals see their
// own payouts only. Another clinic's row is not found.
//
// # Tables
//
// Tables: insurance_plans, procedure_prices, billing_settings, charges,
// payments, payout_rules, payouts, payout_items.
//
// The patient's linked plan (a column of package patient's table) is read
// and written through package patient; the read models patient_refs and
// professional_refs give names.
package billing

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/schedule"
)

// Patients is what billing asks of the patient service.
type Patients interface {
	InsurancePlanID(ctx context.Context, clinicID, patientID string) (string, error)
	SetInsurancePlan(ctx context.Context, p kernel.Principal, patientID, planID string) error
}

// Procedures is what billing asks of the schedule service.
type Procedures interface {
	Procedure(ctx context.Context, clinicID, id string) (schedule.Procedure, error)
	Procedures(ctx context.Context, clinicID string, f schedule.ProcedureFilter) ([]schedule.Procedure, error)
}

// Zones gives a clinic's time zone (the account service).
type Zones interface {
	ClinicZone(ctx context.Context, clinicID string) (*time.Location, error)
}

// PixMessage is a Pix payment request sent to the patient (see
// WithPixMessenger).
type PixMessage struct {
	ClinicID    string
	PatientID   string
	ChargeID    string
	AmountCents int64
	Description string
	Payload     string
}

// Service manages a clinic's money.
type Service struct {
	db         *db.DB
	patients   Patients
	procedures Procedures
	zones      Zones
	pixSend    func(ctx context.Context, p kernel.Principal, m PixMessage) error
	log        *slog.Logger
	now        func() time.Time
}

// Option adjusts a Service.
type Option func(*Service)

// WithPixMessenger sends a charge's Pix code to its patient (package app
// wires reminder.Service.SendPix). Without it the charge page hides the
// button and SendPix answers unavailable.
func WithPixMessenger(fn func(ctx context.Context, p kernel.Principal, m PixMessage) error) Option {
	return func(s *Service) { s.pixSend = fn }
}

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithLogger sets the service's logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// NewService returns a Service on d.
func NewService(d *db.DB, patients Patients, procedures Procedures, zones Zones, opts ...Option) *Service {
	s := &Service{db: d, patients: patients, procedures: procedures, zones: zones, log: slog.Default(), now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// CanSendPix reports whether the Pix code can be sent to patients (a
// messenger is wired).
func (s *Service) CanSendPix() bool { return s.pixSend != nil }

// The roles' rights.

// ManagesMoney reports whether r manages charges, payouts and the Pix
// settings and reads the reports (owner, financial).
func ManagesMoney(r kernel.Role) bool { return r == kernel.RoleOwner || r == kernel.RoleFinancial }

// ManagesPrices reports whether r manages insurance plans and prices
// (owner, financial, admin).
func ManagesPrices(r kernel.Role) bool { return ManagesMoney(r) || r == kernel.RoleAdmin }

// SeesCharges reports whether r sees charges and balances and records
// payments (owner, financial, admin, receptionist).
func SeesCharges(r kernel.Role) bool { return ManagesPrices(r) || r == kernel.RoleReceptionist }

// SeesFinance reports whether r has anything in the "Financeiro" menu
// (every role but none: professionals see their own payouts).
func SeesFinance(r kernel.Role) bool { return SeesCharges(r) || r == kernel.RoleProfessional }

var (
	errMoneyRole   = apperr.New(apperr.Forbidden, "Only owners and financial users can do this.")
	errPriceRole   = apperr.New(apperr.Forbidden, "Only owners, admins and financial users can change plans and prices.")
	errChargeRole  = apperr.New(apperr.Forbidden, "Your role cannot see charges or payments.")
	errReportRole  = apperr.New(apperr.Forbidden, "Your role cannot see the financial reports.")
	errPlanMissing = apperr.New(apperr.NotFound, "Insurance plan not found.")
	errNotFound    = apperr.New(apperr.NotFound, "Charge not found.")
	errPayMissing  = apperr.New(apperr.NotFound, "Payment not found.")
)

// queryer is a *sql.DB, *db.DB or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// zone returns the clinic's time zone.
func (s *Service) zone(ctx context.Context, clinicID string) (*time.Location, error) {
	if s.zones == nil {
		return time.UTC, nil
	}
	return s.zones.ClinicZone(ctx, clinicID)
}

// LocalDate is a clinic-local date YYYY-MM-DD.
const dateLayout = time.DateOnly

// ParseDate parses YYYY-MM-DD; ok is false for anything else.
func ParseDate(s string) (time.Time, bool) {
	t, err := time.Parse(dateLayout, s)
	return t, err == nil && t.Format(dateLayout) == s
}
