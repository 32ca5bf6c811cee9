package billing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/billing"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/db/dbtest"
)

func TestCompletedAppointmentIsChargedOnceAtThePlanPrice(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		e := newEnv(t, newApp(t, url))
		ctx := context.Background()
		plan, err := e.b.CreatePlan(ctx, e.admin, billing.PlanInput{Name: "Unimed", ANSCode: "123456"})
		require.NoError(t, err)
		e.price(25000, billing.PlanPrice{PlanID: plan.ID, AmountCents: 12050})

		// A private patient pays the private price.
		ap := e.complete(e.patient.ID, 0)
		c, err := e.b.AppointmentCharge(ctx, e.recep, ap.ID)
		require.NoError(t, err)
		require.Equal(t, int64(25000), c.AmountCents)
		require.Equal(t, int64(25000), c.BalanceCents)
		require.Equal(t, "Consulta", c.Description)
		require.Equal(t, e.prof.ID, c.ProfessionalID)
		require.Equal(t, billing.StatusOpen, c.Status)

		// A patient of the plan pays the plan's price; once the plan is
		// inactive, the private one.
		p2, err := e.a.Patients.Create(ctx, e.owner, patient.Input{FullName: kernel.Some("João Conveniado")})
		require.NoError(t, err)
		require.NoError(t, e.b.SetPatientPlan(ctx, e.recep, p2.ID, plan.ID))
		ap2 := e.complete(p2.ID, 1)
		c2, err := e.b.AppointmentCharge(ctx, e.owner, ap2.ID)
		require.NoError(t, err)
		require.Equal(t, int64(12050), c2.AmountCents)
		require.Equal(t, plan.ID, c2.InsurancePlanID)

		off := false
		_, err = e.b.UpdatePlan(ctx, e.owner, plan.ID, billing.PlanInput{Name: "Unimed", Active: &off})
		require.NoError(t, err)
		ap3 := e.complete(p2.ID, 2)
		c3, err := e.b.AppointmentCharge(ctx, e.owner, ap3.ID)
		require.NoError(t, err)
		require.Equal(t, int64(25000), c3.AmountCents)

		// One charge per appointment: the patient has exactly the three.
		all, err := e.b.PatientCharges(ctx, e.owner, p2.ID)
		require.NoError(t, err)
		require.Len(t, all, 2)
		var n int
		require.NoError(t, e.a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM charges WHERE appointment_id = $1`, ap.ID).Scan(&n))
		require.Equal(t, 1, n)
	})
}

func TestPaymentsRefundsReversalsAndBalances(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		e := newEnv(t, newApp(t, url))
		ctx := context.Background()
		c := e.charge(30001) // R$ 300,01: sums stay exact in cents

		// Partial payments by the receptionist: Pix, then a card in 3 installments.
		pix, err := e.b.RecordPayment(ctx, e.recep, c.ID, billing.PaymentInput{Method: billing.MethodPix, AmountCents: 10000})
		require.NoError(t, err)
		card, err := e.b.RecordPayment(ctx, e.recep, c.ID, billing.PaymentInput{Method: billing.MethodCredit, AmountCents: 15000, Installments: 3})
		require.NoError(t, err)
		got, err := e.b.Charge(ctx, e.recep, c.ID)
		require.NoError(t, err)
		require.Equal(t, int64(25000), got.PaidCents)
		require.Equal(t, int64(5001), got.BalanceCents)
		require.Equal(t, billing.StatusOpen, got.Status)
		require.Len(t, got.Payments, 2)
		require.Equal(t, 3, got.Payments[1].Installments)

		// Overpayment is refused, nothing recorded.
		_, err = e.b.RecordPayment(ctx, e.recep, c.ID, billing.PaymentInput{Method: billing.MethodCash, AmountCents: 5002})
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "%v", err)
		_, err = e.b.RecordPayment(ctx, e.recep, c.ID, billing.PaymentInput{Method: billing.MethodCash, AmountCents: 100, Installments: 2})
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
		_, err = e.b.RecordPayment(ctx, e.recep, c.ID, billing.PaymentInput{Method: "cheque", AmountCents: 100})
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err))

		// The rest in cash: paid.
		_, err = e.b.RecordPayment(ctx, e.recep, c.ID, billing.PaymentInput{Method: billing.MethodCash, AmountCents: 5001})
		require.NoError(t, err)
		got, err = e.b.Charge(ctx, e.recep, c.ID)
		require.NoError(t, err)
		require.Equal(t, int64(0), got.BalanceCents)
		require.Equal(t, billing.StatusPaid, got.Status)

		// A refund of part of the card payment: its own entry, the balance is back.
		_, err = e.b.Refund(ctx, e.recep, c.ID, card.ID, billing.RefundInput{AmountCents: 1})
		require.Equal(t, apperr.Forbidden, apperr.CodeOf(err), "receptionists do not refund")
		ref, err := e.b.Refund(ctx, e.financial, c.ID, card.ID, billing.RefundInput{AmountCents: 4999})
		require.NoError(t, err)
		require.Equal(t, billing.KindRefund, ref.Kind)
		require.Equal(t, card.ID, ref.RefundOf)
		require.Equal(t, billing.MethodCredit, ref.Method)
		_, err = e.b.Refund(ctx, e.financial, c.ID, card.ID, billing.RefundInput{AmountCents: 10002})
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "more than what is left of the payment")
		got, err = e.b.Charge(ctx, e.owner, c.ID)
		require.NoError(t, err)
		require.Equal(t, int64(30001), got.PaidCents)
		require.Equal(t, int64(4999), got.RefundedCents)
		require.Equal(t, int64(4999), got.BalanceCents)
		require.Equal(t, int64(4999), got.Payments[1].RefundedCents)

		// The Pix payment was recorded by mistake: reversed, kept, counts for nothing.
		_, err = e.b.Reverse(ctx, e.financial, c.ID, card.ID, billing.ReverseInput{Reason: "engano"})
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "a payment with refunds is not reversed")
		rev, err := e.b.Reverse(ctx, e.financial, c.ID, pix.ID, billing.ReverseInput{Reason: "Lançado em duplicidade"})
		require.NoError(t, err)
		require.NotNil(t, rev.ReversedAt)
		_, err = e.b.Reverse(ctx, e.financial, c.ID, pix.ID, billing.ReverseInput{Reason: "de novo"})
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
		got, err = e.b.Charge(ctx, e.owner, c.ID)
		require.NoError(t, err)
		require.Len(t, got.Payments, 4, "nothing is deleted")
		require.Equal(t, int64(20001), got.PaidCents)
		require.Equal(t, int64(14999), got.BalanceCents)

		// Reversing the refund brings the balance back down.
		_, err = e.b.Reverse(ctx, e.owner, c.ID, ref.ID, billing.ReverseInput{Reason: "estorno não feito"})
		require.NoError(t, err)
		bal, err := e.b.PatientBalance(ctx, e.recep, e.patient.ID)
		require.NoError(t, err)
		require.Equal(t, int64(10000), bal.BalanceCents)
		require.Equal(t, 1, bal.OpenCharges)

		// A second charge adds to the patient's balance; a discount lowers it.
		c2 := e.charge(1234)
		_, err = e.b.SetDiscount(ctx, e.financial, c2.ID, billing.DiscountInput{DiscountCents: 234})
		require.NoError(t, err)
		_, err = e.b.SetDiscount(ctx, e.financial, c2.ID, billing.DiscountInput{DiscountCents: 1235})
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
		bal, err = e.b.PatientBalance(ctx, e.recep, e.patient.ID)
		require.NoError(t, err)
		require.Equal(t, int64(11000), bal.BalanceCents)
		require.Equal(t, 2, bal.OpenCharges)

		// Cancelling: only without money kept, with a reason.
		_, err = e.b.CancelCharge(ctx, e.financial, c.ID, billing.CancelInput{Reason: "erro"})
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
		_, err = e.b.CancelCharge(ctx, e.financial, c2.ID, billing.CancelInput{})
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
		cc, err := e.b.CancelCharge(ctx, e.financial, c2.ID, billing.CancelInput{Reason: "Cobrança duplicada"})
		require.NoError(t, err)
		require.Equal(t, billing.StatusCancelled, cc.Status)
		require.Equal(t, int64(0), cc.BalanceCents)
		_, err = e.b.RecordPayment(ctx, e.recep, c2.ID, billing.PaymentInput{Method: billing.MethodCash, AmountCents: 1})
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err))

		// Every money change was audited.
		var n int
		require.NoError(t, e.a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE clinic_id = $1 AND entity IN ('charge', 'payment', 'refund')`, e.clinicID).Scan(&n))
		require.Equal(t, 2+3+1+2+1+1, n) // 2 charges, 3 payments, 1 refund, 2 reversals (payment, refund), 1 discount, 1 cancel

		// Filters.
		page, err := e.b.Charges(ctx, e.recep, billing.ChargeFilter{Status: billing.StatusOpen})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		page, err = e.b.Charges(ctx, e.recep, billing.ChargeFilter{Status: billing.StatusCancelled, PatientID: e.patient.ID})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		require.Equal(t, c2.ID, page.Items[0].ID)
	})
}

func TestAnotherClinicsMoneyIsNotFound(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		a := newApp(t, url)
		e, other := newEnv(t, a), newEnv(t, a)
		ctx := context.Background()
		c := e.charge(5000)
		pay, err := e.b.RecordPayment(ctx, e.recep, c.ID, billing.PaymentInput{Method: billing.MethodCash, AmountCents: 1000})
		require.NoError(t, err)
		plan, err := e.b.CreatePlan(ctx, e.owner, billing.PlanInput{Name: "Amil"})
		require.NoError(t, err)
		for name, call := range map[string]func() error{
			"charge": func() error { _, err := e.b.Charge(ctx, other.owner, c.ID); return err },
			"payment": func() error {
				_, err := e.b.RecordPayment(ctx, other.owner, c.ID, billing.PaymentInput{Method: "cash", AmountCents: 1})
				return err
			},
			"refund": func() error {
				_, err := e.b.Refund(ctx, other.owner, c.ID, pay.ID, billing.RefundInput{AmountCents: 1})
				return err
			},
			"reverse": func() error {
				_, err := e.b.Reverse(ctx, other.owner, c.ID, pay.ID, billing.ReverseInput{Reason: "x"})
				return err
			},
			"cancel": func() error {
				_, err := e.b.CancelCharge(ctx, other.owner, c.ID, billing.CancelInput{Reason: "x"})
				return err
			},
			"plan": func() error {
				_, err := e.b.UpdatePlan(ctx, other.owner, plan.ID, billing.PlanInput{Name: "x"})
				return err
			},
			"prices": func() error { _, err := e.b.ProcedurePrices(ctx, other.owner, e.proc.ID); return err },
			"payouts": func() error {
				_, err := e.b.Payouts(ctx, other.owner, e.prof.ID, "2026-01-01", "2026-01-31")
				return err
			},
			"revenue": func() error { _, err := e.b.Revenue(ctx, other.owner, e.clinicID, time.Now(), time.Now()); return err },
		} {
			require.Equal(t, apperr.NotFound, apperr.CodeOf(call()), name)
		}
		// Nothing of the other clinic's shows in lists.
		page, err := e.b.Charges(ctx, other.owner, billing.ChargeFilter{})
		require.NoError(t, err)
		require.Empty(t, page.Items)
		_, err = e.b.CreateCharge(ctx, other.owner, billing.ChargeInput{PatientID: e.patient.ID, Description: "x", AmountCents: 1})
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
	})
}

func TestRoleRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newApp(t, dbtest.SQLiteURL(t)))
	ctx := context.Background()
	c := e.charge(1000)
	today := time.Now().Format(time.DateOnly)
	allowed := func(err error) bool { return !apperr.Is(err, apperr.Forbidden) }
	ops := []struct {
		name string
		call func(p kernel.Principal) error
		who  []kernel.Role
	}{
		{"create charge", func(p kernel.Principal) error {
			_, err := e.b.CreateCharge(ctx, p, billing.ChargeInput{PatientID: e.patient.ID, Description: "x", AmountCents: 1})
			return err
		}, []kernel.Role{kernel.RoleOwner, kernel.RoleFinancial}},
		{"see charges", func(p kernel.Principal) error { _, err := e.b.Charge(ctx, p, c.ID); return err },
			[]kernel.Role{kernel.RoleOwner, kernel.RoleFinancial, kernel.RoleAdmin, kernel.RoleReceptionist}},
		{"record payment", func(p kernel.Principal) error {
			_, err := e.b.RecordPayment(ctx, p, c.ID, billing.PaymentInput{Method: "cash", AmountCents: 1})
			return err
		}, []kernel.Role{kernel.RoleOwner, kernel.RoleFinancial, kernel.RoleAdmin, kernel.RoleReceptionist}},
		{"patient balance", func(p kernel.Principal) error { _, err := e.b.PatientBalance(ctx, p, e.patient.ID); return err },
			[]kernel.Role{kernel.RoleOwner, kernel.RoleFinancial, kernel.RoleAdmin, kernel.RoleReceptionist}},
		{"cash flow", func(p kernel.Principal) error { _, err := e.b.CashFlow(ctx, p, today, today); return err },
			[]kernel.Role{kernel.RoleOwner, kernel.RoleFinancial}},
		{"plans", func(p kernel.Principal) error {
			_, err := e.b.CreatePlan(ctx, p, billing.PlanInput{Name: "P " + string(p.Role)})
			return err
		},
			[]kernel.Role{kernel.RoleOwner, kernel.RoleFinancial, kernel.RoleAdmin}},
		{"payout report (all)", func(p kernel.Principal) error { _, err := e.b.Payouts(ctx, p, "", today, today); return err },
			[]kernel.Role{kernel.RoleOwner, kernel.RoleFinancial, kernel.RoleProfessional}},
		{"revenue", func(p kernel.Principal) error {
			_, err := e.b.Revenue(ctx, p, e.clinicID, time.Now(), time.Now())
			return err
		},
			[]kernel.Role{kernel.RoleOwner, kernel.RoleFinancial}},
	}
	for _, op := range ops {
		for _, r := range kernel.Roles {
			p := kernel.Principal{UserID: e.owner.UserID, ClinicID: e.clinicID, Role: r}
			if r == kernel.RoleProfessional {
				p = e.profUser
			}
			want := false
			for _, w := range op.who {
				want = want || w == r
			}
			err := op.call(p)
			require.Equal(t, want, allowed(err), "%s as %s: %v", op.name, r, err)
		}
	}
	// A professional sees only their own payouts.
	other, err := e.a.Schedule.CreateProfessional(ctx, e.owner, scheduleInput("Dr. Outro"))
	require.NoError(t, err)
	_, err = e.b.Payouts(ctx, e.profUser, other.ID, today, today)
	require.Equal(t, apperr.Forbidden, apperr.CodeOf(err))
	rep, err := e.b.Payouts(ctx, e.profUser, "", today, today)
	require.NoError(t, err)
	for _, l := range rep.Lines {
		require.Equal(t, e.prof.ID, l.ProfessionalID)
	}
}

func TestPayoutsAreOwedOnce(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		e := newEnv(t, newApp(t, url))
		ctx := context.Background()
		e.price(33333)
		a1 := e.complete(e.patient.ID, 0)
		a2 := e.complete(e.patient.ID, 1)
		_, err := e.b.SetPayoutRules(ctx, e.financial, e.prof.ID, []billing.PayoutRule{{Kind: billing.RulePercent, Value: 4000}})
		require.NoError(t, err)
		day, end := a1.StartsAt.In(mustZone(t)).Format(time.DateOnly), a2.StartsAt.In(mustZone(t)).Format(time.DateOnly)
		rep, err := e.b.Payouts(ctx, e.owner, "", day, end)
		require.NoError(t, err)
		require.Equal(t, "produced", rep.Basis)
		require.Len(t, rep.Lines, 1)
		require.Equal(t, int64(66666), rep.Lines[0].BaseCents)
		require.Equal(t, int64(2*13333), rep.Lines[0].OwedCents) // 40 % of 333,33 = 133,332 → 133,33 each

		// A procedure rule wins over the default.
		_, err = e.b.SetPayoutRules(ctx, e.financial, e.prof.ID, []billing.PayoutRule{{Kind: billing.RulePercent, Value: 4000},
			{ProcedureID: e.proc.ID, Kind: billing.RuleFixed, Value: 10000}})
		require.NoError(t, err)
		rep, err = e.b.Payouts(ctx, e.profUser, "", day, end)
		require.NoError(t, err)
		require.Equal(t, int64(20000), rep.Lines[0].OwedCents)

		po, err := e.b.MarkPaid(ctx, e.financial, billing.PayoutInput{ProfessionalID: e.prof.ID, From: day, To: end})
		require.NoError(t, err)
		require.Equal(t, int64(20000), po.AmountCents)
		require.Equal(t, 2, po.Items)
		rep, err = e.b.Payouts(ctx, e.owner, e.prof.ID, day, end)
		require.NoError(t, err)
		require.Empty(t, rep.Lines, "paid items are not owed again")
		require.Len(t, rep.Paid, 1)
		_, err = e.b.MarkPaid(ctx, e.financial, billing.PayoutInput{ProfessionalID: e.prof.ID, From: day, To: end})
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
	})
}

func TestCashFlowAndRevenue(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		e := newEnv(t, newApp(t, url))
		ctx := context.Background()
		zone := mustZone(t)
		e.price(20000)
		ap := e.complete(e.patient.ID, 0)
		c, err := e.b.AppointmentCharge(ctx, e.owner, ap.ID)
		require.NoError(t, err)
		_, err = e.b.RecordPayment(ctx, e.recep, c.ID, billing.PaymentInput{Method: billing.MethodPix, AmountCents: 7000})
		require.NoError(t, err)
		cash, err := e.b.RecordPayment(ctx, e.recep, c.ID, billing.PaymentInput{Method: billing.MethodCash, AmountCents: 3000})
		require.NoError(t, err)
		_, err = e.b.Refund(ctx, e.owner, c.ID, cash.ID, billing.RefundInput{AmountCents: 500})
		require.NoError(t, err)
		overdue, err := e.b.CreateCharge(ctx, e.financial, billing.ChargeInput{PatientID: e.patient.ID, Description: "Antiga", AmountCents: 999,
			DueDate: time.Now().In(zone).AddDate(0, 0, -10).Format(time.DateOnly)})
		require.NoError(t, err)
		require.True(t, overdue.Overdue)

		today := time.Now().In(zone).Format(time.DateOnly)
		cf, err := e.b.CashFlow(ctx, e.financial, today, today)
		require.NoError(t, err)
		require.Equal(t, int64(9500), cf.TotalCents)
		require.Equal(t, int64(7000), cf.ByMethod[billing.MethodPix])
		require.Equal(t, int64(2500), cf.ByMethod[billing.MethodCash])
		require.Equal(t, int64(20000-9500+999), cf.ReceivableCents)
		require.Equal(t, int64(999), cf.OverdueCents)

		var csv strings.Builder
		require.NoError(t, billing.WriteCashFlowCSV(&csv, cf, func(k string) string { return k }))
		d, _ := time.Parse(time.DateOnly, today)
		require.Equal(t, "\ufeffdate;method;amount\r\n"+d.Format("02/01/2006")+";method.pix;70,00\r\n"+d.Format("02/01/2006")+";method.cash;25,00\r\n", csv.String())

		rows, err := e.b.Revenue(ctx, e.financial, e.clinicID, time.Now().Add(-72*time.Hour), time.Now().Add(3*time.Hour))
		require.NoError(t, err)
		var charged, received int64
		for _, r := range rows {
			charged += r.ChargedCents
			received += r.ReceivedCents
			if r.ProcedureID == e.proc.ID && r.ChargedCents > 0 {
				require.Equal(t, e.prof.ID, r.ProfessionalID)
				require.Equal(t, ap.StartsAt.In(zone).Format(time.DateOnly), r.Day)
			}
		}
		require.Equal(t, int64(20000+999), charged)
		require.Equal(t, int64(9500), received)
	})
}

func TestPatientExportAndAnonymise(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newApp(t, dbtest.SQLiteURL(t)))
	ctx := context.Background()
	c := e.charge(1000)
	_, err := e.b.RecordPayment(ctx, e.recep, c.ID, billing.PaymentInput{Method: billing.MethodCash, AmountCents: 400, Note: "pago pela Maria"})
	require.NoError(t, err)
	_, err = e.b.ExportPatient(ctx, e.financial, e.patient.ID)
	require.Equal(t, apperr.Forbidden, apperr.CodeOf(err))
	x, err := e.b.ExportPatient(ctx, e.owner, e.patient.ID)
	require.NoError(t, err)
	exp := x.(billing.PatientExport)
	require.Len(t, exp.Charges, 1)
	require.Equal(t, int64(600), exp.Balance.BalanceCents)
	require.NoError(t, e.b.AnonymisePatient(ctx, e.owner, e.patient.ID))
	got, err := e.b.Charge(ctx, e.owner, c.ID)
	require.NoError(t, err)
	require.Equal(t, int64(600), got.BalanceCents, "money records are kept")
	require.Empty(t, got.Payments[0].Note)
}

// Two desks recording the whole balance at once: one payment is taken, the
// other refused; the charge is never paid twice.
func TestConcurrentPaymentsNeverOverpay(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		e := newEnv(t, newApp(t, url))
		ctx := context.Background()
		c := e.charge(10000)
		const n = 4
		errs := make(chan error, n)
		for range n {
			go func() {
				_, err := e.b.RecordPayment(ctx, e.recep, c.ID, billing.PaymentInput{Method: billing.MethodCash, AmountCents: 10000})
				errs <- err
			}()
		}
		ok := 0
		for range n {
			if err := <-errs; err == nil {
				ok++
			} else {
				require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "%v", err)
			}
		}
		require.Equal(t, 1, ok)
		got, err := e.b.Charge(ctx, e.owner, c.ID)
		require.NoError(t, err)
		require.Equal(t, int64(0), got.BalanceCents)
		require.Len(t, got.Payments, 1)
	})
}
