package billing

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// maxReportDays bounds a report's period.
const maxReportDays = 366

// period parses a clinic-local period [from, to] (dates YYYY-MM-DD,
// inclusive) into instants [start, end).
func (s *Service) period(ctx context.Context, clinicID, from, to string) (start, end time.Time, loc *time.Location, err error) {
	loc, err = s.zone(ctx, clinicID)
	if err != nil {
		return
	}
	bad := map[string]string{}
	f, ok1 := ParseDate(from)
	if !ok1 {
		bad["from"] = "Give a date YYYY-MM-DD."
	}
	t, ok2 := ParseDate(to)
	if !ok2 {
		bad["to"] = "Give a date YYYY-MM-DD."
	}
	if ok1 && ok2 && (t.Before(f) || t.Sub(f) > maxReportDays*24*time.Hour) {
		bad["to"] = "The period goes from from to to, at most 366 days."
	}
	if len(bad) > 0 {
		err = apperr.Validation(bad)
		return
	}
	start = time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc)
	end = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
	return
}

// CashDay is what came in on one clinic-local day, by method (refunds
// subtract on the day they were given back).
type CashDay struct {
	Date     string           `json:"date"`
	ByMethod map[string]int64 `json:"by_method"`
	Total    int64            `json:"total_cents"`
}

// CashFlow is the cash flow (fluxo de caixa) of a period.
type CashFlow struct {
	From string    `json:"from"`
	To   string    `json:"to"`
	Days []CashDay `json:"days"`
	// ByMethod and TotalCents sum the period.
	ByMethod   map[string]int64 `json:"by_method"`
	TotalCents int64            `json:"total_cents"`
	// ReceivableCents is every open balance today (contas a receber),
	// OverdueCents the part past its due date.
	ReceivableCents int64 `json:"receivable_cents"`
	OverdueCents    int64 `json:"overdue_cents"`
}

// CashFlow returns the receipts of a clinic-local period per day and
// method, and today's receivables (owner, financial).
func (s *Service) CashFlow(ctx context.Context, p kernel.Principal, from, to string) (CashFlow, error) {
	if !ManagesMoney(p.Role) {
		return CashFlow{}, errReportRole
	}
	start, end, loc, err := s.period(ctx, p.ClinicID, from, to)
	if err != nil {
		return CashFlow{}, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT kind, method, amount_cents, received_at FROM payments
		WHERE clinic_id = $1 AND received_at >= $2 AND received_at < $3 AND reversed_at IS NULL ORDER BY received_at`,
		p.ClinicID, db.Time(start), db.Time(end))
	if err != nil {
		return CashFlow{}, fmt.Errorf("billing: cash flow: %w", err)
	}
	defer rows.Close()
	cf := CashFlow{From: from, To: to, Days: []CashDay{}, ByMethod: map[string]int64{}}
	days := map[string]*CashDay{}
	for rows.Next() {
		var kind, method string
		var cents int64
		var at time.Time
		if err := rows.Scan(&kind, &method, &cents, &at); err != nil {
			return CashFlow{}, fmt.Errorf("billing: cash flow: %w", err)
		}
		if kind == KindRefund {
			cents = -cents
		}
		day := at.In(loc).Format(dateLayout)
		d := days[day]
		if d == nil {
			d = &CashDay{Date: day, ByMethod: map[string]int64{}}
			days[day] = d
		}
		d.ByMethod[method] += cents
		d.Total += cents
		cf.ByMethod[method] += cents
		cf.TotalCents += cents
	}
	if err := rows.Err(); err != nil {
		return CashFlow{}, err
	}
	for _, d := range days {
		cf.Days = append(cf.Days, *d)
	}
	sort.Slice(cf.Days, func(i, j int) bool { return cf.Days[i].Date < cf.Days[j].Date })
	today := s.now().In(loc).Format(dateLayout)
	var rec, over *int64
	err = s.db.QueryRowContext(ctx, `SELECT CAST(SUM(bal) AS BIGINT), CAST(SUM(CASE WHEN due_date < $2 THEN bal ELSE 0 END) AS BIGINT) FROM (
		SELECT c.due_date, c.amount_cents - c.discount_cents - COALESCE((SELECT SUM(CASE WHEN p.kind = 'payment' THEN p.amount_cents ELSE -p.amount_cents END)
			FROM payments p WHERE p.charge_id = c.id AND p.reversed_at IS NULL), 0) AS bal
		FROM charges c WHERE c.clinic_id = $1 AND c.status = 'open') t WHERE bal > 0`, p.ClinicID, today).Scan(&rec, &over)
	if err != nil {
		return CashFlow{}, fmt.Errorf("billing: receivables: %w", err)
	}
	if rec != nil {
		cf.ReceivableCents = *rec
	}
	if over != nil {
		cf.OverdueCents = *over
	}
	return cf, nil
}

// WriteCashFlowCSV writes the cash flow as the CSV that Excel in Brazil
// opens as it is: UTF-8 with a byte-order mark, ";" between fields, CRLF
// line ends, dates dd/mm/yyyy and amounts with a decimal comma and no
// thousands separator (1234,56). One row per day and method; header names
// come from label (keys date, method, amount) and methods are labelled
// with label("method."+method).
func WriteCashFlowCSV(w io.Writer, cf CashFlow, label func(key string) string) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("\ufeff")
	bw.WriteString(label("date") + ";" + label("method") + ";" + label("amount") + "\r\n")
	for _, d := range cf.Days {
		t, _ := ParseDate(d.Date)
		for _, m := range Methods {
			v, ok := d.ByMethod[m]
			if !ok {
				continue
			}
			bw.WriteString(t.Format("02/01/2006") + ";" + csvField(label("method."+m)) + ";" + DecimalComma(v) + "\r\n")
		}
	}
	return bw.Flush()
}

func csvField(s string) string {
	for _, r := range s {
		if r == ';' || r == '"' || r == '\n' || r == '\r' {
			return strconv.Quote(s)
		}
	}
	return s
}

// DecimalComma writes cents as 1234,56 (negative: -1234,56).
func DecimalComma(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d,%02d", sign, cents/100, cents%100)
}

// RevenueRow is what was charged and received for one professional and
// procedure on one clinic-local day (ids "" when the charge names none).
type RevenueRow struct {
	ProfessionalID string `json:"professional_id"`
	ProcedureID    string `json:"procedure_id"`
	Day            string `json:"day"`
	// ChargedCents sums the charges (after discount, cancelled ones aside)
	// whose service falls on the day; ReceivedCents the payments less the
	// refunds made on the day, for charges of the professional and procedure.
	ChargedCents  int64 `json:"charged_cents"`
	ReceivedCents int64 `json:"received_cents"`
}

// Revenue returns the revenue rows of the clinic for [from, to), for
// analytics (owner, financial; clinicID must be the caller's clinic, or
// the answer is not found).
func (s *Service) Revenue(ctx context.Context, p kernel.Principal, clinicID string, from, to time.Time) ([]RevenueRow, error) {
	if !ManagesMoney(p.Role) {
		return nil, errReportRole
	}
	if clinicID != p.ClinicID {
		return nil, apperr.New(apperr.NotFound, "Clinic not found.")
	}
	loc, err := s.zone(ctx, clinicID)
	if err != nil {
		return nil, err
	}
	type key struct{ prof, proc, day string }
	acc := map[key]*RevenueRow{}
	get := func(k key) *RevenueRow {
		r := acc[k]
		if r == nil {
			r = &RevenueRow{ProfessionalID: k.prof, ProcedureID: k.proc, Day: k.day}
			acc[k] = r
		}
		return r
	}
	rows, err := s.db.QueryContext(ctx, `SELECT COALESCE(CAST(professional_id AS TEXT), ''), COALESCE(CAST(procedure_id AS TEXT), ''), service_at,
		amount_cents - discount_cents FROM charges WHERE clinic_id = $1 AND service_at >= $2 AND service_at < $3 AND status <> 'cancelled'`,
		clinicID, db.Time(from), db.Time(to))
	if err != nil {
		return nil, fmt.Errorf("billing: revenue: %w", err)
	}
	for rows.Next() {
		var k key
		var at time.Time
		var cents int64
		if err := rows.Scan(&k.prof, &k.proc, &at, &cents); err != nil {
			rows.Close()
			return nil, fmt.Errorf("billing: revenue: %w", err)
		}
		k.day = at.In(loc).Format(dateLayout)
		get(k).ChargedCents += cents
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT COALESCE(CAST(c.professional_id AS TEXT), ''), COALESCE(CAST(c.procedure_id AS TEXT), ''), p.received_at,
		CASE WHEN p.kind = 'payment' THEN p.amount_cents ELSE -p.amount_cents END FROM payments p JOIN charges c ON c.id = p.charge_id
		WHERE p.clinic_id = $1 AND p.received_at >= $2 AND p.received_at < $3 AND p.reversed_at IS NULL`, clinicID, db.Time(from), db.Time(to))
	if err != nil {
		return nil, fmt.Errorf("billing: revenue: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var at time.Time
		var cents int64
		if err := rows.Scan(&k.prof, &k.proc, &at, &cents); err != nil {
			return nil, fmt.Errorf("billing: revenue: %w", err)
		}
		k.day = at.In(loc).Format(dateLayout)
		get(k).ReceivedCents += cents
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]RevenueRow, 0, len(acc))
	for _, r := range acc {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Day != b.Day {
			return a.Day < b.Day
		}
		if a.ProfessionalID != b.ProfessionalID {
			return a.ProfessionalID < b.ProfessionalID
		}
		return a.ProcedureID < b.ProcedureID
	})
	return out, nil
}
