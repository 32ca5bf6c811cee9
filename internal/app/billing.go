package app

import (
	"context"
	"time"

	"clinic/internal/analytics"
	"clinic/internal/billing"
	"clinic/internal/kernel"
	"clinic/internal/reminder"
)

// sendPix sends a charge's Pix to its patient as a message (billing's
// "send to patient", through the reminder service's channels and rules).
func (a *App) sendPix(ctx context.Context, p kernel.Principal, m billing.PixMessage) error {
	_, err := a.Reminders.SendPix(ctx, p, reminder.PixMessage{ClinicID: m.ClinicID, PatientID: m.PatientID,
		ChargeID: m.ChargeID, AmountCents: m.AmountCents, Description: m.Description, Payload: m.Payload})
	return err
}

// revenue gives analytics billing's revenue rows (role-checked by billing:
// owner and financial).
func (a *App) revenue(ctx context.Context, p kernel.Principal, clinicID string, from, to time.Time) ([]analytics.RevenueRow, error) {
	rows, err := a.Billing.Revenue(ctx, p, clinicID, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]analytics.RevenueRow, len(rows))
	for i, r := range rows {
		out[i] = analytics.RevenueRow{ProfessionalID: r.ProfessionalID, ProcedureID: r.ProcedureID, Date: r.Day,
			ChargedCents: r.ChargedCents, ReceivedCents: r.ReceivedCents}
	}
	return out, nil
}
