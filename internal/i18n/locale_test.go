package i18n

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSupported(t *testing.T) {
	t.Parallel()
	require.Equal(t, []Locale{PtBR, En}, Supported())
	require.Equal(t, PtBR, Default)
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Locale
		ok   bool
	}{
		{"pt-BR", PtBR, true},
		{"pt_BR", PtBR, true},
		{"pt-br", PtBR, true},
		{"PT_br", PtBR, true},
		{"pt", PtBR, true},
		{"pt-PT", PtBR, true},
		{" pt-BR ", PtBR, true},
		{"en", En, true},
		{"en-US", En, true},
		{"en_GB", En, true},
		{"EN", En, true},
		{"es", Default, false},
		{"fr-FR", Default, false},
		{"", Default, false},
		{"*", Default, false},
		{"not a tag", Default, false},
		{"und", Default, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, ok := Parse(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.ok, ok)
		})
	}
}

func TestNegotiate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		want   Locale // Negotiate
		api    Locale // NegotiateOr(header, En)
	}{
		{"", PtBR, En},
		{"pt-BR", PtBR, PtBR},
		{"pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7", PtBR, PtBR},
		{"pt", PtBR, PtBR},
		{"pt-PT", PtBR, PtBR},
		{"en", En, En},
		{"en-US,en;q=0.9", En, En},
		{"en-GB", En, En},
		{"en-US;q=0.5,pt-BR;q=0.9", PtBR, PtBR},
		{"pt;q=0.1,en;q=0.8", En, En},
		{"fr-FR,fr;q=0.9,en;q=0.5", En, En},
		{"de", PtBR, En},
		{"es-AR,es;q=0.9", PtBR, En},
		{"*", PtBR, En},
		{";;;garbage", PtBR, En},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Negotiate(tt.header), "Negotiate")
			assert.Equal(t, tt.api, NegotiateOr(tt.header, En), "NegotiateOr(En)")
		})
	}
}
