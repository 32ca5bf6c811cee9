package patientfile

import (
	"context"
	"fmt"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/patient"
)

// ActionAnonymise is the audit action of the start of an anonymisation
// (entity EntityFile); each source and the patient service audit their
// own step.
const ActionAnonymise = "anonymise"

// EntityFile is the audit entity of the patient file as a whole (entity
// id: the patient's id).
const EntityFile = "patient_file"

// AnonymiseInput confirms an anonymisation.
type AnonymiseInput struct {
	// Confirm must be the patient's current name (full or social name;
	// case, accents and spacing aside).
	Confirm string `json:"confirm"`
}

// Anonymise anonymises a patient of p's clinic everywhere: every source
// removes what identifies them (messages' addresses and texts, waitlist
// notes, documents, records' copies…), keeping the clinical records as the
// law requires, then the patient service replaces the patient's own fields
// and flags them anonymised (patient.Service.Anonymise). The start and
// each step are audited. Only owners (Forbidden); NotFound as for the
// patient service's Get; Invalid (field confirm) unless in.Confirm is the
// patient's current name. Idempotent: after a failure (Internal, with the
// failed step), calling again with the name the patient has then finishes
// it.
func (s *Service) Anonymise(ctx context.Context, p kernel.Principal, patientID string, in AnonymiseInput) (patient.Patient, error) {
	if p.Role != kernel.RoleOwner {
		return patient.Patient{}, errOwnerOnly
	}
	pat, err := s.patients.Get(ctx, p, patientID)
	if err != nil {
		return patient.Patient{}, err
	}
	if !confirms(in.Confirm, pat) {
		return patient.Patient{}, apperr.Validation(map[string]string{"confirm": "Type the patient's current name to confirm."})
	}
	if err := audit.Record(ctx, s.audit, p.ClinicID, ActionAnonymise, EntityFile, pat.ID, pat.ID); err != nil {
		return patient.Patient{}, err
	}
	for _, src := range s.sources {
		if err := src.Anonymise(ctx, p, pat.ID); err != nil {
			return patient.Patient{}, fmt.Errorf("patientfile: anonymise %s of %s: %w", src.Name(), pat.ID, err)
		}
	}
	return s.patients.Anonymise(ctx, p, pat.ID)
}

// confirms reports whether typed is p's full or social name.
func confirms(typed string, p patient.Patient) bool {
	t := kernel.FoldText(typed)
	if t == "" {
		return false
	}
	return t == kernel.FoldText(p.FullName) || (p.SocialName != "" && t == kernel.FoldText(p.SocialName))
}
