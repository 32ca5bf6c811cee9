package patientfile

import (
	"context"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/patient"
)

// Entry is one event of a patient's timeline.
type Entry struct {
	// At is when it happened (an appointment's start, a message's creation…).
	At time.Time `json:"at"`
	// Source is the Name of the Source that gave it.
	Source string `json:"source"`
	// Kind says what it is within its source ("appointment", "message",
	// "waitlist", "encounter", "document", "charge"…).
	Kind string `json:"kind"`
	// ID is the id of the row it shows, in its owner's package.
	ID string `json:"id"`
	// Title and Detail are the source's own words for it (a procedure and
	// a professional, a message's kind and channel…); Status its status,
	// when it has one.
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
	Status string `json:"status,omitempty"`
	// Path is its page in the web UI, under /clinics/{clinic_id} ("" when
	// it has none).
	Path string `json:"path,omitempty"`
	// Clinical marks clinical content: only callers who may read it
	// (CanReadClinical) get the entry at all.
	Clinical bool `json:"clinical"`
}

// Source is one package's part of a patient's file. Every method takes the
// caller and checks their role itself; a Forbidden answer from Timeline
// leaves the source out of a timeline that did not ask for it by name.
type Source interface {
	// Name names the source in timelines (?kinds=), exports (<name>.json)
	// and errors: "appointments", "messages", "encounters"… Lower case.
	Name() string
	// Clinical reports whether the whole source is clinical content
	// (encounters): it is then not even asked for a caller who may not
	// read clinical content, and naming it is Forbidden. A source with
	// some clinical entries (documents) says false and marks its entries.
	Clinical() bool
	// Timeline returns the patient's entries, in any order, bounded by the
	// source (the newest few hundred).
	Timeline(ctx context.Context, p kernel.Principal, patientID string) ([]Entry, error)
	// Export writes everything the source holds on the patient, and only
	// on them, to x: x.JSON(Name(), …) and any files through x.File.
	Export(ctx context.Context, p kernel.Principal, patientID string, x *Export) error
	// Anonymise removes what identifies the patient from the source's rows
	// (copies of their name, addresses, free text), keeps what the law
	// requires (clinical records, money), and audits it. Idempotent: a
	// second call finishes what a failed one left.
	Anonymise(ctx context.Context, p kernel.Principal, patientID string) error
}

// Hit is one result of a clinic-wide search.
type Hit struct {
	// Kind is the Name of the Searcher that found it ("patients",
	// "documents", "notes").
	Kind string `json:"kind"`
	ID   string `json:"id"`
	// PatientID is the patient it belongs to ("" when none).
	PatientID string `json:"patient_id,omitempty"`
	// Title names it (a patient's name, a document's title); Snippet shows
	// where the words were found.
	Title   string     `json:"title"`
	Snippet string     `json:"snippet,omitempty"`
	At      *time.Time `json:"at,omitempty"`
	// Path is its page in the web UI, under /clinics/{clinic_id}.
	Path string `json:"path,omitempty"`
}

// Searcher is one package's part of the clinic-wide search.
type Searcher interface {
	// Name names the kind of its hits ("documents", "notes"); lower case.
	Name() string
	// Clinical reports whether its hits are clinical content (notes): only
	// callers who may read it are searched.
	Clinical() bool
	// Search returns at most limit hits for q in p's clinic, best first,
	// only among what p may see.
	Search(ctx context.Context, p kernel.Principal, q string, limit int) ([]Hit, error)
}

// Patients is what the service asks of the patient service.
type Patients interface {
	Get(ctx context.Context, p kernel.Principal, id string) (patient.Patient, error)
	List(ctx context.Context, p kernel.Principal, q patient.ListQuery) (patient.Page, error)
	Anonymise(ctx context.Context, p kernel.Principal, id string) (patient.Patient, error)
}

// Service composes patients' files.
type Service struct {
	patients  Patients
	audit     audit.Execer
	sources   []Source
	searchers []Searcher
	now       func() time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithSources adds parts of the file, in the order exports and
// anonymisations visit them.
func WithSources(src ...Source) Option {
	return func(s *Service) { s.sources = append(s.sources, src...) }
}

// WithSearchers adds kinds to the clinic-wide search, after the patients.
func WithSearchers(src ...Searcher) Option {
	return func(s *Service) { s.searchers = append(s.searchers, src...) }
}

// NewService returns a Service over the patients and the sources of the
// options; audits (exports, anonymisations) go through a (the database).
func NewService(patients Patients, a audit.Execer, opts ...Option) *Service {
	s := &Service{patients: patients, audit: a, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// CanReadClinical reports whether p may read clinical content at all:
// owners, and professionals (for their own patients, whom the patient
// service alone lets them open).
func CanReadClinical(p kernel.Principal) bool {
	return p.Role == kernel.RoleOwner || p.Role == kernel.RoleProfessional
}

// Sources names the sources of the timeline, in order.
func (s *Service) Sources() []string {
	out := make([]string, 0, len(s.sources))
	for _, src := range s.sources {
		out = append(out, src.Name())
	}
	return out
}

var (
	errClinical  = apperr.New(apperr.Forbidden, "Your role cannot see clinical records.")
	errOwnerOnly = apperr.New(apperr.Forbidden, "Only the clinic's owner can export or anonymise a patient's data.")
)
