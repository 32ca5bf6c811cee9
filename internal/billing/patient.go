package billing

import (
	"context"
	"database/sql"
	"fmt"

	"clinic/internal/audit"
	"clinic/internal/kernel"
)

// Balance is what a patient owes the clinic.
type Balance struct {
	PatientID string `json:"patient_id"`
	// BalanceCents is the sum of the open balances of the patient's charges.
	BalanceCents int64 `json:"balance_cents"`
	// OverdueCents is the part of it past its due date.
	OverdueCents int64 `json:"overdue_cents"`
	// OpenCharges counts the charges with a balance.
	OpenCharges int `json:"open_charges"`
}

// PatientCharges returns every charge of the patient with its payments,
// newest first (staff who see charges).
func (s *Service) PatientCharges(ctx context.Context, p kernel.Principal, patientID string) ([]Charge, error) {
	if !SeesCharges(p.Role) {
		return nil, errChargeRole
	}
	return s.patientCharges(ctx, p.ClinicID, patientID)
}

func (s *Service) patientCharges(ctx context.Context, clinicID, patientID string) ([]Charge, error) {
	if !kernel.IsID(patientID) {
		return []Charge{}, nil
	}
	today, err := s.today(ctx, clinicID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+chargeCols+chargeFrom+` WHERE c.clinic_id = $1 AND c.patient_id = $2
		ORDER BY c.created_at DESC, c.id DESC`, clinicID, patientID)
	if err != nil {
		return nil, fmt.Errorf("billing: patient charges: %w", err)
	}
	out := []Charge{}
	var ids []string
	for rows.Next() {
		c, err := scanCharge(rows, today)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("billing: patient charges: %w", err)
		}
		out = append(out, c)
		ids = append(ids, c.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	pays, err := s.payments(ctx, s.db, clinicID, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Payments = pays[out[i].ID]
	}
	return out, nil
}

// PatientBalance returns what the patient owes (staff who see charges).
func (s *Service) PatientBalance(ctx context.Context, p kernel.Principal, patientID string) (Balance, error) {
	list, err := s.PatientCharges(ctx, p, patientID)
	if err != nil {
		return Balance{}, err
	}
	return balanceOf(patientID, list), nil
}

func balanceOf(patientID string, list []Charge) Balance {
	b := Balance{PatientID: patientID}
	for _, c := range list {
		if c.BalanceCents > 0 {
			b.BalanceCents += c.BalanceCents
			b.OpenCharges++
			if c.Overdue {
				b.OverdueCents += c.BalanceCents
			}
		}
	}
	return b
}

// PatientExport is the patient's money records, for the LGPD export.
type PatientExport struct {
	Charges []Charge `json:"charges"`
	Balance Balance  `json:"balance"`
}

// ExportPatient returns every charge, payment, refund and reversal of the
// patient (owner only; audited as a read).
func (s *Service) ExportPatient(ctx context.Context, p kernel.Principal, patientID string) (any, error) {
	if p.Role != kernel.RoleOwner {
		return nil, errMoneyRole
	}
	list, err := s.patientCharges(ctx, p.ClinicID, patientID)
	if err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, s.db, p.ClinicID, audit.ActionRead, "patient_billing", patientID, patientID); err != nil {
		return nil, err
	}
	return PatientExport{Charges: list, Balance: balanceOf(patientID, list)}, nil
}

// AnonymisePatient removes the free text that may identify the patient
// from their money records (payment notes, reasons, manual descriptions
// become neutral); amounts, dates and methods are kept (owner only;
// audited). Receipts keep no copy of the patient's name or CPF: they read
// the patient's record, which package patient anonymises.
func (s *Service) AnonymisePatient(ctx context.Context, p kernel.Principal, patientID string) error {
	if p.Role != kernel.RoleOwner {
		return errMoneyRole
	}
	if !kernel.IsID(patientID) {
		return errNotFound
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE payments SET note = '', reverse_reason = CASE WHEN reverse_reason = '' THEN '' ELSE '-' END
			WHERE clinic_id = $1 AND charge_id IN (SELECT id FROM charges WHERE clinic_id = $1 AND patient_id = $2)`, p.ClinicID, patientID); err != nil {
			return fmt.Errorf("billing: anonymise payments: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE charges SET cancel_reason = CASE WHEN cancel_reason = '' THEN '' ELSE '-' END,
			description = CASE WHEN appointment_id IS NULL THEN '-' ELSE description END
			WHERE clinic_id = $1 AND patient_id = $2`, p.ClinicID, patientID); err != nil {
			return fmt.Errorf("billing: anonymise charges: %w", err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, "patient_billing", patientID, patientID)
	})
}
