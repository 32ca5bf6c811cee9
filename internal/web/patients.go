package web

import (
	"net/http"
	"net/url"
	"time"

	"clinic/internal/httpx"
	"clinic/internal/patient"
)

// The patients pages: the list with search as you type (patients.html),
// the form to register or change one (patient-form.html, patients_form.go)
// and a patient's record (patient.html, patients_detail.go). Every page calls
// patient.Service, which enforces the roles; the templates only leave out
// what the role cannot do.

func (s *Server) patientsRoutes(m *http.ServeMux) {
	m.Handle("GET /clinics/{clinic_id}/patients", s.clinic(s.patientsList))
	m.Handle("GET /clinics/{clinic_id}/patients/new", s.clinic(s.patientNew))
	m.Handle("POST /clinics/{clinic_id}/patients/new", s.clinic(s.patientCreate))
	m.Handle("GET /clinics/{clinic_id}/patients/{id}", s.clinic(s.patientDetail))
	m.Handle("GET /clinics/{clinic_id}/patients/{id}/edit", s.clinic(s.patientEdit))
	m.Handle("POST /clinics/{clinic_id}/patients/{id}/edit", s.clinic(s.patientUpdate))
	m.Handle("POST /clinics/{clinic_id}/patients/{id}/archive", s.clinic(s.patientArchive))
}

// patientsPageSize is the number of patients on one page of the list.
const patientsPageSize = 25

// patientsResultsID is the id of the list's results, the target of the
// search as you type.
const patientsResultsID = "patients-results"

type patientsListData struct {
	Q       string
	Cursor  string
	Rows    []patientRow
	NextURL string
	// FirstURL goes back to the first page (set on later pages).
	FirstURL string
}

// patientRow is a patient as the pages show it: the name to address them
// by, dates parsed for the localizer.
type patientRow struct {
	patient.Patient
	// Name is the social name when there is one, else the full name.
	Name       string
	Birth      time.Time // zero when unknown
	Age        int       // -1 when unknown
	ValidUntil time.Time // zero when unknown
	// Expired is set when the insurance card is no longer valid.
	Expired bool
}

func newPatientRow(p patient.Patient, today time.Time) patientRow {
	r := patientRow{Patient: p, Name: p.FullName, Age: -1}
	if p.SocialName != "" {
		r.Name = p.SocialName
	}
	if d, err := time.Parse(time.DateOnly, p.BirthDate); err == nil {
		r.Birth = d
		r.Age = today.Year() - d.Year()
		if today.Month() < d.Month() || (today.Month() == d.Month() && today.Day() < d.Day()) {
			r.Age--
		}
	}
	if d, err := time.Parse(time.DateOnly, p.Insurance.ValidUntil); err == nil {
		r.ValidUntil = d
		r.Expired = today.Format(time.DateOnly) > p.Insurance.ValidUntil
	}
	return r
}

// clinicToday returns the date of today in the clinic's time zone (as a
// UTC midnight, like the dates of patient records) and the zone.
func (s *Server) clinicToday(r *http.Request, clinicID string) (time.Time, *time.Location, error) {
	loc, err := s.Accounts.ClinicZone(r.Context(), clinicID)
	if err != nil {
		return time.Time{}, nil, err
	}
	now := time.Now().In(loc)
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC), loc, nil
}

// patientsList lists and searches the clinic's patients. An htmx request
// from the search box gets only the results (the "fragment").
func (s *Server) patientsList(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	p := httpx.PrincipalOf(r.Context())
	v.Nav = "patients"
	if r.Header.Get("HX-Target") != patientsResultsID || r.Header.Get("HX-History-Restore-Request") == "true" {
		// Only the search box asks for the results alone; anything else
		// (a history restore, a boosted link) gets the whole page.
		r.Header.Del("HX-Request")
	}
	q := r.URL.Query()
	d := patientsListData{Q: q.Get("q"), Cursor: q.Get("cursor")}
	f := newForm()
	f.Values["q"] = d.Q
	status := http.StatusOK
	pg, err := s.Patients.List(r.Context(), p, patient.ListQuery{Q: d.Q, Cursor: d.Cursor, Limit: patientsPageSize})
	if err != nil {
		if !refuse(v.Locale, f, err) {
			return err
		}
		if msg := f.Err("cursor"); msg != "" {
			f.Error = msg
		}
		status = formStatus(err)
	}
	today, _, err := s.clinicToday(r, p.ClinicID)
	if err != nil {
		return err
	}
	for _, it := range pg.Items {
		d.Rows = append(d.Rows, newPatientRow(it, today))
	}
	base := v.ClinicPath("/patients")
	if pg.NextCursor != "" {
		d.NextURL = base + "?" + url.Values{"q": {d.Q}, "cursor": {pg.NextCursor}}.Encode()
	}
	if d.Cursor != "" {
		d.FirstURL = base
		if d.Q != "" {
			d.FirstURL += "?" + url.Values{"q": {d.Q}}.Encode()
		}
	}
	s.render(w, r, status, "patients", page{Title: v.L.T("patients.title"), Form: f, Data: d})
	return nil
}

// patientArchive archives a patient and goes back to the list.
func (s *Server) patientArchive(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	if _, err := s.parseForm(w, r); err != nil {
		return err
	}
	if err := s.Patients.Archive(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	s.setFlash(w, "patients.flash.archived")
	http.Redirect(w, r, v.ClinicPath("/patients"), http.StatusSeeOther)
	return nil
}

// patientsMsg returns the id of the message that names value in group
// ("sex", "female" → patients.sex.female).
func patientsMsg(group, value string) string { return "patients." + group + "." + value }

// patientsMessageIDs lists the messages the patients pages choose at run
// time (for the test that the catalogue has them all).
func patientsMessageIDs() []string {
	ids := []string{"patients.flash.created", "patients.flash.saved", "patients.flash.archived"}
	for group, values := range map[string][]string{
		"sex": patientSexes, "channel": patientChannels, "audit.action": patientAuditActions, "audit.entity": patientAuditEntities,
	} {
		for _, v := range values {
			ids = append(ids, patientsMsg(group, v))
		}
	}
	return ids
}
