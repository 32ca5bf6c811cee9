package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/appointment"
	"clinic/internal/billing"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/web/webtest"
)

// billingIDs keeps the demo's half-paid charge and its payment.
func (s *site) billingIDs(t testing.TB) {
	t.Helper()
	require.NotEmpty(t, s.demo.ChargeID, "the demo seeds charges")
	c, err := s.in.App.Billing.Charge(context.Background(), kernel.Principal{ClinicID: s.demo.ClinicID, Role: kernel.RoleOwner}, s.demo.ChargeID)
	require.NoError(t, err)
	require.NotEmpty(t, c.Payments)
	s.chargeID, s.paymentID = c.ID, c.Payments[0].ID
}

// A completed appointment is charged; the charge page shows the Pix QR
// code and its copia e cola; a partial Pix payment recorded there leaves
// the balance the patient's billing tab shows.
func TestBillingCompletedAppointmentToPartialPixPayment(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	s := demoSite(t, dbtest.SQLiteURL(t), nil)
	ctx := context.Background()
	owner := kernel.Principal{ClinicID: s.demo.ClinicID, Role: kernel.RoleOwner}
	a := s.in.App

	private := int64(31050)
	_, err := a.Billing.SetProcedurePrices(ctx, owner, s.procedureID, billing.PricesInput{PrivateCents: &private})
	require.NoError(t, err)
	pat, err := a.Patients.Create(ctx, owner, patient.Input{FullName: kernel.Some("Joana Pagadora")})
	require.NoError(t, err)
	// The professional's next free slot, booked and completed at the desk.
	var appt appointment.Appointment
	start := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
	for i := 0; i < 200; i++ {
		appt, err = a.Appointments.Create(ctx, owner, appointment.CreateInput{PatientID: pat.ID, ProfessionalID: s.professionalID,
			StartsAt: start.Add(time.Duration(i) * 20 * time.Minute).Format(time.RFC3339), DurationMinutes: 20, ProcedureID: s.procedureID,
			OverrideWorkingHours: true})
		if err == nil {
			break
		}
	}
	require.NoError(t, err)
	for _, st := range []appointment.Status{appointment.StatusArrived, appointment.StatusCompleted} {
		_, err = a.Appointments.SetStatus(ctx, owner, appt.ID, appointment.StatusInput{Status: st})
		require.NoError(t, err)
	}

	p := b.NewPage(t, webtest.Desktop)
	s.login(p)
	// The patient's billing tab lists the charge of the visit.
	p.Navigate(s.in.URL + "/clinics/" + s.demo.ClinicID + "/patients/" + pat.ID + "/billing")
	p.WaitText("[data-patient-balance]", "310,50")
	p.Click(`a.row-link`)
	p.WaitVisible("[data-pix-qr]")

	// The QR image is drawn, and the copia e cola is the open balance's.
	var loaded bool
	p.Eval(`new Promise(r => { const i = document.querySelector("[data-pix-qr]"); if (i.complete) r(i.naturalWidth > 0); else i.onload = () => r(i.naturalWidth > 0); })`, &loaded)
	require.True(t, loaded, "the QR code image loads")
	var payload string
	p.Eval(`document.querySelector("[data-pix-payload]").value`, &payload)
	require.True(t, strings.HasPrefix(payload, "000201"), payload)
	require.Contains(t, payload, "br.gov.bcb.pix")
	require.Contains(t, payload, "5406310.50")
	p.WaitVisible(`button[data-copy="pix-code"]`)

	// A partial payment by Pix.
	p.Eval(`document.querySelector("#f-method").value = "pix", true`, nil)
	p.Fill("#f-amount", "100,50")
	p.Click(`form[data-record-payment] button[type=submit]`)
	p.WaitText(".flash", "Pagamento registrado")
	p.WaitText("[data-balance]", "210,00")
	// The Pix code now asks for what is left.
	p.Eval(`document.querySelector("[data-pix-payload]").value`, &payload)
	require.Contains(t, payload, "5406210.00")
	p.Axe()
	p.DocScreenshot("billing-charge-partial-pix")

	p.Navigate(s.in.URL + "/clinics/" + s.demo.ClinicID + "/patients/" + pat.ID + "/billing")
	p.WaitText("[data-patient-balance]", "210,00")
	// The appointment's page names its charge and what is left.
	p.Navigate(s.in.URL + "/clinics/" + s.demo.ClinicID + "/appointments/" + appt.ID)
	p.WaitText("#appointment-charge-title", "Cobrança")
	p.WaitText("[data-appointment-charge]", "210,00")
	p.Axe()

	got, err := a.Billing.AppointmentCharge(ctx, owner, appt.ID)
	require.NoError(t, err)
	require.Equal(t, int64(21000), got.BalanceCents, fmt.Sprintf("%+v", got))
	require.Equal(t, billing.MethodPix, got.Payments[0].Method)
}
