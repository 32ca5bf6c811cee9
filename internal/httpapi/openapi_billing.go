package httpapi

import (
	"net/http"
	"time"

	"clinic/internal/billing"
	"clinic/internal/pix"
)

// Descriptions of the billing operations.
const (
	billingRoles = " Owners and financial users manage money; admins manage plans and prices; receptionists (and admins) see " +
		"charges and balances and record payments; professionals see their own payouts. Amounts are integer cents (BRL)."
	chargeRules = "A completed appointment creates its charge by itself (the procedure's price for the patient's active " +
		"plan, else the private price; once per appointment). status is derived: open while a balance is left, paid when " +
		"none, cancelled. balance_cents = amount − discount − paid + refunded. With status open, paid or overdue a page may hold " +
		"fewer items than limit: follow next_cursor." + billingRoles
	paymentRules = "method is pix, cash, debit_card, credit_card (installments 1–12), bank_transfer or insurance. Partial " +
		"payments are welcome; more than the balance answers 400 invalid (no credit is kept)." + billingRoles
	refundRules = "A refund (estorno) is its own entry, by the payment's method, of at most what is left of the payment " +
		"(owner, financial)."
	reverseRules = "An entry recorded by mistake is reversed, never deleted: it stays with reversed_at and counts for " +
		"nothing. A payment with refunds needs them reversed first (owner, financial)."
	pixRules = "The static Pix copia e cola (BR Code) for the charge's open balance, to the clinic's key; txid is the " +
		"charge's reference. 409 when the clinic has no key or nothing is left to pay."
	payoutRules = "basis is produced: the charges (after discount, not cancelled) of the professional's services in the " +
		"clinic-local period from–to (inclusive), not paid out yet, each by the professional's rule for its procedure or " +
		"their default rule (percent in basis points, or fixed cents). A professional sees only their own."
	cashFlowRules = "What came in per clinic-local day and method (refunds subtract, reversed entries do not count), and " +
		"today's receivables and overdue balances (owner, financial). format=csv answers the CSV of …/cash-flow.csv."
	cashFlowCSVRules = "UTF-8 with a byte-order mark, ';' separators, CRLF, dates dd/mm/yyyy, amounts with a decimal comma " +
		"(1234,56): what Excel in Brazil opens as it is. One row per day and method; headers in the caller's language."
	settingsRules = "pix_key_type is cpf, cnpj, email, phone or evp; the key is validated and normalised for its type; a " +
		"key needs merchant_name (≤ 25) and merchant_city (≤ 15). An empty key turns Pix off (owner, financial)."
)

// Examples of the billing operations.
var (
	exampleChargeID    = "0190b7a2-5c3d-7e4f-8a9b-0c1d2e3f4a5b"
	examplePaymentID   = "0190b7a3-1a2b-7c3d-9e4f-5a6b7c8d9e0f"
	examplePlanID      = "0190b6aa-3b4c-7d5e-8f60-718293a4b5c6"
	exampleProcID      = "0190b6ab-4c5d-7e6f-8071-8293a4b5c6d7"
	exampleProfID      = "0190b6ac-5d6e-7f80-9182-93a4b5c6d7e8"
	examplePlan        = billing.Plan{ID: examplePlanID, Name: "Unimed Paulistana", ANSCode: "301337", Active: true, CreatedAt: exampleSent, UpdatedAt: exampleSent}
	examplePrivate     = int64(25000)
	examplePrices      = billing.Prices{ProcedureID: exampleProcID, PrivateCents: &examplePrivate, Plans: []billing.PlanPrice{{PlanID: examplePlanID, PlanName: "Unimed Paulistana", AmountCents: 12050}}}
	examplePricesInput = billing.PricesInput{PrivateCents: &examplePrivate, Plans: []billing.PlanPrice{{PlanID: examplePlanID, AmountCents: 12050}}}
	examplePayment     = billing.Payment{ID: examplePaymentID, ChargeID: exampleChargeID, Kind: "payment", Method: "pix", Installments: 1,
		AmountCents: 10000, ReceivedAt: exampleAt, ReceivedBy: "0190b6e0-0000-7000-8000-000000000001", CreatedAt: exampleAt}
	exampleCharge = billing.Charge{ID: exampleChargeID, PatientID: examplePatientID, PatientName: "Maria da Silva", ProfessionalID: exampleProfID,
		ProfessionalName: "Dra. Ana Souza", ProcedureID: exampleProcID, AppointmentID: exampleApptID, Description: "Consulta", AmountCents: 25000,
		PaidCents: 10000, BalanceCents: 15000, ServiceAt: exampleAt, DueDate: "2026-03-02", Status: "open", CreatedAt: exampleAt, UpdatedAt: exampleAt,
		Payments: []billing.Payment{examplePayment}}
	exampleChargeInput = billing.ChargeInput{PatientID: examplePatientID, Description: "Relatório médico", AmountCents: 8000, DueDate: "2026-03-10"}
	exampleRefund      = billing.Payment{ID: "0190b7a4-2b3c-7d4e-8f5a-6b7c8d9e0f1a", ChargeID: exampleChargeID, Kind: "refund", RefundOf: examplePaymentID,
		Method: "pix", Installments: 1, AmountCents: 2000, ReceivedAt: exampleAt.Add(time.Hour), CreatedAt: exampleAt.Add(time.Hour)}
	exampleReversedAt = exampleAt.Add(2 * time.Hour)
	exampleReversed   = func() billing.Payment {
		p := examplePayment
		p.ReversedAt, p.ReverseReason = &exampleReversedAt, "Lançado em duplicidade"
		return p
	}()
	examplePix = billing.PixCode{ChargeID: exampleChargeID, AmountCents: 15000, TxID: "0190b7a25c3d7e4f8a9b0c1d2",
		Payload: examplePixPayload()}
	exampleSettings = billing.Settings{PixKeyType: "cpf", PixKey: "52998224725", MerchantName: "Clinica Sao Joao", MerchantCity: "Sao Paulo",
		Document: "12.345.678/0001-95", UpdatedAt: &exampleSent}
	exampleCashFlow = billing.CashFlow{From: "2026-03-01", To: "2026-03-31", Days: []billing.CashDay{{Date: "2026-03-02",
		ByMethod: map[string]int64{"pix": 10000, "cash": 5000}, Total: 15000}}, ByMethod: map[string]int64{"pix": 10000, "cash": 5000},
		TotalCents: 15000, ReceivableCents: 42000, OverdueCents: 8000}
	examplePayoutRule   = billing.PayoutRule{Kind: "percent", Value: 4000}
	examplePayoutReport = billing.PayoutReport{From: "2026-03-01", To: "2026-03-31", Basis: "produced", Lines: []billing.PayoutLine{{
		ProfessionalID: exampleProfID, ProfessionalName: "Dra. Ana Souza", BaseCents: 25000, OwedCents: 10000, Items: []billing.PayoutItem{{
			ChargeID: exampleChargeID, PatientName: "Maria da Silva", Description: "Consulta", ServiceAt: exampleAt, BaseCents: 25000, OwedCents: 10000,
			Rule: &examplePayoutRule}}}}, Paid: []billing.Payout{}}
	examplePayout = billing.Payout{ID: "0190b7b0-0a1b-7c2d-8e3f-4a5b6c7d8e9f", ProfessionalID: exampleProfID, From: "2026-03-01", To: "2026-03-31",
		AmountCents: 10000, PaidAt: exampleAt, Items: 1}
	exampleBalance = billing.Balance{PatientID: examplePatientID, BalanceCents: 15000, OverdueCents: 0, OpenCharges: 1}
)

// examplePixPayload is a real BR Code for the example charge.
func examplePixPayload() string {
	s, err := pix.Charge{Key: pix.Key{Type: pix.KeyCPF, Value: "52998224725"}, MerchantName: "Clinica Sao Joao", MerchantCity: "Sao Paulo",
		AmountCents: 15000, TxID: "0190b7a25c3d7e4f8a9b0c1d2", Description: "Consulta"}.Payload()
	if err != nil {
		panic(err)
	}
	return s
}

// billingOps is the route table of the billing operations.
func billingOps() []apiOp {
	const c = "/api/v1/clinics/{clinic_id}"
	ch := c + "/charges/{id}"
	return []apiOp{
		{Method: "GET", Path: c + "/procedures/{id}/prices", Handler: (*Server).getProcedurePrices, Tag: "billing", Summary: "A procedure's prices: private and per insurance plan.",
			Status: 200, Response: billing.Prices{}, ResponseExample: examplePrices},
		{Method: "PUT", Path: c + "/procedures/{id}/prices", Handler: (*Server).putProcedurePrices, Tag: "billing", Summary: "Replace a procedure's prices (owner, financial, admin).",
			Description: "private_cents null: no private price. Each plan at most once. Charges made keep their amounts.",
			Body:        billing.PricesInput{}, BodyExample: examplePricesInput, Status: 200, Response: billing.Prices{}, ResponseExample: examplePrices},
		{Method: "GET", Path: c + "/insurance-plans", Handler: (*Server).listInsurancePlans, Tag: "billing", Summary: "The clinic's insurance plans (convênios), by name.",
			Query: []apiParam{{Name: "active", Description: "true: only the active ones."}}, Status: 200, Response: listOf[billing.Plan]{},
			ResponseExample: listOf[billing.Plan]{Items: []billing.Plan{examplePlan}}},
		{Method: "POST", Path: c + "/insurance-plans", Handler: (*Server).createInsurancePlan, Tag: "billing", Summary: "Add an insurance plan (owner, financial, admin).",
			Description: "ans_code is the insurer's ANS registry number, 6 digits.", Body: billing.PlanInput{},
			BodyExample: billing.PlanInput{Name: "Unimed Paulistana", ANSCode: "301337"}, Status: 201, Response: billing.Plan{}, ResponseExample: examplePlan},
		{Method: "GET", Path: c + "/insurance-plans/{id}", Handler: (*Server).getInsurancePlan, Tag: "billing", Summary: "An insurance plan.",
			Status: 200, Response: billing.Plan{}, ResponseExample: examplePlan},
		{Method: "PUT", Path: c + "/insurance-plans/{id}", Handler: (*Server).putInsurancePlan, Tag: "billing", Summary: "Change or deactivate an insurance plan (owner, financial, admin).",
			Description: "Nothing is deleted: active=false stops offering the plan.", Body: billing.PlanInput{},
			BodyExample: billing.PlanInput{Name: "Unimed Paulistana", ANSCode: "301337"}, Status: 200, Response: billing.Plan{}, ResponseExample: examplePlan},
		{Method: "PUT", Path: c + "/patients/{id}/insurance-plan", Handler: (*Server).putPatientInsurancePlan, Tag: "billing", Summary: "Link a patient to an active insurance plan (\"\" unlinks).",
			Body: patientPlanInput{}, BodyExample: patientPlanInput{InsurancePlanID: examplePlanID}, Status: 200, Response: patientPlanInput{},
			ResponseExample: patientPlanInput{InsurancePlanID: examplePlanID}},
		{Method: "GET", Path: c + "/patients/{id}/balance", Handler: (*Server).getPatientBalance, Tag: "billing", Summary: "What a patient owes: open and overdue balances.",
			Status: 200, Response: billing.Balance{}, ResponseExample: exampleBalance},

		{Method: "GET", Path: c + "/charges", Handler: (*Server).listCharges, Tag: "billing", Summary: "Charges (cobranças), newest first.", Description: chargeRules,
			Query: []apiParam{{Name: "patient_id"}, {Name: "professional_id"}, {Name: "status", Description: "open, paid, cancelled or overdue."},
				{Name: "from", Description: "Created on or after, YYYY-MM-DD."}, {Name: "to", Description: "Created on or before, YYYY-MM-DD."}, {Name: "cursor"}, {Name: "limit"}},
			Status: 200, Response: billing.ChargePage{}, ResponseExample: billing.ChargePage{Items: []billing.Charge{exampleCharge}}},
		{Method: "POST", Path: c + "/charges", Handler: (*Server).createCharge, Tag: "billing", Summary: "Record a manual charge (owner, financial).", Description: chargeRules,
			Body: billing.ChargeInput{}, BodyExample: exampleChargeInput, Status: 201, Response: billing.Charge{}, ResponseExample: exampleCharge},
		{Method: "GET", Path: ch, Handler: (*Server).getCharge, Tag: "billing", Summary: "A charge with its payments, refunds and reversals.", Description: chargeRules,
			Status: 200, Response: billing.Charge{}, ResponseExample: exampleCharge},
		{Method: "GET", Path: c + "/appointments/{id}/charge", Handler: (*Server).getAppointmentCharge, Tag: "billing", Summary: "The charge of a completed appointment (404: none).",
			Status: 200, Response: billing.Charge{}, ResponseExample: exampleCharge},
		{Method: "POST", Path: ch + "/cancel", Handler: (*Server).cancelCharge, Tag: "billing", Summary: "Cancel a charge with a reason (owner, financial).",
			Body: billing.CancelInput{}, BodyExample: billing.CancelInput{Reason: "Cobrança duplicada"}, Status: 200, Response: billing.Charge{}, ResponseExample: exampleCharge,
			Conflict: "The charge is cancelled already, or has payments not refunded."},
		{Method: "POST", Path: ch + "/discount", Handler: (*Server).discountCharge, Tag: "billing", Summary: "Set a charge's discount (owner, financial).",
			Description: "From zero to the amount not yet paid.", Body: billing.DiscountInput{}, BodyExample: billing.DiscountInput{DiscountCents: 2500},
			Status: 200, Response: billing.Charge{}, ResponseExample: exampleCharge, Conflict: "The charge is cancelled."},
		{Method: "GET", Path: ch + "/payments", Handler: (*Server).listPayments, Tag: "billing", Summary: "A charge's payments and refunds, oldest first.",
			Status: 200, Response: listOf[billing.Payment]{}, ResponseExample: listOf[billing.Payment]{Items: []billing.Payment{examplePayment, exampleRefund}}},
		{Method: "POST", Path: ch + "/payments", Handler: (*Server).recordPayment, Tag: "billing", Summary: "Record a payment, partial or whole.", Description: paymentRules,
			Body: billing.PaymentInput{}, BodyExample: billing.PaymentInput{Method: "credit_card", AmountCents: 15000, Installments: 3},
			Status: 201, Response: billing.Payment{}, ResponseExample: examplePayment, Conflict: "The charge is cancelled."},
		{Method: "POST", Path: ch + "/payments/{payment_id}/refund", Handler: (*Server).refundPayment, Tag: "billing", Summary: "Refund part or all of a payment.",
			Description: refundRules, Body: billing.RefundInput{}, BodyExample: billing.RefundInput{AmountCents: 2000, Note: "Devolvido ao paciente"},
			Status: 201, Response: billing.Payment{}, ResponseExample: exampleRefund, Conflict: "The payment was reversed, or is a refund."},
		{Method: "POST", Path: ch + "/payments/{payment_id}/reverse", Handler: (*Server).reversePayment, Tag: "billing", Summary: "Reverse a payment or refund recorded by mistake.",
			Description: reverseRules, Body: billing.ReverseInput{}, BodyExample: billing.ReverseInput{Reason: "Lançado em duplicidade"},
			Status: 200, Response: billing.Payment{}, ResponseExample: exampleReversed, Conflict: "The entry is reversed already, the payment has refunds, or the charge would be overpaid."},
		{Method: "GET", Path: ch + "/pix", Handler: (*Server).getChargePix, Tag: "billing", Summary: "The Pix copia e cola for the charge's open balance.",
			Description: pixRules, Status: 200, Response: billing.PixCode{}, ResponseExample: examplePix, Conflict: "No Pix key, or nothing left to pay."},
		{Method: "GET", Path: ch + "/pix.png", Handler: chargePixImage("png", "image/png"), Tag: "billing", Summary: "The charge's Pix QR code as PNG.",
			Description: pixRules, Query: []apiParam{{Name: "size", Description: "Pixels, 128–1024 (default 320)."}},
			Status: 200, ResponseMedia: &apiMedia{Type: "image/png", Schema: map[string]any{"type": "string", "contentMediaType": "image/png"}},
			Conflict: "No Pix key, or nothing left to pay."},
		{Method: "GET", Path: ch + "/pix.svg", Handler: chargePixImage("svg", "image/svg+xml"), Tag: "billing", Summary: "The charge's Pix QR code as SVG.",
			Description: pixRules, Status: 200, ResponseMedia: &apiMedia{Type: "image/svg+xml", Schema: map[string]any{"type": "string"}},
			Conflict: "No Pix key, or nothing left to pay."},
		{Method: "POST", Path: ch + "/pix/send", Handler: (*Server).sendChargePix, Tag: "billing", Summary: "Send the charge's Pix code to the patient (their message channel).",
			Description: pixRules + " 503 when sending is not set up.", Status: http.StatusAccepted, Conflict: "No Pix key, or nothing left to pay."},

		{Method: "GET", Path: c + "/billing/settings", Handler: (*Server).getBillingSettings, Tag: "billing", Summary: "The clinic's Pix key and receipt details.",
			Status: 200, Response: billing.Settings{}, ResponseExample: exampleSettings},
		{Method: "PUT", Path: c + "/billing/settings", Handler: (*Server).putBillingSettings, Tag: "billing", Summary: "Replace the Pix key and receipt details (owner, financial).",
			Description: settingsRules, Body: billingSettingsInput{}, BodyExample: billingSettingsInput{PixKeyType: "cpf", PixKey: "529.982.247-25",
				MerchantName: "Clínica São João", MerchantCity: "São Paulo", Document: "12.345.678/0001-95"}, Status: 200, Response: billing.Settings{}, ResponseExample: exampleSettings},

		{Method: "GET", Path: c + "/payouts", Handler: (*Server).getPayouts, Tag: "billing", Summary: "What each professional is owed for a period (repasse).",
			Description: payoutRules, Query: []apiParam{{Name: "from", Required: true, Description: "YYYY-MM-DD, clinic-local."},
				{Name: "to", Required: true, Description: "YYYY-MM-DD, clinic-local, inclusive."}, {Name: "professional_id"}},
			Status: 200, Response: billing.PayoutReport{}, ResponseExample: examplePayoutReport},
		{Method: "POST", Path: c + "/payouts", Handler: (*Server).markPayoutPaid, Tag: "billing", Summary: "Mark a professional's period paid (owner, financial).",
			Description: payoutRules + " The charges paid are not owed again.", Body: billing.PayoutInput{},
			BodyExample: billing.PayoutInput{ProfessionalID: exampleProfID, From: "2026-03-01", To: "2026-03-31"}, Status: 201, Response: billing.Payout{},
			ResponseExample: examplePayout, Conflict: "Nothing is owed for the period, or part of it was paid meanwhile."},
		{Method: "GET", Path: c + "/professionals/{id}/payout-rules", Handler: (*Server).getPayoutRules, Tag: "billing", Summary: "A professional's payout rules.",
			Status: 200, Response: payoutRulesJSON{}, ResponseExample: payoutRulesJSON{Rules: []billing.PayoutRule{examplePayoutRule}}},
		{Method: "PUT", Path: c + "/professionals/{id}/payout-rules", Handler: (*Server).putPayoutRules, Tag: "billing", Summary: "Replace a professional's payout rules (owner, financial).",
			Description: "procedure_id \"\" is the default rule; kind percent (value in basis points, 0–10000) or fixed (value in cents).",
			Body:        payoutRulesJSON{}, BodyExample: payoutRulesJSON{Rules: []billing.PayoutRule{examplePayoutRule, {ProcedureID: exampleProcID, Kind: "fixed", Value: 8000}}},
			Status: 200, Response: payoutRulesJSON{}, ResponseExample: payoutRulesJSON{Rules: []billing.PayoutRule{examplePayoutRule}}},
		{Method: "GET", Path: c + "/reports/cash-flow", Handler: (*Server).getCashFlow, Tag: "billing", Summary: "Cash flow: receipts per day and method, receivables.",
			Description: cashFlowRules, Query: []apiParam{{Name: "from", Required: true, Description: "YYYY-MM-DD, clinic-local."},
				{Name: "to", Required: true, Description: "YYYY-MM-DD, clinic-local, inclusive (at most 366 days)."}, {Name: "format", Description: "csv for the CSV."}},
			Status: 200, Response: billing.CashFlow{}, ResponseExample: exampleCashFlow},
		{Method: "GET", Path: c + "/reports/cash-flow.csv", Handler: (*Server).getCashFlowCSV, Tag: "billing", Summary: "Cash flow as CSV for Excel.",
			Description: cashFlowCSVRules, Query: []apiParam{{Name: "from", Required: true}, {Name: "to", Required: true}},
			Status: 200, ResponseMedia: &apiMedia{Type: "text/csv", Schema: map[string]any{"type": "string"}, Example: "\ufeffData;Forma;Valor\r\n02/03/2026;Pix;100,00\r\n"}},
	}
}
