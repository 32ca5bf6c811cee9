package httpapi

import (
	"net/http"
	"strings"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/patientfile"
)

// The patient file (package patientfile): a patient's timeline, their LGPD
// export and anonymisation, and the clinic-wide search. The service decides
// who may see what; these handlers parse and answer.

// kindsOf reads the kinds query parameter (comma-separated, repeatable).
func kindsOf(r *http.Request) []string {
	var out []string
	for _, v := range r.URL.Query()["kinds"] {
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				out = append(out, k)
			}
		}
	}
	return out
}

// getPatientTimeline answers a page of a patient's timeline.
func (s *Server) getPatientTimeline(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	tq := patientfile.TimelineQuery{Kinds: kindsOf(r), Cursor: q.Get("cursor")}
	var msg string
	if tq.Limit, msg = kernel.ParseLimit(q.Get("limit"), patientfile.MaxTimelineLimit); msg != "" {
		return apperr.Validation(map[string]string{"limit": msg})
	}
	t, err := s.Files.Timeline(r.Context(), principalOf(r.Context()), r.PathValue("id"), tq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// zipWriter sets the headers of a zip answer on its first write, so that an
// export refused before it writes anything answers in the error shape.
type zipWriter struct {
	w        http.ResponseWriter
	filename string
	started  bool
}

func (z *zipWriter) Write(b []byte) (int, error) {
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

// ExportFilename is the name an LGPD export is downloaded as.
func ExportFilename(patientID string) string { return "paciente-" + patientID + ".zip" }

// exportPatient streams a patient's LGPD export as a zip.
func (s *Server) exportPatient(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	z := &zipWriter{w: w, filename: ExportFilename(id)}
	err := s.Files.Export(r.Context(), principalOf(r.Context()), id, z)
	if err != nil && z.started {
		// The zip is half sent: break the connection rather than let the
		// client take a truncated file for a whole one.
		s.log.Error("patient export failed while streaming", "request_id", requestID(r.Context()), "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// anonymisePatient anonymises a patient and answers them as they are now.
func (s *Server) anonymisePatient(w http.ResponseWriter, r *http.Request) error {
	var in patientfile.AnonymiseInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p, err := s.Files.Anonymise(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPatientJSON(p))
	return nil
}

// searchClinic answers the clinic-wide search.
func (s *Server) searchClinic(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	sq := patientfile.SearchQuery{Q: q.Get("q"), Kinds: kindsOf(r)}
	var msg string
	if sq.Limit, msg = kernel.ParseLimit(q.Get("limit"), patientfile.MaxSearchLimit); msg != "" {
		return apperr.Validation(map[string]string{"limit": msg})
	}
	res, err := s.Files.Search(r.Context(), principalOf(r.Context()), sq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
