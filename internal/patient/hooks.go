package patient

import "context"

// ChangeKind says what a committed write did to a patient.
type ChangeKind string

// The kinds of Change.
const (
	// Updated: the patient's data changed (their name, as the agenda shows
	// it, among others).
	Updated ChangeKind = "updated"
	// Archived: the patient left the lists (and the agenda's names).
	Archived ChangeKind = "archived"
)

// Change is a committed write to a patient, as its listeners see it.
type Change struct {
	Kind      ChangeKind
	ClinicID  string
	PatientID string
}

// Option configures a Service.
type Option func(*Service)

// OnChange adds fn to the functions called after each committed update or
// archive of a patient, in order, before the service method returns (so
// that its caller, and whoever it tells, sees the effect at once). fn runs
// after the commit: it cannot fail the write, and must handle (log) its own
// errors. Its ctx is not cancelled with the caller's, so that an effect of a
// committed write is not lost to a client that went away. Package app wires
// it to what other services cache of patients (the agenda's names).
func OnChange(fn func(ctx context.Context, c Change)) Option {
	return func(s *Service) { s.onChange = append(s.onChange, fn) }
}

// changed tells the listeners about a committed change.
func (s *Service) changed(ctx context.Context, c Change) { s.onChange.Notify(ctx, c) }
