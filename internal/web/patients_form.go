package web

import (
	"net/http"
	"slices"
	"strings"

	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
	"clinic/internal/patient"
)

// patientFormData is what patient-form.html needs besides the form.
type patientFormData struct {
	// ID is the patient being changed ("" for a new one).
	ID     string
	Action string
	Cancel string
	// Sexes are the choices of the sex field; a value stored by another
	// caller (the API takes free text) is offered too, so that saving the
	// form does not lose it.
	Sexes    []patientOption
	UFs      []patientOption
	Channels []patientOption
	// Notes is false for a role that does not see the notes.
	Notes bool
	// Existing is the patient who already has the CPF typed (a conflict).
	Existing string
}

// patientSexes are the sex field's codes (labels: patients.sex.<code>).
var patientSexes = []string{"female", "male", "intersex"}

// patientUFs are Brazil's states, for the address.
var patientUFs = strings.Fields("AC AL AM AP BA CE DF ES GO MA MG MS MT PA PB PE PI PR RJ RN RO RR RS SC SE SP TO")

// patientChannels are the contact channels of consents, as the form and
// the service name them.
var patientChannels = []string{"whatsapp", "sms", "email"}

// patientOption is a choice of the form: its value and its label.
type patientOption struct{ Value, Label string }

func (s *Server) patientFormData(v *view, f *form, id string) patientFormData {
	d := patientFormData{ID: id, Notes: v.Role != kernel.RoleFinancial}
	for _, sex := range patientSexes {
		d.Sexes = append(d.Sexes, patientOption{sex, v.L.T(patientsMsg("sex", sex))})
	}
	if sex := f.Get("sex"); sex != "" && !slices.Contains(patientSexes, sex) {
		d.Sexes = append(d.Sexes, patientOption{sex, sex})
	}
	for _, uf := range patientUFs {
		d.UFs = append(d.UFs, patientOption{uf, uf})
	}
	for _, ch := range patientChannels {
		d.Channels = append(d.Channels, patientOption{ch, v.L.T(patientsMsg("channel", ch))})
	}
	if id == "" {
		d.Action, d.Cancel = v.ClinicPath("/patients/new"), v.ClinicPath("/patients")
	} else {
		d.Action, d.Cancel = v.ClinicPath("/patients/"+id+"/edit"), v.ClinicPath("/patients/"+id)
	}
	return d
}

func (s *Server) renderPatientForm(w http.ResponseWriter, r *http.Request, status int, f *form, d patientFormData) {
	v := viewOf(r.Context())
	v.Nav = "patients"
	title := v.L.T("patients.new.title")
	if d.ID != "" {
		title = v.L.T("patients.edit.title")
	}
	s.render(w, r, status, "patient-form", page{Title: title, Form: f, Data: d})
}

// patientNew shows the empty form (only to the roles that may register).
func (s *Server) patientNew(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	if !patientsCanWrite(v) {
		return errPatientsNoWrite
	}
	f := newForm()
	s.renderPatientForm(w, r, http.StatusOK, f, s.patientFormData(v, f, ""))
	return nil
}

// patientEdit shows the form filled with the patient's data (an audited
// read, as every read of a record).
func (s *Server) patientEdit(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	if !patientsCanWrite(v) {
		return errPatientsNoWrite
	}
	p, err := s.Patients.Get(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	f := patientToForm(p)
	s.renderPatientForm(w, r, http.StatusOK, f, s.patientFormData(v, f, p.ID))
	return nil
}

func (s *Server) patientCreate(w http.ResponseWriter, r *http.Request) error {
	return s.patientSave(w, r, "")
}

func (s *Server) patientUpdate(w http.ResponseWriter, r *http.Request) error {
	return s.patientSave(w, r, r.PathValue("id"))
}

// patientSave registers (id "") or changes a patient from the form; a
// refused form comes back with what was typed and the field messages.
func (s *Server) patientSave(w http.ResponseWriter, r *http.Request, id string) error {
	v := viewOf(r.Context())
	pr := httpx.PrincipalOf(r.Context())
	f, err := s.parseForm(w, r)
	var p patient.Patient
	if err == nil {
		in := patientFromForm(f)
		if id == "" {
			p, err = s.Patients.Create(r.Context(), pr, in)
		} else {
			p, err = s.Patients.Update(r.Context(), pr, id, in)
		}
	}
	if err != nil {
		if f == nil || !refuse(v.Locale, f, err) || apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.Forbidden) {
			return err
		}
		if f.Error == "" {
			f.Error = v.L.T("page.form_errors")
		}
		d := s.patientFormData(v, f, id)
		if other, ok := apperr.As(err).Details["patient_id"].(string); ok && kernel.IsID(other) {
			d.Existing = v.ClinicPath("/patients/" + other)
		}
		s.renderPatientForm(w, r, formStatus(err), f, d)
		return nil
	}
	msg := "patients.flash.saved"
	if id == "" {
		msg = "patients.flash.created"
	}
	s.setFlash(w, msg)
	http.Redirect(w, r, v.ClinicPath("/patients/"+p.ID), http.StatusSeeOther)
	return nil
}

var errPatientsNoWrite = apperr.New(apperr.Forbidden, "Your role cannot register or change patients.")

// patientsCanWrite reports whether the role may register and change
// patients (the service decides; this only hides what it would refuse).
func patientsCanWrite(v *view) bool { return v.Role.Valid() && v.Role != kernel.RoleFinancial }

// patientsCanArchive reports whether the role may archive patients.
func patientsCanArchive(v *view) bool {
	return v.Role == kernel.RoleOwner || v.Role == kernel.RoleAdmin || v.Role == kernel.RoleReceptionist
}

// patientFromForm reads the form into a full Input: every text field is
// set (blank clears it). A consent is set when its box is ticked, or
// withdrawn when it was given before (the form says so in a hidden field);
// a channel never asked stays unasked.
func patientFromForm(f *form) patient.Input {
	txt := func(k string) kernel.Opt[string] { return kernel.Some(f.Get(k)) }
	in := patient.Input{
		FullName: txt("full_name"), SocialName: txt("social_name"), CPF: txt("cpf"), BirthDate: txt("birth_date"),
		Sex: txt("sex"), Phone: txt("phone"), Email: txt("email"),
		Address: kernel.Some(patient.AddressInput{
			Street: txt("address.street"), Number: txt("address.number"), Complement: txt("address.complement"),
			District: txt("address.district"), City: txt("address.city"), State: txt("address.state"), Zip: txt("address.zip"),
		}),
		Insurance: kernel.Some(patient.InsuranceInput{
			Plan: txt("insurance.plan"), CardNumber: txt("insurance.card_number"), ValidUntil: txt("insurance.valid_until"),
		}),
	}
	if _, ok := f.Values["notes"]; ok {
		in.Notes = txt("notes")
	}
	var c patient.ConsentsInput
	set := false
	for _, ch := range patientChannels {
		var o kernel.Opt[bool]
		switch {
		case f.Get("consents."+ch) == "true":
			o = kernel.Some(true)
		case f.Get("was.consents."+ch) == "true":
			o = kernel.Some(false)
		default:
			continue
		}
		set = true
		switch ch {
		case "whatsapp":
			c.WhatsApp = o
		case "sms":
			c.SMS = o
		case "email":
			c.Email = o
		}
	}
	if set {
		in.Consents = kernel.Some(c)
	}
	return in
}

// patientToForm fills a form with p's data, as the inputs show it.
func patientToForm(p patient.Patient) *form {
	f := newForm()
	for k, val := range map[string]string{
		"full_name": p.FullName, "social_name": p.SocialName, "cpf": i18n.CPF(p.CPF), "birth_date": p.BirthDate,
		"sex": p.Sex, "phone": i18n.Phone(p.Phone), "email": p.Email,
		"address.street": p.Address.Street, "address.number": p.Address.Number, "address.complement": p.Address.Complement,
		"address.district": p.Address.District, "address.city": p.Address.City, "address.state": p.Address.State,
		"address.zip": p.Address.Zip, "insurance.plan": p.Insurance.Plan, "insurance.card_number": p.Insurance.CardNumber,
		"insurance.valid_until": p.Insurance.ValidUntil, "notes": p.Notes,
	} {
		f.Values[k] = val
	}
	for ch, c := range map[string]patient.Consent{"whatsapp": p.Consents.WhatsApp, "sms": p.Consents.SMS, "email": p.Consents.Email} {
		if c.Granted {
			f.Values["consents."+ch] = "true"
			f.Values["was.consents."+ch] = "true"
		}
	}
	return f
}
