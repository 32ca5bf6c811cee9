package appointment

import (
	"context"
	"fmt"
	"strings"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
)

// MaxPatientAppointments bounds PatientAppointments.
const MaxPatientAppointments = 1000

// PatientAppointments returns the newest limit appointments of a patient of
// p's clinic (0: MaxPatientAppointments; at most that), newest first, with
// the names the agenda shows, in one query on the patient index. A
// professional gets only their own appointments; financial users get no
// notes. Another clinic's patient has none. For the patient file's timeline
// and LGPD export (package patientfile).
func (s *Service) PatientAppointments(ctx context.Context, p kernel.Principal, patientID string, limit int) ([]Appointment, error) {
	if !kernel.IsID(patientID) {
		return nil, apperr.Validation(map[string]string{"patient_id": "Must be an id."})
	}
	if !p.Role.Valid() || (p.Role == kernel.RoleProfessional && p.UserID == "") {
		return []Appointment{}, nil
	}
	if limit <= 0 || limit > MaxPatientAppointments {
		limit = MaxPatientAppointments
	}
	var q strings.Builder
	q.WriteString(selectAppointment + ` WHERE a.clinic_id = $1 AND a.patient_id = $2`)
	args := []any{p.ClinicID, patientID}
	if p.Role == kernel.RoleProfessional {
		args = append(args, p.UserID)
		q.WriteString(` AND pr.user_id = $3`)
	}
	args = append(args, limit)
	fmt.Fprintf(&q, ` ORDER BY a.starts_at DESC, a.id DESC LIMIT $%d`, len(args))
	rows, err := s.db.Query(ctx, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("appointment: patient appointments: %w", err)
	}
	defer rows.Close()
	out := []Appointment{}
	for rows.Next() {
		out = append(out, Appointment{})
		a := &out[len(out)-1]
		if err := scanAppointment(rows, a); err != nil {
			return nil, fmt.Errorf("appointment: patient appointments: %w", err)
		}
		present(p, a)
	}
	return out, rows.Err()
}
