package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"clinic/internal/apperr"
	"clinic/internal/document"
	"clinic/internal/httpx"
)

// The patients' documents (package document): upload, download, OCR and the
// suggestions read from the text. The service decides who may see what;
// these handlers parse and answer.

// listPatientDocuments answers a patient's documents, newest first.
func (s *Server) listPatientDocuments(w http.ResponseWriter, r *http.Request) error {
	archived := r.URL.Query().Get("archived")
	if archived != "" && archived != "true" && archived != "false" {
		return apperr.Validation(map[string]string{"archived": "Must be true or false."})
	}
	docs, err := s.Documents.List(r.Context(), principalOf(r.Context()), r.PathValue("id"), archived == "true")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf[document.Document]{Items: docs})
	return nil
}

// parseBool reads a form flag: "", false, 0, off → false; true, 1, on → true.
func parseBool(field, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "false", "0", "off":
		return false, nil
	case "true", "1", "on":
		return true, nil
	}
	return false, apperr.Validation(map[string]string{field: "Must be true or false."})
}

// uploadDocument stores a multipart upload (file in the field file).
func (s *Server) uploadDocument(w http.ResponseWriter, r *http.Request) error {
	up, err := httpx.ReadUpload(r, "file", s.Documents.MaxBytes())
	if err != nil {
		return err
	}
	defer up.Close()
	if up.File == nil {
		return apperr.Validation(map[string]string{"file": "Choose a file."})
	}
	clinical, err := parseBool("clinical", up.Fields["clinical"])
	if err != nil {
		return err
	}
	d, err := s.Documents.Upload(r.Context(), principalOf(r.Context()), document.UploadInput{
		PatientID: r.PathValue("id"), EncounterID: up.Fields["encounter_id"], Kind: up.Fields["kind"], Clinical: clinical,
		FileName: up.FileName, Body: up.File,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}

// searchDocuments finds the clinic's documents by words of their text.
func (s *Server) searchDocuments(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > document.MaxSearchLimit {
			return apperr.Validation(map[string]string{"limit": fmt.Sprintf("Must be a whole number from %d to %d.", 1, document.MaxSearchLimit)})
		}
		limit = n
	}
	if strings.TrimSpace(q.Get("q")) == "" {
		return apperr.Validation(map[string]string{"q": "Type words to look for."})
	}
	hits, err := s.Documents.Search(r.Context(), principalOf(r.Context()), q.Get("q"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf[document.SearchHit]{Items: hits})
	return nil
}

// getDocument answers a document with its OCR state and text.
func (s *Server) getDocument(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Documents.Get(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// archiveDocument takes a document out of the patient's list (kept).
func (s *Server) archiveDocument(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Documents.Archive(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// documentContent streams a document's file (an audited download).
func (s *Server) documentContent(w http.ResponseWriter, r *http.Request) error {
	d, rc, err := s.Documents.Open(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	httpx.WriteFile(w, d.ContentType, d.FileName, d.SizeBytes, rc, r.URL.Query().Get("download") == "1")
	return nil
}

// getDocumentOCR answers the OCR state and text.
func (s *Server) getDocumentOCR(w http.ResponseWriter, r *http.Request) error {
	o, err := s.Documents.OCRState(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

// runDocumentOCR queues the OCR again.
func (s *Server) runDocumentOCR(w http.ResponseWriter, r *http.Request) error {
	o, err := s.Documents.RunOCR(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, o)
	return nil
}

// listDocumentSuggestions answers what the text suggests for the patient.
func (s *Server) listDocumentSuggestions(w http.ResponseWriter, r *http.Request) error {
	sg, err := s.Documents.Suggestions(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf[document.Suggestion]{Items: sg})
	return nil
}

// acceptDocumentSuggestion copies a suggestion to the patient.
func (s *Server) acceptDocumentSuggestion(w http.ResponseWriter, r *http.Request) error {
	sg, err := s.Documents.Accept(r.Context(), principalOf(r.Context()), r.PathValue("id"), r.PathValue("suggestion_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sg)
	return nil
}
