package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/billing"
	"clinic/internal/httpx"
	"clinic/internal/pix"
)

// The money pages (package billing): charges, the charge page with its
// payments and Pix code, receipts, cash flow, payouts, the billing
// settings and the patient's "Financeiro" tab. The service decides who may
// do what; the pages show only what it would allow.

func (s *Server) billingRoutes(m *http.ServeMux) {
	const p = "/clinics/{clinic_id}/billing"
	m.Handle("GET "+p, s.clinic(s.billingCharges))
	m.Handle("GET "+p+"/charges/{id}", s.clinic(s.billingCharge))
	m.Handle("POST "+p+"/charges/{id}/payments", s.clinic(s.billingPaymentCreate))
	m.Handle("POST "+p+"/charges/{id}/payments/{payment_id}/refund", s.clinic(s.billingRefund))
	m.Handle("POST "+p+"/charges/{id}/payments/{payment_id}/reverse", s.clinic(s.billingReverse))
	m.Handle("GET "+p+"/charges/{id}/payments/{payment_id}/receipt", s.clinic(s.billingReceipt))
	m.Handle("POST "+p+"/charges/{id}/cancel", s.clinic(s.billingCancel))
	m.Handle("POST "+p+"/charges/{id}/discount", s.clinic(s.billingDiscount))
	m.Handle("POST "+p+"/charges/{id}/pix/send", s.clinic(s.billingPixSend))
	m.Handle("GET "+p+"/charges/{id}/pix.svg", s.clinic(s.billingPixSVG))
	m.Handle("GET "+p+"/cash-flow", s.clinic(s.billingCashFlow))
	m.Handle("GET "+p+"/cash-flow.csv", s.clinic(s.billingCashFlowCSV))
	m.Handle("GET "+p+"/payouts", s.clinic(s.billingPayouts))
	m.Handle("POST "+p+"/payouts", s.clinic(s.billingPayoutPaid))
	m.Handle("POST "+p+"/payouts/rules/{id}", s.clinic(s.billingPayoutRule))
	m.Handle("GET "+p+"/settings", s.clinic(s.billingSettings))
	m.Handle("POST "+p+"/settings", s.clinic(s.billingSettingsSave))
	m.Handle("POST "+p+"/plans", s.clinic(s.billingPlanCreate))
	m.Handle("POST "+p+"/plans/{id}", s.clinic(s.billingPlanSave))
	m.Handle("GET "+p+"/procedures/{id}/prices", s.clinic(s.billingPrices))
	m.Handle("POST "+p+"/procedures/{id}/prices", s.clinic(s.billingPricesSave))
	m.Handle("GET /clinics/{clinic_id}/patients/{id}/billing", s.clinic(s.billingPatient))
	m.Handle("POST /clinics/{clinic_id}/patients/{id}/billing/plan", s.clinic(s.billingPatientPlan))
	m.Handle("POST /clinics/{clinic_id}/patients/{id}/billing/charges", s.clinic(s.billingChargeCreate))
}

// billingView marks the navigation item of a money page.
func billingView(r *http.Request, nav string) *view {
	v := viewOf(r.Context())
	v.Nav = nav
	return v
}

// billingDone redirects to path (of the current clinic) with the flash.
func (s *Server) billingDone(w http.ResponseWriter, r *http.Request, path, flash string) error {
	s.setFlash(w, "billing.flash."+flash)
	http.Redirect(w, r, viewOf(r.Context()).ClinicPath(path), http.StatusSeeOther)
	return nil
}

// moneyFormats are the ways an amount in reais may be typed: with the
// Brazilian or the English separators, with or without thousands.
var moneyFormats = []struct {
	re                 *regexp.Regexp
	thousands, decimal string
}{
	{regexp.MustCompile(`^\d{1,3}(\.\d{3})*(,\d{1,2})?$`), ".", ","},
	{regexp.MustCompile(`^\d+(,\d{1,2})?$`), "", ","},
	{regexp.MustCompile(`^\d+(\.\d{1,2})?$`), "", "."},
	{regexp.MustCompile(`^\d{1,3}(,\d{3})*(\.\d{1,2})?$`), ",", "."},
}

// formCents reads a money field typed as reais ("150", "150,00",
// "1.234,56", "150.00", "R$ 10") as cents; ok is false for anything else.
func formCents(s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "R$"))
	for _, f := range moneyFormats {
		if !f.re.MatchString(s) {
			continue
		}
		if f.thousands != "" {
			s = strings.ReplaceAll(s, f.thousands, "")
		}
		whole, frac, _ := strings.Cut(s, f.decimal)
		frac = (frac + "00")[:2]
		if len(whole) > 10 {
			return 0, false
		}
		n, err := strconv.ParseInt(whole+frac, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// moneyField reads the money field name of f into cents, recording a
// field error (the catalogue's amount message) when it is not a number.
func moneyField(f *form, name string, bad map[string]string) int64 {
	c, ok := formCents(f.Get(name))
	if !ok {
		bad[name] = "Give an amount such as 150,00."
	}
	return c
}

// centsValue writes cents as a form value in the locale's style (150,00).
func centsValue(v *view, cents int64) string {
	s := billing.DecimalComma(cents)
	if v.Locale == "en" {
		s = strings.Replace(s, ",", ".", 1)
	}
	return s
}

// zoned converts instants to the clinic's time for a page's template.
type zoned struct{ Zone *time.Location }

// At returns t in the clinic's time zone.
func (z zoned) At(t time.Time) time.Time {
	if z.Zone == nil {
		return t
	}
	return t.In(z.Zone)
}

// zone returns the page's clinic time zone.
func (s *Server) zone(r *http.Request) (zoned, error) {
	loc, err := s.Accounts.ClinicZone(r.Context(), httpx.PrincipalOf(r.Context()).ClinicID)
	return zoned{loc}, err
}

type billingChargesData struct {
	zoned
	Page     billing.ChargePage
	Status   string
	Statuses []string
}

func (s *Server) billingChargesPage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := billingView(r, "billing")
	p := httpx.PrincipalOf(r.Context())
	q := r.URL.Query()
	z, err := s.zone(r)
	if err != nil {
		return err
	}
	d := billingChargesData{zoned: z, Status: q.Get("status"), Statuses: []string{"", billing.StatusOpen, "overdue", billing.StatusPaid, billing.StatusCancelled}}
	page, err := s.Billing.Charges(r.Context(), p, billing.ChargeFilter{Status: d.Status, Cursor: q.Get("cursor"), PatientID: q.Get("patient_id")})
	if err != nil {
		return err
	}
	d.Page = page
	if f == nil {
		f = newForm()
	}
	s.render(w, r, status, "billing-charges", pageOf(v, v.L.T("billing.charges"), f, d))
	return nil
}

// pageOf builds a page.
func pageOf(v *view, title string, f *form, data any) page {
	return page{view: v, Title: title, Form: f, Data: data}
}

func (s *Server) billingCharges(w http.ResponseWriter, r *http.Request) error {
	return s.billingChargesPage(w, r, http.StatusOK, nil)
}

func (s *Server) billingChargeCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	var c billing.Charge
	if err == nil {
		bad := map[string]string{}
		cents := moneyField(f, "amount", bad)
		if len(bad) > 0 {
			err = apperr.Validation(bad)
		} else {
			c, err = s.Billing.CreateCharge(r.Context(), httpx.PrincipalOf(r.Context()), billing.ChargeInput{PatientID: r.PathValue("id"),
				Description: f.Get("description"), AmountCents: cents, DueDate: f.Get("due_date")})
		}
	}
	if err != nil {
		if e := apperr.As(err); e.Fields["amount_cents"] != "" {
			e.Fields["amount"] = e.Fields["amount_cents"]
		}
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.billingPatientPage(w, r, status, f) })
	}
	return s.billingDone(w, r, "/billing/charges/"+c.ID, "charge")
}

type billingChargeData struct {
	zoned
	C         billing.Charge
	Pix       *billing.PixCode
	PixError  string
	CanManage bool
	CanSend   bool
	Methods   []string
	// Installments are the choices of a credit card payment (1…12).
	Installments []int
	Plan         string
}

func (s *Server) billingChargePage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := billingView(r, "billing")
	p := httpx.PrincipalOf(r.Context())
	c, err := s.Billing.Charge(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	z, err := s.zone(r)
	if err != nil {
		return err
	}
	d := billingChargeData{zoned: z, C: c, CanManage: billing.ManagesMoney(p.Role), CanSend: s.Billing.CanSendPix(), Methods: billing.Methods}
	for n := 1; n <= billing.MaxInstallments; n++ {
		d.Installments = append(d.Installments, n)
	}
	if c.BalanceCents > 0 {
		code, _, err := s.Billing.Pix(r.Context(), p, c.ID)
		switch {
		case err == nil:
			d.Pix = &code
		case apperr.Is(err, apperr.Conflict):
			d.PixError = "no_key"
		default:
			return err
		}
	}
	if c.InsurancePlanID != "" {
		if pl, err := s.Billing.Plan(r.Context(), p, c.InsurancePlanID); err == nil {
			d.Plan = pl.Name
		}
	}
	if f == nil {
		f = newForm()
		f.Values["method"] = billing.MethodPix
		f.Values["installments"] = "1"
		if c.BalanceCents > 0 {
			f.Values["amount"] = centsValue(v, c.BalanceCents)
		}
	}
	s.render(w, r, status, "billing-charge", pageOf(v, v.L.T("billing.charge")+" · "+c.PatientName, f, d))
	return nil
}

func (s *Server) billingCharge(w http.ResponseWriter, r *http.Request) error {
	return s.billingChargePage(w, r, http.StatusOK, nil)
}

// chargeRefused shows the charge page again with the refusal.
func (s *Server) chargeRefused(w http.ResponseWriter, r *http.Request, f *form, err error) error {
	if e := apperr.As(err); e.Fields["amount_cents"] != "" {
		e.Fields["amount"] = e.Fields["amount_cents"]
	}
	return s.settingsRefused(w, r, f, err, func(status int) error { return s.billingChargePage(w, r, status, f) })
}

func (s *Server) chargePath(r *http.Request) string { return "/billing/charges/" + r.PathValue("id") }

func (s *Server) billingPaymentCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		bad := map[string]string{}
		cents := moneyField(f, "amount", bad)
		n, _ := strconv.Atoi(f.Get("installments"))
		if len(bad) > 0 {
			err = apperr.Validation(bad)
		} else {
			_, err = s.Billing.RecordPayment(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"), billing.PaymentInput{
				Method: f.Get("method"), AmountCents: cents, Installments: n, Note: f.Get("note")})
		}
	}
	if err != nil {
		return s.chargeRefused(w, r, f, err)
	}
	return s.billingDone(w, r, s.chargePath(r), "payment")
}

func (s *Server) billingRefund(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		bad := map[string]string{}
		cents := moneyField(f, "amount", bad)
		if len(bad) > 0 {
			err = apperr.Validation(bad)
		} else {
			_, err = s.Billing.Refund(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"), r.PathValue("payment_id"),
				billing.RefundInput{AmountCents: cents, Note: f.Get("note")})
		}
	}
	if err != nil {
		return s.chargeRefused(w, r, f, err)
	}
	return s.billingDone(w, r, s.chargePath(r), "refund")
}

func (s *Server) billingReverse(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		_, err = s.Billing.Reverse(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"), r.PathValue("payment_id"),
			billing.ReverseInput{Reason: f.Get("reason")})
	}
	if err != nil {
		return s.chargeRefused(w, r, f, err)
	}
	return s.billingDone(w, r, s.chargePath(r), "reversal")
}

func (s *Server) billingCancel(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		_, err = s.Billing.CancelCharge(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"), billing.CancelInput{Reason: f.Get("reason")})
	}
	if err != nil {
		return s.chargeRefused(w, r, f, err)
	}
	return s.billingDone(w, r, s.chargePath(r), "cancel")
}

func (s *Server) billingDiscount(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		bad := map[string]string{}
		cents := moneyField(f, "discount", bad)
		if len(bad) > 0 {
			err = apperr.Validation(bad)
		} else {
			_, err = s.Billing.SetDiscount(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"), billing.DiscountInput{DiscountCents: cents})
		}
	}
	if err != nil {
		if e := apperr.As(err); e.Fields["discount_cents"] != "" {
			e.Fields["discount"] = e.Fields["discount_cents"]
		}
		return s.chargeRefused(w, r, f, err)
	}
	return s.billingDone(w, r, s.chargePath(r), "discount")
}

func (s *Server) billingPixSend(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		err = s.Billing.SendPix(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"))
	}
	if err != nil {
		return s.chargeRefused(w, r, f, err)
	}
	return s.billingDone(w, r, s.chargePath(r), "pix_sent")
}

// billingPixSVG serves the charge's Pix QR code (the charge page's image).
func (s *Server) billingPixSVG(w http.ResponseWriter, r *http.Request) error {
	b, err := s.Billing.PixQR(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"), "svg", 0)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(b)
	return nil
}

type billingReceiptData struct {
	zoned
	C        billing.Charge
	P        billing.Payment
	Clinic   string
	Address  string
	Phone    string
	Document string
	By       string
}

// billingReceipt is the printable receipt (recibo) of a payment or refund.
func (s *Server) billingReceipt(w http.ResponseWriter, r *http.Request) error {
	v := billingView(r, "billing")
	pr := httpx.PrincipalOf(r.Context())
	c, err := s.Billing.Charge(r.Context(), pr, r.PathValue("id"))
	if err != nil {
		return err
	}
	z, err := s.zone(r)
	if err != nil {
		return err
	}
	d := billingReceiptData{zoned: z, C: c}
	found := false
	for _, x := range c.Payments {
		if x.ID == r.PathValue("payment_id") {
			d.P, found = x, true
		}
	}
	if !found {
		return apperr.New(apperr.NotFound, "Payment not found.")
	}
	cl, err := s.Accounts.Clinic(r.Context(), pr.ClinicID)
	if err != nil {
		return err
	}
	d.Clinic, d.Address, d.Phone = cl.Name, cl.Address, cl.Phone
	if st, err := s.Billing.Settings(r.Context(), pr); err == nil {
		d.Document = st.Document
	}
	if d.P.ReceivedBy != "" {
		if u, err := s.Accounts.User(r.Context(), d.P.ReceivedBy); err == nil {
			d.By = u.Name
		}
	}
	s.render(w, r, http.StatusOK, "billing-receipt", pageOf(v, v.L.T("billing.receipt.title"), nil, d))
	return nil
}

// keyTypePrefix prefixes the catalogue ids of the Pix key types.
const keyTypePrefix = "billing.keytype."

// pixKeyTypes lists the key types for the settings form.
func pixKeyTypes(v *view) []option {
	out := make([]option, 0, len(pix.KeyTypes))
	for _, t := range pix.KeyTypes {
		out = append(out, option{Value: string(t), Label: v.L.T(keyTypePrefix + string(t))})
	}
	return out
}

// appointmentCharge returns the charge of a completed appointment for its
// page: nil when it has none or the role does not see charges.
func (s *Server) appointmentCharge(r *http.Request, a appointment.Appointment) (*billing.Charge, error) {
	p := httpx.PrincipalOf(r.Context())
	if s.Billing == nil || a.Status != appointment.StatusCompleted || !billing.SeesCharges(p.Role) {
		return nil, nil
	}
	c, err := s.Billing.AppointmentCharge(r.Context(), p, a.ID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}
