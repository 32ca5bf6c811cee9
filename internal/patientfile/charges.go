package patientfile

import (
	"context"
	"strconv"

	"clinic/internal/billing"
	"clinic/internal/kernel"
)

// ChargesService is what Charges asks of the billing service.
type ChargesService interface {
	PatientCharges(ctx context.Context, p kernel.Principal, patientID string) ([]billing.Charge, error)
	ExportPatient(ctx context.Context, p kernel.Principal, patientID string) (any, error)
	AnonymisePatient(ctx context.Context, p kernel.Principal, patientID string) error
}

// Charges is the patient's money: on the timeline each charge at its
// service and each payment or refund when received (Detail: the amount in
// cents, for the page to format), in the export every charge with its
// payments (charges.json); anonymisation keeps the money records (the law's
// bookkeeping) and clears their free text.
type Charges struct{ S ChargesService }

var _ Source = Charges{}

// Name implements Source.
func (Charges) Name() string { return "charges" }

// Clinical implements Source.
func (Charges) Clinical() bool { return false }

// Timeline implements Source.
func (c Charges) Timeline(ctx context.Context, p kernel.Principal, patientID string) ([]Entry, error) {
	list, err := c.S.PatientCharges(ctx, p, patientID)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, ch := range list {
		path := "/billing/charges/" + ch.ID
		status := ch.Status
		if ch.Overdue {
			status = "overdue"
		}
		out = append(out, Entry{At: ch.ServiceAt, Kind: "charge", ID: ch.ID, Title: ch.Description,
			Detail: strconv.FormatInt(ch.AmountCents-ch.DiscountCents, 10), Status: status, Path: path})
		for _, pm := range ch.Payments {
			kind := "payment"
			if pm.RefundOf != "" {
				kind = "refund"
			}
			e := Entry{At: pm.ReceivedAt, Kind: "payment", ID: pm.ID, Title: pm.Method,
				Detail: strconv.FormatInt(pm.AmountCents, 10), Status: kind, Path: path}
			if !pm.Counts() {
				e.Status = "reversed"
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// Export implements Source.
func (c Charges) Export(ctx context.Context, p kernel.Principal, patientID string, x *Export) error {
	v, err := c.S.ExportPatient(ctx, p, patientID)
	if err != nil {
		return err
	}
	return x.JSON(c.Name(), "Charges (amounts in cents, BRL) with their payments, refunds and reversals", v)
}

// Anonymise implements Source.
func (c Charges) Anonymise(ctx context.Context, p kernel.Principal, patientID string) error {
	return c.S.AnonymisePatient(ctx, p, patientID)
}
