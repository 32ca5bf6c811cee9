package patient

import (
	"context"
	"database/sql"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Entity is the audit entity name of a patient.
const Entity = "patient"

var (
	errNoWrite   = apperr.New(apperr.Forbidden, "Your role cannot register or change patients.")
	errNoArchive = apperr.New(apperr.Forbidden, "Your role cannot archive patients.")
	errNoRead    = apperr.New(apperr.Forbidden, "Your role cannot see patients.")
)

// canRead reports whether r may list and read patients (professionals only
// their own).
func canRead(r kernel.Role) bool { return r.Valid() }

// canWrite reports whether r may create and update patients (professionals
// update only their own).
func canWrite(r kernel.Role) bool {
	return r == kernel.RoleOwner || r == kernel.RoleAdmin || r == kernel.RoleReceptionist || r == kernel.RoleProfessional
}

// canArchive reports whether r may archive patients.
func canArchive(r kernel.Role) bool {
	return r == kernel.RoleOwner || r == kernel.RoleAdmin || r == kernel.RoleReceptionist
}

// scopeOf returns the patients pr may see.
func scopeOf(pr kernel.Principal) scope {
	return scope{clinicID: pr.ClinicID, ownOnly: pr.Role == kernel.RoleProfessional, user: pr.UserID}
}

// view returns p as pr may see it: financial users do not see notes.
func view(p Patient, pr kernel.Principal) Patient {
	if pr.Role == kernel.RoleFinancial {
		p.Notes, p.NotesHidden = "", true
	}
	return p
}

// cpfConflict is the answer for a CPF that another active patient of the
// clinic has; its details name that patient.
func cpfConflict(existingID string) error {
	return &apperr.Error{Code: apperr.Conflict, Message: "Another patient of this clinic has this CPF.",
		Fields: map[string]string{"cpf": "Another patient of this clinic has this CPF."}, Details: map[string]any{"patient_id": existingID}}
}

// checkCPF refuses p's CPF when another active patient of the clinic has it.
func checkCPF(ctx context.Context, q queryer, p Patient) error {
	if p.CPF == "" {
		return nil
	}
	id, err := idByCPF(ctx, q, p.ClinicID, p.CPF, p.ID)
	if err != nil {
		return err
	}
	if id != "" {
		return cpfConflict(id)
	}
	return nil
}

// raced turns the unique violation of two writers registering one CPF at
// the same moment (PostgreSQL; SQLite serialises writers) into the conflict
// answer.
func (s *Service) raced(ctx context.Context, p Patient, err error) error {
	if !db.IsUniqueViolation(err) || p.CPF == "" {
		return err
	}
	id, ferr := idByCPF(ctx, s.db, p.ClinicID, p.CPF, p.ID)
	if ferr != nil || id == "" {
		return err
	}
	return cpfConflict(id)
}

// Create registers a patient in pr's clinic and audits it. Forbidden for
// financial users; Invalid with fields for bad input (full_name is
// required); Conflict, with details {"patient_id": id}, when another active
// patient of the clinic has the CPF.
func (s *Service) Create(ctx context.Context, pr kernel.Principal, in Input) (Patient, error) {
	if !canWrite(pr.Role) {
		return Patient{}, errNoWrite
	}
	now := db.Time(s.now())
	p := Patient{ID: kernel.NewID(), ClinicID: pr.ClinicID, CreatedAt: now, UpdatedAt: now}
	if fields := in.apply(&p, now); fields != nil {
		return Patient{}, apperr.Validation(fields)
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := checkCPF(ctx, tx, p); err != nil {
			return err
		}
		if err := insert(ctx, tx, p); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, Entity, p.ID, p.ID)
	})
	if err != nil {
		return Patient{}, s.raced(ctx, p, err)
	}
	return view(p, pr), nil
}

// Get returns an active patient of pr's clinic and audits the read.
// NotFound for an unknown, archived or other clinic's id, and for a
// professional's patient who never had an appointment with them.
func (s *Service) Get(ctx context.Context, pr kernel.Principal, id string) (Patient, error) {
	if !canRead(pr.Role) {
		return Patient{}, errNoRead
	}
	if !kernel.IsID(id) {
		return Patient{}, errNotFound
	}
	p, err := s.get(ctx, s.db.Reader(ctx), scopeOf(pr), id, false)
	if err != nil {
		return Patient{}, err
	}
	if err := audit.Record(ctx, s.db, p.ClinicID, audit.ActionRead, Entity, p.ID, p.ID); err != nil {
		return Patient{}, err
	}
	return view(p, pr), nil
}

// Update changes a patient (partial: see Input), audits it (with the
// names of the fields it changed: the data subject's right of correction,
// see recordCorrection) and, once committed, tells the OnChange listeners.
// An anonymised patient cannot be changed (Conflict). Consent
// times are stamped for the channels whose value changes. Forbidden for
// financial users; NotFound as for Get; Invalid and Conflict as for Create.
func (s *Service) Update(ctx context.Context, pr kernel.Principal, id string, in Input) (Patient, error) {
	if !canWrite(pr.Role) {
		return Patient{}, errNoWrite
	}
	if !kernel.IsID(id) {
		return Patient{}, errNotFound
	}
	var p Patient
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = s.get(ctx, tx, scopeOf(pr), id, true)
		if err != nil {
			return err
		}
		if p.AnonymisedAt != nil {
			return errAnonymised
		}
		before := p
		now := db.Time(s.now())
		if fields := in.apply(&p, now); fields != nil {
			return apperr.Validation(fields)
		}
		p.UpdatedAt = now
		if err := checkCPF(ctx, tx, p); err != nil {
			return err
		}
		if err := update(ctx, tx, p); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, Entity, p.ID, p.ID); err != nil {
			return err
		}
		return recordCorrection(ctx, tx, before, p)
	})
	if err != nil {
		return Patient{}, s.raced(ctx, p, err)
	}
	s.changed(ctx, Change{Kind: Updated, ClinicID: p.ClinicID, PatientID: p.ID})
	return view(p, pr), nil
}

// Archive soft-deletes a patient (archived_at): it leaves lists and reads
// answer NotFound. Audited as a delete; once committed, the OnChange
// listeners are told. Forbidden for professionals and financial users;
// NotFound for an unknown, other clinic's or already archived id.
func (s *Service) Archive(ctx context.Context, pr kernel.Principal, id string) error {
	if !canArchive(pr.Role) {
		return errNoArchive
	}
	if !kernel.IsID(id) {
		return errNotFound
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := archive(ctx, tx, pr.ClinicID, id, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, pr.ClinicID, audit.ActionDelete, Entity, id, id)
	})
	if err != nil {
		return err
	}
	s.changed(ctx, Change{Kind: Archived, ClinicID: pr.ClinicID, PatientID: id})
	return nil
}
