// Package remindertest inserts, straight into package reminder's ledger,
// the messages that tests of other packages' reports need (package
// analytics), so that they depend on the schema only, not on the
// dispatcher and the providers.
package remindertest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Reminder inserts a reminder of the appointment due at dueAt in status
// ("sent", "delivered", "read", "failed"…), sent at sentAt (zero: never).
func Reminder(t testing.TB, d *db.DB, clinicID, patientID, appointmentID, status string, dueAt, sentAt time.Time) {
	t.Helper()
	var sent any
	if !sentAt.IsZero() {
		sent = db.Time(sentAt)
	}
	now := db.Time(time.Now())
	_, err := d.ExecContext(context.Background(), `INSERT INTO messages (id, clinic_id, patient_id, appointment_id, kind, minutes_before,
		version, channel, recipient, status, due_at, sent_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'reminder', 1440, $5, 'whatsapp', '+5511999990000', $6, $7, $8, $9, $9)`,
		kernel.NewID(), clinicID, patientID, appointmentID, kernel.NewID(), status, db.Time(dueAt), sent, now)
	require.NoError(t, err, "fixture: reminder")
}

// Sent is a reminder that went out: of the appointment, to the patient, at
// At (also its due time).
type Sent struct {
	PatientID, AppointmentID string
	At                       time.Time
}

// SentReminders inserts delivered reminders, by the hundred in one
// transaction (benchmarks).
func SentReminders(t testing.TB, d *db.DB, clinicID string, rs []Sent) {
	t.Helper()
	ctx := context.Background()
	tx, err := d.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	now := db.Time(time.Now())
	for start := 0; start < len(rs); start += 200 {
		var b strings.Builder
		var args []any
		for _, r := range rs[start:min(start+200, len(rs))] {
			if len(args) > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, 'reminder', 1440, $%d, 'whatsapp', '+5511999990000', 'delivered', $%d, $%d, $%d, $%d)",
				n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9)
			args = append(args, kernel.NewID(), clinicID, r.PatientID, r.AppointmentID, kernel.NewID(), db.Time(r.At), db.Time(r.At), now, now)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO messages (id, clinic_id, patient_id, appointment_id, kind, minutes_before,
			version, channel, recipient, status, due_at, sent_at, created_at, updated_at) VALUES `+b.String(), args...)
		require.NoError(t, err, "fixture: reminders")
	}
	require.NoError(t, tx.Commit())
}
