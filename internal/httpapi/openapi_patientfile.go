package httpapi

import (
	"time"

	"clinic/internal/patientfile"
)

// Descriptions of the patient file's operations.
const (
	timelineRules = "The patient's appointments, messages, waitlist entries, encounters, documents and charges in one list, " +
		"newest first, a page at a time (next_cursor). kinds keeps some sources (comma-separated: appointments, messages, " +
		"waitlist, access_log and those of records, documents and billing). Clinical entries (encounters, clinical documents) " +
		"are only for the owner and the patient's professionals: for anyone else they are left out, and naming a clinical " +
		"kind answers 403. Another clinic's patient, or a professional's patient who is not theirs, answers 404."
	exportRules = "The LGPD export (data subject's access and portability rights): a zip streamed as it is made, with " +
		"patient.json (every field, consents with time and source), one JSON per source (appointments.json, messages.json, " +
		"waitlist.json, access_log.json: who read or changed the data…), the documents' files under files/<source>/ (names " +
		"made safe and unique), README.txt and index.json (every file with what it is, and when the export was made). Only " +
		"that patient's data. Owner only; audited (action export)."
	anonymiseRules = "The LGPD elimination where the law keeps the clinical record: the patient's name becomes " +
		"\"Paciente anonimizado XXXX\"; social name, CPF, birth date, sex, phone, e-mail, address, insurance and notes are " +
		"emptied and every consent withdrawn; their messages lose their addresses and texts (those still to go are skipped), " +
		"their waitlist entries their notes (open ones are removed), and each source removes its copies; clinical records " +
		"stay, flagged. The patient can no longer be booked, messaged or changed. confirm must be the patient's current " +
		"name. Owner only; every step audited. Idempotent: repeating it (with the name the patient has then) finishes a " +
		"half-done one."
	searchRules = "One search box for the clinic: patients by name, CPF or phone (as GET patients), then documents (words " +
		"of their OCR text) and clinical notes, grouped by kind, at most limit hits per kind. Notes are only for the owner and " +
		"professionals (their own patients); for other roles they are left out, and kinds=notes answers 403."
)

// Examples of the patient file's operations.
var (
	exampleTimeline = patientfile.Timeline{PatientID: examplePatientID, Entries: []patientfile.Entry{
		{At: exampleAt.Add(7 * 24 * time.Hour), Source: "appointments", Kind: "appointment", ID: exampleApptID, Title: "Consulta",
			Detail: "Dra. Ana Souza", Status: "scheduled", Path: "/appointments/" + exampleApptID},
		{At: exampleSent, Source: "messages", Kind: "message", ID: exampleMessageID, Title: "reminder", Detail: "whatsapp",
			Status: "read", Path: "/messages/" + exampleMessageID},
	}, NextCursor: "MjAyNi0wMy0wMVQxNzozMDowMFosbWVzc2FnZXMsMDE5MGI2ZjA"}
	exampleSearch = patientfile.SearchResult{Q: "maria", Groups: []patientfile.SearchGroup{
		{Kind: "patients", Hits: []patientfile.Hit{{Kind: "patients", ID: examplePatientID, PatientID: examplePatientID,
			Title: "Maria Aparecida Souza", Snippet: "CPF 529.982.247-25", Path: "/patients/" + examplePatientID}}},
		{Kind: "notes", Hits: []patientfile.Hit{}},
	}}
)

// patientFileOps is the route table of the patient file.
func patientFileOps() []apiOp {
	const c = "/api/v1/clinics/{clinic_id}"
	return []apiOp{
		{Method: "GET", Path: c + "/patients/{id}/timeline", Handler: (*Server).getPatientTimeline, Tag: "patient file",
			Summary:     "A patient's timeline, newest first; clinical entries for the owner and the patient's professionals only.",
			Description: timelineRules, Status: 200, Response: patientfile.Timeline{}, ResponseExample: exampleTimeline,
			Query: []apiParam{{Name: "kinds", Description: "Sources to keep, comma-separated (default: every source the caller may see)."},
				{Name: "cursor"}, {Name: "limit", Description: "Entries per page (default 50, at most 200)."}}},
		{Method: "GET", Path: c + "/patients/{id}/export", Handler: (*Server).exportPatient, Tag: "patient file",
			Summary: "Download everything the clinic holds on a patient as a zip (LGPD; owner; audited).", Description: exportRules,
			Status: 200, ResponseMedia: &apiMedia{Type: "application/zip",
				Schema: map[string]any{"type": "string", "contentMediaType": "application/zip", "description": "A zip: patient.json, " +
					"<source>.json, files/<source>/…, README.txt, index.json."}}},
		{Method: "POST", Path: c + "/patients/{id}/anonymise", Handler: (*Server).anonymisePatient, Tag: "patient file",
			Summary: "Anonymise a patient everywhere, keeping the clinical record (LGPD; owner; audited).", Description: anonymiseRules,
			Body: patientfile.AnonymiseInput{}, BodyRequired: []string{"confirm"}, BodyExample: patientfile.AnonymiseInput{Confirm: "Maria Aparecida Souza"},
			Status: 200, Response: patientJSON{}},
		{Method: "GET", Path: c + "/search", Handler: (*Server).searchClinic, Tag: "patient file",
			Summary: "Search the clinic: patients, documents and (clinical roles) notes, grouped by kind.", Description: searchRules,
			Status: 200, Response: patientfile.SearchResult{}, ResponseExample: exampleSearch,
			Query: []apiParam{{Name: "q", Required: true, Description: "Words, a name, a CPF or a phone number."},
				{Name: "kinds", Description: "Kinds to search, comma-separated: patients, documents, notes."},
				{Name: "limit", Description: "Hits per kind (default 10, at most 50)."}}},
	}
}
