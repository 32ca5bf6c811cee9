package demo

import (
	"context"
	"fmt"

	"clinic/internal/appointment"
	"clinic/internal/kernel"
	"clinic/internal/record"
)

// RecordsResult names one encounter of the demo's records.
type RecordsResult struct {
	ID             string
	PatientID      string
	PrescriptionID string
}

// demoEncounters is how many of the first appointments get an encounter.
const demoEncounters = 3

// seedRecords opens an encounter on the first appointments (through the
// records service, as the owner) with a signed progress note — the first
// one amended —, a diagnosis and a prescription.
func seedRecords(ctx context.Context, rs *record.Service, p kernel.Principal, booked []appointment.Appointment) (RecordsResult, error) {
	var out RecordsResult
	templates, err := rs.Templates(ctx, p)
	if err != nil {
		return out, fmt.Errorf("demo: note templates: %w", err)
	}
	var evolution string
	for _, t := range templates {
		if t.Builtin == "evolution" {
			evolution = t.ID
		}
	}
	notes := []struct {
		values    map[string]string
		code, dx  string
		drug, dos string
	}{
		{map[string]string{"subjective": "Dor lombar há 3 dias, pior ao sentar", "objective": "Contratura paravertebral lombar",
			"assessment": "Lombalgia mecânica", "plan": "Analgesia, calor local e retorno em 15 dias", "pain": "7", "progress": "Piora"},
			"M54.5", "Dor lombar baixa", "Dipirona 500 mg", "1 comprimido de 6 em 6 horas se dor, por até 5 dias"},
		{map[string]string{"subjective": "Tosse seca e coriza há 2 dias", "assessment": "Resfriado comum", "plan": "Hidratação e repouso",
			"pain": "2", "progress": "Estável"}, "J00", "Nasofaringite aguda (resfriado comum)", "Soro fisiológico 0,9%", "2 jatos em cada narina 4 vezes ao dia"},
		{map[string]string{"subjective": "Cefaleia frontal ao fim do dia", "plan": "Diário da dor e reavaliação", "pain": "5", "progress": "Melhora"},
			"R51", "Cefaleia", "Paracetamol 750 mg", "1 comprimido se dor, no máximo 4 ao dia"},
	}
	for i, a := range booked[:min(demoEncounters, len(booked))] {
		e, _, err := rs.Open(ctx, p, record.OpenInput{AppointmentID: a.ID})
		if err != nil {
			return out, fmt.Errorf("demo: encounter: %w", err)
		}
		n := notes[i%len(notes)]
		note, err := rs.AddNote(ctx, p, e.ID, record.NoteInput{TemplateID: evolution, Values: n.values})
		if err != nil {
			return out, fmt.Errorf("demo: note: %w", err)
		}
		if _, err := rs.Sign(ctx, p, note.ID, nil); err != nil {
			return out, fmt.Errorf("demo: sign: %w", err)
		}
		if i == 0 {
			amended := map[string]string{}
			for k, v := range n.values {
				amended[k] = v
			}
			amended["subjective"] = "Dor lombar há 5 dias, pior ao sentar; sem irradiação"
			if _, err := rs.Amend(ctx, p, note.ID, record.AmendInput{Values: amended, Reason: "O paciente corrigiu a data de início da dor"}); err != nil {
				return out, fmt.Errorf("demo: amend: %w", err)
			}
		}
		if _, err := rs.AddDiagnosis(ctx, p, e.ID, record.DiagnosisInput{Code: n.code, Description: n.dx}); err != nil {
			return out, fmt.Errorf("demo: diagnosis: %w", err)
		}
		rx, err := rs.AddPrescription(ctx, p, e.ID, record.PrescriptionInput{Items: []record.Item{{Drug: n.drug, Instructions: n.dos}}})
		if err != nil {
			return out, fmt.Errorf("demo: prescription: %w", err)
		}
		if i == 0 {
			out = RecordsResult{ID: e.ID, PatientID: e.PatientID, PrescriptionID: rx.ID}
		}
	}
	return out, nil
}
