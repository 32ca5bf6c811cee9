package document

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"regexp"
	"strings"

	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// The methods package patientfile composes: a patient's documents for the
// timeline, the LGPD export, and anonymisation.

// PatientDocuments answers every document of the patient that p may see,
// archived ones too, newest first (without text).
func (s *Service) PatientDocuments(ctx context.Context, p kernel.Principal, patientID string) ([]Document, error) {
	return s.List(ctx, p, patientID, true)
}

// ExportDocument is a document as the LGPD export writes it.
type ExportDocument struct {
	Document
	// Text is the OCR text.
	Text string `json:"text"`
	// File is the name of the file in the export ("" when removed).
	File        string       `json:"file,omitempty"`
	Suggestions []Suggestion `json:"suggestions"`
}

// ExportPatient streams each file of the patient's documents through add
// (as documents/<id>-<name>) and answers their metadata with OCR text and
// suggestions. Owner only; each document's export is audited.
func (s *Service) ExportPatient(ctx context.Context, p kernel.Principal, patientID string, add func(name string, r io.Reader) error) (any, error) {
	if p.Role != kernel.RoleOwner {
		return nil, errOwnerOnly
	}
	if !kernel.IsID(patientID) {
		return nil, errPatient
	}
	docs, err := list(ctx, s.db, p, patientID, true)
	if err != nil {
		return nil, err
	}
	// Every suggestion of the patient's documents in one query.
	sgs := map[string][]Suggestion{}
	rows, err := s.db.QueryContext(ctx, `SELECT ds.document_id, ds.id, ds.field, ds.value, ds.accepted_at FROM document_suggestions ds
		JOIN documents d ON d.id = ds.document_id WHERE d.clinic_id = $1 AND d.patient_id = $2 ORDER BY ds.created_at, ds.field, ds.value`,
		p.ClinicID, patientID)
	if err != nil {
		return nil, fmt.Errorf("document store: export suggestions: %w", err)
	}
	for rows.Next() {
		var doc string
		var sg Suggestion
		var at sql.NullTime
		if err := rows.Scan(&doc, &sg.ID, &sg.Field, &sg.Value, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("document store: export suggestions: %w", err)
		}
		sg.AcceptedAt, sg.Target = timePtr(at), target(sg.Field)
		sgs[doc] = append(sgs[doc], sg)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("document store: export suggestions: %w", err)
	}
	out := make([]ExportDocument, 0, len(docs))
	for _, d := range docs {
		e := ExportDocument{Document: d, Text: d.OCR.Text, Suggestions: sgs[d.ID]}
		if e.Suggestions == nil {
			e.Suggestions = []Suggestion{}
		}
		e.OCR.Text = ""
		if !d.Removed {
			e.File = "documents/" + d.ID + "-" + d.FileName
			rc, _, err := s.files.Open(ctx, d.storageKey)
			if err != nil {
				return nil, err
			}
			err = add(e.File, rc)
			rc.Close()
			if err != nil {
				return nil, fmt.Errorf("document: export %s: %w", d.ID, err)
			}
		}
		if err := audit.Record(ctx, s.db, p.ClinicID, audit.ActionRead, Entity, d.ID, d.PatientID); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// redacted replaces what identifies a patient in a clinical document's text.
const redacted = "[removido]"

// AnonymisePatient removes what identifies the patient from their
// documents. Administrative documents lose their file (the object is
// deleted once committed), their text, words and suggestions: a tombstone
// row stays, flagged anonymised. Clinical documents keep their file and
// text, with every CPF and phone number and the patient's name redacted
// (and their index rebuilt), flagged anonymised. Owner only; audited per
// document. Running it again does no harm.
func (s *Service) AnonymisePatient(ctx context.Context, p kernel.Principal, patientID string) error {
	if p.Role != kernel.RoleOwner {
		return errOwnerOnly
	}
	if !kernel.IsID(patientID) {
		return errPatient
	}
	var names []string
	if pt, err := s.patients.Get(ctx, p, patientID); err == nil {
		for _, n := range []string{pt.FullName, pt.SocialName} {
			if n != "" {
				names = append(names, n)
			}
		}
	}
	var keys []string
	now := db.Time(s.now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		docs, err := list(ctx, tx, p, patientID, true)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if d.Clinical {
				text := redact(d.OCR.Text, names)
				if _, err := tx.ExecContext(ctx, `UPDATE documents SET ocr_text = $1, anonymised_at = $2, updated_at = $2 WHERE clinic_id = $3 AND id = $4`,
					text, now, d.clinicID, d.ID); err != nil {
					return fmt.Errorf("document store: anonymise: %w", err)
				}
				if err := writeWords(ctx, tx, d.clinicID, d.ID, text); err != nil {
					return err
				}
			} else {
				if d.storageKey != "" {
					keys = append(keys, d.storageKey)
				}
				if _, err := tx.ExecContext(ctx, `UPDATE documents SET storage_key = NULL, ocr_text = '', file_name = $1, ocr_state = CASE
					WHEN ocr_state = 'done' THEN 'done' ELSE 'not_available' END, anonymised_at = $2, updated_at = $2 WHERE clinic_id = $3 AND id = $4`,
					SafeName("", d.ContentType), now, d.clinicID, d.ID); err != nil {
					return fmt.Errorf("document store: anonymise: %w", err)
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM document_words WHERE document_id = $1`, d.ID); err != nil {
					return fmt.Errorf("document store: anonymise: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM document_suggestions WHERE document_id = $1`, d.ID); err != nil {
				return fmt.Errorf("document store: anonymise: %w", err)
			}
			if err := audit.Record(ctx, tx, d.clinicID, audit.ActionUpdate, Entity, d.ID, d.PatientID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := s.files.Delete(context.WithoutCancel(ctx), k); err != nil {
			s.log.Error("document: delete an anonymised patient's file", "key", k, "err", err)
		}
	}
	return nil
}

// redact replaces CPFs, phone numbers and the names in text.
func redact(text string, names []string) string {
	text = reCPF.ReplaceAllStringFunc(text, keepEdges(reCPF))
	text = rePhone.ReplaceAllStringFunc(text, keepEdges(rePhone))
	for _, n := range names {
		for _, w := range strings.Fields(n) {
			if len([]rune(w)) < 3 {
				continue
			}
			re, err := regexp.Compile(`(?i)(^|[^\pL\pN])` + regexp.QuoteMeta(w) + `($|[^\pL\pN])`)
			if err == nil {
				text = re.ReplaceAllString(text, "${1}"+redacted+"${2}")
			}
		}
	}
	return text
}

// keepEdges replaces the first group of a match of re, keeping the
// characters around it that the match took.
func keepEdges(re *regexp.Regexp) func(string) string {
	return func(m string) string {
		sub := re.FindStringSubmatchIndex(m)
		if sub == nil || sub[2] < 0 {
			return redacted
		}
		return m[:sub[2]] + redacted + m[sub[3]:]
	}
}
