// Package remindertest inserts, straight into package reminder's ledger,
// the messages that tests of other packages' reports need (package
// analytics), so that they depend on the schema only, not on the
// dispatcher and the providers.
package remindertest

import (
	"context"
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
