package httpapi

import (
	"net/http"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/record"
)

// The clinical records (package record): encounters, note templates,
// notes and their versions, diagnoses and prescriptions. The service
// decides who may read and write what, and audits every read; these
// handlers parse and answer.

// openEncounterInput opens an encounter for the patient of the path: from
// one of their appointments, or as a walk-in.
type openEncounterInput struct {
	AppointmentID  string `json:"appointment_id,omitempty"`
	ProfessionalID string `json:"professional_id,omitempty"`
}

// listPatientEncounters lists a patient's encounters, newest first.
func (s *Server) listPatientEncounters(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Records.PatientEncounters(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf[record.Encounter]{Items: list})
	return nil
}

// openEncounter opens an encounter, or answers the one already opened
// from the appointment (the same 201, so that a retry reads as the first
// call).
func (s *Server) openEncounter(w http.ResponseWriter, r *http.Request) error {
	var in openEncounterInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p := principalOf(r.Context())
	patientID := r.PathValue("id")
	e, created, err := s.Records.Open(r.Context(), p, record.OpenInput{AppointmentID: in.AppointmentID, PatientID: patientID, ProfessionalID: in.ProfessionalID})
	if err != nil {
		return err
	}
	_ = created // the same answer for a retry: the encounter
	writeJSON(w, http.StatusCreated, e)
	return nil
}

// getEncounter answers an encounter with its notes, diagnoses and
// prescriptions.
func (s *Server) getEncounter(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Records.Encounter(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

// encounterPatch closes an encounter.
type encounterPatch struct {
	// Status is "closed" (an encounter is not opened again).
	Status string `json:"status"`
}

// patchEncounter closes an encounter.
func (s *Server) patchEncounter(w http.ResponseWriter, r *http.Request) error {
	var in encounterPatch
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	if in.Status != record.StatusClosed {
		return apperr.Validation(map[string]string{"status": "Must be closed."})
	}
	e, err := s.Records.Close(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

// listEncounterNotes lists an encounter's notes.
func (s *Server) listEncounterNotes(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Records.Notes(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf[record.Note]{Items: list})
	return nil
}

// addEncounterNote writes a draft note on an encounter.
func (s *Server) addEncounterNote(w http.ResponseWriter, r *http.Request) error {
	var in record.NoteInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	n, err := s.Records.AddNote(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, n)
	return nil
}

// getNote answers a note.
func (s *Server) getNote(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Records.Note(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

// notePatch replaces a draft's values.
type notePatch struct {
	Values map[string]string `json:"values" text:"multiline"`
}

// patchNote replaces a draft's values.
func (s *Server) patchNote(w http.ResponseWriter, r *http.Request) error {
	var in notePatch
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	n, err := s.Records.UpdateDraft(r.Context(), principalOf(r.Context()), r.PathValue("id"), in.Values)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

// deleteNote deletes a draft.
func (s *Server) deleteNote(w http.ResponseWriter, r *http.Request) error {
	if err := s.Records.DeleteDraft(r.Context(), principalOf(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// signNote signs a draft.
func (s *Server) signNote(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Records.Sign(r.Context(), principalOf(r.Context()), r.PathValue("id"), nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

// amendNote amends a signed note: a new version.
func (s *Server) amendNote(w http.ResponseWriter, r *http.Request) error {
	var in record.AmendInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	n, err := s.Records.Amend(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, n)
	return nil
}

// listNoteVersions lists every signed version of a note.
func (s *Server) listNoteVersions(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Records.Versions(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf[record.Version]{Items: list})
	return nil
}

// listEncounterDiagnoses lists an encounter's diagnoses.
func (s *Server) listEncounterDiagnoses(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Records.Diagnoses(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf[record.Diagnosis]{Items: list})
	return nil
}

// addEncounterDiagnosis adds a diagnosis.
func (s *Server) addEncounterDiagnosis(w http.ResponseWriter, r *http.Request) error {
	var in record.DiagnosisInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	d, err := s.Records.AddDiagnosis(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}

// listEncounterPrescriptions lists an encounter's prescriptions.
func (s *Server) listEncounterPrescriptions(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Records.Prescriptions(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf[record.Prescription]{Items: list})
	return nil
}

// addEncounterPrescription adds a prescription.
func (s *Server) addEncounterPrescription(w http.ResponseWriter, r *http.Request) error {
	var in record.PrescriptionInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	rx, err := s.Records.AddPrescription(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rx)
	return nil
}

// getPrescription answers a prescription with what its printed page shows.
func (s *Server) getPrescription(w http.ResponseWriter, r *http.Request) error {
	rx, err := s.Records.PrintPrescription(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rx)
	return nil
}

// listNoteTemplates lists the clinic's note templates.
func (s *Server) listNoteTemplates(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Records.Templates(r.Context(), principalOf(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf[record.Template]{Items: list})
	return nil
}

// createNoteTemplate adds a note template.
func (s *Server) createNoteTemplate(w http.ResponseWriter, r *http.Request) error {
	var in record.TemplateInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	t, err := s.Records.CreateTemplate(r.Context(), principalOf(r.Context()), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

// getNoteTemplate answers a note template.
func (s *Server) getNoteTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := s.Records.Template(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// patchNoteTemplate changes a note template.
func (s *Server) patchNoteTemplate(w http.ResponseWriter, r *http.Request) error {
	var in record.TemplateInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	t, err := s.Records.UpdateTemplate(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// searchRecords finds notes, diagnoses and prescriptions by words.
func (s *Server) searchRecords(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, msg := kernel.ParseLimit(q.Get("limit"), kernel.MaxLimit)
	if msg != "" {
		return apperr.Validation(map[string]string{"limit": msg})
	}
	hits, err := s.Records.Search(r.Context(), principalOf(r.Context()), q.Get("q"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf[record.SearchHit]{Items: hits})
	return nil
}
