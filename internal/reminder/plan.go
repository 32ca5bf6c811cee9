package reminder

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"clinic/internal/appointment"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// planned is one ledger row Plan writes.
type planned struct {
	clinicID, patientID, appointmentID, offerID string
	kind                                        string
	minutes                                     int
	version                                     string
	status, reason                              string
	due                                         time.Time
}

func version(start time.Time) string { return strconv.FormatInt(start.Unix(), 10) }

// insertPlanned queues the row; one that exists already (a retried write)
// is left as it is.
func insertPlanned(ctx context.Context, w appointment.Writer, p planned, now time.Time) error {
	var appt, offer any
	if p.appointmentID != "" {
		appt = p.appointmentID
	}
	if p.offerID != "" {
		offer = p.offerID
	}
	if p.status == "" {
		p.status = StatusPending
	}
	_, err := w.ExecContext(ctx, `INSERT INTO messages (id, clinic_id, patient_id, appointment_id, offer_id, kind, minutes_before,
		version, status, reason, due_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
		ON CONFLICT DO NOTHING`,
		kernel.NewID(), p.clinicID, p.patientID, appt, offer, p.kind, p.minutes, p.version, p.status, p.reason, db.Time(p.due), now)
	if err != nil {
		return fmt.Errorf("reminder: plan %s: %w", p.kind, err)
	}
	return nil
}

// Plan is the appointment.TxHook that writes, in the transaction of an
// appointment write, the messages the clinic's policy calls for: word of a
// booking, a reschedule or a cancellation (each when on), and the
// reminders of a booked or moved appointment. The reminders of the old
// time are left pending: the send job skips them as moved.
func (s *Service) Plan(ctx context.Context, w appointment.Writer, c appointment.Change) error {
	p, err := s.policy(ctx, c.ClinicID)
	if err != nil || !p.Enabled {
		return err
	}
	now := db.Time(s.now())
	base := planned{clinicID: c.ClinicID, patientID: c.PatientID, appointmentID: c.AppointmentID, version: version(c.StartsAt), due: now}
	switch c.Kind {
	case appointment.ChangeCreated, appointment.ChangeRescheduled:
		if !c.Status.Active() || !c.StartsAt.After(now) {
			return nil
		}
		zone, err := s.clinics.ClinicZone(ctx, c.ClinicID)
		if err != nil {
			return err
		}
		if on := c.Kind == appointment.ChangeCreated && p.OnBooked || c.Kind == appointment.ChangeRescheduled && p.OnRescheduled; on {
			m := word(p, zone, base, c.StartsAt)
			m.kind = string(c.Kind)
			if c.Kind == appointment.ChangeCreated {
				m.kind = KindBooked
			}
			if err := insertPlanned(ctx, w, m, now); err != nil {
				return err
			}
		}
		return planReminders(ctx, w, p, zone, base, c.StartsAt, now)
	case appointment.ChangeStatus:
		if c.Status == appointment.StatusCancelled && p.OnCancelled && c.StartsAt.After(now) {
			zone, err := s.clinics.ClinicZone(ctx, c.ClinicID)
			if err != nil {
				return err
			}
			m := word(p, zone, base, c.StartsAt)
			m.kind = KindCancelled
			return insertPlanned(ctx, w, m, now)
		}
	}
	return nil
}

// word is the word of a change (booked, moved, cancelled) due now, or at
// the end of the quiet hours; recorded as skipped when that is after the
// appointment's start (news of it would come too late).
func word(p Policy, zone *time.Location, base planned, start time.Time) planned {
	m := base
	m.due = p.allowed(base.due, zone)
	if !m.due.Before(start) {
		m.status, m.reason, m.due = StatusSkipped, ReasonQuietHours, base.due
	}
	return m
}

// planReminders queues the reminders of an appointment starting at start:
// one per policy reminder whose time has not passed, moved out of the quiet
// hours; one that the quiet hours would push past the start is recorded as
// skipped.
func planReminders(ctx context.Context, w appointment.Writer, p Policy, zone *time.Location, base planned, start, now time.Time) error {
	for _, min := range p.Reminders {
		due := start.Add(-time.Duration(min) * time.Minute)
		if due.Before(now) {
			continue // booked after this reminder's time: the booking's word covers it
		}
		m := base
		m.kind, m.minutes = KindReminder, min
		m.due = p.allowed(due, zone)
		if !m.due.Before(start) {
			m.status, m.reason, m.due = StatusSkipped, ReasonQuietHours, due
		}
		if err := insertPlanned(ctx, w, m, now); err != nil {
			return err
		}
	}
	return nil
}

// planHorizon bounds how far ahead planBooked looks.
const planHorizon = 15 * 24 * time.Hour

// planBooked plans the reminders of the clinic's appointments already
// booked (when messaging is turned on or its reminders change).
func (s *Service) planBooked(ctx context.Context, tx *db.BatchTx, clinicID string, p Policy) error {
	zone, err := s.clinics.ClinicZone(ctx, clinicID)
	if err != nil {
		return err
	}
	now := db.Time(s.now())
	rows, err := tx.QueryContext(ctx, `SELECT id, patient_id, starts_at FROM appointment_refs
		WHERE clinic_id = $1 AND active AND starts_at > $2 AND starts_at < $3`, clinicID, now, now.Add(planHorizon))
	if err != nil {
		return fmt.Errorf("reminder: plan booked appointments: %w", err)
	}
	type appt struct {
		id, patient string
		start       time.Time
	}
	var list []appt
	for rows.Next() {
		var a appt
		if err := rows.Scan(&a.id, &a.patient, &a.start); err != nil {
			rows.Close()
			return fmt.Errorf("reminder: plan booked appointments: %w", err)
		}
		list = append(list, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var b db.Batch
	for _, a := range list {
		base := planned{clinicID: clinicID, patientID: a.patient, appointmentID: a.id, version: version(a.start)}
		if err := planReminders(ctx, &b, p, zone, base, a.start, now); err != nil {
			return err
		}
	}
	return tx.Send(ctx, &b)
}

// PlanOffer writes, in the transaction that records a waitlist offer, the
// message that offers the slot to the patient (when messaging is on).
func (s *Service) PlanOffer(ctx context.Context, w appointment.Writer, o Offer) error {
	p, err := s.policy(ctx, o.ClinicID)
	if err != nil || !p.Enabled {
		return err
	}
	zone, err := s.clinics.ClinicZone(ctx, o.ClinicID)
	if err != nil {
		return err
	}
	now := db.Time(s.now())
	// Like the word of a booking: not in the quiet hours, and not at all
	// when they last until the slot.
	m := word(p, zone, planned{clinicID: o.ClinicID, patientID: o.PatientID, offerID: o.ID, kind: KindOffer,
		version: version(o.StartsAt), due: now}, o.StartsAt)
	return insertPlanned(ctx, w, m, now)
}
