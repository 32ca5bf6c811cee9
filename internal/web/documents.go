package web

import (
	"net/http"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/document"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/patient"
)

// The documents of a patient (package document): the tab with the upload
// form and the list, a document's page with its preview, OCR text and
// suggestions, its file, and the actions on it.

func (s *Server) documentsRoutes(m *http.ServeMux) {
	m.Handle("GET /clinics/{clinic_id}/patients/{id}/documents", s.clinic(s.documentsList))
	m.Handle("POST /clinics/{clinic_id}/patients/{id}/documents", s.clinic(s.documentsUpload))
	m.Handle("GET /clinics/{clinic_id}/documents/{id}", s.clinic(s.documentPage))
	m.Handle("GET /clinics/{clinic_id}/documents/{id}/content", s.clinic(s.documentContent))
	m.Handle("POST /clinics/{clinic_id}/documents/{id}/ocr", s.clinic(s.documentOCR))
	m.Handle("POST /clinics/{clinic_id}/documents/{id}/archive", s.clinic(s.documentArchive))
	m.Handle("POST /clinics/{clinic_id}/documents/{id}/suggestions/{suggestion_id}/accept", s.clinic(s.documentAccept))
}

// documentsMessageIDs lists the messages the documents pages choose at run
// time (for the test that the catalogue has them all).
func documentsMessageIDs() []string {
	ids := []string{"documents.flash.uploaded", "documents.flash.accepted", "documents.flash.ocr", "documents.flash.archived"}
	for _, k := range document.Kinds {
		ids = append(ids, "documents.kind_"+k)
	}
	for _, st := range document.OCRStates {
		ids = append(ids, "documents.ocr."+st)
	}
	for _, f := range []string{document.FieldCPF, document.FieldBirthDate, document.FieldDate, document.FieldInsuranceCard, document.FieldName, document.FieldPhone} {
		ids = append(ids, "documents.field."+f)
	}
	return ids
}

// documentsMsg is the id of the message that names value after prefix
// ("kind_", "id" → documents.kind_id); documentsMessageIDs lists them all.
func documentsMsg(prefix, value string) string { return "documents." + prefix + value }

// documentRow is a document as the list shows it.
type documentRow struct {
	document.Document
	KindLabel, StateLabel, StateBadge, Size string
}

func newDocumentRow(v *view, d document.Document) documentRow {
	return documentRow{Document: d, KindLabel: v.L.T(documentsMsg("kind_", d.Kind)), StateLabel: v.L.T(documentsMsg("ocr.", d.OCR.State)),
		StateBadge: stateBadge(d.OCR.State), Size: sizeShown(v, d.SizeBytes)}
}

// sizeShown writes a size in KB, or in MB from 1 MB on.
func sizeShown(v *view, n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return v.L.T("documents.size_mb", "mb", v.L.Number(n>>20))
	}
	return v.L.T("documents.size_kb", "kb", v.L.Number(max((n+1023)/1024, 1)))
}

func stateBadge(state string) string {
	switch state {
	case document.OCRDone:
		return "badge--success"
	case document.OCRFailed:
		return "badge--danger"
	case document.OCRNotAvailable:
		return "badge--warning"
	}
	return "badge--primary"
}

type documentsListData struct {
	P     patient.Patient
	Rows  []documentRow
	Kinds []documentKind
	// Max is the upload limit, written for the form's help.
	Max      string
	Clinical bool // the user may attach clinical documents
	Zone     *time.Location
}

type documentKind struct{ Value, Label string }

func (s *Server) documentsListData(r *http.Request) (documentsListData, error) {
	v := viewOf(r.Context())
	pr := httpx.PrincipalOf(r.Context())
	p, err := s.Patients.Get(r.Context(), pr, r.PathValue("id"))
	if err != nil {
		return documentsListData{}, err
	}
	docs, err := s.Documents.List(r.Context(), pr, p.ID, false)
	if err != nil {
		return documentsListData{}, err
	}
	_, loc, err := s.clinicToday(r, pr.ClinicID)
	if err != nil {
		return documentsListData{}, err
	}
	d := documentsListData{P: p, Max: sizeShown(v, s.Documents.MaxBytes()), Clinical: v.Can("owner", "professional"), Zone: loc}
	for _, doc := range docs {
		d.Rows = append(d.Rows, newDocumentRow(v, doc))
	}
	for _, k := range document.Kinds {
		if k == document.KindExam && !d.Clinical {
			continue
		}
		d.Kinds = append(d.Kinds, documentKind{k, v.L.T(documentsMsg("kind_", k))})
	}
	return d, nil
}

// documentsList is the patient's Documentos tab.
func (s *Server) documentsList(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentsListData(r)
	if err != nil {
		return err
	}
	v := viewOf(r.Context())
	v.Nav = "patients"
	s.render(w, r, http.StatusOK, "documents", page{Title: v.L.T("documents.title") + " · " + patientName(d.P), Data: d})
	return nil
}

func patientName(p patient.Patient) string {
	if p.SocialName != "" {
		return p.SocialName
	}
	return p.FullName
}

// documentsUpload stores the form's file (a plain multipart form) and
// opens the document's page; a refused file comes back to the tab with
// the message.
func (s *Server) documentsUpload(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	f := newForm()
	doc, err := s.documentsUploadForm(r, f)
	if err != nil {
		e := apperr.As(err)
		switch e.Code {
		case apperr.Invalid, apperr.TooLarge, apperr.Unsupported, apperr.Forbidden:
		default:
			return err
		}
		if e.Code == apperr.TooLarge {
			f.Error = v.L.T("documents.too_large", "size", sizeShown(v, s.Documents.MaxBytes()))
		} else {
			msg, fields := i18n.Message(v.Locale, e)
			for k, m := range fields {
				f.Errors[k] = m
			}
			f.Error = msg
		}
		d, derr := s.documentsListData(r)
		if derr != nil {
			return derr
		}
		v.Nav = "patients"
		s.render(w, r, formStatus(err), "documents", page{Title: v.L.T("documents.title") + " · " + patientName(d.P), Data: d, Form: f})
		return nil
	}
	s.setFlash(w, "documents.flash.uploaded")
	http.Redirect(w, r, v.ClinicPath("/documents/"+doc.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) documentsUploadForm(r *http.Request, f *form) (document.Document, error) {
	up, err := httpx.ReadUpload(r, "file", s.Documents.MaxBytes())
	if err != nil {
		return document.Document{}, err
	}
	defer up.Close()
	for k, val := range up.Fields {
		f.Values[k] = val
	}
	if up.File == nil || up.Size == 0 && up.FileName == "" {
		return document.Document{}, apperr.Validation(map[string]string{"file": "Choose a file."})
	}
	return s.Documents.Upload(r.Context(), httpx.PrincipalOf(r.Context()), document.UploadInput{
		PatientID: r.PathValue("id"), Kind: up.Fields["kind"], Clinical: up.Fields["clinical"] == "on" || up.Fields["clinical"] == "true",
		FileName: up.FileName, Body: up.File,
	})
}

// documentPageData is what a document's page shows.
type documentPageData struct {
	Doc         documentRow
	P           patient.Patient
	Image, PDF  bool
	Suggestions []suggestionRow
	Zone        *time.Location
}

type suggestionRow struct {
	document.Suggestion
	Label, Shown, CurrentShown string
	Acceptable                 bool
}

// documentPage shows a document: preview, OCR text, suggestions.
func (s *Server) documentPage(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	pr := httpx.PrincipalOf(r.Context())
	doc, err := s.Documents.Get(r.Context(), pr, r.PathValue("id"))
	if err != nil {
		return err
	}
	p, err := s.Patients.Get(r.Context(), pr, doc.PatientID)
	if err != nil {
		return err
	}
	_, loc, err := s.clinicToday(r, pr.ClinicID)
	if err != nil {
		return err
	}
	d := documentPageData{Doc: newDocumentRow(v, doc), P: p, Image: doc.ContentType != document.TypePDF && !doc.Removed,
		PDF: doc.ContentType == document.TypePDF && !doc.Removed, Zone: loc}
	sgs, err := s.Documents.Suggestions(r.Context(), pr, doc.ID)
	if err != nil {
		return err
	}
	for _, sg := range sgs {
		d.Suggestions = append(d.Suggestions, suggestionRow{Suggestion: sg, Label: v.L.T(documentsMsg("field.", sg.Field)),
			Shown: showValue(v, sg.Field, sg.Value), CurrentShown: showValue(v, sg.Field, sg.Current),
			Acceptable: sg.Target != "" && !sg.Same})
	}
	v.Nav = "patients"
	s.render(w, r, http.StatusOK, "document", page{Title: doc.FileName + " · " + patientName(p), Data: d})
	return nil
}

// showValue writes a suggested or current value as the pages show it.
func showValue(v *view, field, val string) string {
	if val == "" {
		return ""
	}
	switch field {
	case document.FieldCPF:
		return i18n.CPF(val)
	case document.FieldBirthDate, document.FieldDate:
		if t, err := time.Parse(time.DateOnly, val); err == nil {
			return v.L.Date(t)
		}
	case document.FieldPhone:
		return i18n.Phone(val)
	}
	return val
}

// documentContent answers the document's file (an audited download).
func (s *Server) documentContent(w http.ResponseWriter, r *http.Request) error {
	d, rc, err := s.Documents.Open(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	httpx.WriteFile(w, d.ContentType, d.FileName, d.SizeBytes, rc, r.URL.Query().Get("download") == "1")
	return nil
}

// documentOCR reads the document's text again.
func (s *Server) documentOCR(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	if _, err := s.parseForm(w, r); err != nil {
		return err
	}
	if _, err := s.Documents.RunOCR(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	s.setFlash(w, "documents.flash.ocr")
	http.Redirect(w, r, v.ClinicPath("/documents/"+r.PathValue("id")), http.StatusSeeOther)
	return nil
}

// documentArchive takes the document out of the patient's list.
func (s *Server) documentArchive(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	if _, err := s.parseForm(w, r); err != nil {
		return err
	}
	d, err := s.Documents.Archive(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.setFlash(w, "documents.flash.archived")
	http.Redirect(w, r, v.ClinicPath("/patients/"+d.PatientID+"/documents"), http.StatusSeeOther)
	return nil
}

// documentAccept copies a suggestion to the patient.
func (s *Server) documentAccept(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	if _, err := s.parseForm(w, r); err != nil {
		return err
	}
	if _, err := s.Documents.Accept(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"), r.PathValue("suggestion_id")); err != nil {
		return err
	}
	s.setFlash(w, "documents.flash.accepted")
	http.Redirect(w, r, v.ClinicPath("/documents/"+r.PathValue("id")), http.StatusSeeOther)
	return nil
}
