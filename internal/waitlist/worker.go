package waitlist

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// RegisterWorkers adds the waitlist's job workers to workers.
func RegisterWorkers(workers *river.Workers, d *db.DB, opts ...Option) {
	river.AddWorker(workers, NewSlotFreedWorker(d, opts...))
}

// SlotFreedWorker offers a freed slot to the oldest waiting entry that fits
// it (see Work).
type SlotFreedWorker struct {
	river.WorkerDefaults[appointment.SlotFreedArgs]
	db    *db.DB
	now   func() time.Time
	zones Zones
}

// NewSlotFreedWorker returns a SlotFreedWorker on d.
func NewSlotFreedWorker(d *db.DB, opts ...Option) *SlotFreedWorker {
	return &SlotFreedWorker{db: d, now: nowFunc, zones: settingsOf(d, opts).zones}
}

// errSlotOffered rolls back a run that found the slot offered meanwhile.
var errSlotOffered = errors.New("waitlist: slot already has an open offer")

// claimAttempts bounds how many entries one run tries to claim when
// concurrent runs for other slots take them first.
const claimAttempts = 5

// Work records, in one transaction, an offer of the freed slot to the first
// waiting entry of the clinic, by created_at then id, that fits it: for the
// slot's professional or any, whose date range holds the slot's clinic-local
// date, whose time window (if any) holds the slot's clinic-local start and
// end, and whose duration fits the slot; the entry becomes offered. It
// records nothing when the slot has started, is booked again (an appointment
// of the professional that is not cancelled or no-show overlaps it), already
// has an open offer, or fits no entry. Work is idempotent: running a job
// again never offers one slot twice. Arguments that can never work (unknown
// clinic or professional) cancel the job.
func (w *SlotFreedWorker) Work(ctx context.Context, job *river.Job[appointment.SlotFreedArgs]) error {
	a := job.Args
	if a.ClinicID == "" || a.ProfessionalID == "" || !a.EndsAt.After(a.StartsAt) {
		return river.JobCancel(fmt.Errorf("waitlist: slot freed: invalid arguments %+v", a))
	}
	now := w.now()
	if !a.StartsAt.After(now) {
		return nil // too late to offer
	}
	start, end := db.Time(a.StartsAt), db.Time(a.EndsAt)
	ctx = audit.WithActor(ctx, audit.Actor{ClinicID: a.ClinicID, RequestID: "job:" + strconv.FormatInt(jobID(job), 10)})
	loc, err := w.zones.ClinicZone(ctx, a.ClinicID)
	if apperr.Is(err, apperr.NotFound) {
		return river.JobCancel(fmt.Errorf("waitlist: slot freed: clinic %s not found", a.ClinicID))
	}
	if err != nil {
		return fmt.Errorf("waitlist: slot freed: clinic time zone: %w", err)
	}
	err = w.db.Tx(ctx, func(tx *sql.Tx) error {
		var active bool
		err := tx.QueryRowContext(ctx, `SELECT active FROM professional_refs WHERE clinic_id = $1 AND id = $2`,
			a.ClinicID, a.ProfessionalID).Scan(&active)
		if errors.Is(err, sql.ErrNoRows) {
			return river.JobCancel(fmt.Errorf("waitlist: slot freed: professional %s of clinic %s not found", a.ProfessionalID, a.ClinicID))
		}
		if err != nil {
			return fmt.Errorf("waitlist: slot freed: read professional: %w", err)
		}
		if !active {
			return nil
		}

		var busy, offered bool
		err = tx.QueryRowContext(ctx, `SELECT
			EXISTS (SELECT 1 FROM appointment_refs WHERE clinic_id = $1 AND professional_id = $2
				AND active AND starts_at < $4 AND ends_at > $3),
			EXISTS (SELECT 1 FROM waitlist_offers WHERE professional_id = $2 AND starts_at = $3
				AND status IN ('pending', 'sent'))`,
			a.ClinicID, a.ProfessionalID, start, end).Scan(&busy, &offered)
		if err != nil {
			return fmt.Errorf("waitlist: slot freed: check slot: %w", err)
		}
		if busy || offered {
			return nil
		}

		date, startMin, endMin := slotWindow(start, end, loc)
		duration := int(end.Sub(start) / time.Minute)
		for range claimAttempts {
			var entryID, patientID string
			err := tx.QueryRowContext(ctx, `SELECT e.id, e.patient_id FROM waitlist_entries e
				WHERE e.clinic_id = $1 AND e.status = 'waiting'
					AND (e.professional_id = $2 OR e.professional_id IS NULL)
					AND e.from_date <= $3 AND e.to_date >= $3
					AND (e.earliest_minute IS NULL OR e.earliest_minute <= $4)
					AND (e.latest_minute IS NULL OR e.latest_minute >= $5)
					AND e.duration_minutes <= $6
					AND NOT EXISTS (SELECT 1 FROM waitlist_offers o
						WHERE o.entry_id = e.id AND o.professional_id = $2 AND o.starts_at = $7)
				ORDER BY e.created_at, e.id LIMIT 1`,
				a.ClinicID, a.ProfessionalID, date, startMin, endMin, duration, start).Scan(&entryID, &patientID)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("waitlist: slot freed: find entry: %w", err)
			}
			// Claim the entry; on PostgreSQL a concurrent run for another
			// slot may have taken it since the SELECT: then try the next.
			res, err := tx.ExecContext(ctx, `UPDATE waitlist_entries SET status = 'offered', updated_at = $3
				WHERE clinic_id = $1 AND id = $2 AND status = 'waiting'`, a.ClinicID, entryID, now)
			if err != nil {
				return fmt.Errorf("waitlist: slot freed: claim entry: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				if err != nil {
					return fmt.Errorf("waitlist: slot freed: claim entry: %w", err)
				}
				continue
			}
			offerID := kernel.NewID()
			res, err = tx.ExecContext(ctx, `INSERT INTO waitlist_offers (id, clinic_id, entry_id, professional_id, starts_at, ends_at, status, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) ON CONFLICT DO NOTHING`,
				offerID, a.ClinicID, entryID, a.ProfessionalID, start, end, now)
			if err != nil {
				return fmt.Errorf("waitlist: slot freed: record offer: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				if err != nil {
					return fmt.Errorf("waitlist: slot freed: record offer: %w", err)
				}
				// Another run of this slot committed an open offer since the
				// check: undo the claim.
				return errSlotOffered
			}
			return audit.Record(ctx, tx, a.ClinicID, audit.ActionCreate, entityOffer, offerID, patientID)
		}
		return fmt.Errorf("waitlist: slot freed: %d entries were taken by concurrent offers; retrying", claimAttempts)
	})
	if errors.Is(err, errSlotOffered) {
		return nil
	}
	return err
}

// jobID returns the job's id (0 for a job built without a row, in tests).
func jobID(job *river.Job[appointment.SlotFreedArgs]) int64 {
	if job.JobRow == nil {
		return 0
	}
	return job.ID
}
