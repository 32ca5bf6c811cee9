package pix_test

import (
	"testing"

	"clinic/internal/pix"
)

// BenchmarkPayload builds the BR Code of a charge (what the charge page
// does for every charge it shows).
//
//	go test ./internal/pix -run '^$' -bench . -benchtime 2000x
func BenchmarkPayload(b *testing.B) {
	c := pix.Charge{Key: pix.Key{Type: pix.KeyEmail, Value: "financeiro@clinica.com.br"}, MerchantName: "Clínica São Lucas",
		MerchantCity: "São Paulo", AmountCents: 15000, TxID: "COB42", Description: "Consulta"}
	for b.Loop() {
		if _, err := c.Payload(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQRPNG draws the QR code of a payload as a 480-pixel PNG (the
// e-mail's image).
func BenchmarkQRPNG(b *testing.B) {
	for b.Loop() {
		if _, err := pix.QRPNG(manualStatic, 480); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQRSVG draws the same QR code as SVG (the charge page's).
func BenchmarkQRSVG(b *testing.B) {
	for b.Loop() {
		if _, err := pix.QRSVG(manualStatic); err != nil {
			b.Fatal(err)
		}
	}
}
