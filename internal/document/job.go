package document

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/queue"
)

// QueueOCR is the job queue of the OCR jobs, so that OCR runs on workers
// (and machines) of its own (OCR_WORKERS).
const QueueOCR = "ocr"

// Enqueuer inserts jobs in a transaction (*queue.Queue).
type Enqueuer interface {
	InsertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// OCRArgs is the job that reads one document's text.
type OCRArgs struct {
	ClinicID   string `json:"clinic_id"`
	DocumentID string `json:"document_id"`
}

// Kind implements river.JobArgs.
func (OCRArgs) Kind() string { return "document_ocr" }

// ocrUnique keeps one job per document while it waits or runs.
var ocrUnique = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled, rivertype.JobStateRunning}}

// InsertOpts puts the job on the OCR queue, unique per document.
func (OCRArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOCR, UniqueOpts: ocrUnique}
}

func (s *Service) enqueue(ctx context.Context, tx *sql.Tx, d Document) error {
	if s.jobs == nil {
		return errors.New("document: no job queue")
	}
	opts := queue.WithClinic(&river.InsertOpts{Queue: QueueOCR, UniqueOpts: ocrUnique}, d.clinicID)
	_, err := s.jobs.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: OCRArgs{ClinicID: d.clinicID, DocumentID: d.ID}, InsertOpts: opts}})
	if err != nil {
		return fmt.Errorf("document: queue ocr: %w", err)
	}
	return nil
}

// Worker works the OCR jobs.
type Worker struct {
	river.WorkerDefaults[OCRArgs]
	s *Service
}

// OCRWorker returns the worker of the OCR jobs.
func (s *Service) OCRWorker() *Worker { return &Worker{s: s} }

// Timeout is long enough for a document of many pages.
func (w *Worker) Timeout(*river.Job[OCRArgs]) time.Duration { return 30 * time.Minute }

// Work reads the document's text.
func (w *Worker) Work(ctx context.Context, job *river.Job[OCRArgs]) error {
	return w.s.Process(ctx, job.Args.ClinicID, job.Args.DocumentID)
}

// Process reads a document's text and stores it with its words and
// suggestions. It is idempotent: a second run replaces what the first
// stored. A document gone or without its file is left alone; a server
// without the OCR tools marks it not_available; a failure of the tools
// marks it failed with their reason (not retried: POST …/ocr runs it
// again).
func (s *Service) Process(ctx context.Context, clinicID, id string) error {
	d, err := getSystem(ctx, s.db, clinicID, id)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.Removed || d.OCR.State == OCRDone {
		return nil
	}
	if !s.ocr.Available() {
		return s.setState(ctx, d, OCRNotAvailable, s.ocr.Reason())
	}
	if err := s.setState(ctx, d, OCRRunning, ""); err != nil {
		return err
	}
	rc, _, err := s.files.Open(ctx, d.storageKey)
	if err != nil {
		return s.setState(ctx, d, OCRFailed, "the file could not be read: "+err.Error())
	}
	text, pages, err := s.ocr.Text(ctx, d.ContentType, rc)
	rc.Close()
	if err != nil {
		if ctx.Err() != nil {
			// Interrupted (shutdown): back to pending, the retry reads it.
			_ = s.setState(context.WithoutCancel(ctx), d, OCRPending, "")
			return err
		}
		s.log.Warn("document: ocr failed", "document", d.ID, "err", err)
		return s.setState(ctx, d, OCRFailed, err.Error())
	}
	name := ""
	if pt, err := s.patients.Get(ctx, systemPrincipal(clinicID), d.PatientID); err == nil {
		name = pt.FullName
	}
	return s.storeText(ctx, d, text, pages, Suggest(text, name, s.now()))
}

// systemPrincipal is the OCR job reading the patient's name.
func systemPrincipal(clinicID string) kernel.Principal {
	return kernel.Principal{ClinicID: clinicID, Role: kernel.RoleOwner, System: SystemOCR}
}

// SystemOCR names the OCR job as a system actor.
const SystemOCR = "ocr"

func (s *Service) setState(ctx context.Context, d Document, state, reason string) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	_, err := s.db.ExecContext(ctx, `UPDATE documents SET ocr_state = $1, ocr_reason = $2, updated_at = $3 WHERE clinic_id = $4 AND id = $5`,
		state, reason, db.Time(s.now()), d.clinicID, d.ID)
	if err != nil {
		return fmt.Errorf("document store: ocr state: %w", err)
	}
	return nil
}

// storeText stores the text, its words and its suggestions in one
// transaction (replacing any of an earlier run; accepted suggestions stay).
func (s *Service) storeText(ctx context.Context, d Document, text string, pages int, found []Found) error {
	now := db.Time(s.now())
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET ocr_state = $1, ocr_reason = '', ocr_text = $2, ocr_pages = $3, ocr_at = $4,
			updated_at = $4 WHERE clinic_id = $5 AND id = $6`, OCRDone, text, pages, now, d.clinicID, d.ID); err != nil {
			return fmt.Errorf("document store: text: %w", err)
		}
		if err := writeWords(ctx, tx, d.clinicID, d.ID, text); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM document_suggestions WHERE document_id = $1 AND accepted_at IS NULL`, d.ID); err != nil {
			return fmt.Errorf("document store: suggestions: %w", err)
		}
		for _, f := range found {
			if _, err := tx.ExecContext(ctx, `INSERT INTO document_suggestions (id, document_id, clinic_id, field, value, created_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (document_id, field, value) DO NOTHING`,
				kernel.NewID(), d.ID, d.clinicID, f.Field, f.Value, now); err != nil {
				return fmt.Errorf("document store: suggestion: %w", err)
			}
		}
		return nil
	})
}
