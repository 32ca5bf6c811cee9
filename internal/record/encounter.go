package record

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/db"
)

// Encounter statuses.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Encounter is one visit of a patient to a professional (atendimento).
type Encounter struct {
	ID               string `json:"id"`
	PatientID        string `json:"patient_id"`
	ProfessionalID   string `json:"professional_id"`
	ProfessionalName string `json:"professional_name"`
	// PatientName is the name the patient is addressed by (Encounter
	// only: the social name when there is one).
	PatientName string `json:"patient_name,omitempty"`
	// AppointmentID is the appointment it was opened from ("" for a
	// walk-in).
	AppointmentID string     `json:"appointment_id,omitempty"`
	Status        string     `json:"status"`
	StartedAt     time.Time  `json:"started_at"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
	// Anonymised reports that the patient was anonymised (the clinical
	// content is kept).
	Anonymised bool      `json:"anonymised,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Notes, Diagnoses and Prescriptions are filled by Encounter (one
	// encounter), not by lists.
	Notes         []Note         `json:"notes,omitempty"`
	Diagnoses     []Diagnosis    `json:"diagnoses,omitempty"`
	Prescriptions []Prescription `json:"prescriptions,omitempty"`
}

// OpenInput opens an encounter: from an appointment (AppointmentID; the
// rest comes from it, and PatientID, when given, must be its patient), or as a walk-in (PatientID, and ProfessionalID
// unless the caller is the professional).
type OpenInput struct {
	AppointmentID  string `json:"appointment_id,omitempty"`
	PatientID      string `json:"patient_id,omitempty"`
	ProfessionalID string `json:"professional_id,omitempty"`
}

var (
	errEncounterClosed = apperr.New(apperr.Conflict, "This encounter is closed.")
	errOpenRole        = apperr.New(apperr.Forbidden, "Only the owner and the professional can open an encounter.")
	errEncounterWriter = apperr.New(apperr.Forbidden, "Only the encounter's professional or the clinic's owner can change it.")
)

const encounterColumns = `id, patient_id, professional_id, appointment_id, status, started_at, closed_at, anonymised_at, created_at, updated_at`

func scanEncounter(row interface{ Scan(...any) error }) (Encounter, error) {
	var e Encounter
	var appt sql.NullString
	var closed, anon sql.NullTime
	if err := row.Scan(&e.ID, &e.PatientID, &e.ProfessionalID, &appt, &e.Status, &e.StartedAt, &closed, &anon, &e.CreatedAt, &e.UpdatedAt); err != nil {
		return Encounter{}, err
	}
	e.AppointmentID = appt.String
	if closed.Valid {
		t := closed.Time.UTC()
		e.ClosedAt = &t
	}
	e.Anonymised = anon.Valid
	e.StartedAt, e.CreatedAt, e.UpdatedAt = e.StartedAt.UTC(), e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, nil
}

func (s *Service) loadEncounter(ctx context.Context, q queryer, clinicID, id string) (Encounter, error) {
	if !kernel.IsID(id) {
		return Encounter{}, errEncounterNF
	}
	e, err := scanEncounter(q.QueryRowContext(ctx, `SELECT `+encounterColumns+` FROM encounters WHERE clinic_id = $1 AND id = $2`, clinicID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Encounter{}, errEncounterNF
	}
	if err != nil {
		return Encounter{}, fmt.Errorf("record: encounter %s: %w", id, err)
	}
	return e, nil
}

// names fills the professionals' names of list (one lookup per distinct
// professional).
func (s *Service) names(ctx context.Context, clinicID string, list []Encounter) error {
	seen := map[string]string{}
	for i := range list {
		id := list[i].ProfessionalID
		name, ok := seen[id]
		if !ok {
			pr, err := s.professionals.Professional(ctx, clinicID, id)
			if err != nil && !apperr.Is(err, apperr.NotFound) {
				return err
			}
			name, seen[id] = pr.Name, pr.Name
		}
		list[i].ProfessionalName = name
	}
	return nil
}

// Open opens an encounter (owner, or the professional). From an
// appointment it is idempotent: opening it again answers the same
// encounter, with created false; an appointment whose patient arrived moves
// to in progress.
func (s *Service) Open(ctx context.Context, p kernel.Principal, in OpenInput) (e Encounter, created bool, err error) {
	if !Clinical(p.Role) {
		return Encounter{}, false, errOpenRole
	}
	profID, err := s.professionalOf(ctx, p)
	if err != nil {
		return Encounter{}, false, err
	}
	if p.Role == kernel.RoleProfessional && profID == "" {
		return Encounter{}, false, errOpenRole
	}
	var patientID, apptID string
	arrived := false
	switch {
	case in.AppointmentID != "":
		if !kernel.IsID(in.AppointmentID) {
			return Encounter{}, false, apperr.Validation(map[string]string{"appointment_id": "Must be an id."})
		}
		a, err := s.appointments.Get(ctx, p, in.AppointmentID)
		if err != nil {
			return Encounter{}, false, err
		}
		if p.Role == kernel.RoleProfessional && a.ProfessionalID != profID {
			return Encounter{}, false, errOpenRole
		}
		if in.PatientID != "" && in.PatientID != a.PatientID {
			return Encounter{}, false, apperr.Validation(map[string]string{"appointment_id": "The appointment is another patient's."})
		}
		patientID, apptID, in.ProfessionalID = a.PatientID, a.ID, a.ProfessionalID
		arrived = a.Status == appointment.StatusArrived
	default:
		bad := map[string]string{}
		if !kernel.IsID(in.PatientID) {
			bad["patient_id"] = "Required."
		}
		if p.Role == kernel.RoleProfessional {
			if in.ProfessionalID != "" && in.ProfessionalID != profID {
				bad["professional_id"] = "A professional opens encounters for themselves."
			}
			in.ProfessionalID = profID
		} else if !kernel.IsID(in.ProfessionalID) {
			bad["professional_id"] = "Required."
		}
		if len(bad) > 0 {
			return Encounter{}, false, apperr.Validation(bad)
		}
		if _, err := s.patients.Get(ctx, lookup(p.ClinicID), in.PatientID); err != nil {
			return Encounter{}, false, err
		}
		if _, err := s.professionals.Professional(ctx, p.ClinicID, in.ProfessionalID); err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return Encounter{}, false, apperr.Validation(map[string]string{"professional_id": "No such professional."})
			}
			return Encounter{}, false, err
		}
		patientID = in.PatientID
	}
	now := db.Time(s.now())
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		id := kernel.NewID()
		res, err := tx.ExecContext(ctx, `INSERT INTO encounters (id, clinic_id, patient_id, professional_id, appointment_id, status, started_at,
			created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $6, $6)
			ON CONFLICT (clinic_id, appointment_id) WHERE appointment_id IS NOT NULL DO NOTHING`,
			id, p.ClinicID, patientID, in.ProfessionalID, nullable(apptID), now, p.UserID+p.TokenID)
		if err != nil {
			return fmt.Errorf("record: open encounter: %w", err)
		}
		n, _ := res.RowsAffected()
		created = n == 1
		if !created {
			e, err = scanEncounter(tx.QueryRowContext(ctx, `SELECT `+encounterColumns+` FROM encounters WHERE clinic_id = $1 AND appointment_id = $2`,
				p.ClinicID, apptID))
			return err
		}
		if e, err = s.loadEncounter(ctx, tx, p.ClinicID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, EntityEncounter, id, patientID)
	})
	if err != nil {
		return Encounter{}, false, err
	}
	if created && arrived {
		// The patient is being seen: the agenda shows it ("Em
		// atendimento"). Someone may have moved the appointment on
		// meanwhile; the encounter stands either way.
		if _, err := s.appointments.SetStatus(ctx, p, apptID, appointment.StatusInput{Status: appointment.StatusInProgress}); err != nil &&
			!apperr.Is(err, apperr.Conflict) && !apperr.Is(err, apperr.Invalid) {
			return Encounter{}, false, err
		}
	}
	list := []Encounter{e}
	if err := s.names(ctx, p.ClinicID, list); err != nil {
		return Encounter{}, false, err
	}
	return list[0], created, nil
}

// EncounterForAppointment returns the encounter opened from an appointment,
// or NotFound (for the agenda's button: "Iniciar" or "Abrir").
func (s *Service) EncounterForAppointment(ctx context.Context, p kernel.Principal, appointmentID string) (Encounter, error) {
	if !Clinical(p.Role) {
		return Encounter{}, errClinicalRole
	}
	if !kernel.IsID(appointmentID) {
		return Encounter{}, errEncounterNF
	}
	e, err := scanEncounter(s.db.QueryRowContext(ctx, `SELECT `+encounterColumns+` FROM encounters WHERE clinic_id = $1 AND appointment_id = $2`,
		p.ClinicID, appointmentID))
	if errors.Is(err, sql.ErrNoRows) {
		return Encounter{}, errEncounterNF
	}
	return e, err
}

// PatientEncounters lists a patient's encounters, newest first, and audits
// the read. Forbidden for non-clinical roles and another professional's
// patient; NotFound for a patient of no such id in p's clinic.
func (s *Service) PatientEncounters(ctx context.Context, p kernel.Principal, patientID string) ([]Encounter, error) {
	rec, err := s.PatientRecord(ctx, p, patientID)
	return rec.Encounters, err
}

// PatientRecord is a patient with their encounters.
type PatientRecord struct {
	Patient    patient.Patient
	Encounters []Encounter
}

// PatientRecord returns a patient and their encounters, newest first, and
// audits the read (as PatientEncounters).
func (s *Service) PatientRecord(ctx context.Context, p kernel.Principal, patientID string) (PatientRecord, error) {
	pat, err := s.checkPatient(ctx, p, patientID)
	if err != nil {
		return PatientRecord{}, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+encounterColumns+` FROM encounters WHERE clinic_id = $1 AND patient_id = $2
		ORDER BY started_at DESC, id DESC LIMIT 500`, p.ClinicID, patientID)
	if err != nil {
		return PatientRecord{}, fmt.Errorf("record: patient encounters: %w", err)
	}
	defer rows.Close()
	list := []Encounter{}
	for rows.Next() {
		e, err := scanEncounter(rows)
		if err != nil {
			return PatientRecord{}, err
		}
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return PatientRecord{}, err
	}
	if err := s.names(ctx, p.ClinicID, list); err != nil {
		return PatientRecord{}, err
	}
	if err := audit.Record(ctx, s.db, p.ClinicID, audit.ActionRead, EntityRecord, patientID, patientID); err != nil {
		return PatientRecord{}, err
	}
	return PatientRecord{Patient: pat, Encounters: list}, nil
}

// readable loads an encounter of p's clinic that p may read.
func (s *Service) readable(ctx context.Context, p kernel.Principal, id string) (Encounter, error) {
	if !Clinical(p.Role) {
		return Encounter{}, errClinicalRole
	}
	e, err := s.loadEncounter(ctx, s.db, p.ClinicID, id)
	if err != nil {
		return Encounter{}, err
	}
	if err := s.canRead(ctx, p, e.PatientID); err != nil {
		return Encounter{}, err
	}
	return e, nil
}

// writable checks that p may write on e: its professional or the owner.
func (s *Service) writable(ctx context.Context, p kernel.Principal, e Encounter) error {
	if p.Role == kernel.RoleOwner {
		return nil
	}
	profID, err := s.professionalOf(ctx, p)
	if err != nil {
		return err
	}
	if profID == "" || profID != e.ProfessionalID {
		return errEncounterWriter
	}
	return nil
}

// Encounter returns an encounter with its notes, diagnoses and
// prescriptions, and audits the read.
func (s *Service) Encounter(ctx context.Context, p kernel.Principal, id string) (Encounter, error) {
	e, err := s.readable(ctx, p, id)
	if err != nil {
		return Encounter{}, err
	}
	if e.Notes, err = s.notes(ctx, s.db, p.ClinicID, "encounter_id", e.ID); err != nil {
		return Encounter{}, err
	}
	if e.Diagnoses, err = s.diagnoses(ctx, s.db, p.ClinicID, "encounter_id", e.ID); err != nil {
		return Encounter{}, err
	}
	if e.Prescriptions, err = s.prescriptions(ctx, s.db, p.ClinicID, "encounter_id", e.ID); err != nil {
		return Encounter{}, err
	}
	list := []Encounter{e}
	if err := s.names(ctx, p.ClinicID, list); err != nil {
		return Encounter{}, err
	}
	pat, err := s.patients.Get(ctx, lookup(p.ClinicID), e.PatientID)
	if err != nil {
		return Encounter{}, err
	}
	list[0].PatientName = cmp.Or(pat.SocialName, pat.FullName)
	if err := audit.Record(ctx, s.db, p.ClinicID, audit.ActionRead, EntityEncounter, e.ID, e.PatientID); err != nil {
		return Encounter{}, err
	}
	return list[0], nil
}

// Close closes an open encounter (its professional or the owner); closing
// a closed one changes nothing.
func (s *Service) Close(ctx context.Context, p kernel.Principal, id string) (Encounter, error) {
	e, err := s.readable(ctx, p, id)
	if err != nil {
		return Encounter{}, err
	}
	if err := s.writable(ctx, p, e); err != nil {
		return Encounter{}, err
	}
	if e.Status == StatusOpen {
		now := db.Time(s.now())
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE encounters SET status = 'closed', closed_at = $3, updated_at = $3
				WHERE clinic_id = $1 AND id = $2 AND status = 'open'`, p.ClinicID, id, now); err != nil {
				return fmt.Errorf("record: close encounter: %w", err)
			}
			return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, EntityEncounter, id, e.PatientID)
		})
		if err != nil {
			return Encounter{}, err
		}
	}
	return s.Encounter(ctx, p, id)
}

// openForWrite loads an open encounter that p may write on.
func (s *Service) openForWrite(ctx context.Context, p kernel.Principal, id string) (Encounter, error) {
	e, err := s.readable(ctx, p, id)
	if err != nil {
		return Encounter{}, err
	}
	if err := s.writable(ctx, p, e); err != nil {
		return Encounter{}, err
	}
	if e.Status != StatusOpen {
		return Encounter{}, errEncounterClosed
	}
	return e, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
