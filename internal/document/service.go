package document

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// List answers the documents of a patient that p may see, newest first,
// without their text (archived ones left out unless withArchived). Another
// clinic's or an unknown patient is not found; financial users are
// forbidden.
func (s *Service) List(ctx context.Context, p kernel.Principal, patientID string, withArchived bool) ([]Document, error) {
	if !readsAny(p.Role) {
		return nil, errForbidden
	}
	if err := patientVisible(ctx, s.db, p, patientID); err != nil {
		return nil, err
	}
	docs, err := list(ctx, s.db, p, patientID, withArchived)
	for i := range docs {
		docs[i].OCR.Text = ""
	}
	return docs, err
}

// Get answers a document with its OCR text. A read of clinical content is
// audited. A document p may not see is not found (financial: forbidden).
func (s *Service) Get(ctx context.Context, p kernel.Principal, id string) (Document, error) {
	if !readsAny(p.Role) {
		return Document{}, errForbidden
	}
	d, err := get(ctx, s.db, p, id)
	if err != nil {
		return Document{}, err
	}
	if d.Clinical {
		if err := audit.Record(ctx, s.db, d.clinicID, audit.ActionRead, Entity, d.ID, d.PatientID); err != nil {
			return Document{}, err
		}
	}
	return d, nil
}

// Open streams a document's file (the caller closes it); every download is
// audited. A removed file is not found.
func (s *Service) Open(ctx context.Context, p kernel.Principal, id string) (Document, io.ReadCloser, error) {
	if !readsAny(p.Role) {
		return Document{}, nil, errForbidden
	}
	d, err := get(ctx, s.db, p, id)
	if err != nil {
		return Document{}, nil, err
	}
	if d.Removed {
		return Document{}, nil, errRemoved
	}
	if err := audit.Record(ctx, s.db, d.clinicID, audit.ActionRead, Entity+"_content", d.ID, d.PatientID); err != nil {
		return Document{}, nil, err
	}
	rc, _, err := s.files.Open(ctx, d.storageKey)
	if err != nil {
		return Document{}, nil, err
	}
	return d, rc, nil
}

// Archive takes a document out of the patient's list (it is kept, and
// still listed with archived ones): nothing about a patient vanishes.
// Audited as a delete. Who may see it may archive it.
func (s *Service) Archive(ctx context.Context, p kernel.Principal, id string) (Document, error) {
	if !readsAny(p.Role) {
		return Document{}, errForbidden
	}
	var d Document
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if d, err = get(ctx, tx, p, id); err != nil {
			return err
		}
		if d.ArchivedAt != nil {
			return nil
		}
		now := db.Time(s.now())
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET archived_at = $1, updated_at = $1 WHERE clinic_id = $2 AND id = $3`,
			now, d.clinicID, d.ID); err != nil {
			return fmt.Errorf("document store: archive: %w", err)
		}
		d.ArchivedAt, d.UpdatedAt = &now, now
		return audit.Record(ctx, tx, d.clinicID, audit.ActionDelete, Entity, d.ID, d.PatientID)
	})
	return d, err
}

// OCRState answers the OCR state and text of a document (as Get).
func (s *Service) OCRState(ctx context.Context, p kernel.Principal, id string) (OCR, error) {
	d, err := s.Get(ctx, p, id)
	return d.OCR, err
}

// RunOCR queues the document's OCR again (after a failure, or once the
// tools are installed): the state goes back to pending until a worker of
// queue ocr reads it (or marks it not_available). A job already waiting is
// not doubled. Conflict while it runs; a removed file is not found.
func (s *Service) RunOCR(ctx context.Context, p kernel.Principal, id string) (OCR, error) {
	if !readsAny(p.Role) {
		return OCR{}, errForbidden
	}
	var d Document
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if d, err = get(ctx, tx, p, id); err != nil {
			return err
		}
		if d.Removed {
			return errRemoved
		}
		// A run interrupted for good (its job gone) leaves the state
		// running: after an hour it may be run again.
		if d.OCR.State == OCRRunning && s.now().Sub(d.UpdatedAt) < time.Hour {
			return apperr.New(apperr.Conflict, "The text is being read now.")
		}
		d.OCR = OCR{State: OCRPending}
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET ocr_state = $1, ocr_reason = $2, updated_at = $3 WHERE clinic_id = $4 AND id = $5`,
			d.OCR.State, d.OCR.Reason, db.Time(s.now()), d.clinicID, d.ID); err != nil {
			return fmt.Errorf("document store: rerun ocr: %w", err)
		}
		return s.enqueue(ctx, tx, d)
	})
	return d.OCR, err
}
