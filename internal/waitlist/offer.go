package waitlist

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/queue"
)

// offerCols are the columns scanOffer reads (offers o joined with their
// entries e).
const offerCols = `o.id, o.clinic_id, o.entry_id, e.patient_id, o.professional_id, o.starts_at, o.ends_at, o.status,
	o.exclusive_until, o.appointment_id, o.created_at`

// scanOffer scans offerCols, then extra, into o.
func scanOffer(row interface{ Scan(...any) error }, o *Offer, extra ...any) error {
	var status string
	var exclusive sql.NullTime
	var appt sql.NullString
	dest := append([]any{&o.ID, &o.ClinicID, &o.EntryID, &o.PatientID, &o.ProfessionalID, &o.StartsAt, &o.EndsAt, &status,
		&exclusive, &appt, &o.CreatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	o.Status, o.AppointmentID = OfferStatus(status), appt.String
	o.StartsAt, o.EndsAt, o.CreatedAt = o.StartsAt.UTC(), o.EndsAt.UTC(), o.CreatedAt.UTC()
	if exclusive.Valid {
		t := exclusive.Time.UTC()
		o.ExclusiveUntil = &t
	}
	return nil
}

// slot is a freed slot in its cascade (a waitlist_slots row).
type slot struct {
	id, clinicID, professionalID string
	start, end                   time.Time
	step                         int
}

// errNoEntry rolls back a slot opened for no fitting entry.
var errNoEntry = errors.New("waitlist: no entry fits the slot")

// offerNext records, in tx, an offer of sl to the first waiting entry of
// the clinic, by created_at then id, that fits it and was never offered
// it: for the slot's professional or any, whose date range holds the
// slot's clinic-local date, whose time window (if any) holds the slot's
// clinic-local start and end, and whose duration fits the slot. The entry
// becomes offered and the OnOfferTx hooks run. It reports whether an entry
// was found.
func (s *settings) offerNext(ctx context.Context, tx *sql.Tx, sl slot, loc *time.Location, now time.Time, exclusive time.Duration) (bool, error) {
	date, startMin, endMin := slotWindow(sl.start, sl.end, loc)
	duration := int(sl.end.Sub(sl.start) / time.Minute)
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
			sl.clinicID, sl.professionalID, date, startMin, endMin, duration, sl.start).Scan(&entryID, &patientID)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("waitlist: offer slot: find entry: %w", err)
		}
		// Claim the entry; on PostgreSQL a concurrent run for another slot
		// may have taken it since the SELECT: then try the next.
		res, err := tx.ExecContext(ctx, `UPDATE waitlist_entries SET status = 'offered', updated_at = $3
			WHERE clinic_id = $1 AND id = $2 AND status = 'waiting'`, sl.clinicID, entryID, now)
		if err != nil {
			return false, fmt.Errorf("waitlist: offer slot: claim entry: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return false, fmt.Errorf("waitlist: offer slot: claim entry: %w", err)
			}
			continue
		}
		until := now.Add(exclusive)
		o := Offer{ID: kernel.NewID(), ClinicID: sl.clinicID, EntryID: entryID, PatientID: patientID, ProfessionalID: sl.professionalID,
			StartsAt: sl.start, EndsAt: sl.end, Status: OfferPending, ExclusiveUntil: &until, CreatedAt: now}
		_, err = tx.ExecContext(ctx, `INSERT INTO waitlist_offers (id, clinic_id, entry_id, professional_id, starts_at, ends_at, status,
				created_at, slot_id, exclusive_until)
			VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9)`,
			o.ID, o.ClinicID, o.EntryID, o.ProfessionalID, o.StartsAt, o.EndsAt, now, sl.id, db.Time(until))
		if err != nil {
			return false, fmt.Errorf("waitlist: offer slot: record offer: %w", err)
		}
		if err := audit.Record(ctx, tx, sl.clinicID, audit.ActionCreate, entityOffer, o.ID, patientID); err != nil {
			return false, err
		}
		for _, h := range s.onOffer {
			if err := h(ctx, tx, o); err != nil {
				return false, fmt.Errorf("waitlist: offer slot: hook: %w", err)
			}
		}
		return true, nil
	}
	return false, fmt.Errorf("waitlist: offer slot: %d entries were taken by concurrent offers; retrying", claimAttempts)
}

// scheduleStep sets when the cascade of sl takes its next step (step
// sl.step) and inserts that step's job in tx (without WithJobs, the slot's
// next_at is recorded and nothing runs it).
func (s *settings) scheduleStep(ctx context.Context, tx *sql.Tx, sl slot, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE waitlist_slots SET next_at = $2 WHERE id = $1`, sl.id, db.Time(at)); err != nil {
		return fmt.Errorf("waitlist: schedule next offer: %w", err)
	}
	if s.jobs == nil {
		return nil
	}
	opts := queue.WithClinic(&river.InsertOpts{ScheduledAt: at, UniqueOpts: river.UniqueOpts{ByArgs: true}}, sl.clinicID)
	if _, err := s.jobs.InsertTx(ctx, tx, OfferNextArgs{ClinicID: sl.clinicID, SlotID: sl.id, Step: sl.step}, opts); err != nil {
		return fmt.Errorf("waitlist: schedule next offer: %w", err)
	}
	return nil
}

// idleStep is the least time between two steps of a cascade that found no
// entry to offer the slot to.
const idleStep = time.Hour

// nextStepAt is when the step after one at now runs: one exclusive time
// later, or at the slot's start (which closes it) when that comes first.
func nextStepAt(now time.Time, exclusive time.Duration, start time.Time) time.Time {
	if at := now.Add(exclusive); at.Before(start) {
		return at
	}
	return start
}

// closeSlot queues, on w, the writes that close the cascade of slotID: the
// slot is closed, and its open offers but except ("": none) expire, their entries
// waiting again. The slot's row is written first: a concurrent step of its
// cascade (which takes that row first) commits before the offers are read.
func closeSlot(ctx context.Context, w appointment.Writer, clinicID, slotID, except string, now time.Time) error {
	var but any // NULL: none
	if except != "" {
		but = except
	}
	if _, err := w.ExecContext(ctx, `UPDATE waitlist_slots SET status = 'closed', updated_at = $3
		WHERE clinic_id = $1 AND id = $2 AND status = 'open'`, clinicID, slotID, now); err != nil {
		return fmt.Errorf("waitlist: close slot: %w", err)
	}
	if _, err := w.ExecContext(ctx, `UPDATE waitlist_entries SET status = 'waiting', updated_at = $4
		WHERE clinic_id = $1 AND status = 'offered' AND id IN (SELECT o.entry_id FROM waitlist_offers o
			WHERE o.slot_id = $2 AND (o.id <> $3 OR $3 IS NULL) AND o.status IN ('pending', 'sent'))`, clinicID, slotID, but, now); err != nil {
		return fmt.Errorf("waitlist: close slot: release entries: %w", err)
	}
	if _, err := w.ExecContext(ctx, `UPDATE waitlist_offers SET status = 'expired'
		WHERE slot_id = $1 AND (id <> $2 OR $2 IS NULL) AND status IN ('pending', 'sent')`, slotID, but); err != nil {
		return fmt.Errorf("waitlist: close slot: expire offers: %w", err)
	}
	return nil
}

// slotBusy reports whether an active appointment of professionalID
// overlaps start..end.
func slotBusy(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, clinicID, professionalID string, start, end time.Time) (bool, error) {
	var busy bool
	err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM appointment_refs WHERE clinic_id = $1 AND professional_id = $2
		AND active AND starts_at < $4 AND ends_at > $3)`, clinicID, professionalID, db.Time(start), db.Time(end)).Scan(&busy)
	if err != nil {
		return false, fmt.Errorf("waitlist: check slot: %w", err)
	}
	return busy, nil
}

// OfferNextArgs is one step of a slot's cascade: the job that, when the
// last offer's exclusive time is over, offers the slot to the next
// patient as well (see OfferNextWorker). Unique per slot and step.
type OfferNextArgs struct {
	ClinicID string `json:"clinic_id"`
	SlotID   string `json:"slot_id" river:"unique"`
	Step     int    `json:"step" river:"unique"`
}

// Kind implements river.JobArgs.
func (OfferNextArgs) Kind() string { return "waitlist_offer_next" }

// OfferNextWorker works OfferNextArgs.
type OfferNextWorker struct {
	river.WorkerDefaults[OfferNextArgs]
	db *db.DB
	settings
}

// NewOfferNextWorker returns an OfferNextWorker on d.
func NewOfferNextWorker(d *db.DB, opts ...Option) *OfferNextWorker {
	return &OfferNextWorker{db: d, settings: settingsOf(d, opts)}
}

// errEarly rolls back a step run before its time.
var errEarly = errors.New("waitlist: offer step run early")

// Work takes step Step of the slot's cascade, once: a step already taken
// (or of a closed slot) does nothing, and one run before its time waits
// for it. A slot that has started, is taken (an active appointment of the
// professional overlaps it) or whose professional is inactive closes: its
// open offers expire and their entries wait again. Otherwise the slot is
// offered to the next fitting entry, and the next step is scheduled one
// exclusive time later, or at the slot's start. When no entry fits, a slot
// with open offers waits for them (and for entries that join meanwhile) with
// steps at least an hour apart, and one without closes.
func (w *OfferNextWorker) Work(ctx context.Context, job *river.Job[OfferNextArgs]) error {
	a := job.Args
	if !kernel.IsID(a.ClinicID) || !kernel.IsID(a.SlotID) {
		return river.JobCancel(fmt.Errorf("waitlist: offer next: invalid arguments %+v", a))
	}
	now := w.now()
	ctx = audit.WithActor(ctx, audit.Actor{ClinicID: a.ClinicID, RequestID: fmt.Sprintf("job:%d", jobID(job))})
	loc, err := w.zones.ClinicZone(ctx, a.ClinicID)
	if apperr.Is(err, apperr.NotFound) {
		return river.JobCancel(fmt.Errorf("waitlist: offer next: clinic %s not found", a.ClinicID))
	}
	if err != nil {
		return fmt.Errorf("waitlist: offer next: clinic time zone: %w", err)
	}
	exclusive, err := w.exclusive(ctx, a.ClinicID)
	if err != nil {
		return fmt.Errorf("waitlist: offer next: offer time: %w", err)
	}
	var wait time.Duration
	err = w.db.Tx(ctx, func(tx *sql.Tx) error {
		sl := slot{id: a.SlotID, clinicID: a.ClinicID}
		var status string
		var next time.Time
		err := tx.QueryRowContext(ctx, `SELECT professional_id, starts_at, ends_at, status, step, next_at FROM waitlist_slots
			WHERE clinic_id = $1 AND id = $2`, a.ClinicID, a.SlotID).Scan(&sl.professionalID, &sl.start, &sl.end, &status, &sl.step, &next)
		if errors.Is(err, sql.ErrNoRows) {
			return river.JobCancel(fmt.Errorf("waitlist: offer next: slot %s of clinic %s not found", a.SlotID, a.ClinicID))
		}
		if err != nil {
			return fmt.Errorf("waitlist: offer next: read slot: %w", err)
		}
		if status != "open" || sl.step != a.Step {
			return nil // closed, or this step was taken
		}
		if now.Before(next) {
			wait = next.Sub(now)
			return errEarly
		}
		// Take the step: of two runs, one goes on.
		res, err := tx.ExecContext(ctx, `UPDATE waitlist_slots SET step = step + 1, updated_at = $3
			WHERE id = $1 AND status = 'open' AND step = $2`, a.SlotID, a.Step, now)
		if err != nil {
			return fmt.Errorf("waitlist: offer next: take step: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		sl.step++
		sl.start, sl.end = sl.start.UTC(), sl.end.UTC()
		if !sl.start.After(now) {
			return closeSlot(ctx, tx, a.ClinicID, a.SlotID, "", now)
		}
		var active bool
		if err := tx.QueryRowContext(ctx, `SELECT active FROM professional_refs WHERE clinic_id = $1 AND id = $2`,
			a.ClinicID, sl.professionalID).Scan(&active); err != nil {
			return fmt.Errorf("waitlist: offer next: read professional: %w", err)
		}
		busy, err := slotBusy(ctx, tx, a.ClinicID, sl.professionalID, sl.start, sl.end)
		if err != nil {
			return err
		}
		if busy || !active {
			return closeSlot(ctx, tx, a.ClinicID, a.SlotID, "", now)
		}
		offered, err := w.offerNext(ctx, tx, sl, loc, now, exclusive)
		if err != nil {
			return err
		}
		if offered {
			return w.scheduleStep(ctx, tx, sl, nextStepAt(now, exclusive, sl.start))
		}
		var open bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM waitlist_offers WHERE slot_id = $1 AND status IN ('pending', 'sent'))`,
			a.SlotID).Scan(&open); err != nil {
			return fmt.Errorf("waitlist: offer next: open offers: %w", err)
		}
		if !open {
			return closeSlot(ctx, tx, a.ClinicID, a.SlotID, "", now) // nobody holds it, nobody else fits
		}
		// Earlier patients may still take it; look again for new entries,
		// less often, and close it at its start.
		return w.scheduleStep(ctx, tx, sl, nextStepAt(now, max(exclusive, idleStep), sl.start))
	})
	if errors.Is(err, errEarly) {
		return river.JobSnooze(wait)
	}
	return err
}
