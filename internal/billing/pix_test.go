package billing_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/billing"
	"clinic/internal/kernel"
	"clinic/internal/pix"
	"clinic/internal/platform/db/dbtest"
)

func TestPixCodeIsForTheOpenBalance(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newApp(t, dbtest.SQLiteURL(t)))
	ctx := context.Background()
	c := e.charge(15075)

	_, _, err := e.b.Pix(ctx, e.recep, c.ID)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "no key yet")

	for _, tc := range []struct {
		name string
		in   billing.Settings
		bad  string
	}{
		{"bad cpf", billing.Settings{PixKeyType: "cpf", PixKey: "123.456.789-00", MerchantName: "Clinica", MerchantCity: "Sao Paulo"}, "pix_key"},
		{"no city", billing.Settings{PixKeyType: "email", PixKey: "pix@clinica.com.br", MerchantName: "Clinica"}, "merchant_city"},
		{"bad type", billing.Settings{PixKeyType: "iban", PixKey: "x", MerchantName: "Clinica", MerchantCity: "Sao Paulo"}, "pix_key_type"},
	} {
		_, err := e.b.SaveSettings(ctx, e.owner, tc.in)
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), tc.name)
		require.Contains(t, apperr.As(err).Fields, tc.bad, tc.name)
	}
	_, err = e.b.SaveSettings(ctx, e.recep, billing.Settings{})
	require.Equal(t, apperr.Forbidden, apperr.CodeOf(err))
	st, err := e.b.SaveSettings(ctx, e.financial, billing.Settings{PixKeyType: "cpf", PixKey: "529.982.247-25", MerchantName: "Clínica São João", MerchantCity: "São Paulo"})
	require.NoError(t, err)
	require.Equal(t, "52998224725", st.PixKey)

	_, err = e.b.RecordPayment(ctx, e.recep, c.ID, billing.PaymentInput{Method: billing.MethodCash, AmountCents: 5075})
	require.NoError(t, err)
	code, _, err := e.b.Pix(ctx, e.recep, c.ID)
	require.NoError(t, err)
	f, err := pix.Parse(code.Payload)
	require.NoError(t, err)
	require.Equal(t, int64(10000), f.AmountCents(), "the open balance")
	require.Equal(t, "52998224725", f.Key())
	require.Equal(t, billing.TxID(c.ID), f.TxID())
	require.Len(t, f.TxID(), 25)

	png, err := e.b.PixQR(ctx, e.recep, c.ID, "png", 256)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(png, []byte("\x89PNG")))
	svg, err := e.b.PixQR(ctx, e.recep, c.ID, "svg", 0)
	require.NoError(t, err)
	require.Contains(t, string(svg), "<svg")

	// Sending needs a messenger (the app wires the reminder service's);
	// with one it carries the code.
	plain := billing.NewService(e.a.DB, e.a.Patients, e.a.Schedule, e.a.Accounts)
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(plain.SendPix(ctx, e.recep, c.ID)))
	var got billing.PixMessage
	b := billing.NewService(e.a.DB, e.a.Patients, e.a.Schedule, e.a.Accounts, billing.WithPixMessenger(func(_ context.Context, _ kernel.Principal, m billing.PixMessage) error {
		got = m
		return nil
	}))
	require.NoError(t, b.SendPix(ctx, e.recep, c.ID))
	require.Equal(t, billing.PixMessage{ClinicID: e.clinicID, PatientID: e.patient.ID, ChargeID: c.ID, AmountCents: 10000, Description: "Relatório", Payload: code.Payload}, got)

	// Paid: no code.
	_, err = e.b.RecordPayment(ctx, e.recep, c.ID, billing.PaymentInput{Method: billing.MethodPix, AmountCents: 10000})
	require.NoError(t, err)
	_, _, err = e.b.Pix(ctx, e.recep, c.ID)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
}
