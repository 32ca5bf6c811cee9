package demo

import (
	"context"
	"fmt"
	"sort"

	"clinic/internal/billing"
	"clinic/internal/kernel"
)

// seedBilling gives every demo procedure a self-pay price and a lower
// price for one insurance plan, sets a Pix key, and records three charges:
// one paid by card in 3 instalments, one half paid by Pix, one open. It
// returns the half-paid one.
func seedBilling(ctx context.Context, b *billing.Service, p kernel.Principal, procedureIDs map[string]string, patients []string) (string, error) {
	plan, err := b.CreatePlan(ctx, p, billing.PlanInput{Name: "Unimed Paulistana", ANSCode: "301337"})
	if err != nil {
		return "", fmt.Errorf("demo: insurance plan: %w", err)
	}
	names := make([]string, 0, len(procedureIDs))
	for n := range procedureIDs {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		private := int64(18000 + 5000*i)
		if _, err := b.SetProcedurePrices(ctx, p, procedureIDs[n], billing.PricesInput{PrivateCents: &private,
			Plans: []billing.PlanPrice{{PlanID: plan.ID, AmountCents: private * 6 / 10}}}); err != nil {
			return "", fmt.Errorf("demo: prices: %w", err)
		}
	}
	if _, err := b.SaveSettings(ctx, p, billing.Settings{PixKeyType: "email", PixKey: "financeiro@clinicabemestar.com.br",
		MerchantName: "Clinica Bem-Estar", MerchantCity: "Sao Paulo", Document: "12.345.678/0001-95"}); err != nil {
		return "", fmt.Errorf("demo: Pix settings: %w", err)
	}
	if len(patients) < 3 {
		return "", nil
	}
	var half string
	for i, c := range []struct {
		desc  string
		cents int64
		pay   *billing.PaymentInput
	}{
		{"Consulta", 25000, &billing.PaymentInput{Method: billing.MethodCredit, AmountCents: 25000, Installments: 3}},
		{"Consulta", 25000, &billing.PaymentInput{Method: billing.MethodPix, AmountCents: 12500}},
		{"Relatório médico", 8000, nil},
	} {
		ch, err := b.CreateCharge(ctx, p, billing.ChargeInput{PatientID: patients[i], Description: c.desc, AmountCents: c.cents})
		if err != nil {
			return "", fmt.Errorf("demo: charge: %w", err)
		}
		if c.pay != nil {
			if _, err := b.RecordPayment(ctx, p, ch.ID, *c.pay); err != nil {
				return "", fmt.Errorf("demo: payment: %w", err)
			}
		}
		if i == 1 {
			half = ch.ID
		}
	}
	return half, nil
}
