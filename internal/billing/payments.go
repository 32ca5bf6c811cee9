package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Payment methods.
const (
	MethodCash      = "cash"
	MethodDebit     = "debit_card"
	MethodCredit    = "credit_card"
	MethodPix       = "pix"
	MethodTransfer  = "bank_transfer"
	MethodInsurance = "insurance"
)

// Methods lists the payment methods in the order forms offer them.
var Methods = []string{MethodPix, MethodCash, MethodDebit, MethodCredit, MethodTransfer, MethodInsurance}

// Entry kinds.
const (
	KindPayment = "payment"
	KindRefund  = "refund"
)

// MaxInstallments is the most installments (parcelas) of a credit card payment.
const MaxInstallments = 12

// Payment is money received for a charge, or (Kind refund) given back of
// a payment (RefundOf). A reversed entry (recorded by mistake) stays, with
// ReversedAt, and counts for nothing.
type Payment struct {
	ID           string `json:"id"`
	ChargeID     string `json:"charge_id"`
	Kind         string `json:"kind"`
	RefundOf     string `json:"refund_of,omitempty"`
	Method       string `json:"method"`
	Installments int    `json:"installments"`
	AmountCents  int64  `json:"amount_cents"`
	// RefundedCents is what refunds (not reversed) gave back of a payment.
	RefundedCents int64      `json:"refunded_cents,omitempty"`
	ReceivedAt    time.Time  `json:"received_at"`
	ReceivedBy    string     `json:"received_by,omitempty"`
	Note          string     `json:"note,omitempty"`
	ReversedAt    *time.Time `json:"reversed_at,omitempty"`
	ReversedBy    string     `json:"reversed_by,omitempty"`
	ReverseReason string     `json:"reverse_reason,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

// Counts reports whether the entry counts (not reversed).
func (p Payment) Counts() bool { return p.ReversedAt == nil }

const paymentCols = `id, charge_id, kind, refund_of, method, installments, amount_cents, received_at, received_by, note,
	reversed_at, reversed_by, reverse_reason, created_at`

func scanPayment(sc interface{ Scan(...any) error }) (Payment, error) {
	var p Payment
	var of sql.NullString
	var rev sql.NullTime
	err := sc.Scan(&p.ID, &p.ChargeID, &p.Kind, &of, &p.Method, &p.Installments, &p.AmountCents, &p.ReceivedAt, &p.ReceivedBy, &p.Note,
		&rev, &p.ReversedBy, &p.ReverseReason, &p.CreatedAt)
	p.RefundOf = of.String
	if rev.Valid {
		t := rev.Time
		p.ReversedAt = &t
	}
	return p, err
}

// payments returns the entries of the charges, oldest first, by charge.
func (s *Service) payments(ctx context.Context, q queryer, clinicID string, chargeIDs []string) (map[string][]Payment, error) {
	out := map[string][]Payment{}
	if len(chargeIDs) == 0 {
		return out, nil
	}
	args := []any{clinicID}
	ph := make([]string, len(chargeIDs))
	for i, id := range chargeIDs {
		args = append(args, id)
		ph[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+paymentCols+` FROM payments WHERE clinic_id = $1 AND charge_id IN (`+strings.Join(ph, ", ")+`)
		ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("billing: payments: %w", err)
	}
	defer rows.Close()
	var order []string
	all := map[string]Payment{}
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, fmt.Errorf("billing: payments: %w", err)
		}
		all[p.ID] = p
		order = append(order, p.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range order {
		p := all[id]
		if p.Kind == KindRefund && p.Counts() {
			if of, ok := all[p.RefundOf]; ok {
				of.RefundedCents += p.AmountCents
				all[p.RefundOf] = of
			}
		}
	}
	for _, id := range order {
		p := all[id]
		out[p.ChargeID] = append(out[p.ChargeID], p)
	}
	return out, nil
}

// PaymentInput records a payment against a charge.
type PaymentInput struct {
	Method      string `json:"method"`
	AmountCents int64  `json:"amount_cents"`
	// Installments is the credit card's number of installments (1–12;
	// default 1; other methods only 1).
	Installments int `json:"installments,omitempty"`
	// ReceivedAt is when the money came in (default now; not in the future).
	ReceivedAt *time.Time `json:"received_at,omitempty"`
	Note       string     `json:"note,omitempty"`
}

// RecordPayment records a (possibly partial) payment of an open charge
// (owner, financial, admin, receptionist). More than the balance is
// refused (invalid): the clinic keeps no credit.
func (s *Service) RecordPayment(ctx context.Context, p kernel.Principal, chargeID string, in PaymentInput) (Payment, error) {
	if !SeesCharges(p.Role) {
		return Payment{}, errChargeRole
	}
	bad := map[string]string{}
	known := false
	for _, m := range Methods {
		known = known || m == in.Method
	}
	if !known {
		bad["method"] = "Choose how it was paid."
	}
	if in.Installments == 0 {
		in.Installments = 1
	}
	if in.Installments < 1 || in.Installments > MaxInstallments || (in.Installments > 1 && in.Method != MethodCredit) {
		bad["installments"] = "Installments: 1 to 12, credit card only."
	}
	if in.AmountCents <= 0 || in.AmountCents > maxCents {
		bad["amount_cents"] = "Give an amount above zero."
	}
	in.Note = checkText(bad, "note", in.Note, false, 500)
	now := db.Time(s.now())
	at := now
	if in.ReceivedAt != nil {
		at = db.Time(*in.ReceivedAt)
		if at.After(now.Add(time.Minute)) {
			bad["received_at"] = "Cannot be in the future."
		}
	}
	if len(bad) > 0 {
		return Payment{}, apperr.Validation(bad)
	}
	pay := Payment{ID: kernel.NewID(), ChargeID: chargeID, Kind: KindPayment, Method: in.Method, Installments: in.Installments,
		AmountCents: in.AmountCents, ReceivedAt: at, ReceivedBy: p.UserID, Note: in.Note, CreatedAt: now}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.charge(ctx, tx, p.ClinicID, chargeID, "", true)
		if err != nil {
			return err
		}
		if c.Status == StatusCancelled {
			return apperr.New(apperr.Conflict, "The charge is cancelled.")
		}
		if in.AmountCents > c.BalanceCents {
			return apperr.Validation(map[string]string{"amount_cents": "More than the balance: at most the amount still owed."})
		}
		if err := insertPayment(ctx, tx, p.ClinicID, pay); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, "payment", pay.ID, c.PatientID)
	})
	return pay, err
}

func insertPayment(ctx context.Context, tx *sql.Tx, clinicID string, p Payment) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO payments (id, clinic_id, charge_id, kind, refund_of, method, installments, amount_cents,
		received_at, received_by, note, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		p.ID, clinicID, p.ChargeID, p.Kind, nullable(p.RefundOf), p.Method, p.Installments, p.AmountCents, p.ReceivedAt, p.ReceivedBy, p.Note, p.CreatedAt)
	if err != nil {
		return fmt.Errorf("billing: record %s: %w", p.Kind, err)
	}
	return nil
}

// Payment returns one entry of a charge.
func (s *Service) Payment(ctx context.Context, p kernel.Principal, chargeID, id string) (Payment, error) {
	c, err := s.Charge(ctx, p, chargeID)
	if err != nil {
		return Payment{}, err
	}
	for _, x := range c.Payments {
		if x.ID == id {
			return x, nil
		}
	}
	return Payment{}, errPayMissing
}

// RefundInput gives back part or all of a payment.
type RefundInput struct {
	AmountCents int64  `json:"amount_cents"`
	Note        string `json:"note,omitempty"`
}

// Refund records a refund (estorno) of a payment, by the payment's method
// (owner, financial): at most what is left of the payment (invalid).
func (s *Service) Refund(ctx context.Context, p kernel.Principal, chargeID, paymentID string, in RefundInput) (Payment, error) {
	if !ManagesMoney(p.Role) {
		return Payment{}, errMoneyRole
	}
	bad := map[string]string{}
	if in.AmountCents <= 0 || in.AmountCents > maxCents {
		bad["amount_cents"] = "Give an amount above zero."
	}
	in.Note = checkText(bad, "note", in.Note, false, 500)
	if len(bad) > 0 {
		return Payment{}, apperr.Validation(bad)
	}
	now := db.Time(s.now())
	var ref Payment
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.charge(ctx, tx, p.ClinicID, chargeID, "", true)
		if err != nil {
			return err
		}
		of, err := s.entry(ctx, tx, p.ClinicID, c.ID, paymentID)
		if err != nil {
			return err
		}
		if of.Kind != KindPayment || !of.Counts() {
			return apperr.New(apperr.Conflict, "Only a payment that was not reversed can be refunded.")
		}
		if in.AmountCents > of.AmountCents-of.RefundedCents {
			return apperr.Validation(map[string]string{"amount_cents": "More than what is left of the payment."})
		}
		ref = Payment{ID: kernel.NewID(), ChargeID: c.ID, Kind: KindRefund, RefundOf: of.ID, Method: of.Method, Installments: 1,
			AmountCents: in.AmountCents, ReceivedAt: now, ReceivedBy: p.UserID, Note: in.Note, CreatedAt: now}
		if err := insertPayment(ctx, tx, p.ClinicID, ref); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, "refund", ref.ID, c.PatientID)
	})
	return ref, err
}

// entry returns one entry of the charge, with what was refunded of it.
func (s *Service) entry(ctx context.Context, q queryer, clinicID, chargeID, id string) (Payment, error) {
	if !kernel.IsID(id) {
		return Payment{}, errPayMissing
	}
	list, err := s.payments(ctx, q, clinicID, []string{chargeID})
	if err != nil {
		return Payment{}, err
	}
	for _, p := range list[chargeID] {
		if p.ID == id {
			return p, nil
		}
	}
	return Payment{}, errPayMissing
}

// ReverseInput says why an entry is reversed.
type ReverseInput struct {
	Reason string `json:"reason"`
}

// Reverse marks a payment or refund recorded by mistake as reversed (owner,
// financial): it stays in the history and counts for nothing. A payment
// with refunds not reversed must have them reversed first (409); reversing
// a refund may not take the charge past its amount (409).
func (s *Service) Reverse(ctx context.Context, p kernel.Principal, chargeID, paymentID string, in ReverseInput) (Payment, error) {
	if !ManagesMoney(p.Role) {
		return Payment{}, errMoneyRole
	}
	bad := map[string]string{}
	in.Reason = checkText(bad, "reason", in.Reason, true, 500)
	if len(bad) > 0 {
		return Payment{}, apperr.Validation(bad)
	}
	now := db.Time(s.now())
	var out Payment
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.charge(ctx, tx, p.ClinicID, chargeID, "", true)
		if err != nil {
			return err
		}
		e, err := s.entry(ctx, tx, p.ClinicID, c.ID, paymentID)
		if err != nil {
			return err
		}
		switch {
		case !e.Counts():
			return apperr.New(apperr.Conflict, "The entry is reversed already.")
		case e.Kind == KindPayment && e.RefundedCents > 0:
			return apperr.New(apperr.Conflict, "The payment has refunds: reverse them first.")
		case e.Kind == KindRefund && c.Status != StatusCancelled && c.NetPaid()+e.AmountCents > c.Due():
			return apperr.New(apperr.Conflict, "Reversing the refund would make the charge paid more than its amount.")
		case e.Kind == KindRefund && c.Status == StatusCancelled:
			return apperr.New(apperr.Conflict, "The charge is cancelled.")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE payments SET reversed_at = $1, reversed_by = $2, reverse_reason = $3 WHERE clinic_id = $4 AND id = $5`,
			now, p.UserID, in.Reason, p.ClinicID, e.ID); err != nil {
			return fmt.Errorf("billing: reverse: %w", err)
		}
		e.ReversedAt, e.ReversedBy, e.ReverseReason = &now, p.UserID, in.Reason
		out = e
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, e.Kind, e.ID, c.PatientID)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Payment{}, errPayMissing
	}
	return out, err
}
