package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Payout rule kinds.
const (
	RulePercent = "percent"
	RuleFixed   = "fixed"
)

// PayoutRule is how much of a procedure's charge goes to the professional
// (repasse): Percent, Value in basis points (5000 = 50 %), or Fixed, Value
// in cents per charge. ProcedureID "" is the professional's default rule.
type PayoutRule struct {
	ProcedureID string `json:"procedure_id"`
	Kind        string `json:"kind"`
	Value       int64  `json:"value"`
}

// Percent writes a percent rule's value as a percentage: 4000 → "40",
// 1250 → "12.5".
func (r PayoutRule) Percent() string {
	s := strconv.FormatInt(r.Value/100, 10)
	if frac := r.Value % 100; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", frac), "0")
	}
	return s
}

// owed applies the rule to a charge's base (cents, after discount);
// percentages round half up to the cent.
func (r PayoutRule) owed(base int64) int64 {
	if r.Kind == RuleFixed {
		return r.Value
	}
	return (base*r.Value + 5000) / 10000
}

// PayoutRules returns the professional's rules (owner, financial; a
// professional their own).
func (s *Service) PayoutRules(ctx context.Context, p kernel.Principal, professionalID string) ([]PayoutRule, error) {
	if err := s.checkPayoutReader(ctx, p, &professionalID); err != nil {
		return nil, err
	}
	return s.rules(ctx, p.ClinicID, professionalID)
}

func (s *Service) rules(ctx context.Context, clinicID, professionalID string) ([]PayoutRule, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT procedure_id, kind, value FROM payout_rules WHERE clinic_id = $1 AND professional_id = $2 ORDER BY procedure_id`,
		clinicID, professionalID)
	if err != nil {
		return nil, fmt.Errorf("billing: payout rules: %w", err)
	}
	defer rows.Close()
	out := []PayoutRule{}
	for rows.Next() {
		var r PayoutRule
		if err := rows.Scan(&r.ProcedureID, &r.Kind, &r.Value); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AllPayoutRules returns every professional's rules, by professional id,
// in one query (owner, financial).
func (s *Service) AllPayoutRules(ctx context.Context, p kernel.Principal) (map[string][]PayoutRule, error) {
	if !ManagesMoney(p.Role) {
		return nil, errReportRole
	}
	rows, err := s.db.QueryContext(ctx, `SELECT professional_id, procedure_id, kind, value FROM payout_rules WHERE clinic_id = $1
		ORDER BY professional_id, procedure_id`, p.ClinicID)
	if err != nil {
		return nil, fmt.Errorf("billing: payout rules: %w", err)
	}
	defer rows.Close()
	out := map[string][]PayoutRule{}
	for rows.Next() {
		var prof string
		var r PayoutRule
		if err := rows.Scan(&prof, &r.ProcedureID, &r.Kind, &r.Value); err != nil {
			return nil, err
		}
		out[prof] = append(out[prof], r)
	}
	return out, rows.Err()
}

// SetPayoutRules replaces the professional's rules (owner, financial).
func (s *Service) SetPayoutRules(ctx context.Context, p kernel.Principal, professionalID string, in []PayoutRule) ([]PayoutRule, error) {
	if !ManagesMoney(p.Role) {
		return nil, errMoneyRole
	}
	if err := s.checkProfessional(ctx, p.ClinicID, professionalID); err != nil {
		return nil, err
	}
	bad := map[string]string{}
	seen := map[string]bool{}
	for i, r := range in {
		k := fmt.Sprintf("rules[%d]", i)
		switch {
		case r.ProcedureID != "" && !kernel.IsID(r.ProcedureID):
			bad[k+".procedure_id"] = "Must be an id, or empty for the default rule."
		case seen[r.ProcedureID]:
			bad[k+".procedure_id"] = "One rule per procedure."
		case r.Kind != RulePercent && r.Kind != RuleFixed:
			bad[k+".kind"] = "Must be percent or fixed."
		case r.Kind == RulePercent && (r.Value < 0 || r.Value > 10000):
			bad[k+".value"] = "A percentage in basis points, 0 to 10000."
		case r.Kind == RuleFixed && (r.Value < 0 || r.Value > maxCents):
			bad[k+".value"] = "An amount in cents."
		}
		seen[r.ProcedureID] = true
	}
	if len(bad) > 0 {
		return nil, apperr.Validation(bad)
	}
	now := db.Time(s.now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM payout_rules WHERE clinic_id = $1 AND professional_id = $2`, p.ClinicID, professionalID); err != nil {
			return fmt.Errorf("billing: payout rules: %w", err)
		}
		for _, r := range in {
			if _, err := tx.ExecContext(ctx, `INSERT INTO payout_rules (clinic_id, professional_id, procedure_id, kind, value, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
				p.ClinicID, professionalID, r.ProcedureID, r.Kind, r.Value, now); err != nil {
				return fmt.Errorf("billing: payout rules: %w", err)
			}
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, "payout_rules", professionalID, "")
	})
	if err != nil {
		return nil, err
	}
	return s.rules(ctx, p.ClinicID, professionalID)
}

func (s *Service) checkProfessional(ctx context.Context, clinicID, id string) error {
	if !kernel.IsID(id) {
		return apperr.New(apperr.NotFound, "Professional not found.")
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM professional_refs WHERE clinic_id = $1 AND id = $2`, clinicID, id).Scan(&n); err != nil {
		return fmt.Errorf("billing: professional: %w", err)
	}
	if n == 0 {
		return apperr.New(apperr.NotFound, "Professional not found.")
	}
	return nil
}

// ownProfessional returns the professional linked to the user ("" none).
func (s *Service) ownProfessional(ctx context.Context, p kernel.Principal) (string, error) {
	if p.UserID == "" {
		return "", nil
	}
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT id FROM professional_refs WHERE clinic_id = $1 AND user_id = $2`, p.ClinicID, p.UserID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// checkPayoutReader lets owners and financial users read any
// professional's payouts (professionalID "" for all) and a professional
// only their own (professionalID is set to theirs; another's is 403).
func (s *Service) checkPayoutReader(ctx context.Context, p kernel.Principal, professionalID *string) error {
	if ManagesMoney(p.Role) {
		if *professionalID != "" {
			return s.checkProfessional(ctx, p.ClinicID, *professionalID)
		}
		return nil
	}
	if p.Role != kernel.RoleProfessional {
		return errReportRole
	}
	own, err := s.ownProfessional(ctx, p)
	if err != nil {
		return err
	}
	if own == "" || (*professionalID != "" && *professionalID != own) {
		return apperr.New(apperr.Forbidden, "Professionals see only their own payouts.")
	}
	*professionalID = own
	return nil
}

// PayoutItem is one charge in a payout report.
type PayoutItem struct {
	ChargeID    string    `json:"charge_id"`
	PatientName string    `json:"patient_name"`
	Description string    `json:"description"`
	ServiceAt   time.Time `json:"service_at"`
	BaseCents   int64     `json:"base_cents"`
	OwedCents   int64     `json:"owed_cents"`
	// Rule is the rule applied (nil: the professional has no rule for it).
	Rule *PayoutRule `json:"rule"`
}

// PayoutLine is what one professional is owed for a period.
type PayoutLine struct {
	ProfessionalID   string       `json:"professional_id"`
	ProfessionalName string       `json:"professional_name"`
	Items            []PayoutItem `json:"items"`
	BaseCents        int64        `json:"base_cents"`
	OwedCents        int64        `json:"owed_cents"`
}

// PayoutReport is the payout report of a period.
type PayoutReport struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Basis says what the payout is computed from: "produced", the charges
	// (after discount, cancelled ones aside) of the professional's services
	// in the period, whether the patient has paid yet or not.
	Basis string       `json:"basis"`
	Lines []PayoutLine `json:"lines"`
	// Paid lists the payouts already made that overlap the period.
	Paid []Payout `json:"paid"`
}

// Payout is a payment made to a professional for a period.
type Payout struct {
	ID             string    `json:"id"`
	ProfessionalID string    `json:"professional_id"`
	From           string    `json:"from"`
	To             string    `json:"to"`
	AmountCents    int64     `json:"amount_cents"`
	PaidBy         string    `json:"paid_by,omitempty"`
	PaidAt         time.Time `json:"paid_at"`
	Items          int       `json:"items"`
}

// Payouts computes what each professional (or the one named) is owed for
// the clinic-local period [from, to]: charges of their services in the
// period not yet paid out. Owners and financial users; a professional
// sees their own.
func (s *Service) Payouts(ctx context.Context, p kernel.Principal, professionalID, from, to string) (PayoutReport, error) {
	if err := s.checkPayoutReader(ctx, p, &professionalID); err != nil {
		return PayoutReport{}, err
	}
	return s.payoutReport(ctx, s.db, p.ClinicID, professionalID, from, to)
}

func (s *Service) payoutReport(ctx context.Context, q queryer, clinicID, professionalID, from, to string) (PayoutReport, error) {
	start, end, _, err := s.period(ctx, clinicID, from, to)
	if err != nil {
		return PayoutReport{}, err
	}
	query := `SELECT c.id, c.professional_id, COALESCE(pf.name, ''), COALESCE(pr.name, ''), c.description, c.service_at,
		c.amount_cents - c.discount_cents, COALESCE(CAST(c.procedure_id AS TEXT), '')
		FROM charges c JOIN professional_refs pf ON pf.clinic_id = c.clinic_id AND pf.id = c.professional_id
		LEFT JOIN patient_refs pr ON pr.clinic_id = c.clinic_id AND pr.id = c.patient_id
		WHERE c.clinic_id = $1 AND c.service_at >= $2 AND c.service_at < $3 AND c.status <> 'cancelled'
		AND NOT EXISTS (SELECT 1 FROM payout_items pi WHERE pi.charge_id = c.id)`
	args := []any{clinicID, db.Time(start), db.Time(end)}
	if professionalID != "" {
		query += ` AND c.professional_id = $4`
		args = append(args, professionalID)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY pf.name, c.professional_id, c.service_at, c.id`, args...)
	if err != nil {
		return PayoutReport{}, fmt.Errorf("billing: payouts: %w", err)
	}
	rep := PayoutReport{From: from, To: to, Basis: "produced", Lines: []PayoutLine{}, Paid: []Payout{}}
	type row struct {
		item       PayoutItem
		prof, name string
		proc       string
	}
	var list []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.item.ChargeID, &r.prof, &r.name, &r.item.PatientName, &r.item.Description, &r.item.ServiceAt, &r.item.BaseCents, &r.proc); err != nil {
			rows.Close()
			return PayoutReport{}, fmt.Errorf("billing: payouts: %w", err)
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return PayoutReport{}, err
	}
	// Every rule of the clinic at once (no query per professional).
	rq := `SELECT professional_id, procedure_id, kind, value FROM payout_rules WHERE clinic_id = $1`
	rargs := []any{clinicID}
	if professionalID != "" {
		rq += ` AND professional_id = $2`
		rargs = append(rargs, professionalID)
	}
	rrows, err := q.QueryContext(ctx, rq, rargs...)
	if err != nil {
		return PayoutReport{}, fmt.Errorf("billing: payout rules: %w", err)
	}
	rules := map[[2]string]PayoutRule{}
	for rrows.Next() {
		var prof string
		var r PayoutRule
		if err := rrows.Scan(&prof, &r.ProcedureID, &r.Kind, &r.Value); err != nil {
			rrows.Close()
			return PayoutReport{}, err
		}
		rules[[2]string{prof, r.ProcedureID}] = r
	}
	rrows.Close()
	if err := rrows.Err(); err != nil {
		return PayoutReport{}, err
	}
	var line *PayoutLine
	for _, r := range list {
		if line == nil || line.ProfessionalID != r.prof {
			rep.Lines = append(rep.Lines, PayoutLine{ProfessionalID: r.prof, ProfessionalName: r.name, Items: []PayoutItem{}})
			line = &rep.Lines[len(rep.Lines)-1]
		}
		it := r.item
		rule, ok := rules[[2]string{r.prof, r.proc}]
		if !ok || r.proc == "" {
			rule, ok = rules[[2]string{r.prof, ""}]
		}
		if ok {
			rc := rule
			it.Rule = &rc
			it.OwedCents = rule.owed(it.BaseCents)
		}
		line.Items = append(line.Items, it)
		line.BaseCents += it.BaseCents
		line.OwedCents += it.OwedCents
	}
	pq := `SELECT po.id, po.professional_id, po.period_from, po.period_to, po.amount_cents, po.paid_by, po.paid_at,
		(SELECT COUNT(*) FROM payout_items pi WHERE pi.payout_id = po.id) FROM payouts po
		WHERE po.clinic_id = $1 AND po.period_from <= $2 AND po.period_to >= $3`
	pargs := []any{clinicID, to, from}
	if professionalID != "" {
		pq += ` AND po.professional_id = $4`
		pargs = append(pargs, professionalID)
	}
	prows, err := q.QueryContext(ctx, pq+` ORDER BY po.paid_at DESC, po.id`, pargs...)
	if err != nil {
		return PayoutReport{}, fmt.Errorf("billing: payouts paid: %w", err)
	}
	defer prows.Close()
	for prows.Next() {
		var po Payout
		if err := prows.Scan(&po.ID, &po.ProfessionalID, &po.From, &po.To, &po.AmountCents, &po.PaidBy, &po.PaidAt, &po.Items); err != nil {
			return PayoutReport{}, err
		}
		rep.Paid = append(rep.Paid, po)
	}
	return rep, prows.Err()
}

// PayoutInput marks a professional's period paid.
type PayoutInput struct {
	ProfessionalID string `json:"professional_id"`
	From           string `json:"from"`
	To             string `json:"to"`
}

// MarkPaid records the payout of what the professional is owed for the
// period (owner, financial): the charges it covers are not owed again.
// Nothing owed answers 409.
func (s *Service) MarkPaid(ctx context.Context, p kernel.Principal, in PayoutInput) (Payout, error) {
	if !ManagesMoney(p.Role) {
		return Payout{}, errMoneyRole
	}
	if err := s.checkProfessional(ctx, p.ClinicID, in.ProfessionalID); err != nil {
		return Payout{}, apperr.Validation(map[string]string{"professional_id": "No such professional."})
	}
	now := db.Time(s.now())
	var po Payout
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		rep, err := s.payoutReport(ctx, tx, p.ClinicID, in.ProfessionalID, in.From, in.To)
		if err != nil {
			return err
		}
		if len(rep.Lines) == 0 || len(rep.Lines[0].Items) == 0 {
			return apperr.New(apperr.Conflict, "Nothing is owed to the professional for the period.")
		}
		l := rep.Lines[0]
		po = Payout{ID: kernel.NewID(), ProfessionalID: in.ProfessionalID, From: in.From, To: in.To, AmountCents: l.OwedCents,
			PaidBy: p.UserID, PaidAt: now, Items: len(l.Items)}
		if _, err := tx.ExecContext(ctx, `INSERT INTO payouts (id, clinic_id, professional_id, period_from, period_to, amount_cents, paid_by, paid_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, po.ID, p.ClinicID, po.ProfessionalID, po.From, po.To, po.AmountCents, po.PaidBy, now); err != nil {
			return fmt.Errorf("billing: payout: %w", err)
		}
		for _, it := range l.Items {
			if _, err := tx.ExecContext(ctx, `INSERT INTO payout_items (charge_id, payout_id, clinic_id, amount_cents) VALUES ($1, $2, $3, $4)`,
				it.ChargeID, po.ID, p.ClinicID, it.OwedCents); err != nil {
				if db.IsUniqueViolation(err) {
					return apperr.New(apperr.Conflict, "Part of the period was paid meanwhile; reload.")
				}
				return fmt.Errorf("billing: payout item: %w", err)
			}
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, "payout", po.ID, "")
	})
	return po, err
}
