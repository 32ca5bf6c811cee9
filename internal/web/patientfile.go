package web

import (
	"net/http"
	"strconv"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/patientfile"
)

// The patient file's pages (package patientfile): the timeline tab, the
// LGPD export download and the anonymisation. The service decides who sees
// what; these handlers parse, call it and render.

func (s *Server) patientFileRoutes(m *http.ServeMux) {
	const p = "/clinics/{clinic_id}/patients/{id}"
	m.Handle("GET "+p+"/timeline", s.clinic(s.patientTimeline))
	m.Handle("GET "+p+"/export", s.clinic(s.patientExport))
	m.Handle("GET "+p+"/anonymise", s.clinic(s.patientAnonymisePage))
	m.Handle("POST "+p+"/anonymise", s.clinic(s.patientAnonymise))
	m.Handle("GET /clinics/{clinic_id}/search", s.clinic(s.searchPage))
}

// timelineKinds are the entry kinds the catalogue names
// (patientfile.kind.<kind>); others show their source's name.
var timelineKinds = []string{"appointment", "message", "waitlist", "encounter", "document", "charge", "payment"}

// timelineRow is one entry as the timeline page shows it.
type timelineRow struct {
	patientfile.Entry
	When, Label, Title, Status, Badge, Link string
}

// known returns the catalogue's message prefix+value in v's language, and
// whether the catalogue has it.
func known(v *view, prefix, value string) (string, bool) {
	id := prefix + value
	if value == "" || !i18n.Has(id) {
		return "", false
	}
	return v.L.T(id), true
}

// newTimelineRow words e for the page: its kind, the statuses and message
// kinds the catalogue knows, its link.
func newTimelineRow(v *view, e patientfile.Entry, loc *time.Location) timelineRow {
	row := timelineRow{Entry: e, When: v.L.DateTime(e.At.In(loc)), Label: e.Source, Title: e.Title, Status: e.Status}
	if t, ok := known(v, "patientfile.kind.", e.Kind); ok {
		row.Label = t
	}
	switch e.Kind {
	case "appointment":
		if t, ok := known(v, "status.", e.Status); ok {
			row.Status, row.Badge = t, "status-"+e.Status
		}
		if row.Title == "" {
			row.Title = v.L.T("patientfile.appointment")
		}
	case "message":
		if t, ok := known(v, "messages.kind.", e.Title); ok {
			row.Title = t
		}
		if t, ok := known(v, "messages.channel.", e.Detail); ok {
			row.Detail = t
		}
		if t, ok := known(v, "messages.status.", e.Status); ok {
			row.Status = t
		}
	case "waitlist":
		if t, ok := known(v, "patientfile.waitlist.", e.Status); ok {
			row.Status = t
		}
	case "encounter":
		if t, ok := known(v, "records.status.", e.Status); ok {
			row.Status = t
		}
	case "document":
		if t, ok := known(v, "documents.kind_", e.Detail); ok {
			row.Detail = t
		}
		if t, ok := known(v, "documents.ocr.", e.Status); ok {
			row.Status = t
		}
	case "charge", "payment":
		// Detail is the amount in cents.
		if cents, err := strconv.ParseInt(e.Detail, 10, 64); err == nil {
			row.Detail = v.L.Money(cents)
		}
		if e.Kind == "payment" {
			if t, ok := known(v, "billing.method.", e.Title); ok {
				row.Title = t
			}
			if t, ok := known(v, "patientfile.payment.", e.Status); ok {
				row.Status = t
			}
		} else if t, ok := known(v, "billing.status.", e.Status); ok {
			row.Status = t
		}
	}
	if row.Badge == "" && row.Status != "" {
		row.Badge = "badge--plain"
	}
	if e.Path != "" && e.Kind != "waitlist" {
		row.Link = v.ClinicPath(e.Path)
	}
	return row
}

// timelineData is what patientfile-timeline.html shows.
type timelineData struct {
	P    patientRow
	Rows []timelineRow
	// More is the address of the next (older) page, "" on the last.
	More string
}

// patientTimeline shows a page of the patient's timeline.
func (s *Server) patientTimeline(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	pr := httpx.PrincipalOf(r.Context())
	t, err := s.Files.Timeline(r.Context(), pr, r.PathValue("id"), patientfile.TimelineQuery{Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	p := t.Patient
	today, loc, err := s.clinicToday(r, pr.ClinicID)
	if err != nil {
		return err
	}
	v.Nav = "patients"
	d := timelineData{P: newPatientRow(p, today)}
	for _, e := range t.Entries {
		d.Rows = append(d.Rows, newTimelineRow(v, e, loc))
	}
	if t.NextCursor != "" {
		d.More = v.ClinicPath("/patients/"+p.ID+"/timeline") + "?cursor=" + t.NextCursor
	}
	s.render(w, r, http.StatusOK, "patientfile-timeline", page{Title: v.L.T("patientfile.timeline.title") + " · " + d.P.Name, Data: d})
	return nil
}

// patientExport downloads the patient's LGPD export (a zip streamed as it
// is made; headers set at its first byte, so a refusal is an error page).
func (s *Server) patientExport(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	z := &zipDownload{w: w, filename: "paciente-" + id + ".zip"}
	err := s.Files.Export(r.Context(), httpx.PrincipalOf(r.Context()), id, z)
	if err != nil && z.started {
		s.log.Error("web: patient export failed while streaming", "request_id", httpx.RequestID(r.Context()), "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// zipDownload sets the headers of a zip download on its first write.
type zipDownload struct {
	w        http.ResponseWriter
	filename string
	started  bool
}

func (z *zipDownload) Write(b []byte) (int, error) {
	if !z.started {
		z.started = true
		h := z.w.Header()
		h.Set("Content-Type", "application/zip")
		h.Set("Content-Disposition", `attachment; filename="`+z.filename+`"`)
		h.Set("Cache-Control", "no-store")
		z.w.WriteHeader(http.StatusOK)
	}
	return z.w.Write(b)
}

// anonymiseData is what patientfile-anonymise.html shows.
type anonymiseData struct {
	P      patientRow
	Action string
	Cancel string
}

// patientAnonymisePage asks the owner to type the patient's name.
func (s *Server) patientAnonymisePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAnonymise(w, r, http.StatusOK, newForm())
}

func (s *Server) renderAnonymise(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := viewOf(r.Context())
	pr := httpx.PrincipalOf(r.Context())
	if pr.Role != kernel.RoleOwner {
		return apperr.New(apperr.Forbidden, "Only the clinic's owner can anonymise a patient.")
	}
	p, err := s.Patients.Get(r.Context(), pr, r.PathValue("id"))
	if err != nil {
		return err
	}
	today, _, err := s.clinicToday(r, pr.ClinicID)
	if err != nil {
		return err
	}
	v.Nav = "patients"
	base := v.ClinicPath("/patients/" + p.ID)
	s.render(w, r, status, "patientfile-anonymise", page{Title: v.L.T("patientfile.anonymise.title"), Form: f,
		Data: anonymiseData{P: newPatientRow(p, today), Action: base + "/anonymise", Cancel: base}})
	return nil
}

// patientAnonymise anonymises the patient and goes back to their page.
func (s *Server) patientAnonymise(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	f, err := s.parseForm(w, r)
	var p patient.Patient
	if err == nil {
		p, err = s.Files.Anonymise(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"),
			patientfile.AnonymiseInput{Confirm: f.Get("confirm")})
	}
	if err != nil {
		if f == nil || !apperr.Is(err, apperr.Invalid) || !refuse(v.Locale, f, err) {
			return err
		}
		return s.renderAnonymise(w, r, formStatus(err), f)
	}
	s.setFlash(w, "patientfile.flash.anonymised")
	http.Redirect(w, r, v.ClinicPath("/patients/"+p.ID), http.StatusSeeOther)
	return nil
}

// patientFileMessageIDs lists the messages the patient file's pages
// choose at run time (for the test that the catalogue has them all).
func patientFileMessageIDs() []string {
	ids := []string{"patientfile.flash.anonymised"}
	for _, k := range timelineKinds {
		ids = append(ids, "patientfile.kind."+k)
	}
	for _, st := range []string{"waiting", "offered", "booked", "removed"} {
		ids = append(ids, "patientfile.waitlist."+st)
	}
	for _, k := range searchKinds {
		ids = append(ids, "search.kind."+k)
	}
	return ids
}
