package web

import (
	"net/http"

	"clinic/internal/apperr"
	"clinic/internal/billing"
	"clinic/internal/httpx"
	"clinic/internal/patient"
)

type billingSettingsData struct {
	Plans     []billing.Plan
	KeyTypes  []option
	CanManage bool
}

func (s *Server) billingSettingsPage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := billingView(r, "billing-settings")
	p := httpx.PrincipalOf(r.Context())
	if !billing.ManagesPrices(p.Role) {
		return apperr.New(apperr.Forbidden, "Only owners, admins and financial users can change plans and prices.")
	}
	plans, err := s.Billing.Plans(r.Context(), p, false)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm()
		st, err := s.Billing.Settings(r.Context(), p)
		if err != nil {
			return err
		}
		f.Values["pix_key_type"], f.Values["pix_key"] = st.PixKeyType, st.PixKey
		f.Values["merchant_name"], f.Values["merchant_city"], f.Values["document"] = st.MerchantName, st.MerchantCity, st.Document
	}
	d := billingSettingsData{Plans: plans, KeyTypes: pixKeyTypes(v), CanManage: billing.ManagesMoney(p.Role)}
	s.render(w, r, status, "billing-settings", pageOf(v, v.L.T("billing.settings.title"), f, d))
	return nil
}

func (s *Server) billingSettings(w http.ResponseWriter, r *http.Request) error {
	return s.billingSettingsPage(w, r, http.StatusOK, nil)
}

func (s *Server) billingSettingsSave(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		_, err = s.Billing.SaveSettings(r.Context(), httpx.PrincipalOf(r.Context()), billing.Settings{PixKeyType: f.Get("pix_key_type"),
			PixKey: f.Get("pix_key"), MerchantName: f.Get("merchant_name"), MerchantCity: f.Get("merchant_city"), Document: f.Get("document")})
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.billingSettingsPage(w, r, status, f) })
	}
	return s.billingDone(w, r, "/billing/settings", "settings")
}

func (s *Server) billingPlanCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		_, err = s.Billing.CreatePlan(r.Context(), httpx.PrincipalOf(r.Context()), billing.PlanInput{Name: f.Get("plan_name"), ANSCode: f.Get("ans_code")})
	}
	if err != nil {
		if e := apperr.As(err); e.Fields["name"] != "" {
			e.Fields["plan_name"] = e.Fields["name"]
		}
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.billingSettingsPage(w, r, status, nil) })
	}
	return s.billingDone(w, r, "/billing/settings", "plan")
}

// billingPlanSave turns a plan on or off.
func (s *Server) billingPlanSave(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		p := httpx.PrincipalOf(r.Context())
		var pl billing.Plan
		if pl, err = s.Billing.Plan(r.Context(), p, r.PathValue("id")); err == nil {
			active := f.Get("active") == "true"
			_, err = s.Billing.UpdatePlan(r.Context(), p, pl.ID, billing.PlanInput{Name: pl.Name, ANSCode: pl.ANSCode, Active: &active})
		}
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.billingSettingsPage(w, r, status, nil) })
	}
	return s.billingDone(w, r, "/billing/settings", "plan")
}

type billingPricesData struct {
	ProcedureID string
	Plans       []billing.Plan
	CanEdit     bool
}

// billingPrices is the prices card of the procedure settings page (loaded
// into it by htmx; a page of its own otherwise).
func (s *Server) billingPrices(w http.ResponseWriter, r *http.Request) error {
	return s.billingPricesPage(w, r, http.StatusOK, nil)
}

func (s *Server) billingPricesPage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := billingView(r, "procedures")
	p := httpx.PrincipalOf(r.Context())
	id := r.PathValue("id")
	prices, err := s.Billing.ProcedurePrices(r.Context(), p, id)
	if err != nil {
		return err
	}
	plans, err := s.Billing.Plans(r.Context(), p, true)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm()
		if prices.PrivateCents != nil {
			f.Values["private"] = centsValue(v, *prices.PrivateCents)
		}
		for _, pp := range prices.Plans {
			f.Values["plan_"+pp.PlanID] = centsValue(v, pp.AmountCents)
		}
	}
	s.render(w, r, status, "billing-prices", pageOf(v, v.L.T("billing.prices.title"), f,
		billingPricesData{ProcedureID: id, Plans: plans, CanEdit: billing.ManagesPrices(p.Role)}))
	return nil
}

func (s *Server) billingPricesSave(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	p := httpx.PrincipalOf(r.Context())
	if err == nil {
		bad := map[string]string{}
		var in billing.PricesInput
		if f.Get("private") != "" {
			c := moneyField(f, "private", bad)
			in.PrivateCents = &c
		}
		var plans []billing.Plan
		if plans, err = s.Billing.Plans(r.Context(), p, true); err == nil {
			for _, pl := range plans {
				if f.Get("plan_"+pl.ID) != "" {
					in.Plans = append(in.Plans, billing.PlanPrice{PlanID: pl.ID, AmountCents: moneyField(f, "plan_"+pl.ID, bad)})
				}
			}
			if len(bad) > 0 {
				err = apperr.Validation(bad)
			} else {
				_, err = s.Billing.SetProcedurePrices(r.Context(), p, r.PathValue("id"), in)
			}
		}
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.billingPricesPage(w, r, status, f) })
	}
	s.setFlash(w, "billing.flash.prices")
	http.Redirect(w, r, viewOf(r.Context()).ClinicPath("/settings/procedures/"+r.PathValue("id")), http.StatusSeeOther)
	return nil
}

type billingPatientData struct {
	zoned
	P       patient.Patient
	Name    string
	Charges []billing.Charge
	Balance billing.Balance
	Plans   []billing.Plan
	PlanID  string
	CanNew  bool
}

// billingPatient is the patient's "Financeiro" tab: balance, charges, plan.
func (s *Server) billingPatient(w http.ResponseWriter, r *http.Request) error {
	return s.billingPatientPage(w, r, http.StatusOK, nil)
}

func (s *Server) billingPatientPage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := billingView(r, "patients")
	p := httpx.PrincipalOf(r.Context())
	pat, err := s.Patients.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	list, err := s.Billing.PatientCharges(r.Context(), p, pat.ID)
	if err != nil {
		return err
	}
	z, err := s.zone(r)
	if err != nil {
		return err
	}
	d := billingPatientData{zoned: z, P: pat, Name: pat.FullName, Charges: list, CanNew: billing.ManagesMoney(p.Role)}
	if pat.SocialName != "" {
		d.Name = pat.SocialName
	}
	bal, err := s.Billing.PatientBalance(r.Context(), p, pat.ID)
	if err != nil {
		return err
	}
	d.Balance = bal
	if d.Plans, err = s.Billing.Plans(r.Context(), p, true); err != nil {
		return err
	}
	if d.PlanID, err = s.Billing.PatientPlan(r.Context(), p, pat.ID); err != nil {
		return err
	}
	if f == nil {
		f = newForm()
		f.Values["insurance_plan_id"] = d.PlanID
	}
	s.render(w, r, status, "billing-patient", pageOf(v, d.Name+" · "+v.L.T("billing.patient.tab"), f, d))
	return nil
}

func (s *Server) billingPatientPlan(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		err = s.Billing.SetPatientPlan(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"), f.Get("insurance_plan_id"))
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.billingPatientPage(w, r, status, f) })
	}
	return s.billingDone(w, r, "/patients/"+r.PathValue("id")+"/billing", "patient_plan")
}
