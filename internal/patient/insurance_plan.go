package patient

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// InsurancePlanID returns the id of the insurance plan (package billing's
// convênio) linked to the patient, "" when none. It is a read for the
// service's own use (pricing a completed visit), not audited: it names no
// personal data. NotFound for an unknown or other clinic's patient.
func (s *Service) InsurancePlanID(ctx context.Context, clinicID, patientID string) (string, error) {
	if !kernel.IsID(patientID) {
		return "", errNotFound
	}
	var plan sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT insurance_plan_id FROM patients WHERE clinic_id = $1 AND id = $2`, clinicID, patientID).Scan(&plan)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errNotFound
	}
	if err != nil {
		return "", fmt.Errorf("patient store: insurance plan of %s: %w", patientID, err)
	}
	return plan.String, nil
}

// SetInsurancePlan links the patient to the insurance plan planID ("":
// unlinks). The caller (package billing) checks that the plan is an active
// plan of the clinic; the database refuses an unknown one. Roles as Update;
// audited as an update of the patient.
func (s *Service) SetInsurancePlan(ctx context.Context, pr kernel.Principal, patientID, planID string) error {
	if !canWrite(pr.Role) {
		return errNoWrite
	}
	if !kernel.IsID(patientID) {
		return errNotFound
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		p, err := s.get(ctx, tx, scopeOf(pr), patientID, true)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE patients SET insurance_plan_id = $1, updated_at = $2 WHERE clinic_id = $3 AND id = $4`,
			nullable(planID), db.Time(s.now()), p.ClinicID, p.ID); err != nil {
			return fmt.Errorf("patient store: set insurance plan of %s: %w", p.ID, err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, Entity, p.ID, p.ID)
	})
	if err != nil {
		return err
	}
	s.changed(ctx, Change{Kind: Updated, ClinicID: pr.ClinicID, PatientID: patientID})
	return nil
}
