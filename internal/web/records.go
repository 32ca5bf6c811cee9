package web

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
	"clinic/internal/record"
	"clinic/internal/schedule"
)

// The clinical record's pages (package record): the patient's
// "Prontuário" tab listing encounters, an encounter's page (notes from
// templates — draft, sign, amend, every version —, diagnoses,
// prescriptions), the printable prescription and Settings → Modelos de
// registro. The record service decides who may read and write; the pages
// show their buttons to the roles it allows.

func (s *Server) recordsRoutes(m *http.ServeMux) {
	const c = "/clinics/{clinic_id}"
	m.Handle("GET "+c+"/patients/{id}/records", s.clinic(s.recordsPatient))
	m.Handle("POST "+c+"/patients/{id}/records", s.clinic(s.recordsOpenWalkIn))
	m.Handle("POST "+c+"/appointments/{appointment_id}/encounter", s.clinic(s.recordsOpenFromAppointment))
	m.Handle("GET "+c+"/encounters/{id}", s.clinic(s.recordsEncounter))
	m.Handle("POST "+c+"/encounters/{id}/close", s.clinic(s.recordsClose))
	m.Handle("POST "+c+"/encounters/{id}/notes", s.clinic(s.recordsAddNote))
	m.Handle("POST "+c+"/notes/{id}", s.clinic(s.recordsDraft))
	m.Handle("POST "+c+"/notes/{id}/amend", s.clinic(s.recordsAmend))
	m.Handle("POST "+c+"/encounters/{id}/diagnoses", s.clinic(s.recordsAddDiagnosis))
	m.Handle("POST "+c+"/encounters/{id}/prescriptions", s.clinic(s.recordsAddPrescription))
	m.Handle("GET "+c+"/prescriptions/{id}/print", s.clinic(s.recordsPrint))
	m.Handle("GET "+c+"/settings/note-templates", s.clinic(s.recordsTemplates))
	m.Handle("POST "+c+"/settings/note-templates", s.clinic(s.recordsTemplateCreate))
	m.Handle("GET "+c+"/settings/note-templates/{id}", s.clinic(s.recordsTemplateEdit))
	m.Handle("POST "+c+"/settings/note-templates/{id}", s.clinic(s.recordsTemplateUpdate))
}

// recordsForm reads a form of the records: every field may hold several
// lines (notes, instructions, reasons).
func (s *Server) recordsForm(w http.ResponseWriter, r *http.Request) (*form, error) {
	f, err := s.parseForm(w, r)
	if err == nil || f == nil {
		return f, err
	}
	e := apperr.As(err)
	if e.Code != apperr.Invalid {
		return f, err
	}
	for k := range maps.Clone(e.Fields) {
		if kernel.CheckText(f.Get(k), true) == "" {
			delete(e.Fields, k)
		}
	}
	if len(e.Fields) == 0 {
		return f, nil
	}
	return f, apperr.Validation(e.Fields)
}

// noteValues returns the values.<key> fields of a form, by key.
func noteValues(f *form) map[string]string {
	out := map[string]string{}
	for k, v := range f.Values {
		if key, ok := strings.CutPrefix(k, "values."); ok {
			out[key] = v
		}
	}
	return out
}

// canRecord reports whether the role may read clinical records at all
// (the tab and the buttons).
func (v *view) canRecord() bool { return record.Clinical(v.Role) }

// CanRecord is canRecord for the templates.
func (v *view) CanRecord() bool { return v.canRecord() }

// templateName returns a template's name as the page says it: a default's
// from the catalogue, the clinic's own as it is.
func templateName(l *i18n.Localizer, t record.Template) string {
	if t.Builtin != "" && t.Name == builtinName(t.Builtin) {
		return l.T(recordsMsg("builtin", t.Builtin, "name"))
	}
	return t.Name
}

// builtinName is the stored (pt-BR) name of a default template.
func builtinName(builtin string) string {
	for _, d := range record.Defaults {
		if d.Builtin == builtin {
			return d.Name
		}
	}
	return ""
}

// fieldLabel returns a field's label as the page says it: a default
// template's unchanged label from the catalogue.
func fieldLabel(l *i18n.Localizer, builtin string, f record.Field) string {
	for _, d := range record.Defaults {
		if d.Builtin != builtin || builtin == "" {
			continue
		}
		for _, df := range d.Fields {
			if df.Key == f.Key && df.Label == f.Label {
				return l.T(recordsMsg("builtin", builtin, f.Key))
			}
		}
	}
	return f.Label
}

// recordsMsg is the id of a message the records pages choose at run time.
func recordsMsg(parts ...string) string { return "records." + strings.Join(parts, ".") }

// recordsMessageIDs lists the messages the records pages choose at run
// time (for the test that the catalogue has them all).
func recordsMessageIDs() []string {
	var ids []string
	for _, d := range record.Defaults {
		ids = append(ids, "records.builtin."+d.Builtin+".name")
		for _, f := range d.Fields {
			ids = append(ids, "records.builtin."+d.Builtin+"."+f.Key)
		}
	}
	for _, k := range record.Kinds {
		ids = append(ids, "records.kind."+k)
	}
	for _, t := range record.FieldTypes {
		ids = append(ids, "records.type."+t)
	}
	for _, st := range []string{record.StatusOpen, record.StatusClosed, record.NoteDraft, record.NoteSigned} {
		ids = append(ids, "records.status."+st)
	}
	return ids
}

// recordsPatientData is what records-patient.html shows.
type recordsPatientData struct {
	P          patientRow
	Encounters []record.Encounter
	Zone       *time.Location
	// Professionals are the owner's choices for a walk-in.
	Professionals []schedule.Professional
	Form          *form
}

func (s *Server) recordsPatient(w http.ResponseWriter, r *http.Request) error {
	return s.renderRecordsPatient(w, r, http.StatusOK, nil)
}

func (s *Server) renderRecordsPatient(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	if s.Records == nil {
		return errNoPage
	}
	ctx := r.Context()
	v := viewOf(ctx)
	p := httpx.PrincipalOf(ctx)
	rec, err := s.Records.PatientRecord(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	zone, err := s.Accounts.ClinicZone(ctx, p.ClinicID)
	if err != nil {
		return err
	}
	d := recordsPatientData{P: newPatientRow(rec.Patient, time.Now().In(zone)), Encounters: rec.Encounters, Zone: zone, Form: cmp.Or(f, newForm())}
	if p.Role == kernel.RoleOwner {
		active := true
		if d.Professionals, err = s.Schedule.Professionals(ctx, p.ClinicID, schedule.ProfessionalFilter{Active: &active}); err != nil {
			return err
		}
	}
	v.Nav = "patients"
	s.render(w, r, status, "records-patient", page{Title: v.L.T("records.title") + " · " + d.P.Name, Data: d})
	return nil
}

// recordsOpenWalkIn opens a walk-in encounter for the patient.
func (s *Server) recordsOpenWalkIn(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err != nil {
		return err
	}
	p := httpx.PrincipalOf(r.Context())
	e, _, err := s.Records.Open(r.Context(), p, record.OpenInput{PatientID: r.PathValue("id"), ProfessionalID: f.Get("professional_id")})
	if err != nil {
		if refuse(viewOf(r.Context()).Locale, f, err) && !apperr.Is(err, apperr.NotFound) {
			return s.renderRecordsPatient(w, r, formStatus(err), f)
		}
		return err
	}
	http.Redirect(w, r, viewOf(r.Context()).ClinicPath("/encounters/"+e.ID), http.StatusSeeOther)
	return nil
}

// recordsOpenFromAppointment opens (or finds) the appointment's encounter
// and goes to it.
func (s *Server) recordsOpenFromAppointment(w http.ResponseWriter, r *http.Request) error {
	if s.Records == nil {
		return errNoPage
	}
	p := httpx.PrincipalOf(r.Context())
	e, _, err := s.Records.Open(r.Context(), p, record.OpenInput{AppointmentID: r.PathValue("appointment_id")})
	if err != nil {
		return err
	}
	target := viewOf(r.Context()).ClinicPath("/encounters/" + e.ID)
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// appointmentEncounter tells the agenda's appointment page whether to show
// "Iniciar atendimento" (no encounter yet) or "Abrir atendimento" (the
// encounter's id): only to the owner and the appointment's professional
// (a professional sees only their own appointments).
func (s *Server) appointmentEncounter(r *http.Request, appointmentID string) (show bool, encounterID string) {
	if s.Records == nil || !viewOf(r.Context()).canRecord() {
		return false, ""
	}
	e, err := s.Records.EncounterForAppointment(r.Context(), httpx.PrincipalOf(r.Context()), appointmentID)
	if err != nil {
		return true, ""
	}
	return true, e.ID
}

// noteRow is one field of a note as the page shows it.
type noteRow struct {
	Label, Value string
	Long         bool
}

// versionView is one signed version of a note.
type versionView struct {
	// N is the version's number.
	N      int
	Reason string
	At     time.Time
	Author string
	Rows   []noteRow
}

// noteInput is one field of a note's form.
type noteInput struct {
	record.Field
	Label string
	// Name is the form field (values.<key>), ID the input's id.
	Name, ID string
}

// noteView is a note as the encounter page shows it.
type noteView struct {
	record.Note
	Title    string
	Author   string
	Rows     []noteRow
	Versions []versionView
	// Mine is set when the user may edit, sign or amend it.
	Mine bool
	// Inputs and Form are the draft's form, or the amendment's.
	Inputs []noteInput
	Form   *form
	// Amending opens the amendment form (after a refused one).
	Amending bool
}

// recordsEncounterData is what records-encounter.html shows.
type recordsEncounterData struct {
	E         record.Encounter
	Zone      *time.Location
	Notes     []noteView
	Templates []record.Template
	// TemplateNames are the templates' names as the page says them.
	TemplateNames map[string]string
	// New is the new note's template and form (nil until one is chosen).
	New       *record.Template
	NewInputs []noteInput
	NewForm   *form
	DiagForm  *form
	RxForm    *form
	// RxRows is how many drug rows the prescription form has.
	RxRows []int
	// CanWrite is set when the user may add to the encounter (open, theirs
	// or the owner's).
	CanWrite bool
	CIDs     []record.CID
}

// formFor is the refused form of one part of the encounter page.
type formFor struct {
	part   string // "new", "note", "amend", "diagnosis", "prescription"
	noteID string
	f      *form
}

func (s *Server) recordsEncounter(w http.ResponseWriter, r *http.Request) error {
	return s.renderEncounter(w, r, http.StatusOK, r.PathValue("id"), formFor{})
}

func inputsOf(l *i18n.Localizer, t record.Template, fields []record.Field, prefix string) []noteInput {
	out := make([]noteInput, len(fields))
	for i, f := range fields {
		out[i] = noteInput{Field: f, Label: fieldLabel(l, t.Builtin, f), Name: "values." + f.Key, ID: prefix + "-" + f.Key}
	}
	return out
}

func rowsOf(l *i18n.Localizer, builtin string, fields []record.Field, values map[string]string) []noteRow {
	var out []noteRow
	for _, f := range fields {
		v := values[f.Key]
		if v == "" {
			continue
		}
		switch {
		case f.Type == record.FieldYesNo && v == "yes":
			v = l.T("records.yes")
		case f.Type == record.FieldYesNo && v == "no":
			v = l.T("records.no")
		}
		out = append(out, noteRow{Label: fieldLabel(l, builtin, f), Value: v, Long: f.Type == record.FieldLongText})
	}
	return out
}

func valuesForm(values map[string]string) *form {
	f := newForm()
	for k, v := range values {
		f.Values["values."+k] = v
	}
	return f
}

func (s *Server) renderEncounter(w http.ResponseWriter, r *http.Request, status int, id string, ff formFor) error {
	if s.Records == nil {
		return errNoPage
	}
	ctx := r.Context()
	v := viewOf(ctx)
	p := httpx.PrincipalOf(ctx)
	e, err := s.Records.Encounter(ctx, p, id)
	if err != nil {
		return err
	}
	versions, err := s.Records.EncounterVersions(ctx, p, id)
	if err != nil {
		return err
	}
	templates, err := s.Records.Templates(ctx, p)
	if err != nil {
		return err
	}
	zone, err := s.Accounts.ClinicZone(ctx, p.ClinicID)
	if err != nil {
		return err
	}
	profs, err := s.Schedule.Professionals(ctx, p.ClinicID, schedule.ProfessionalFilter{})
	if err != nil {
		return err
	}
	authors := map[string]string{}
	mine := ""
	for _, pr := range profs {
		if pr.UserID != "" {
			authors[pr.UserID] = pr.Name
			if pr.UserID == p.UserID {
				mine = pr.ID
			}
		}
	}
	if v.User != nil {
		authors[v.User.ID] = v.User.Name
	}
	author := func(id string) string { return cmp.Or(authors[id], v.L.T("records.author.someone")) }
	byID := map[string]record.Template{}
	d := recordsEncounterData{E: e, Zone: zone, TemplateNames: map[string]string{}, CIDs: record.CommonCIDs,
		DiagForm: newForm(), RxForm: newForm(), RxRows: []int{0, 1}}
	for _, t := range templates {
		byID[t.ID] = t
		d.TemplateNames[t.ID] = templateName(v.L, t)
		if t.Active {
			d.Templates = append(d.Templates, t)
		}
	}
	d.CanWrite = e.Status == record.StatusOpen && (p.Role == kernel.RoleOwner || mine != "" && mine == e.ProfessionalID)
	for _, n := range e.Notes {
		t := byID[n.TemplateID]
		nv := noteView{Note: n, Title: n.Title, Author: author(n.AuthorID), Rows: rowsOf(v.L, t.Builtin, n.Fields, n.Values),
			Mine: p.Role == kernel.RoleOwner || n.AuthorID == p.UserID}
		if t.Builtin != "" && n.Title == builtinName(t.Builtin) {
			nv.Title = v.L.T(recordsMsg("builtin", t.Builtin, "name"))
		}
		for _, ver := range versions[n.ID] {
			nv.Versions = append(nv.Versions, versionView{N: ver.Version, Reason: ver.Reason, At: ver.At, Author: author(ver.AuthorID), Rows: rowsOf(v.L, t.Builtin, n.Fields, ver.Values)})
		}
		slices.Reverse(nv.Versions) // newest first
		if nv.Mine {
			nv.Inputs = inputsOf(v.L, t, n.Fields, "n-"+n.ID)
			nv.Form = valuesForm(n.Values)
			if ff.noteID == n.ID && (ff.part == "note" || ff.part == "amend") {
				nv.Form, nv.Amending = ff.f, ff.part == "amend"
			}
		}
		d.Notes = append(d.Notes, nv)
	}
	if tid := cmp.Or(r.URL.Query().Get("template"), func() string {
		if ff.part == "new" {
			return ff.f.Get("template_id")
		}
		return ""
	}()); tid != "" && d.CanWrite {
		if t, ok := byID[tid]; ok && t.Active {
			d.New = &t
			d.NewInputs = inputsOf(v.L, t, t.Fields, "new")
			d.NewForm = newForm()
			if ff.part == "new" {
				d.NewForm = ff.f
			}
		}
	}
	switch ff.part {
	case "diagnosis":
		d.DiagForm = ff.f
	case "prescription":
		d.RxForm = ff.f
	}
	v.Nav = "patients"
	var f *form
	if ff.f != nil && ff.part == "" {
		f = ff.f
	}
	s.render(w, r, status, "records-encounter", page{Title: v.L.T("records.encounter.title") + " · " + e.PatientName, Form: f, Data: d})
	return nil
}

// encounterBack goes back to the encounter page, at anchor.
func encounterBack(w http.ResponseWriter, r *http.Request, encounterID, anchor string) {
	target := viewOf(r.Context()).ClinicPath("/encounters/" + encounterID)
	if anchor != "" {
		target += "#" + anchor
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// refusedOn renders the encounter page again with f refused on part, or
// fails the page when the error is not the user's to fix.
func (s *Server) refusedOn(w http.ResponseWriter, r *http.Request, encounterID string, ff formFor, err error) error {
	if !refuse(viewOf(r.Context()).Locale, ff.f, err) || apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.Forbidden) {
		return err
	}
	if len(ff.f.Errors) > 0 && ff.f.Error == "" {
		ff.f.Error = viewOf(r.Context()).L.T("records.form.fix")
	}
	return s.renderEncounter(w, r, formStatus(err), encounterID, ff)
}

func (s *Server) recordsClose(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.parseForm(w, r); err != nil {
		return err
	}
	e, err := s.Records.Close(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	encounterBack(w, r, e.ID, "")
	return nil
}

func (s *Server) recordsAddNote(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	f, err := s.recordsForm(w, r)
	if err != nil {
		if f == nil {
			return err
		}
		return s.refusedOn(w, r, id, formFor{part: "new", f: f}, err)
	}
	n, err := s.Records.AddNote(r.Context(), httpx.PrincipalOf(r.Context()), id, record.NoteInput{TemplateID: f.Get("template_id"), Values: noteValues(f),
		Sign: f.Get("action") == "sign"})
	if err != nil {
		return s.refusedOn(w, r, id, formFor{part: "new", f: f}, err)
	}
	encounterBack(w, r, id, "note-"+n.ID)
	return nil
}

// recordsDraft saves, signs or deletes a draft (the form's action).
func (s *Server) recordsDraft(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	f, err := s.recordsForm(w, r)
	if f == nil {
		return err
	}
	encID := f.Get("encounter_id")
	if !kernel.IsID(encID) {
		return errBadForm
	}
	if err != nil {
		return s.refusedOn(w, r, encID, formFor{part: "note", noteID: id, f: f}, err)
	}
	p := httpx.PrincipalOf(r.Context())
	switch f.Get("action") {
	case "delete":
		err = s.Records.DeleteDraft(r.Context(), p, id)
		if err == nil {
			encounterBack(w, r, encID, "notes")
			return nil
		}
	case "sign":
		_, err = s.Records.Sign(r.Context(), p, id, noteValues(f))
	default:
		_, err = s.Records.UpdateDraft(r.Context(), p, id, noteValues(f))
	}
	if err != nil {
		return s.refusedOn(w, r, encID, formFor{part: "note", noteID: id, f: f}, err)
	}
	encounterBack(w, r, encID, "note-"+id)
	return nil
}

func (s *Server) recordsAmend(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	f, err := s.recordsForm(w, r)
	if f == nil {
		return err
	}
	encID := f.Get("encounter_id")
	if !kernel.IsID(encID) {
		return errBadForm
	}
	if err == nil {
		_, err = s.Records.Amend(r.Context(), httpx.PrincipalOf(r.Context()), id, record.AmendInput{Values: noteValues(f), Reason: f.Get("reason")})
	}
	if err != nil {
		return s.refusedOn(w, r, encID, formFor{part: "amend", noteID: id, f: f}, err)
	}
	encounterBack(w, r, encID, "note-"+id)
	return nil
}

func (s *Server) recordsAddDiagnosis(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	f, err := s.parseForm(w, r)
	if err == nil {
		_, err = s.Records.AddDiagnosis(r.Context(), httpx.PrincipalOf(r.Context()), id, record.DiagnosisInput{Code: f.Get("code"), Description: f.Get("description")})
	}
	if err != nil {
		if f == nil {
			return err
		}
		return s.refusedOn(w, r, id, formFor{part: "diagnosis", f: f}, err)
	}
	encounterBack(w, r, id, "diagnoses")
	return nil
}

func (s *Server) recordsAddPrescription(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	f, err := s.recordsForm(w, r)
	if err == nil {
		var items []record.Item
		for i := range 10 {
			n := strconv.Itoa(i)
			if _, ok := f.Values["items."+n+".drug"]; !ok {
				break
			}
			items = append(items, record.Item{Drug: f.Get("items." + n + ".drug"), Dose: f.Get("items." + n + ".dose"), Instructions: f.Get("items." + n + ".instructions")})
		}
		_, err = s.Records.AddPrescription(r.Context(), httpx.PrincipalOf(r.Context()), id, record.PrescriptionInput{Items: items})
	}
	if err != nil {
		if f == nil {
			return err
		}
		return s.refusedOn(w, r, id, formFor{part: "prescription", f: f}, err)
	}
	encounterBack(w, r, id, "prescriptions")
	return nil
}

// recordsPrintData is what records-print.html shows.
type recordsPrintData struct {
	P    record.Printable
	Date time.Time
	// Back is the encounter's page.
	Back string
}

func (s *Server) recordsPrint(w http.ResponseWriter, r *http.Request) error {
	if s.Records == nil {
		return errNoPage
	}
	ctx := r.Context()
	v := viewOf(ctx)
	pr, err := s.Records.PrintPrescription(ctx, httpx.PrincipalOf(ctx), r.PathValue("id"))
	if err != nil {
		return err
	}
	zone, err := time.LoadLocation(cmp.Or(pr.TimeZone, "America/Sao_Paulo"))
	if err != nil {
		zone = time.UTC
	}
	v.Nav = "patients"
	s.render(w, r, http.StatusOK, "records-print", page{Title: v.L.T("records.print.title"),
		Data: recordsPrintData{P: pr, Date: pr.CreatedAt.In(zone), Back: v.ClinicPath("/encounters/" + pr.EncounterID)}})
	return nil
}
