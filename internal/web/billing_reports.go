package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/billing"
	"clinic/internal/httpx"
	"clinic/internal/schedule"
)

// period returns the from and to of a report page: the query's, or the
// current month of the clinic.
func (s *Server) period(r *http.Request) (string, string, error) {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if from != "" && to != "" {
		return from, to, nil
	}
	loc, err := s.Accounts.ClinicZone(r.Context(), httpx.PrincipalOf(r.Context()).ClinicID)
	if err != nil {
		return "", "", err
	}
	now := time.Now().In(loc)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	return first.Format(time.DateOnly), first.AddDate(0, 1, -1).Format(time.DateOnly), nil
}

type cashRow struct {
	Date   time.Time
	Method string
	Cents  int64
}

type billingCashFlowData struct {
	CF   billing.CashFlow
	Rows []cashRow
	CSV  string
}

func (s *Server) billingCashFlow(w http.ResponseWriter, r *http.Request) error {
	v := billingView(r, "cashflow")
	from, to, err := s.period(r)
	if err != nil {
		return err
	}
	f := newForm()
	f.Values["from"], f.Values["to"] = from, to
	cf, err := s.Billing.CashFlow(r.Context(), httpx.PrincipalOf(r.Context()), from, to)
	if err != nil {
		if !refuse(v.Locale, f, err) || !apperr.Is(err, apperr.Invalid) {
			return err
		}
		cf = billing.CashFlow{ByMethod: map[string]int64{}}
	}
	d := billingCashFlowData{CF: cf, CSV: v.ClinicPath("/billing/cash-flow.csv?from=" + from + "&to=" + to)}
	for _, day := range cf.Days {
		t, _ := billing.ParseDate(day.Date)
		for _, m := range billing.Methods {
			if c, ok := day.ByMethod[m]; ok {
				d.Rows = append(d.Rows, cashRow{Date: t, Method: m, Cents: c})
			}
		}
	}
	status := http.StatusOK
	if len(f.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "billing-cashflow", pageOf(v, v.L.T("billing.cashflow.title"), f, d))
	return nil
}

// billingCashFlowCSV downloads the cash flow for Excel (see
// billing.WriteCashFlowCSV), its headers in the user's language.
func (s *Server) billingCashFlowCSV(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	from, to, err := s.period(r)
	if err != nil {
		return err
	}
	cf, err := s.Billing.CashFlow(r.Context(), httpx.PrincipalOf(r.Context()), from, to)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="fluxo-de-caixa-`+from+`-`+to+`.csv"`)
	return billing.WriteCashFlowCSV(w, cf, func(key string) string { return v.L.T(csvPrefix + strings.Replace(key, ".", "_", 1)) })
}

// csvPrefix prefixes the catalogue ids of the CSV's headers and methods.
const csvPrefix = "billing.csv."

type billingPayoutsData struct {
	zoned
	Rep       billing.PayoutReport
	From, To  string
	CanManage bool
	Rules     map[string]string // professional id → default rule percent ("" none)
	Profs     []schedule.Professional
}

func (s *Server) billingPayouts(w http.ResponseWriter, r *http.Request) error {
	return s.billingPayoutsPage(w, r, http.StatusOK, nil)
}

func (s *Server) billingPayoutsPage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := billingView(r, "payouts")
	p := httpx.PrincipalOf(r.Context())
	from, to, err := s.period(r)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm()
	}
	if f.Get("from") == "" {
		f.Values["from"], f.Values["to"] = from, to
	}
	rep, err := s.Billing.Payouts(r.Context(), p, "", f.Get("from"), f.Get("to"))
	if err != nil {
		if !refuse(v.Locale, f, err) || !apperr.Is(err, apperr.Invalid) {
			return err
		}
		status = http.StatusUnprocessableEntity
	}
	z, err := s.zone(r)
	if err != nil {
		return err
	}
	d := billingPayoutsData{zoned: z, Rep: rep, From: f.Get("from"), To: f.Get("to"), CanManage: billing.ManagesMoney(p.Role), Rules: map[string]string{}}
	if d.CanManage {
		if d.Profs, err = s.Schedule.Professionals(r.Context(), p.ClinicID, schedule.ProfessionalFilter{}); err != nil {
			return err
		}
		all, err := s.Billing.AllPayoutRules(r.Context(), p)
		if err != nil {
			return err
		}
		for prof, rules := range all {
			for _, ru := range rules {
				if ru.ProcedureID == "" && ru.Kind == billing.RulePercent {
					d.Rules[prof] = ru.Percent()
				}
			}
		}
	}
	s.render(w, r, status, "billing-payouts", pageOf(v, v.L.T("billing.payouts.title"), f, d))
	return nil
}

func (s *Server) billingPayoutPaid(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		_, err = s.Billing.MarkPaid(r.Context(), httpx.PrincipalOf(r.Context()), billing.PayoutInput{ProfessionalID: f.Get("professional_id"),
			From: f.Get("from"), To: f.Get("to")})
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.billingPayoutsPage(w, r, status, f) })
	}
	return s.billingDone(w, r, "/billing/payouts?from="+f.Get("from")+"&to="+f.Get("to"), "payout")
}

// billingPayoutRule sets a professional's default rule, a percentage
// (per-procedure rules are set through the API).
func (s *Server) billingPayoutRule(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		p := httpx.PrincipalOf(r.Context())
		var rules []billing.PayoutRule
		if rules, err = s.Billing.PayoutRules(r.Context(), p, r.PathValue("id")); err == nil {
			keep := rules[:0]
			for _, ru := range rules {
				if ru.ProcedureID != "" {
					keep = append(keep, ru)
				}
			}
			if v := strings.TrimSpace(strings.Replace(f.Get("percent"), ",", ".", 1)); v != "" {
				pct, perr := strconv.ParseFloat(v, 64)
				if perr != nil {
					err = apperr.Validation(map[string]string{"percent": "A percentage in basis points, 0 to 10000."})
				} else {
					keep = append(keep, billing.PayoutRule{Kind: billing.RulePercent, Value: int64(pct*100 + 0.5)})
				}
			}
			if err == nil {
				_, err = s.Billing.SetPayoutRules(r.Context(), p, r.PathValue("id"), keep)
			}
		}
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.billingPayoutsPage(w, r, status, nil) })
	}
	return s.billingDone(w, r, "/billing/payouts", "payout_rule")
}
