package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Charge statuses. A charge is stored open or cancelled; Status reports
// paid when an open charge's balance is zero.
const (
	StatusOpen      = "open"
	StatusPaid      = "paid"
	StatusCancelled = "cancelled"
)

// Charge is an amount a patient owes the clinic (cobrança).
type Charge struct {
	ID             string `json:"id"`
	PatientID      string `json:"patient_id"`
	PatientName    string `json:"patient_name"`
	ProfessionalID string `json:"professional_id,omitempty"`
	// ProfessionalName is the professional's name ("" when none).
	ProfessionalName string `json:"professional_name,omitempty"`
	ProcedureID      string `json:"procedure_id,omitempty"`
	AppointmentID    string `json:"appointment_id,omitempty"`
	InsurancePlanID  string `json:"insurance_plan_id,omitempty"`
	Description      string `json:"description"`
	AmountCents      int64  `json:"amount_cents"`
	DiscountCents    int64  `json:"discount_cents"`
	// PaidCents is what the payments brought in, RefundedCents what the
	// refunds gave back (reversed entries count for nothing).
	PaidCents     int64 `json:"paid_cents"`
	RefundedCents int64 `json:"refunded_cents"`
	// BalanceCents is what is still owed: amount − discount − paid + refunded
	// (0 for a cancelled charge).
	BalanceCents int64     `json:"balance_cents"`
	ServiceAt    time.Time `json:"service_at"`
	// DueDate is YYYY-MM-DD, clinic-local.
	DueDate      string    `json:"due_date"`
	Status       string    `json:"status"`
	CancelReason string    `json:"cancel_reason,omitempty"`
	Overdue      bool      `json:"overdue"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// Payments are the charge's payments and refunds, oldest first (Get
	// and PatientCharges only).
	Payments []Payment `json:"payments,omitempty"`
}

// NetPaid is what the clinic kept of the payments.
func (c Charge) NetPaid() int64 { return c.PaidCents - c.RefundedCents }

// DueOn returns the due date as a time (midnight UTC of that date).
func (c Charge) DueOn() time.Time {
	t, _ := ParseDate(c.DueDate)
	return t
}

// Due is what the charge asks for after its discount.
func (c Charge) Due() int64 { return c.AmountCents - c.DiscountCents }

const chargeCols = `c.id, c.patient_id, COALESCE(pr.name, ''), c.professional_id, COALESCE(pf.name, ''), c.procedure_id, c.appointment_id,
	c.insurance_plan_id, c.description, c.amount_cents, c.discount_cents, c.service_at, c.due_date, c.status, c.cancel_reason, c.created_at, c.updated_at,
	COALESCE((SELECT CAST(SUM(p.amount_cents) AS BIGINT) FROM payments p WHERE p.charge_id = c.id AND p.kind = 'payment' AND p.reversed_at IS NULL), 0),
	COALESCE((SELECT CAST(SUM(p.amount_cents) AS BIGINT) FROM payments p WHERE p.charge_id = c.id AND p.kind = 'refund' AND p.reversed_at IS NULL), 0)`

const chargeFrom = ` FROM charges c LEFT JOIN patient_refs pr ON pr.clinic_id = c.clinic_id AND pr.id = c.patient_id
	LEFT JOIN professional_refs pf ON pf.clinic_id = c.clinic_id AND pf.id = c.professional_id`

func scanCharge(sc interface{ Scan(...any) error }, today string) (Charge, error) {
	var c Charge
	var prof, proc, appt, plan sql.NullString
	err := sc.Scan(&c.ID, &c.PatientID, &c.PatientName, &prof, &c.ProfessionalName, &proc, &appt, &plan, &c.Description,
		&c.AmountCents, &c.DiscountCents, &c.ServiceAt, &c.DueDate, &c.Status, &c.CancelReason, &c.CreatedAt, &c.UpdatedAt,
		&c.PaidCents, &c.RefundedCents)
	c.ProfessionalID, c.ProcedureID, c.AppointmentID, c.InsurancePlanID = prof.String, proc.String, appt.String, plan.String
	c.finish(today)
	return c, err
}

// finish computes the balance, the shown status and whether it is overdue.
func (c *Charge) finish(today string) {
	if c.Status == StatusCancelled {
		c.BalanceCents = 0
		return
	}
	c.BalanceCents = c.Due() - c.NetPaid()
	if c.BalanceCents <= 0 {
		c.Status = StatusPaid
	}
	c.Overdue = c.BalanceCents > 0 && today != "" && c.DueDate < today
}

// today returns the clinic's local date.
func (s *Service) today(ctx context.Context, clinicID string) (string, error) {
	loc, err := s.zone(ctx, clinicID)
	if err != nil {
		return "", err
	}
	return s.now().In(loc).Format(dateLayout), nil
}

// ChargeInput creates a manual charge.
type ChargeInput struct {
	PatientID      string `json:"patient_id"`
	Description    string `json:"description"`
	AmountCents    int64  `json:"amount_cents"`
	ProfessionalID string `json:"professional_id,omitempty"`
	ProcedureID    string `json:"procedure_id,omitempty"`
	// DueDate is YYYY-MM-DD (default: today, clinic-local).
	DueDate string `json:"due_date,omitempty"`
}

func checkText(bad map[string]string, field, v string, required bool, maxLen int) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && required:
		bad[field] = "Required."
	case utf8.RuneCountInString(v) > maxLen:
		bad[field] = fmt.Sprintf("At most %d characters.", maxLen)
	default:
		if msg := kernel.CheckText(v, false); msg != "" {
			bad[field] = msg
		}
	}
	return v
}

// CreateCharge records a manual charge (owner, financial).
func (s *Service) CreateCharge(ctx context.Context, p kernel.Principal, in ChargeInput) (Charge, error) {
	if !ManagesMoney(p.Role) {
		return Charge{}, errMoneyRole
	}
	bad := map[string]string{}
	if !kernel.IsID(in.PatientID) {
		bad["patient_id"] = "Choose the patient."
	}
	in.Description = checkText(bad, "description", in.Description, true, 200)
	if in.AmountCents <= 0 || in.AmountCents > maxCents {
		bad["amount_cents"] = "Give an amount above zero."
	}
	if in.ProfessionalID != "" && !kernel.IsID(in.ProfessionalID) {
		bad["professional_id"] = "Must be an id."
	}
	if in.ProcedureID != "" && !kernel.IsID(in.ProcedureID) {
		bad["procedure_id"] = "Must be an id."
	}
	today, err := s.today(ctx, p.ClinicID)
	if err != nil {
		return Charge{}, err
	}
	if in.DueDate == "" {
		in.DueDate = today
	} else if _, ok := ParseDate(in.DueDate); !ok {
		bad["due_date"] = "Give a date YYYY-MM-DD."
	}
	if len(bad) > 0 {
		return Charge{}, apperr.Validation(bad)
	}
	now := db.Time(s.now())
	id := kernel.NewID()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM patient_refs WHERE clinic_id = $1 AND id = $2 AND NOT archived`, p.ClinicID, in.PatientID).Scan(&n); err != nil {
			return fmt.Errorf("billing: create charge: %w", err)
		}
		if n == 0 {
			return apperr.Validation(map[string]string{"patient_id": "No such patient."})
		}
		if in.ProfessionalID != "" {
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM professional_refs WHERE clinic_id = $1 AND id = $2`, p.ClinicID, in.ProfessionalID).Scan(&n); err != nil {
				return fmt.Errorf("billing: create charge: %w", err)
			}
			if n == 0 {
				return apperr.Validation(map[string]string{"professional_id": "No such professional."})
			}
		}
		if in.ProcedureID != "" {
			if _, err := s.procedure(ctx, p.ClinicID, in.ProcedureID); err != nil {
				return apperr.Validation(map[string]string{"procedure_id": "No such procedure."})
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO charges (id, clinic_id, patient_id, professional_id, procedure_id, description, amount_cents,
			service_at, due_date, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $8, $8)`,
			id, p.ClinicID, in.PatientID, nullable(in.ProfessionalID), nullable(in.ProcedureID), in.Description, in.AmountCents,
			now, in.DueDate, p.UserID); err != nil {
			return fmt.Errorf("billing: create charge: %w", err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, "charge", id, in.PatientID)
	})
	if err != nil {
		return Charge{}, err
	}
	return s.Charge(ctx, p, id)
}

// AppointmentTx is the appointment.TxHook that charges a completed
// appointment, in the transaction that completes it: its procedure's price
// for the patient's active plan, else the private price. An appointment
// without a procedure, or whose procedure has no price, is not charged (a
// manual charge covers it). The unique index on appointment_id makes a
// second completion write nothing.
func (s *Service) AppointmentTx(ctx context.Context, w appointment.Writer, c appointment.Change) error {
	if c.Kind != appointment.ChangeStatus || c.Status != appointment.StatusCompleted || c.ProcedureID == "" {
		return nil
	}
	planID, err := s.patients.InsurancePlanID(ctx, c.ClinicID, c.PatientID)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	cents, usedPlan, ok, err := s.price(ctx, c.ClinicID, c.ProcedureID, planID)
	if err != nil || !ok {
		return err
	}
	name, err := s.procedure(ctx, c.ClinicID, c.ProcedureID)
	if apperr.Is(err, apperr.NotFound) {
		return nil // a procedure gone meanwhile: nothing to name the charge by
	}
	if err != nil {
		return err
	}
	loc, err := s.zone(ctx, c.ClinicID)
	if err != nil {
		return err
	}
	now := db.Time(s.now())
	id := kernel.NewID()
	if _, err := w.ExecContext(ctx, `INSERT INTO charges (id, clinic_id, patient_id, professional_id, procedure_id, appointment_id, insurance_plan_id,
		description, amount_cents, service_at, due_date, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
		ON CONFLICT DO NOTHING`, id, c.ClinicID, c.PatientID, nullable(c.ProfessionalID), c.ProcedureID, c.AppointmentID, nullable(usedPlan),
		name, cents, db.Time(c.StartsAt), c.StartsAt.In(loc).Format(dateLayout), now); err != nil {
		return fmt.Errorf("billing: charge appointment %s: %w", c.AppointmentID, err)
	}
	return audit.Record(ctx, w, c.ClinicID, audit.ActionCreate, "charge", id, c.PatientID)
}

// Charge returns one charge with its payments (staff who see charges).
func (s *Service) Charge(ctx context.Context, p kernel.Principal, id string) (Charge, error) {
	if !SeesCharges(p.Role) {
		return Charge{}, errChargeRole
	}
	today, err := s.today(ctx, p.ClinicID)
	if err != nil {
		return Charge{}, err
	}
	c, err := s.charge(ctx, s.db, p.ClinicID, id, today, false)
	if err != nil {
		return Charge{}, err
	}
	list, err := s.payments(ctx, s.db, p.ClinicID, []string{c.ID})
	if err != nil {
		return Charge{}, err
	}
	c.Payments = list[c.ID]
	return c, nil
}

func (s *Service) charge(ctx context.Context, q queryer, clinicID, id, today string, lock bool) (Charge, error) {
	if !kernel.IsID(id) {
		return Charge{}, errNotFound
	}
	if lock && s.db.Dialect == db.Postgres {
		// Lock the charge row first: the payments of a charge are written
		// one at a time.
		var x string
		err := q.QueryRowContext(ctx, `SELECT id FROM charges WHERE clinic_id = $1 AND id = $2 FOR UPDATE`, clinicID, id).Scan(&x)
		if errors.Is(err, sql.ErrNoRows) {
			return Charge{}, errNotFound
		}
		if err != nil {
			return Charge{}, fmt.Errorf("billing: lock charge: %w", err)
		}
	}
	c, err := scanCharge(q.QueryRowContext(ctx, `SELECT `+chargeCols+chargeFrom+` WHERE c.clinic_id = $1 AND c.id = $2`, clinicID, id), today)
	if errors.Is(err, sql.ErrNoRows) {
		return Charge{}, errNotFound
	}
	if err != nil {
		return Charge{}, fmt.Errorf("billing: get charge: %w", err)
	}
	return c, nil
}

// ChargeFilter selects charges, newest first.
type ChargeFilter struct {
	PatientID      string
	ProfessionalID string
	// Status is open (balance left, overdue included), paid, cancelled or
	// overdue; "" for all.
	Status string
	// From and To bound the creation date, clinic-local YYYY-MM-DD
	// (inclusive); "" leaves a side open.
	From, To string
	Cursor   string
	Limit    int
}

// ChargePage is a page of charges.
type ChargePage struct {
	Items      []Charge `json:"items"`
	NextCursor string   `json:"next_cursor,omitempty"`
}

// Charges lists the clinic's charges, newest first (staff who see charges).
func (s *Service) Charges(ctx context.Context, p kernel.Principal, f ChargeFilter) (ChargePage, error) {
	if !SeesCharges(p.Role) {
		return ChargePage{}, errChargeRole
	}
	bad := map[string]string{}
	var msg string
	if f.Limit, msg = kernel.PageSize(f.Limit, 50, kernel.MaxLimit); msg != "" {
		bad["limit"] = msg
	}
	if f.PatientID != "" && !kernel.IsID(f.PatientID) {
		bad["patient_id"] = "Must be an id."
	}
	if f.ProfessionalID != "" && !kernel.IsID(f.ProfessionalID) {
		bad["professional_id"] = "Must be an id."
	}
	switch f.Status {
	case "", StatusOpen, StatusPaid, StatusCancelled, "overdue":
	default:
		bad["status"] = "One of open, paid, cancelled, overdue."
	}
	loc, err := s.zone(ctx, p.ClinicID)
	if err != nil {
		return ChargePage{}, err
	}
	var from, to time.Time
	if f.From != "" {
		d, ok := ParseDate(f.From)
		if !ok {
			bad["from"] = "Give a date YYYY-MM-DD."
		}
		from = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	}
	if f.To != "" {
		d, ok := ParseDate(f.To)
		if !ok {
			bad["to"] = "Give a date YYYY-MM-DD."
		}
		to = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
	}
	var curAt time.Time
	var curID string
	if f.Cursor != "" {
		parts, ok := kernel.DecodeCursor(f.Cursor, 2)
		var n int64
		if ok {
			n, err = strconv.ParseInt(parts[0], 10, 64)
			ok = err == nil && kernel.IsID(parts[1])
		}
		if !ok {
			bad["cursor"] = kernel.MsgCursor
		} else {
			curAt, curID = time.UnixMicro(n).UTC(), parts[1]
		}
	}
	if len(bad) > 0 {
		return ChargePage{}, apperr.Validation(bad)
	}
	today := s.now().In(loc).Format(dateLayout)
	q := `SELECT ` + chargeCols + chargeFrom + ` WHERE c.clinic_id = $1`
	args := []any{p.ClinicID}
	add := func(cond string, v ...any) {
		for _, x := range v {
			args = append(args, x)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		q += " AND " + cond
	}
	if f.PatientID != "" {
		add("c.patient_id = ?", f.PatientID)
	}
	if f.ProfessionalID != "" {
		add("c.professional_id = ?", f.ProfessionalID)
	}
	if !from.IsZero() {
		add("c.created_at >= ?", db.Time(from))
	}
	if !to.IsZero() {
		add("c.created_at < ?", db.Time(to))
	}
	switch f.Status {
	case StatusCancelled:
		add("c.status = ?", StatusCancelled)
	case StatusOpen, StatusPaid, "overdue":
		add("c.status = ?", StatusOpen)
		if f.Status == "overdue" {
			add("c.due_date < ?", today)
		}
	}
	if curID != "" {
		add("(c.created_at < ? OR (c.created_at = ? AND c.id < ?))", db.Time(curAt), db.Time(curAt), curID)
	}
	// The status filters that depend on the balance (open, paid, overdue)
	// are applied to the rows read: such a page may hold fewer items than
	// the limit, and next_cursor goes on from the last row read.
	out := ChargePage{Items: []Charge{}}
	args = append(args, f.Limit+1)
	q += ` ORDER BY c.created_at DESC, c.id DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return ChargePage{}, fmt.Errorf("billing: list charges: %w", err)
	}
	defer rows.Close()
	var last Charge
	n := 0
	for rows.Next() {
		c, err := scanCharge(rows, today)
		if err != nil {
			return ChargePage{}, fmt.Errorf("billing: list charges: %w", err)
		}
		n++
		if n > f.Limit {
			out.NextCursor = kernel.EncodeCursor(strconv.FormatInt(last.CreatedAt.UnixMicro(), 10), last.ID)
			break
		}
		last = c
		switch {
		case f.Status == StatusOpen && c.Status != StatusOpen,
			f.Status == StatusPaid && c.Status != StatusPaid,
			f.Status == "overdue" && !c.Overdue:
			continue
		}
		out.Items = append(out.Items, c)
	}
	return out, rows.Err()
}

// CancelInput cancels a charge.
type CancelInput struct {
	Reason string `json:"reason"`
}

// CancelCharge cancels a charge with a reason (owner, financial). A charge
// with money kept (payments not refunded) must be refunded first (409).
func (s *Service) CancelCharge(ctx context.Context, p kernel.Principal, id string, in CancelInput) (Charge, error) {
	if !ManagesMoney(p.Role) {
		return Charge{}, errMoneyRole
	}
	bad := map[string]string{}
	in.Reason = checkText(bad, "reason", in.Reason, true, 500)
	if len(bad) > 0 {
		return Charge{}, apperr.Validation(bad)
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.charge(ctx, tx, p.ClinicID, id, "", true)
		if err != nil {
			return err
		}
		if c.Status == StatusCancelled {
			return apperr.New(apperr.Conflict, "The charge is cancelled already.")
		}
		if c.NetPaid() > 0 {
			return apperr.New(apperr.Conflict, "The charge has payments: refund or reverse them first.")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE charges SET status = 'cancelled', cancel_reason = $1, updated_at = $2 WHERE clinic_id = $3 AND id = $4`,
			in.Reason, db.Time(s.now()), p.ClinicID, c.ID); err != nil {
			return fmt.Errorf("billing: cancel charge: %w", err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, "charge", c.ID, c.PatientID)
	})
	if err != nil {
		return Charge{}, err
	}
	return s.Charge(ctx, p, id)
}

// DiscountInput sets a charge's discount.
type DiscountInput struct {
	DiscountCents int64 `json:"discount_cents"`
}

// SetDiscount sets the discount of an open charge (owner, financial); the
// discounted amount may not fall below what was paid (invalid).
func (s *Service) SetDiscount(ctx context.Context, p kernel.Principal, id string, in DiscountInput) (Charge, error) {
	if !ManagesMoney(p.Role) {
		return Charge{}, errMoneyRole
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.charge(ctx, tx, p.ClinicID, id, "", true)
		if err != nil {
			return err
		}
		if c.Status == StatusCancelled {
			return apperr.New(apperr.Conflict, "The charge is cancelled.")
		}
		if in.DiscountCents < 0 || in.DiscountCents > c.AmountCents-c.NetPaid() {
			return apperr.Validation(map[string]string{"discount_cents": "The discount goes from zero to the amount not yet paid."})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE charges SET discount_cents = $1, updated_at = $2 WHERE clinic_id = $3 AND id = $4`,
			in.DiscountCents, db.Time(s.now()), p.ClinicID, c.ID); err != nil {
			return fmt.Errorf("billing: discount: %w", err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, "charge", c.ID, c.PatientID)
	})
	if err != nil {
		return Charge{}, err
	}
	return s.Charge(ctx, p, id)
}

// AppointmentCharge returns the charge of an appointment, NotFound when it
// has none.
func (s *Service) AppointmentCharge(ctx context.Context, p kernel.Principal, appointmentID string) (Charge, error) {
	if !SeesCharges(p.Role) {
		return Charge{}, errChargeRole
	}
	if !kernel.IsID(appointmentID) {
		return Charge{}, errNotFound
	}
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT id FROM charges WHERE clinic_id = $1 AND appointment_id = $2`, p.ClinicID, appointmentID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Charge{}, errNotFound
	}
	if err != nil {
		return Charge{}, fmt.Errorf("billing: appointment charge: %w", err)
	}
	return s.Charge(ctx, p, id)
}
