package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"clinic/internal/apperr"
	"clinic/internal/config"
	"clinic/internal/document"
	"clinic/internal/kernel"
)

// newDocuments builds the document service with the OCR engine this
// machine has, and logs in one line whether OCR is on (Tesseract's version
// and languages) or why not, and how to turn it on.
func newDocuments(ctx context.Context, cfg config.Config, log *slog.Logger, a *App, enqueueOnly bool) *document.Service {
	engine := document.DetectEngine(ctx, document.EngineConfig{Languages: cfg.OCRLanguages, Timeout: cfg.OCRTimeout})
	on := fmt.Sprintf("ocr: on (%s, languages %s)", engine.Version(), engine.Languages())
	switch {
	case !engine.Available():
		log.Warn("ocr: off: "+engine.Reason()+"; uploads are kept with OCR state not_available",
			"to_enable", document.Install+", then restart and POST …/documents/{id}/ocr to read the earlier ones")
	case enqueueOnly:
		log.Info(on + ", enqueue only (the server reads the documents)")
	case cfg.JobWorkers == 0:
		log.Info(on + ", no OCR workers in this process (WORKERS=0; run `clinic worker`)")
	case !cfg.RunsQueue(config.QueueOCR):
		log.Info(on+", no OCR workers in this process (its worker queues leave ocr to other processes)", "queues", strings.Join(cfg.WorkerQueues, ","))
	case cfg.OCRWorkers == 0:
		log.Info(on + ", no OCR workers in this process (OCR_WORKERS=0: other processes read the documents)")
	default:
		log.Info(fmt.Sprintf("%s, %d OCR workers in this process on queue %s", on, cfg.OCRWorkers, document.QueueOCR))
	}
	// A document may be attached to an encounter of its patient: the record
	// service answers whose encounter it is (and whether p may read it).
	encounters := document.WithEncounters(func(ctx context.Context, p kernel.Principal, clinicID, id string) (string, error) {
		if clinicID != p.ClinicID {
			return "", apperr.New(apperr.NotFound, "Encounter not found.")
		}
		e, err := a.Records.Encounter(ctx, p, id)
		return e.PatientID, err
	})
	return document.NewService(a.DB, a.Files, a.Patients, a.Queue, engine, document.Config{MaxBytes: cfg.UploadMaxBytes},
		document.WithLogger(log), encounters)
}

// lateDocuments registers the OCR worker before the document service
// exists (as lateReminders).
type lateDocuments struct{ s *document.Service }

type lateOCR struct {
	river.WorkerDefaults[document.OCRArgs]
	l *lateDocuments
}

func (w *lateOCR) Timeout(job *river.Job[document.OCRArgs]) time.Duration {
	return w.l.s.OCRWorker().Timeout(job)
}

func (w *lateOCR) Work(ctx context.Context, job *river.Job[document.OCRArgs]) error {
	return w.l.s.OCRWorker().Work(ctx, job)
}
