package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Plan is an insurance plan (convênio) the clinic accepts.
type Plan struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// ANSCode is the insurer's ANS registry number, 6 digits ("" unknown).
	ANSCode   string    `json:"ans_code"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PlanInput creates or replaces a plan; nil Active means active.
type PlanInput struct {
	Name    string `json:"name"`
	ANSCode string `json:"ans_code,omitempty"`
	Active  *bool  `json:"active,omitempty"`
}

func (in PlanInput) validate() (PlanInput, map[string]string) {
	bad := map[string]string{}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		bad["name"] = "Give the plan's name (at most 100 characters)."
	} else if msg := kernel.CheckText(in.Name, false); msg != "" {
		bad["name"] = msg
	}
	in.ANSCode = strings.TrimSpace(in.ANSCode)
	if in.ANSCode != "" && !digits(in.ANSCode, 6) {
		bad["ans_code"] = "The ANS registry number has 6 digits."
	}
	if len(bad) > 0 {
		return in, bad
	}
	return in, nil
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

const planCols = `id, name, ans_code, active, created_at, updated_at`

func scanPlan(sc interface{ Scan(...any) error }) (Plan, error) {
	var p Plan
	err := sc.Scan(&p.ID, &p.Name, &p.ANSCode, &p.Active, &p.CreatedAt, &p.UpdatedAt)
	return p, err
}

// Plans returns the clinic's plans by name (activeOnly: the active ones).
// Every member reads them (the patient form offers them).
func (s *Service) Plans(ctx context.Context, p kernel.Principal, activeOnly bool) ([]Plan, error) {
	if !p.Role.Valid() {
		return nil, errChargeRole
	}
	q := `SELECT ` + planCols + ` FROM insurance_plans WHERE clinic_id = $1`
	if activeOnly {
		q += ` AND active`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY name, id`, p.ClinicID)
	if err != nil {
		return nil, fmt.Errorf("billing: list plans: %w", err)
	}
	defer rows.Close()
	out := []Plan{}
	for rows.Next() {
		pl, err := scanPlan(rows)
		if err != nil {
			return nil, fmt.Errorf("billing: list plans: %w", err)
		}
		out = append(out, pl)
	}
	return out, rows.Err()
}

// Plan returns one plan of the clinic.
func (s *Service) Plan(ctx context.Context, p kernel.Principal, id string) (Plan, error) {
	if !p.Role.Valid() {
		return Plan{}, errChargeRole
	}
	return s.plan(ctx, s.db, p.ClinicID, id)
}

func (s *Service) plan(ctx context.Context, q queryer, clinicID, id string) (Plan, error) {
	if !kernel.IsID(id) {
		return Plan{}, errPlanMissing
	}
	pl, err := scanPlan(q.QueryRowContext(ctx, `SELECT `+planCols+` FROM insurance_plans WHERE clinic_id = $1 AND id = $2`, clinicID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Plan{}, errPlanMissing
	}
	if err != nil {
		return Plan{}, fmt.Errorf("billing: get plan: %w", err)
	}
	return pl, nil
}

// CreatePlan adds a plan (owner, financial, admin).
func (s *Service) CreatePlan(ctx context.Context, p kernel.Principal, in PlanInput) (Plan, error) {
	if !ManagesPrices(p.Role) {
		return Plan{}, errPriceRole
	}
	in, bad := in.validate()
	if bad != nil {
		return Plan{}, apperr.Validation(bad)
	}
	now := db.Time(s.now())
	pl := Plan{ID: kernel.NewID(), Name: in.Name, ANSCode: in.ANSCode, Active: in.Active == nil || *in.Active, CreatedAt: now, UpdatedAt: now}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO insurance_plans (id, clinic_id, name, ans_code, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6)`, pl.ID, p.ClinicID, pl.Name, pl.ANSCode, pl.Active, now); err != nil {
			return fmt.Errorf("billing: create plan: %w", err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, "insurance_plan", pl.ID, "")
	})
	return pl, err
}

// UpdatePlan replaces a plan's name, ANS number and active flag (an
// inactive plan is offered no more; nothing is deleted).
func (s *Service) UpdatePlan(ctx context.Context, p kernel.Principal, id string, in PlanInput) (Plan, error) {
	if !ManagesPrices(p.Role) {
		return Plan{}, errPriceRole
	}
	in, bad := in.validate()
	if bad != nil {
		return Plan{}, apperr.Validation(bad)
	}
	var pl Plan
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if pl, err = s.plan(ctx, tx, p.ClinicID, id); err != nil {
			return err
		}
		pl.Name, pl.ANSCode, pl.UpdatedAt = in.Name, in.ANSCode, db.Time(s.now())
		if in.Active != nil {
			pl.Active = *in.Active
		}
		if _, err := tx.ExecContext(ctx, `UPDATE insurance_plans SET name = $1, ans_code = $2, active = $3, updated_at = $4 WHERE clinic_id = $5 AND id = $6`,
			pl.Name, pl.ANSCode, pl.Active, pl.UpdatedAt, p.ClinicID, pl.ID); err != nil {
			return fmt.Errorf("billing: update plan: %w", err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, "insurance_plan", pl.ID, "")
	})
	return pl, err
}

// Prices are a procedure's prices: the private one (particular) and one
// per insurance plan. A nil Private means none set.
type Prices struct {
	ProcedureID  string      `json:"procedure_id"`
	PrivateCents *int64      `json:"private_cents"`
	Plans        []PlanPrice `json:"plans"`
}

// PlanPrice is a procedure's price for one plan.
type PlanPrice struct {
	PlanID      string `json:"plan_id"`
	PlanName    string `json:"plan_name,omitempty"`
	AmountCents int64  `json:"amount_cents"`
}

// maxCents bounds an amount: R$ 10 million.
const maxCents = 1_000_000_000

// ProcedurePrices returns a procedure's prices (every member who sees
// charges; professionals too, who see what their visit costs).
func (s *Service) ProcedurePrices(ctx context.Context, p kernel.Principal, procedureID string) (Prices, error) {
	if !p.Role.Valid() {
		return Prices{}, errChargeRole
	}
	if _, err := s.procedure(ctx, p.ClinicID, procedureID); err != nil {
		return Prices{}, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT pp.plan_id, COALESCE(ip.name, ''), pp.amount_cents FROM procedure_prices pp
		LEFT JOIN insurance_plans ip ON ip.clinic_id = pp.clinic_id AND CAST(ip.id AS TEXT) = pp.plan_id
		WHERE pp.clinic_id = $1 AND pp.procedure_id = $2 ORDER BY COALESCE(ip.name, ''), pp.plan_id`, p.ClinicID, procedureID)
	if err != nil {
		return Prices{}, fmt.Errorf("billing: prices: %w", err)
	}
	defer rows.Close()
	out := Prices{ProcedureID: procedureID, Plans: []PlanPrice{}}
	for rows.Next() {
		var pp PlanPrice
		if err := rows.Scan(&pp.PlanID, &pp.PlanName, &pp.AmountCents); err != nil {
			return Prices{}, fmt.Errorf("billing: prices: %w", err)
		}
		if pp.PlanID == "" {
			v := pp.AmountCents
			out.PrivateCents = &v
			continue
		}
		out.Plans = append(out.Plans, pp)
	}
	return out, rows.Err()
}

func (s *Service) procedure(ctx context.Context, clinicID, id string) (string, error) {
	if !kernel.IsID(id) {
		return "", apperr.New(apperr.NotFound, "Procedure not found.")
	}
	pr, err := s.procedures.Procedure(ctx, clinicID, id)
	if err != nil {
		return "", err
	}
	return pr.Name, nil
}

// PricesInput replaces a procedure's prices: PrivateCents (nil: none) and
// one price per plan (each plan at most once).
type PricesInput struct {
	PrivateCents *int64      `json:"private_cents"`
	Plans        []PlanPrice `json:"plans"`
}

// SetProcedurePrices replaces a procedure's prices (owner, financial,
// admin). Charges already made keep their amounts.
func (s *Service) SetProcedurePrices(ctx context.Context, p kernel.Principal, procedureID string, in PricesInput) (Prices, error) {
	if !ManagesPrices(p.Role) {
		return Prices{}, errPriceRole
	}
	if _, err := s.procedure(ctx, p.ClinicID, procedureID); err != nil {
		return Prices{}, err
	}
	bad := map[string]string{}
	if in.PrivateCents != nil && (*in.PrivateCents < 0 || *in.PrivateCents > maxCents) {
		bad["private_cents"] = "Give an amount in cents from 0 to 1000000000."
	}
	seen := map[string]bool{}
	for i, pp := range in.Plans {
		key := fmt.Sprintf("plans[%d]", i)
		switch {
		case !kernel.IsID(pp.PlanID):
			bad[key+".plan_id"] = "Must be an id."
		case seen[pp.PlanID]:
			bad[key+".plan_id"] = "Each plan at most once."
		case pp.AmountCents < 0 || pp.AmountCents > maxCents:
			bad[key+".amount_cents"] = "Give an amount in cents from 0 to 1000000000."
		}
		seen[pp.PlanID] = true
	}
	if len(bad) > 0 {
		return Prices{}, apperr.Validation(bad)
	}
	now := db.Time(s.now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		for i, pp := range in.Plans {
			if _, err := s.plan(ctx, tx, p.ClinicID, pp.PlanID); err != nil {
				return apperr.Validation(map[string]string{fmt.Sprintf("plans[%d].plan_id", i): "No such insurance plan."})
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM procedure_prices WHERE clinic_id = $1 AND procedure_id = $2`, p.ClinicID, procedureID); err != nil {
			return fmt.Errorf("billing: set prices: %w", err)
		}
		ins := func(plan string, cents int64) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO procedure_prices (clinic_id, procedure_id, plan_id, amount_cents, updated_at) VALUES ($1, $2, $3, $4, $5)`,
				p.ClinicID, procedureID, plan, cents, now)
			return err
		}
		if in.PrivateCents != nil {
			if err := ins("", *in.PrivateCents); err != nil {
				return fmt.Errorf("billing: set prices: %w", err)
			}
		}
		for _, pp := range in.Plans {
			if err := ins(pp.PlanID, pp.AmountCents); err != nil {
				return fmt.Errorf("billing: set prices: %w", err)
			}
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, "procedure_prices", procedureID, "")
	})
	if err != nil {
		return Prices{}, err
	}
	return s.ProcedurePrices(ctx, p, procedureID)
}

// price returns what the procedure costs a patient of plan planID: the
// plan's price when the plan is active and has one, else the private
// price; ok is false when neither is set.
func (s *Service) price(ctx context.Context, clinicID, procedureID, planID string) (cents int64, usedPlan string, ok bool, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT pp.plan_id, pp.amount_cents FROM procedure_prices pp
		LEFT JOIN insurance_plans ip ON ip.clinic_id = pp.clinic_id AND CAST(ip.id AS TEXT) = pp.plan_id
		WHERE pp.clinic_id = $1 AND pp.procedure_id = $2 AND (pp.plan_id = '' OR (pp.plan_id = $3 AND ip.active))`, clinicID, procedureID, planID)
	if err != nil {
		return 0, "", false, fmt.Errorf("billing: price: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var plan string
		var c int64
		if err := rows.Scan(&plan, &c); err != nil {
			return 0, "", false, err
		}
		if plan != "" || !ok {
			cents, usedPlan, ok = c, plan, true
		}
	}
	return cents, usedPlan, ok, rows.Err()
}

// SetPatientPlan links the patient to an active insurance plan of the
// clinic ("" unlinks); roles as changing the patient.
func (s *Service) SetPatientPlan(ctx context.Context, p kernel.Principal, patientID, planID string) error {
	if planID != "" {
		pl, err := s.plan(ctx, s.db, p.ClinicID, planID)
		if err != nil || !pl.Active {
			return apperr.Validation(map[string]string{"insurance_plan_id": "Choose an active insurance plan of the clinic."})
		}
	}
	return s.patients.SetInsurancePlan(ctx, p, patientID, planID)
}

// PatientPlan returns the patient's linked plan id ("" when none).
func (s *Service) PatientPlan(ctx context.Context, p kernel.Principal, patientID string) (string, error) {
	if !p.Role.Valid() {
		return "", errChargeRole
	}
	return s.patients.InsurancePlanID(ctx, p.ClinicID, patientID)
}
