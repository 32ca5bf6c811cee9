package record

import (
	"context"
	"database/sql"
	"time"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/db"
	"clinic/internal/schedule"
)

// queryer is a *sql.DB, *db.DB or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Patients is what the service asks of the patient service. Get answers
// NotFound for a patient of no such id in the principal's clinic, and for
// a professional's patient who never had an appointment with them.
type Patients interface {
	Get(ctx context.Context, p kernel.Principal, id string) (patient.Patient, error)
}

// Appointments is what the service asks of the appointment service. Get
// answers NotFound for an appointment the principal may not see; SetStatus
// moves a patient who arrived to "in progress" when their encounter opens.
type Appointments interface {
	Get(ctx context.Context, p kernel.Principal, id string) (appointment.Appointment, error)
	SetStatus(ctx context.Context, p kernel.Principal, id string, in appointment.StatusInput) (appointment.Appointment, error)
}

// Professionals is what the service asks of the schedule service; both
// answer NotFound when the clinic has no such professional.
type Professionals interface {
	Professional(ctx context.Context, clinicID, id string) (schedule.Professional, error)
	ProfessionalForUser(ctx context.Context, clinicID, userID string) (schedule.Professional, error)
}

// Clinics is what the service asks of the account service (for the
// printed prescription).
type Clinics interface {
	Clinic(ctx context.Context, clinicID string) (account.Clinic, error)
}

// Service keeps the clinical records.
type Service struct {
	db            *db.DB
	patients      Patients
	appointments  Appointments
	professionals Professionals
	clinics       Clinics
	now           func() time.Time
}

// Option adjusts a Service.
type Option func(*Service)

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// NewService returns a Service.
func NewService(d *db.DB, pats Patients, appts Appointments, profs Professionals, clinics Clinics, opts ...Option) *Service {
	s := &Service{db: d, patients: pats, appointments: appts, professionals: profs, clinics: clinics, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Audit entities of the records.
const (
	EntityEncounter    = "encounter"
	EntityNote         = "note"
	EntityDiagnosis    = "diagnosis"
	EntityPrescription = "prescription"
	EntityTemplate     = "note_template"
	// EntityRecord is a patient's whole record (the list of encounters,
	// an export, a search hit).
	EntityRecord = "record"
)

var (
	errClinicalRole   = apperr.New(apperr.Forbidden, "Only the owner and the patient's professional can see clinical records.")
	errNotOwnPatient  = apperr.New(apperr.Forbidden, "This patient's clinical record is not yours to see.")
	errNotAuthor      = apperr.New(apperr.Forbidden, "Only the note's author or the clinic's owner can do this.")
	errEncounterNF    = apperr.New(apperr.NotFound, "Encounter not found.")
	errNoteNF         = apperr.New(apperr.NotFound, "Note not found.")
	errPrescriptionNF = apperr.New(apperr.NotFound, "Prescription not found.")
	errPatientNF      = apperr.New(apperr.NotFound, "Patient not found.")
)

// Clinical reports whether a role may read clinical content at all (the
// owner, and professionals for their own patients).
func Clinical(r kernel.Role) bool { return r == kernel.RoleOwner || r == kernel.RoleProfessional }

// lookup is the principal the service checks a patient's existence with.
func lookup(clinicID string) kernel.Principal {
	return kernel.Principal{ClinicID: clinicID, Role: kernel.RoleOwner, System: "records"}
}

// professionalOf returns the id of the professional linked to p's user
// ("" when none, and for tokens).
func (s *Service) professionalOf(ctx context.Context, p kernel.Principal) (string, error) {
	if p.UserID == "" {
		return "", nil
	}
	pr, err := s.professionals.ProfessionalForUser(ctx, p.ClinicID, p.UserID)
	if apperr.Is(err, apperr.NotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return pr.ID, nil
}

// canRead checks that p may read the clinical record of patientID (of p's
// clinic): Forbidden for other roles and for a professional whose patient
// it is not.
func (s *Service) canRead(ctx context.Context, p kernel.Principal, patientID string) error {
	switch p.Role {
	case kernel.RoleOwner:
		return nil
	case kernel.RoleProfessional:
	default:
		return errClinicalRole
	}
	profID, err := s.professionalOf(ctx, p)
	if err != nil {
		return err
	}
	if profID == "" {
		return errNotOwnPatient
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM encounters WHERE clinic_id = $1 AND professional_id = $2 AND patient_id = $3`,
		p.ClinicID, profID, patientID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	// An appointment with the professional makes the patient theirs: the
	// patient service answers a professional only about such patients.
	if _, err := s.patients.Get(ctx, p, patientID); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return errNotOwnPatient
		}
		return err
	}
	return nil
}

// checkPatient checks that patientID is a patient of p's clinic (NotFound
// otherwise) that p may read (Forbidden otherwise), and returns it.
func (s *Service) checkPatient(ctx context.Context, p kernel.Principal, patientID string) (patient.Patient, error) {
	if !Clinical(p.Role) {
		return patient.Patient{}, errClinicalRole
	}
	if !kernel.IsID(patientID) {
		return patient.Patient{}, errPatientNF
	}
	pat, err := s.patients.Get(ctx, lookup(p.ClinicID), patientID)
	if err != nil {
		return patient.Patient{}, err
	}
	if err := s.canRead(ctx, p, patientID); err != nil {
		return patient.Patient{}, err
	}
	return pat, nil
}
