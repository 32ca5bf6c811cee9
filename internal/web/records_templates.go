package web

import (
	"net/http"
	"strconv"
	"strings"

	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/kernel"
	"clinic/internal/record"
)

// Settings → Modelos de registro: the clinic's note templates (owners and
// admins). A template's fields are rows of one form (label, type,
// required, options); a new row's key comes from its label.

// templateRows is how many empty field rows the form adds.
const templateRows = 3

type templateOption struct{ Value, Label string }

// templateRowIndex is a field row of the form: its index and its number.
type templateRowIndex struct{ I, N int }

type recordsTemplatesData struct {
	Templates []record.Template
	Names     map[string]string
	Form      *form
	Rows      []templateRowIndex
	Kinds     []templateOption
	Types     []templateOption
	// Edit is the template edited (nil on the list).
	Edit *record.Template
}

func (s *Server) templatesData(r *http.Request, f *form, rows int) recordsTemplatesData {
	v := viewOf(r.Context())
	d := recordsTemplatesData{Form: f, Names: map[string]string{}}
	for i := range rows {
		d.Rows = append(d.Rows, templateRowIndex{I: i, N: i + 1})
	}
	for _, k := range record.Kinds {
		d.Kinds = append(d.Kinds, templateOption{k, v.L.T(recordsMsg("kind", k))})
	}
	for _, t := range record.FieldTypes {
		d.Types = append(d.Types, templateOption{t, v.L.T(recordsMsg("type", t))})
	}
	return d
}

func (s *Server) recordsTemplates(w http.ResponseWriter, r *http.Request) error {
	return s.renderNoteTemplates(w, r, http.StatusOK, nil)
}

func (s *Server) renderNoteTemplates(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	if s.Records == nil {
		return errNoPage
	}
	v := s.settingsView(w, r, "note-templates")
	p := httpx.PrincipalOf(r.Context())
	if !p.ManagesClinic() {
		return errTemplatesRole
	}
	list, err := s.Records.Templates(r.Context(), p)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm()
		f.Values["kind"] = record.KindEvolution
	}
	d := s.templatesData(r, f, templateRows+1)
	d.Templates = list
	for _, t := range list {
		d.Names[t.ID] = templateName(v.L, t)
	}
	s.render(w, r, status, "records-templates", page{Title: v.L.T("records.templates.title"), Data: d})
	return nil
}

var errTemplatesRole = apperr.New(apperr.Forbidden, "Only owners and admins can manage note templates.")

// noteTemplateInput reads the template form: name, kind, active and the field
// rows (a row without a label is left out).
func noteTemplateInput(f *form, withActive bool) record.TemplateInput {
	in := record.TemplateInput{Kind: kernel.Some(f.Get("kind")), Name: kernel.Some(f.Get("name"))}
	var fields []record.Field
	for i := range record.MaxFields {
		n := "fields." + strconv.Itoa(i) + "."
		if _, ok := f.Values[n+"label"]; !ok {
			if _, ok := f.Values[n+"type"]; !ok {
				break
			}
		}
		label := strings.TrimSpace(f.Get(n + "label"))
		if label == "" {
			continue
		}
		key := f.Get(n + "key")
		if key == "" {
			key = keyOf(label)
		}
		var opts []string
		for o := range strings.SplitSeq(f.Get(n+"options"), ";") {
			if o = strings.TrimSpace(o); o != "" {
				opts = append(opts, o)
			}
		}
		fields = append(fields, record.Field{Key: key, Label: label, Type: f.Get(n + "type"), Required: f.Get(n+"required") != "", Options: opts})
	}
	in.Fields = kernel.Some(fields)
	if withActive {
		in.Active = kernel.Some(f.Get("active") != "")
	}
	return in
}

// keyOf makes a field key of a label: "Pressão arterial" → "pressao_arterial".
func keyOf(label string) string {
	k := strings.ReplaceAll(kernel.FoldText(label), " ", "_")
	if k == "" || k[0] < 'a' || k[0] > 'z' {
		k = "f_" + k
	}
	return k[:min(len(k), 40)]
}

func (s *Server) recordsTemplateCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		var t record.Template
		t, err = s.Records.CreateTemplate(r.Context(), httpx.PrincipalOf(r.Context()), noteTemplateInput(f, false))
		if err == nil {
			http.Redirect(w, r, viewOf(r.Context()).ClinicPath("/settings/note-templates/"+t.ID), http.StatusSeeOther)
			return nil
		}
	}
	return s.settingsRefused(w, r, f, err, func(status int) error { return s.renderNoteTemplates(w, r, status, f) })
}

func noteTemplateForm(t record.Template) *form {
	f := newForm()
	f.Values["name"], f.Values["kind"] = t.Name, t.Kind
	if t.Active {
		f.Values["active"] = "on"
	}
	for i, fl := range t.Fields {
		n := "fields." + strconv.Itoa(i) + "."
		f.Values[n+"key"], f.Values[n+"label"], f.Values[n+"type"] = fl.Key, fl.Label, fl.Type
		f.Values[n+"options"] = strings.Join(fl.Options, "; ")
		if fl.Required {
			f.Values[n+"required"] = "on"
		}
	}
	return f
}

func (s *Server) recordsTemplateEdit(w http.ResponseWriter, r *http.Request) error {
	return s.renderNoteTemplate(w, r, http.StatusOK, nil)
}

func (s *Server) renderNoteTemplate(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	if s.Records == nil {
		return errNoPage
	}
	v := s.settingsView(w, r, "note-templates")
	p := httpx.PrincipalOf(r.Context())
	if !p.ManagesClinic() {
		return errTemplatesRole
	}
	t, err := s.Records.Template(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if f == nil {
		f = noteTemplateForm(t)
	}
	rows := len(t.Fields)
	for i := range record.MaxFields {
		if _, ok := f.Values["fields."+strconv.Itoa(i)+".label"]; ok {
			rows = max(rows, i+1)
		}
	}
	d := s.templatesData(r, f, min(rows+templateRows, record.MaxFields))
	d.Edit = &t
	d.Names[t.ID] = templateName(v.L, t)
	s.render(w, r, status, "records-template", page{Title: d.Names[t.ID], Data: d})
	return nil
}

func (s *Server) recordsTemplateUpdate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		_, err = s.Records.UpdateTemplate(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"), noteTemplateInput(f, true))
		if err == nil {
			s.setFlash(w, "records.flash.template_saved")
			http.Redirect(w, r, viewOf(r.Context()).ClinicPath("/settings/note-templates"), http.StatusSeeOther)
			return nil
		}
	}
	return s.settingsRefused(w, r, f, err, func(status int) error { return s.renderNoteTemplate(w, r, status, f) })
}
