package document

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/blob"
	"clinic/internal/platform/db"
)

// Entity is the audit log's name of a document.
const Entity = "document"

// The kinds of document.
const (
	KindInsuranceCard = "insurance_card"
	KindID            = "id"
	KindReferral      = "referral"
	KindExam          = "exam"
	KindOther         = "other"
)

// Kinds lists every kind, in the order a form offers them.
var Kinds = []string{KindInsuranceCard, KindID, KindReferral, KindExam, KindOther}

// The OCR states of a document.
const (
	OCRPending      = "pending"
	OCRRunning      = "running"
	OCRDone         = "done"
	OCRFailed       = "failed"
	OCRNotAvailable = "not_available"
)

// OCRStates lists every OCR state.
var OCRStates = []string{OCRPending, OCRRunning, OCRDone, OCRFailed, OCRNotAvailable}

// The content types a document may have (sniffed from the content).
const (
	TypePDF  = "application/pdf"
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
)

// Document is a file attached to a patient.
type Document struct {
	ID          string `json:"id"`
	PatientID   string `json:"patient_id"`
	EncounterID string `json:"encounter_id,omitempty"`
	Kind        string `json:"kind"`
	// Clinical is true for clinical content (attached to an encounter,
	// marked clinical, or an exam).
	Clinical bool `json:"clinical"`
	// FileName is the original name, sanitised; for display only.
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	SizeBytes   int64  `json:"size_bytes"`
	SHA256      string `json:"sha256"`
	OCR         OCR    `json:"ocr"`
	UploadedBy  string `json:"uploaded_by,omitempty"`
	// Removed is true once the file is gone (an anonymised patient's
	// administrative document): the row stays as a tombstone.
	Removed      bool       `json:"removed"`
	ArchivedAt   *time.Time `json:"archived_at,omitempty"`
	AnonymisedAt *time.Time `json:"anonymised_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`

	clinicID   string
	storageKey string
}

// OCR is the state of a document's text recognition.
type OCR struct {
	// State is pending, running, done, failed or not_available.
	State string `json:"state"`
	// Reason says why it failed or is not available.
	Reason string `json:"reason,omitempty"`
	// Text is the recognised text (empty until done); left out of lists.
	Text  string     `json:"text,omitempty"`
	Pages int        `json:"pages"`
	At    *time.Time `json:"at,omitempty"`
}

// Patients is what the service asks of the patient service.
type Patients interface {
	Get(ctx context.Context, p kernel.Principal, id string) (patient.Patient, error)
	Update(ctx context.Context, p kernel.Principal, id string, in patient.Input) (patient.Patient, error)
}

// EncounterPatient answers the patient of an encounter of the clinic (package
// record), or an apperr NotFound when p may not see it or it does not exist.
type EncounterPatient func(ctx context.Context, p kernel.Principal, clinicID, encounterID string) (patientID string, err error)

// Config tunes the service.
type Config struct {
	// MaxBytes is the largest file accepted (UPLOAD_MAX_BYTES).
	MaxBytes int64
}

// DefaultMaxBytes is the default upload limit: 20 MiB.
const DefaultMaxBytes = 20 << 20

// Service keeps the clinic's documents.
type Service struct {
	db         *db.DB
	files      blob.Store
	patients   Patients
	jobs       Enqueuer
	ocr        *Engine
	encounters EncounterPatient
	cfg        Config
	log        *slog.Logger
	now        func() time.Time
}

// Option adjusts a Service.
type Option func(*Service)

// WithLogger sets the service's logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithEncounters lets documents be attached to encounters: f answers an
// encounter's patient (package record's service). Without it an
// encounter_id is refused.
func WithEncounters(f EncounterPatient) Option { return func(s *Service) { s.encounters = f } }

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// NewService returns a Service. ocr is the OCR engine (DetectEngine); jobs
// enqueues the OCR jobs in the upload's transaction.
func NewService(d *db.DB, files blob.Store, patients Patients, jobs Enqueuer, ocr *Engine, cfg Config, opts ...Option) *Service {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	s := &Service{db: d, files: files, patients: patients, jobs: jobs, ocr: ocr, cfg: cfg, log: slog.Default(), now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// MaxBytes is the largest file the service accepts.
func (s *Service) MaxBytes() int64 { return s.cfg.MaxBytes }

// Engine returns the OCR engine (for the start-up log and the pages).
func (s *Service) Engine() *Engine { return s.ocr }

// Errors of the service.
var (
	errNotFound     = apperr.New(apperr.NotFound, "Document not found.")
	errPatient      = apperr.New(apperr.NotFound, "Patient not found.")
	errForbidden    = apperr.New(apperr.Forbidden, "Your role may not see this patient's documents.")
	errNoAccess     = apperr.New(apperr.Forbidden, "Your role may not see this document.")
	errClinical     = apperr.New(apperr.Forbidden, "Your role may not attach clinical documents.")
	errOwnerOnly    = apperr.New(apperr.Forbidden, "Only the clinic's owner may export or anonymise a patient's documents.")
	errSuggestion   = apperr.New(apperr.NotFound, "Suggestion not found.")
	errNotAccept    = apperr.New(apperr.Conflict, "This suggestion cannot be copied to the patient.")
	errRemoved      = apperr.New(apperr.NotFound, "The file of this document was removed.")
	errNoEncounters = apperr.Validation(map[string]string{"encounter_id": "Encounters are not available."})
)

// readsAny reports whether r may read some documents.
func readsAny(r kernel.Role) bool { return r.Valid() && r != kernel.RoleFinancial }

// readsClinical reports whether r may read clinical documents (a
// professional: of their own patients only).
func readsClinical(r kernel.Role) bool { return r == kernel.RoleOwner || r == kernel.RoleProfessional }

// isClinical says whether a document with these attributes is clinical
// content.
func isClinical(kind string, marked bool, encounterID string) bool {
	return marked || encounterID != "" || kind == KindExam
}

func validKind(k string) bool { return slices.Contains(Kinds, k) }
