package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"clinic/internal/apperr"
	"clinic/internal/billing"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
)

// The clinic's money (package billing): insurance plans, prices, charges,
// payments, refunds and reversals, Pix codes, payouts and the cash flow.
// The service decides who may do what; these handlers parse and answer.

func (s *Server) getProcedurePrices(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Billing.ProcedurePrices(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) putProcedurePrices(w http.ResponseWriter, r *http.Request) error {
	var in billing.PricesInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p, err := s.Billing.SetProcedurePrices(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) listInsurancePlans(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Billing.Plans(r.Context(), principalOf(r.Context()), r.URL.Query().Get("active") == "true")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf[billing.Plan]{Items: list})
	return nil
}

func (s *Server) createInsurancePlan(w http.ResponseWriter, r *http.Request) error {
	var in billing.PlanInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p, err := s.Billing.CreatePlan(r.Context(), principalOf(r.Context()), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) getInsurancePlan(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Billing.Plan(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) putInsurancePlan(w http.ResponseWriter, r *http.Request) error {
	var in billing.PlanInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p, err := s.Billing.UpdatePlan(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// patientPlanInput links a patient to an insurance plan.
type patientPlanInput struct {
	// InsurancePlanID is an active plan of the clinic, or "" to unlink.
	InsurancePlanID string `json:"insurance_plan_id"`
}

func (s *Server) putPatientInsurancePlan(w http.ResponseWriter, r *http.Request) error {
	var in patientPlanInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	if err := s.Billing.SetPatientPlan(r.Context(), principalOf(r.Context()), r.PathValue("id"), in.InsurancePlanID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

func (s *Server) listCharges(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := billing.ChargeFilter{PatientID: q.Get("patient_id"), ProfessionalID: q.Get("professional_id"), Status: q.Get("status"),
		From: q.Get("from"), To: q.Get("to"), Cursor: q.Get("cursor")}
	var msg string
	if f.Limit, msg = kernel.ParseLimit(q.Get("limit"), kernel.MaxLimit); msg != "" {
		return apperr.Validation(map[string]string{"limit": msg})
	}
	page, err := s.Billing.Charges(r.Context(), principalOf(r.Context()), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) createCharge(w http.ResponseWriter, r *http.Request) error {
	var in billing.ChargeInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	c, err := s.Billing.CreateCharge(r.Context(), principalOf(r.Context()), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getCharge(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Billing.Charge(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) getAppointmentCharge(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Billing.AppointmentCharge(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) cancelCharge(w http.ResponseWriter, r *http.Request) error {
	var in billing.CancelInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	c, err := s.Billing.CancelCharge(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) discountCharge(w http.ResponseWriter, r *http.Request) error {
	var in billing.DiscountInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	c, err := s.Billing.SetDiscount(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) listPayments(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Billing.Charge(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	items := c.Payments
	if items == nil {
		items = []billing.Payment{}
	}
	writeJSON(w, http.StatusOK, listOf[billing.Payment]{Items: items})
	return nil
}

func (s *Server) recordPayment(w http.ResponseWriter, r *http.Request) error {
	var in billing.PaymentInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p, err := s.Billing.RecordPayment(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) refundPayment(w http.ResponseWriter, r *http.Request) error {
	var in billing.RefundInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p, err := s.Billing.Refund(r.Context(), principalOf(r.Context()), r.PathValue("id"), r.PathValue("payment_id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) reversePayment(w http.ResponseWriter, r *http.Request) error {
	var in billing.ReverseInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p, err := s.Billing.Reverse(r.Context(), principalOf(r.Context()), r.PathValue("id"), r.PathValue("payment_id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) getChargePix(w http.ResponseWriter, r *http.Request) error {
	code, _, err := s.Billing.Pix(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, code)
	return nil
}

// chargePixImage answers the charge's Pix QR code in format (png, svg).
func chargePixImage(format, contentType string) func(s *Server, w http.ResponseWriter, r *http.Request) error {
	return func(s *Server, w http.ResponseWriter, r *http.Request) error {
		size := 320
		if v := r.URL.Query().Get("size"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 128 || n > 1024 {
				return apperr.Validation(map[string]string{"size": "Pixels, 128 to 1024."})
			}
			size = n
		}
		b, err := s.Billing.PixQR(r.Context(), principalOf(r.Context()), r.PathValue("id"), format, size)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "private, no-store")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
		return nil
	}
}

func (s *Server) sendChargePix(w http.ResponseWriter, r *http.Request) error {
	if err := s.Billing.SendPix(r.Context(), principalOf(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (s *Server) getPatientBalance(w http.ResponseWriter, r *http.Request) error {
	b, err := s.Billing.PatientBalance(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

func (s *Server) getBillingSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Billing.Settings(r.Context(), principalOf(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// billingSettingsInput replaces the billing settings.
type billingSettingsInput struct {
	// PixKeyType is cpf, cnpj, email, phone or evp ("" with no key).
	PixKeyType   string `json:"pix_key_type"`
	PixKey       string `json:"pix_key"`
	MerchantName string `json:"merchant_name"`
	MerchantCity string `json:"merchant_city"`
	Document     string `json:"document"`
}

func (s *Server) putBillingSettings(w http.ResponseWriter, r *http.Request) error {
	var in billingSettingsInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	st, err := s.Billing.SaveSettings(r.Context(), principalOf(r.Context()), billing.Settings{PixKeyType: in.PixKeyType, PixKey: in.PixKey,
		MerchantName: in.MerchantName, MerchantCity: in.MerchantCity, Document: in.Document})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) getPayouts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	rep, err := s.Billing.Payouts(r.Context(), principalOf(r.Context()), q.Get("professional_id"), q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) markPayoutPaid(w http.ResponseWriter, r *http.Request) error {
	var in billing.PayoutInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	po, err := s.Billing.MarkPaid(r.Context(), principalOf(r.Context()), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, po)
	return nil
}

// payoutRulesJSON is a professional's payout rules.
type payoutRulesJSON struct {
	Rules []billing.PayoutRule `json:"rules"`
}

func (s *Server) getPayoutRules(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Billing.PayoutRules(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, payoutRulesJSON{Rules: list})
	return nil
}

func (s *Server) putPayoutRules(w http.ResponseWriter, r *http.Request) error {
	var in payoutRulesJSON
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	list, err := s.Billing.SetPayoutRules(r.Context(), principalOf(r.Context()), r.PathValue("id"), in.Rules)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, payoutRulesJSON{Rules: list})
	return nil
}

func (s *Server) getCashFlow(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	cf, err := s.Billing.CashFlow(r.Context(), principalOf(r.Context()), q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	if q.Get("format") == "csv" {
		return writeCashFlowCSV(w, r, cf)
	}
	writeJSON(w, http.StatusOK, cf)
	return nil
}

func (s *Server) getCashFlowCSV(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	cf, err := s.Billing.CashFlow(r.Context(), principalOf(r.Context()), q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	return writeCashFlowCSV(w, r, cf)
}

// writeCashFlowCSV answers the cash flow as CSV for Excel in Brazil (see
// billing.WriteCashFlowCSV), its headers in the caller's language.
func writeCashFlowCSV(w http.ResponseWriter, r *http.Request, cf billing.CashFlow) error {
	l := i18n.For(apiLocale(r))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="fluxo-de-caixa-`+cf.From+`-`+cf.To+`.csv"`)
	w.WriteHeader(http.StatusOK)
	return billing.WriteCashFlowCSV(w, cf, func(key string) string { return l.T("billing.csv." + strings.Replace(key, ".", "_", 1)) })
}
