package patient_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/patient"
)

func TestSearchText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"João da Silva", "joao da silva"},
		{"JOÃO", "joao"},
		{"  Maria   Conceição\tAraújo ", "maria conceicao araujo"},
		{"Ana D'Ávila-Souza", "ana d avila souza"},
		{"Joa\u0303o", "joao"}, // already decomposed
		{"Zoë Ñuñez Çelik", "zoe nunez celik"},
		{"José (2º)", "jose 2º"},
		{"", ""},
		{"!!!", ""},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, patient.SearchText(tt.in), "SearchText(%q)", tt.in)
	}
}
