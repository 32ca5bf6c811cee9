package httpapi

import (
	"net/http"
	"time"

	"clinic/internal/document"
)

// Descriptions of the document operations.
const (
	documentAccess = "A document attached to an encounter, marked clinical, or an exam is clinical content: the owner and the " +
		"professionals of the patient (an appointment with them) see it. Administrative documents (insurance card, ID, referral, " +
		"other) are seen by owners, admins, receptionists and the patient's professionals too. Financial users see none. " +
		"Another clinic's document, or one the caller may not see, is not found. Reads of clinical content are audited."
	uploadRules = "multipart/form-data, the file in the field file (any order of parts). The type is sniffed from the content: " +
		"PDF, JPEG or PNG, whatever the name or the declared type; anything else answers 415. A file over UPLOAD_MAX_BYTES answers " +
		"413. Either way nothing is stored. The file name is kept for display only (its last element, sanitised); the file is " +
		"stored under a random key. kind is insurance_card, id, referral, exam or other (default); clinical (true/false) marks " +
		"it clinical content; encounter_id attaches it to an encounter of the patient. Receptionists and admins attach " +
		"administrative documents only. The OCR job is queued with the row (ocr.state pending); a worker without the OCR tools " +
		"marks it not_available (then POST …/ocr once they are installed)."
	ocrRules = "ocr.state: pending, running, done (text holds the text), failed (reason says why) or not_available (the " +
		"server has no Tesseract/poppler: reason says what is missing). PDFs with a text layer are read with pdftotext, others " +
		"rendered at 300 dpi and read by Tesseract page by page; images by Tesseract."
	suggestionRules = "What the text suggests for the patient's record: field cpf (valid check digits), birth_date (a date " +
		"labelled as such), date, insurance_card (after carteirinha, cartão, matrícula, nº da carteira, card number), phone " +
		"(Brazilian, E.164) or name (the patient's name is in the document; nothing to copy). target is the patient's field " +
		"accepting sets; current its value now; same whether it already holds the value."
	contentRules = "The file as uploaded, with its sniffed Content-Type, Content-Disposition inline (attachment with " +
		"?download=1) with the sanitised name, and X-Content-Type-Options: nosniff. Every download is audited."
)

// Examples of the document operations.
var (
	exampleDocAt      = time.Date(2026, 3, 2, 14, 30, 0, 0, time.UTC)
	exampleDocOCRAt   = exampleDocAt.Add(12 * time.Second)
	exampleDocumentID = "0190b6f2-1a2b-7c3d-8e4f-5a6b7c8d9e0f"
	exampleDocument   = document.Document{ID: exampleDocumentID, PatientID: examplePatientID, Kind: document.KindInsuranceCard,
		FileName: "carteirinha.jpg", ContentType: document.TypeJPEG, SizeBytes: 182034,
		SHA256:     "9f2c1e0d4b6a8c7e5f3a1b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f2a4b6c8d0e",
		OCR:        document.OCR{State: document.OCRDone, Text: "UNIMED\nCarteirinha 0 123 456789012 3\nMARIA DA SILVA\nCPF 529.982.247-25\nNasc. 14/05/1985", Pages: 1, At: &exampleDocOCRAt},
		UploadedBy: "0190b6e0-0a1b-7c2d-8e3f-4a5b6c7d8e9f", CreatedAt: exampleDocAt, UpdatedAt: exampleDocOCRAt}
	exampleDocumentListed = func() document.Document {
		d := exampleDocument
		d.OCR.Text = ""
		return d
	}()
	exampleSuggestion = document.Suggestion{ID: "0190b6f3-3c4d-7e5f-9a0b-1c2d3e4f5a6b", Field: document.FieldCPF, Value: "52998224725",
		Target: "cpf", Current: "", Same: false}
	exampleSearchHit = document.SearchHit{DocumentID: exampleDocumentID, PatientID: examplePatientID, PatientName: "Maria da Silva",
		Kind: document.KindInsuranceCard, FileName: "carteirinha.jpg", Snippet: "UNIMED Carteirinha 0 123 456789012 3 …", CreatedAt: exampleDocAt}
)

// uploadSchema is the multipart body of an upload.
var uploadSchema = map[string]any{
	"type": "object", "required": []string{"file"},
	"properties": map[string]any{
		"file":         map[string]any{"type": "string", "format": "binary", "description": "The file: PDF, JPEG or PNG (sniffed)."},
		"kind":         map[string]any{"type": "string", "enum": document.Kinds, "default": document.KindOther},
		"clinical":     map[string]any{"type": "boolean", "default": false, "description": "Clinical content (owner and the patient's professionals only)."},
		"encounter_id": map[string]any{"type": "string", "format": "uuid", "description": "An encounter of the patient."},
	},
}

// fileMedia is a document's file as the content operation answers it.
var fileMedia = &apiMedia{Type: "application/octet-stream", Schema: map[string]any{"type": "string", "format": "binary",
	"description": "The file's bytes; Content-Type is the sniffed one: application/pdf, image/jpeg or image/png."}}

// documentOps is the route table of the patients' documents.
func documentOps() []apiOp {
	const c = "/api/v1/clinics/{clinic_id}"
	return []apiOp{
		{Method: "GET", Path: c + "/patients/{id}/documents", Handler: (*Server).listPatientDocuments, Tag: "documents", Summary: "A patient's documents the caller may see, newest first (without text).",
			Description: documentAccess, Status: 200, Response: listOf[document.Document]{}, ResponseExample: listOf[document.Document]{Items: []document.Document{exampleDocumentListed}},
			Query: []apiParam{{Name: "archived", Description: "true lists archived documents too."}}},
		{Method: "POST", Path: c + "/patients/{id}/documents", Handler: (*Server).uploadDocument, Tag: "documents", Summary: "Upload a document for a patient (multipart); queues its OCR.",
			Description: uploadRules + " " + documentAccess, BodyMedia: &apiMedia{Type: "multipart/form-data", Schema: uploadSchema},
			Status: 201, Response: document.Document{}, ResponseExample: func() document.Document {
				d := exampleDocumentListed
				d.OCR, d.UpdatedAt = document.OCR{State: document.OCRPending}, d.CreatedAt
				return d
			}()},
		{Method: "GET", Path: c + "/documents", Handler: (*Server).searchDocuments, Tag: "documents", Summary: "Search the clinic's documents by words of their text (accents and case aside).",
			Description: "Every word of q must be in the text (each a prefix). Only documents the caller may see. " + documentAccess,
			Status:      200, Response: listOf[document.SearchHit]{}, ResponseExample: listOf[document.SearchHit]{Items: []document.SearchHit{exampleSearchHit}},
			Query: []apiParam{{Name: "q", Required: true, Description: "Words to look for."}, {Name: "limit", Description: "1–100, default 20."}}},
		{Method: "GET", Path: c + "/documents/{id}", Handler: (*Server).getDocument, Tag: "documents", Summary: "A document with its OCR state and text.",
			Description: documentAccess + " " + ocrRules, Status: 200, Response: document.Document{}, ResponseExample: exampleDocument},
		{Method: "DELETE", Path: c + "/documents/{id}", Handler: (*Server).archiveDocument, Tag: "documents", Summary: "Archive a document: it leaves the list and is kept (nothing about a patient vanishes).",
			Description: documentAccess, Status: 200, Response: document.Document{}, ResponseExample: func() document.Document {
				d := exampleDocument
				at := exampleDocAt.Add(time.Hour)
				d.ArchivedAt, d.UpdatedAt = &at, at
				return d
			}()},
		{Method: "GET", Path: c + "/documents/{id}/content", Handler: (*Server).documentContent, Tag: "documents", Summary: "Download a document's file (audited).",
			Description: contentRules + " " + documentAccess, Status: http.StatusOK, ResponseMedia: fileMedia,
			Query: []apiParam{{Name: "download", Description: "1: Content-Disposition attachment."}}},
		{Method: "GET", Path: c + "/documents/{id}/ocr", Handler: (*Server).getDocumentOCR, Tag: "documents", Summary: "The OCR state and text of a document.",
			Description: ocrRules, Status: 200, Response: document.OCR{}, ResponseExample: exampleDocument.OCR},
		{Method: "POST", Path: c + "/documents/{id}/ocr", Handler: (*Server).runDocumentOCR, Tag: "documents", Summary: "Read the document's text again (after a failure, or once OCR is installed).",
			Description: ocrRules, Status: http.StatusAccepted, Response: document.OCR{}, ResponseExample: document.OCR{State: document.OCRPending},
			Conflict: "The text is being read now."},
		{Method: "GET", Path: c + "/documents/{id}/suggestions", Handler: (*Server).listDocumentSuggestions, Tag: "documents", Summary: "What the document's text suggests for the patient's record.",
			Description: suggestionRules, Status: 200, Response: listOf[document.Suggestion]{}, ResponseExample: listOf[document.Suggestion]{Items: []document.Suggestion{exampleSuggestion}}},
		{Method: "POST", Path: c + "/documents/{id}/suggestions/{suggestion_id}/accept", Handler: (*Server).acceptDocumentSuggestion, Tag: "documents",
			Summary: "Copy a suggestion to the patient (through the patient's own rules and audit).", Description: suggestionRules,
			Status: 200, Response: document.Suggestion{}, ResponseExample: func() document.Suggestion {
				sg := exampleSuggestion
				at := exampleDocAt.Add(2 * time.Minute)
				sg.Current, sg.Same, sg.AcceptedAt = sg.Value, true, &at
				return sg
			}(), Conflict: "A name suggestion has nothing to copy, or another patient of the clinic has this CPF."},
	}
}
