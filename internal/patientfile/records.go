package patientfile

import (
	"context"

	"clinic/internal/kernel"
	"clinic/internal/record"
)

// RecordsService is what Encounters and Notes ask of the record service.
type RecordsService interface {
	PatientEncounters(ctx context.Context, p kernel.Principal, patientID string) ([]record.Encounter, error)
	ExportPatient(ctx context.Context, p kernel.Principal, patientID string) (any, error)
	AnonymisePatient(ctx context.Context, p kernel.Principal, patientID string) error
	Search(ctx context.Context, p kernel.Principal, q string, limit int) ([]record.SearchHit, error)
}

// Encounters is the patient's clinical record (prontuário): on the timeline
// one entry per encounter, in the export every encounter with its notes
// (every version), diagnoses and prescriptions (encounters.json); the record
// service keeps the clinical content on anonymisation and flags it.
// Clinical: only the owner and the patient's professional get it.
type Encounters struct{ S RecordsService }

var _ Source = Encounters{}

// Name implements Source.
func (Encounters) Name() string { return "encounters" }

// Clinical implements Source.
func (Encounters) Clinical() bool { return true }

// Timeline implements Source.
func (e Encounters) Timeline(ctx context.Context, p kernel.Principal, patientID string) ([]Entry, error) {
	list, err := e.S.PatientEncounters(ctx, p, patientID)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(list))
	for _, en := range list {
		out = append(out, Entry{At: en.StartedAt, Kind: "encounter", ID: en.ID, Title: en.ProfessionalName,
			Status: en.Status, Path: "/encounters/" + en.ID, Clinical: true})
	}
	return out, nil
}

// Export implements Source.
func (e Encounters) Export(ctx context.Context, p kernel.Principal, patientID string, x *Export) error {
	v, err := e.S.ExportPatient(ctx, p, patientID)
	if err != nil {
		return err
	}
	return x.JSON(e.Name(), "Clinical record: encounters, notes with every signed version and amendment, diagnoses (CID-10), prescriptions", v)
}

// Anonymise implements Source.
func (e Encounters) Anonymise(ctx context.Context, p kernel.Principal, patientID string) error {
	return e.S.AnonymisePatient(ctx, p, patientID)
}

// Notes searches the clinical record's notes, diagnoses and prescriptions
// (clinical: owner and professionals, a professional only their own
// patients').
type Notes struct{ S RecordsService }

var _ Searcher = Notes{}

// Name implements Searcher.
func (Notes) Name() string { return "notes" }

// Clinical implements Searcher.
func (Notes) Clinical() bool { return true }

// Search implements Searcher.
func (n Notes) Search(ctx context.Context, p kernel.Principal, q string, limit int) ([]Hit, error) {
	hits, err := n.S.Search(ctx, p, q, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Hit, 0, len(hits))
	for _, h := range hits {
		at := h.At
		out = append(out, Hit{Kind: h.Kind, ID: h.ID, PatientID: h.PatientID, Title: h.Kind, Snippet: h.Snippet, At: &at,
			Path: "/encounters/" + h.EncounterID})
	}
	return out, nil
}
