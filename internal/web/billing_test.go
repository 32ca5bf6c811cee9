package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/billing"
	"clinic/internal/kernel"
)

// Who sees which money page, and who may do what on the charge page: the
// pages show what the service allows and answer its refusals.
func TestBillingPagesByRole(t *testing.T) {
	t.Parallel()
	c := ptStart(t)
	ctx := context.Background()
	patientID := c.add(t, map[string]any{"full_name": "Maria da Silva"})
	owner := kernel.Principal{ClinicID: c.id, Role: kernel.RoleOwner}
	ch, err := c.in.App.Billing.CreateCharge(ctx, owner, billing.ChargeInput{PatientID: patientID, Description: "Consulta", AmountCents: 20000})
	require.NoError(t, err)
	admin, _ := c.in.Member(t, c.owner, c.id, "admin")
	recep, _ := c.in.Member(t, c.owner, c.id, "receptionist")
	pro, _ := c.in.Member(t, c.owner, c.id, "professional")
	fin, _ := c.in.Member(t, c.owner, c.id, "financial")
	charge := c.path("/billing/charges/" + ch.ID)
	for _, tc := range []struct {
		role                                      string
		client                                    *apptest.Client
		charges, cashflow, payouts, settings, tab int
		cashNav                                   bool
	}{
		{"owner", c.owner, 200, 200, 200, 200, 200, true},
		{"financial", fin, 200, 200, 200, 200, 200, true},
		{"admin", admin, 200, 403, 403, 200, 200, false},
		{"receptionist", recep, 200, 403, 403, 403, 200, false},
		// A professional without a linked practitioner has no payouts; the patient is not theirs.
		{"professional", pro, 403, 403, 403, 403, 404, false}, // not their patient: not found
	} {
		t.Run(tc.role, func(t *testing.T) {
			cl := tc.client
			list := ptGet(t, cl, c.path("/billing"))
			require.Equal(t, tc.charges, list.status)
			require.Equal(t, tc.charges, ptGet(t, cl, charge).status)
			require.Equal(t, tc.cashflow, ptGet(t, cl, c.path("/billing/cash-flow")).status)
			require.Equal(t, tc.payouts, ptGet(t, cl, c.path("/billing/payouts")).status)
			require.Equal(t, tc.settings, ptGet(t, cl, c.path("/billing/settings")).status)
			tab := ptGet(t, cl, c.path("/patients/"+patientID+"/billing"))
			require.Equal(t, tc.tab, tab.status)
			if list.status == 200 {
				require.Equal(t, tc.cashNav, strings.Contains(list.body, `/billing/cash-flow"`), "the cash flow's menu item")
			}
		})
	}
	// The receptionist records a payment; refunds are the owner's and financial's.
	res := ptPost(t, recep, charge+"/payments", url.Values{"method": {"pix"}, "amount": {"50,00"}, "installments": {"1"}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	got, err := c.in.App.Billing.Charge(ctx, owner, ch.ID)
	require.NoError(t, err)
	require.Equal(t, int64(15000), got.BalanceCents)
	payment := got.Payments[0].ID
	require.Equal(t, http.StatusForbidden, ptPost(t, recep, charge+"/payments/"+payment+"/refund", url.Values{"amount": {"10"}}).status)
	// More than the balance: the form again with the field's message, nothing written.
	over := ptPost(t, recep, charge+"/payments", url.Values{"method": {"cash"}, "amount": {"150,01"}, "installments": {"1"}})
	require.Equal(t, http.StatusUnprocessableEntity, over.status)
	require.Contains(t, over.body, "Maior que o saldo")
	require.Contains(t, over.body, `value="150,01"`)
	got, err = c.in.App.Billing.Charge(ctx, owner, ch.ID)
	require.NoError(t, err)
	require.Len(t, got.Payments, 1)

	// Another clinic's charge is not found.
	other := ptStart(t)
	require.Equal(t, http.StatusNotFound, ptGet(t, other.owner, other.path("/billing/charges/"+ch.ID)).status)
	require.Equal(t, http.StatusNotFound, ptPost(t, other.owner, other.path("/billing/charges/"+ch.ID+"/payments"),
		url.Values{"method": {"cash"}, "amount": {"1"}}).status)
}
