package document_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/document"
)

// TestSuggest: what an OCR text suggests, and what it does not.
func TestSuggest(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name, text, patient string
		want                []document.Found
	}{
		{"formatted CPF", "CPF: 529.982.247-25", "", []document.Found{{Field: "cpf", Value: "52998224725"}}},
		{"bare CPF", "cpf 52998224725 emitido", "", []document.Found{{Field: "cpf", Value: "52998224725"}}},
		{"CPF with wrong check digits", "CPF: 529.982.247-26", "", nil},
		{"repeated digits", "111.111.111-11", "", nil},
		{"birth date labelled", "Data de Nascimento: 14/05/1985", "", []document.Found{{Field: "birth_date", Value: "1985-05-14"}}},
		{"plain date", "Validade 31/12/2027", "", []document.Found{{Field: "date", Value: "2027-12-31"}}},
		{"two-digit year", "Nasc. 3.7.92", "", []document.Found{{Field: "birth_date", Value: "1992-07-03"}}},
		{"impossible date", "31/02/2020", "", nil},
		{"card after carteirinha", "Nº da Carteira: 0 123 456789 0123", "", []document.Found{{Field: "insurance_card", Value: "0 123 456789 0123"}}},
		{"card after cartão", "Cartão 8001234567", "", []document.Found{{Field: "insurance_card", Value: "8001234567"}}},
		{"card number in English", "Card number: 4455-6677-8899", "", []document.Found{{Field: "insurance_card", Value: "4455-6677-8899"}}},
		{"mobile phone", "Tel: (11) 98765-4321", "", []document.Found{{Field: "phone", Value: "+5511987654321"}}},
		{"landline with country code", "+55 21 3333-4444", "", []document.Found{{Field: "phone", Value: "+552133334444"}}},
		{"patient's name without accents and in capitals", "PACIENTE: MARIA JOSE DA SILVA", "Maria José da Silva",
			[]document.Found{{Field: "name", Value: "Maria José da Silva"}}},
		{"another name", "PACIENTE: JOANA PEREIRA", "Maria José da Silva", nil},
		{"a card", "UNIMED\nNome: Maria Jose da Silva\nCPF: 529.982.247-25\nNascimento: 14/05/1985\nCarteirinha: 0 123 456789 0123",
			"Maria José da Silva", []document.Found{{Field: "cpf", Value: "52998224725"}, {Field: "birth_date", Value: "1985-05-14"},
				{Field: "insurance_card", Value: "0 123 456789 0123"}, {Field: "name", Value: "Maria José da Silva"}}},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, document.Suggest(tc.text, tc.patient, now), tc.name)
	}
}

// FuzzSuggest: any text gives suggestions whose values are normalised.
func FuzzSuggest(f *testing.F) {
	for _, s := range []string{"CPF 529.982.247-25", "Nasc. 14/05/1985", "Carteirinha 123456", "(11) 98765-4321", "\x00\xff", "99/99/9999"} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text string) {
		for _, s := range document.Suggest(text, "Ana", now) {
			switch s.Field {
			case "cpf":
				if len(s.Value) != 11 {
					t.Fatalf("cpf %q", s.Value)
				}
			case "date", "birth_date":
				if _, err := time.Parse(time.DateOnly, s.Value); err != nil {
					t.Fatalf("date %q", s.Value)
				}
			case "phone":
				if s.Value[0] != '+' {
					t.Fatalf("phone %q", s.Value)
				}
			}
		}
	})
}
