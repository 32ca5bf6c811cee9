// Package record keeps the clinical record (prontuário) of a clinic's
// patients: encounters (atendimentos) opened from an appointment or as a
// walk-in, the clinic's note templates (anamnese, evolução, texto livre),
// notes written from them — a draft its author edits, then signed and
// immutable, changed only by amendments that each keep a new version —,
// diagnoses (CID-10) and prescriptions (receitas).
//
// # Who reads it
//
// Clinical content is read by the clinic's owner and by the professional
// whose patient it is: the professional linked to the user (schedule's
// UserID) who has an encounter with the patient, or an appointment (the
// patient service answers that). Admins, receptionists and financial users
// are refused (apperr.Forbidden) everywhere; another clinic's row is not
// found. Every read of clinical content and every write is audited with the
// patient's id (audit.Record). Note templates are configuration, not
// clinical content: owners and admins manage them, clinical roles read
// them.
//
// # Search
//
// Notes, diagnoses and prescriptions keep a folded copy of their text
// (kernel.FoldText) in search_text; Search looks each word up with LIKE
// among the clinic's rows (the clinic_id indexes bound the scan), the same
// way on both engines.
//
// Tables: encounters, note_templates, notes, note_versions, diagnoses,
// prescriptions (migration 0013).
package record
