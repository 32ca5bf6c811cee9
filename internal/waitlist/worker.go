package waitlist

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

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
	river.AddWorker(workers, NewOfferNextWorker(d, opts...))
}

// SlotFreedWorker offers a freed slot to the oldest waiting entry that fits
// it (see Work).
type SlotFreedWorker struct {
	river.WorkerDefaults[appointment.SlotFreedArgs]
	db *db.DB
	settings
}

// NewSlotFreedWorker returns a SlotFreedWorker on d.
func NewSlotFreedWorker(d *db.DB, opts ...Option) *SlotFreedWorker {
	return &SlotFreedWorker{db: d, settings: settingsOf(d, opts)}
}

// errSlotOffered rolls back a run that found the slot offered meanwhile.
var errSlotOffered = errors.New("waitlist: slot already has an open cascade")

// claimAttempts bounds how many entries one run tries to claim when
// concurrent runs for other slots take them first.
const claimAttempts = 5

// Work opens, in one transaction, the cascade of the freed slot and offers
// it to the first waiting entry that fits it (see the package doc): the
// entry becomes offered, the OnOfferTx hooks run, and the cascade's next
// step is scheduled when the offer's exclusive time ends (or at the slot's
// start). It records nothing when the slot has started, is booked again (an
// appointment of the professional that is not cancelled or no-show overlaps
// it), is being offered already (an open cascade of the same professional
// and start), or fits no entry. Work is idempotent: running a job again
// never offers one slot twice. Arguments that can never work (unknown
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
	exclusive, err := w.exclusive(ctx, a.ClinicID)
	if err != nil {
		return fmt.Errorf("waitlist: slot freed: offer time: %w", err)
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
		busy, err := slotBusy(ctx, tx, a.ClinicID, a.ProfessionalID, start, end)
		if err != nil {
			return err
		}
		if busy {
			return nil
		}
		// Open the slot's cascade: one open per professional and start; a
		// concurrent run that opened it first wins (the unique index waits
		// for it on PostgreSQL, the write lock on SQLite).
		sl := slot{id: kernel.NewID(), clinicID: a.ClinicID, professionalID: a.ProfessionalID, start: start, end: end, step: 0}
		res, err := tx.ExecContext(ctx, `INSERT INTO waitlist_slots (id, clinic_id, professional_id, starts_at, ends_at, status, step,
				next_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 'open', 0, $6, $7, $7) ON CONFLICT DO NOTHING`,
			sl.id, sl.clinicID, sl.professionalID, start, end, start, now)
		if err != nil {
			return fmt.Errorf("waitlist: slot freed: open slot: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return fmt.Errorf("waitlist: slot freed: open slot: %w", err)
			}
			return errSlotOffered
		}
		offered, err := w.offerNext(ctx, tx, sl, loc, now, exclusive)
		if err != nil {
			return err
		}
		if !offered {
			return errNoEntry
		}
		return w.scheduleStep(ctx, tx, sl, nextStepAt(now, exclusive, start))
	})
	if errors.Is(err, errSlotOffered) || errors.Is(err, errNoEntry) {
		return nil
	}
	return err
}

// jobID returns the job's id (0 for a job built without a row, in tests).
func jobID[T river.JobArgs](job *river.Job[T]) int64 {
	if job.JobRow == nil {
		return 0
	}
	return job.ID
}
