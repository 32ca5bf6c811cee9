package httpapi

import (
	"time"

	"clinic/internal/kernel"
	"clinic/internal/record"
)

// Descriptions of the records operations.
const (
	recordAccess = "Clinical content: the clinic's owner, and the professional whose patient it is (an appointment or an " +
		"encounter with them). Admins, receptionists and financial users get 403; another clinic's ids 404. Every read is " +
		"recorded in the audit trail with the patient's id."
	openEncounterRules = "With appointment_id, opens the encounter of that appointment of the patient (only its professional " +
		"or the owner); opening it again answers the same encounter (201 again: a retry reads as the first call). Without it, a walk-in: a professional opens it " +
		"for themselves, the owner names professional_id."
	noteRules = "A note is written from one of the clinic's active note templates: values maps each field's key to its " +
		"value (text; number as 7 or 7.5; yes_no as yes or no; choice as one of the options). A draft may leave required " +
		"fields empty; signing needs them. Only its author (or the owner) edits, deletes, signs and amends it; a signed note " +
		"is immutable: PATCH and DELETE answer 409."
	amendRules = "Amending a signed note adds a version (version 1 is the signature) with the new values, its author, " +
		"time and reason (required); every earlier version is kept and listed by GET …/amendments."
	templateFieldRules = "kind is anamnesis, evolution or free_text; each field has a key (a-z, 0-9, _), a label, a type " +
		"(text, long_text, number, yes_no, choice with options) and required. Every clinic starts with three default " +
		"templates (builtin anamnesis, evolution, free_text). Owners and admins manage templates; professionals read them. " +
		"Notes keep the fields they were written with."
	cidRules          = "code is a CID-10 code: a letter, two digits and optionally a dot and one digit or letter; case is ignored and J450 is read as J45.0. description is required."
	recordSearchRules = "Every word of q must appear (case and accents ignored) in a note, diagnosis or prescription; newest first. Owner and professionals only (a professional finds only their own patients'). Each patient found is audited."
	exampleEncID      = "0190b6f2-1a2b-7c3d-8e4f-5a6b7c8d9e0f"
	exampleNote       = "0190b6f3-2b3c-7d4e-9f50-6b7c8d9e0f1a"
	exampleTplID      = "0190b6f1-0a1b-7c2d-8e3f-4a5b6c7d8e9f"
	exampleUser       = "0190b6d0-1111-7222-8333-444455556666"
	exampleProf       = "0190b6d1-1111-7222-8333-444455556666"
)

// Examples of the records operations.
var (
	exampleFields = []record.Field{{Key: "subjective", Label: "Subjetivo", Type: "long_text", Required: true},
		{Key: "pain", Label: "Dor (0 a 10)", Type: "number"},
		{Key: "progress", Label: "Evolução do quadro", Type: "choice", Options: []string{"Melhora", "Estável", "Piora"}}}
	exampleTemplate2 = record.Template{ID: exampleTplID, Builtin: "evolution", Kind: "evolution", Name: "Evolução", Fields: exampleFields,
		Active: true, CreatedAt: exampleSent, UpdatedAt: exampleSent}
	exampleTemplateInput2 = record.TemplateInput{Kind: kernel.Some("anamnesis"), Name: kernel.Some("Anamnese pediátrica"),
		Fields: kernel.Some([]record.Field{{Key: "weight", Label: "Peso (kg)", Type: "number", Required: true},
			{Key: "vaccines", Label: "Vacinas em dia", Type: "yes_no"}})}
	exampleValues  = map[string]string{"subjective": "Dor lombar há 3 dias, pior ao sentar.", "pain": "7", "progress": "Piora"}
	exampleSigned  = exampleAt.Add(20 * time.Minute)
	exampleNoteObj = record.Note{ID: exampleNote, EncounterID: exampleEncID, PatientID: examplePatientID, TemplateID: exampleTplID,
		Kind: "evolution", Title: "Evolução", Fields: exampleFields, Values: exampleValues, AuthorID: exampleUser, Status: "signed",
		Version: 1, SignedAt: &exampleSigned, CreatedAt: exampleAt.Add(5 * time.Minute), UpdatedAt: exampleSigned}
	exampleDiagnosis = record.Diagnosis{ID: "0190b6f4-3c4d-7e5f-8a61-7c8d9e0f1a2b", EncounterID: exampleEncID, PatientID: examplePatientID,
		Code: "M54.5", Description: "Dor lombar baixa", AuthorID: exampleUser, CreatedAt: exampleAt.Add(22 * time.Minute)}
	examplePrescription = record.Prescription{ID: "0190b6f5-4d5e-7f60-9b72-8d9e0f1a2b3c", EncounterID: exampleEncID, PatientID: examplePatientID,
		Items:    []record.Item{{Drug: "Dipirona 500 mg", Dose: "1 comprimido", Instructions: "de 6 em 6 horas se dor, por até 5 dias"}},
		AuthorID: exampleUser, CreatedAt: exampleAt.Add(25 * time.Minute)}
	exampleEncounter = record.Encounter{ID: exampleEncID, PatientID: examplePatientID, ProfessionalID: exampleProf,
		ProfessionalName: "Dra. Ana Souza", AppointmentID: exampleApptID, Status: "open", StartedAt: exampleAt,
		CreatedAt: exampleAt, UpdatedAt: exampleAt}
	exampleEncounterFull = func() record.Encounter {
		e := exampleEncounter
		e.Notes, e.Diagnoses, e.Prescriptions = []record.Note{exampleNoteObj}, []record.Diagnosis{exampleDiagnosis}, []record.Prescription{examplePrescription}
		return e
	}()
	exampleVersions = []record.Version{{Version: 1, Values: exampleValues, AuthorID: exampleUser, At: exampleSigned},
		{Version: 2, Values: map[string]string{"subjective": "Dor lombar há 5 dias, pior ao sentar.", "pain": "7", "progress": "Piora"},
			AuthorID: exampleUser, Reason: "O paciente corrigiu a data de início.", At: exampleSigned.Add(time.Hour)}}
	examplePrintable = record.Printable{Prescription: examplePrescription, ClinicName: "Clínica São João", ClinicAddress: "Rua Augusta, 100, São Paulo",
		ClinicPhone: "+551130000000", TimeZone: "America/Sao_Paulo", Professional: "Dra. Ana Souza", Council: "CRM 12345/SP", Patient: "Maria da Silva"}
)

// recordOps is the route table of the clinical records.
func recordOps() []apiOp {
	const c = "/api/v1/clinics/{clinic_id}"
	closed := exampleEncounterFull
	closedAt := exampleAt.Add(40 * time.Minute)
	closed.Status, closed.ClosedAt, closed.UpdatedAt = "closed", &closedAt, closedAt
	amended := exampleNoteObj
	amended.Values, amended.Version, amended.UpdatedAt = exampleVersions[1].Values, 2, exampleVersions[1].At
	draft := exampleNoteObj
	draft.Status, draft.Version, draft.SignedAt, draft.UpdatedAt = "draft", 0, nil, draft.CreatedAt
	return []apiOp{
		{Method: "GET", Path: c + "/patients/{id}/encounters", Handler: (*Server).listPatientEncounters, Tag: "records",
			Summary: "A patient's encounters, newest first (owner, the patient's professional).", Description: recordAccess,
			Status: 200, Response: listOf[record.Encounter]{}, ResponseExample: listOf[record.Encounter]{Items: []record.Encounter{exampleEncounter}}},
		{Method: "POST", Path: c + "/patients/{id}/encounters", Handler: (*Server).openEncounter, Tag: "records",
			Summary: "Open an encounter from an appointment (idempotent) or as a walk-in (owner, professional).", Description: openEncounterRules + " " + recordAccess,
			Body: openEncounterInput{}, BodyExample: openEncounterInput{AppointmentID: exampleApptID}, Status: 201, Response: record.Encounter{}, ResponseExample: exampleEncounter},
		{Method: "GET", Path: c + "/encounters/{id}", Handler: (*Server).getEncounter, Tag: "records",
			Summary: "An encounter with its notes, diagnoses and prescriptions.", Description: recordAccess,
			Status: 200, Response: record.Encounter{}, ResponseExample: exampleEncounterFull},
		{Method: "PATCH", Path: c + "/encounters/{id}", Handler: (*Server).patchEncounter, Tag: "records",
			Summary: "Close an encounter (its professional, owner).", Description: "status must be closed; closing a closed encounter changes nothing. " + recordAccess,
			Body: encounterPatch{}, BodyExample: encounterPatch{Status: "closed"}, Status: 200, Response: record.Encounter{}, ResponseExample: closed},
		{Method: "GET", Path: c + "/encounters/{id}/notes", Handler: (*Server).listEncounterNotes, Tag: "records",
			Summary: "An encounter's notes, oldest first.", Description: recordAccess,
			Status: 200, Response: listOf[record.Note]{}, ResponseExample: listOf[record.Note]{Items: []record.Note{exampleNoteObj}}},
		{Method: "POST", Path: c + "/encounters/{id}/notes", Handler: (*Server).addEncounterNote, Tag: "records",
			Summary: "Write a draft note from a template (the encounter's professional, owner).", Description: noteRules + " " + recordAccess,
			Body: record.NoteInput{}, BodyExample: record.NoteInput{TemplateID: exampleTplID, Values: exampleValues}, Status: 201, Response: record.Note{}, ResponseExample: draft,
			Conflict: "The encounter is closed, or the template inactive."},
		{Method: "GET", Path: c + "/notes/{id}", Handler: (*Server).getNote, Tag: "records",
			Summary: "A note (its current version).", Description: recordAccess, Status: 200, Response: record.Note{}, ResponseExample: exampleNoteObj},
		{Method: "PATCH", Path: c + "/notes/{id}", Handler: (*Server).patchNote, Tag: "records",
			Summary: "Replace a draft's values (its author, owner).", Description: noteRules, Body: notePatch{}, BodyExample: notePatch{Values: exampleValues},
			Status: 200, Response: record.Note{}, ResponseExample: draft, Conflict: "The note is signed: amend it instead."},
		{Method: "DELETE", Path: c + "/notes/{id}", Handler: (*Server).deleteNote, Tag: "records",
			Summary: "Delete a draft (its author, owner).", Description: noteRules, Status: 204, Conflict: "The note is signed."},
		{Method: "POST", Path: c + "/notes/{id}/sign", Handler: (*Server).signNote, Tag: "records",
			Summary: "Sign a draft: it becomes version 1 and immutable (its author, owner).", Description: noteRules,
			Status: 200, Response: record.Note{}, ResponseExample: exampleNoteObj, Conflict: "The note changed meanwhile."},
		{Method: "POST", Path: c + "/notes/{id}/amendments", Handler: (*Server).amendNote, Tag: "records",
			Summary: "Amend a signed note: a new version with its reason (its author, owner).", Description: amendRules + " " + noteRules,
			Body: record.AmendInput{}, BodyExample: record.AmendInput{Values: exampleVersions[1].Values, Reason: exampleVersions[1].Reason},
			Status: 201, Response: record.Note{}, ResponseExample: amended, Conflict: "The note is a draft (edit it instead), or changed meanwhile."},
		{Method: "GET", Path: c + "/notes/{id}/amendments", Handler: (*Server).listNoteVersions, Tag: "records",
			Summary: "Every signed version of a note, oldest first.", Description: amendRules + " " + recordAccess,
			Status: 200, Response: listOf[record.Version]{}, ResponseExample: listOf[record.Version]{Items: exampleVersions}},
		{Method: "GET", Path: c + "/encounters/{id}/diagnoses", Handler: (*Server).listEncounterDiagnoses, Tag: "records",
			Summary: "An encounter's diagnoses (CID-10).", Description: recordAccess,
			Status: 200, Response: listOf[record.Diagnosis]{}, ResponseExample: listOf[record.Diagnosis]{Items: []record.Diagnosis{exampleDiagnosis}}},
		{Method: "POST", Path: c + "/encounters/{id}/diagnoses", Handler: (*Server).addEncounterDiagnosis, Tag: "records",
			Summary: "Add a CID-10 diagnosis (the encounter's professional, owner).", Description: cidRules + " " + recordAccess,
			Body: record.DiagnosisInput{}, BodyExample: record.DiagnosisInput{Code: "m545", Description: "Dor lombar baixa"},
			Status: 201, Response: record.Diagnosis{}, ResponseExample: exampleDiagnosis, Conflict: "The encounter is closed."},
		{Method: "GET", Path: c + "/encounters/{id}/prescriptions", Handler: (*Server).listEncounterPrescriptions, Tag: "records",
			Summary: "An encounter's prescriptions.", Description: recordAccess,
			Status: 200, Response: listOf[record.Prescription]{}, ResponseExample: listOf[record.Prescription]{Items: []record.Prescription{examplePrescription}}},
		{Method: "POST", Path: c + "/encounters/{id}/prescriptions", Handler: (*Server).addEncounterPrescription, Tag: "records",
			Summary: "Add a prescription (the encounter's professional, owner).", Description: "items: at least one, each with a drug (dose and instructions optional). " + recordAccess,
			Body: record.PrescriptionInput{}, BodyExample: record.PrescriptionInput{Items: examplePrescription.Items},
			Status: 201, Response: record.Prescription{}, ResponseExample: examplePrescription, Conflict: "The encounter is closed."},
		{Method: "GET", Path: c + "/prescriptions/{id}", Handler: (*Server).getPrescription, Tag: "records",
			Summary: "A prescription with what its printed page shows (clinic, professional and council registration, patient).", Description: recordAccess,
			Status: 200, Response: record.Printable{}, ResponseExample: examplePrintable},
		{Method: "GET", Path: c + "/note-templates", Handler: (*Server).listNoteTemplates, Tag: "records",
			Summary: "The clinic's note templates by name (owner, admin, professional).", Description: templateFieldRules,
			Status: 200, Response: listOf[record.Template]{}, ResponseExample: listOf[record.Template]{Items: []record.Template{exampleTemplate2}}},
		{Method: "POST", Path: c + "/note-templates", Handler: (*Server).createNoteTemplate, Tag: "records",
			Summary: "Add a note template (owner, admin).", Description: templateFieldRules, Body: record.TemplateInput{},
			BodyRequired: []string{"kind", "name", "fields"}, BodyExample: exampleTemplateInput2,
			Status: 201, Response: record.Template{}, ResponseExample: record.Template{ID: exampleTplID, Kind: "anamnesis", Name: "Anamnese pediátrica",
				Fields: []record.Field{{Key: "weight", Label: "Peso (kg)", Type: "number", Required: true}, {Key: "vaccines", Label: "Vacinas em dia", Type: "yes_no"}},
				Active: true, CreatedAt: exampleSent, UpdatedAt: exampleSent}},
		{Method: "GET", Path: c + "/note-templates/{id}", Handler: (*Server).getNoteTemplate, Tag: "records",
			Summary: "A note template (owner, admin, professional).", Description: templateFieldRules,
			Status: 200, Response: record.Template{}, ResponseExample: exampleTemplate2},
		{Method: "PATCH", Path: c + "/note-templates/{id}", Handler: (*Server).patchNoteTemplate, Tag: "records",
			Summary: "Change a note template; active false retires it (owner, admin).", Description: templateFieldRules,
			Body: record.TemplateInput{}, BodyExample: record.TemplateInput{Active: kernel.Some(false)}, Status: 200, Response: record.Template{},
			ResponseExample: func() record.Template { t := exampleTemplate2; t.Active = false; return t }()},
		{Method: "GET", Path: c + "/records/search", Handler: (*Server).searchRecords, Tag: "records",
			Summary: "Find notes, diagnoses and prescriptions by words (owner, professional).", Description: recordSearchRules,
			Query:  []apiParam{{Name: "q", Required: true, Description: "The words."}, {Name: "limit", Description: "1–200, default 20."}},
			Status: 200, Response: listOf[record.SearchHit]{}, ResponseExample: listOf[record.SearchHit]{Items: []record.SearchHit{{Kind: "note",
				ID: exampleNote, EncounterID: exampleEncID, PatientID: examplePatientID, Snippet: "evolucao dor lombar ha 3 dias pior ao sentar 7 piora", At: exampleAt}}}},
	}
}
