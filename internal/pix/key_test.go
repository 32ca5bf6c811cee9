package pix_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/pix"
)

func TestParseKeyNormalisesValidKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		typ  pix.KeyType
		in   string
		want string
	}{
		{"cpf digits", pix.KeyCPF, "52998224725", "52998224725"},
		{"cpf punctuated", pix.KeyCPF, " 529.982.247-25 ", "52998224725"},
		{"cpf check digit 0 from remainder 10", pix.KeyCPF, "000.000.001-91", "00000000191"},
		{"cnpj digits", pix.KeyCNPJ, "11222333000181", "11222333000181"},
		{"cnpj punctuated", pix.KeyCNPJ, "11.222.333/0001-81", "11222333000181"},
		{"cnpj alphanumeric (Receita's example)", pix.KeyCNPJ, "12.ABC.345/01DE-35", "12ABC34501DE35"},
		{"cnpj alphanumeric lower case", pix.KeyCNPJ, "12abc34501de35", "12ABC34501DE35"},
		{"email lowercased", pix.KeyEmail, "  Recepcao@Clinica-Sorriso.COM.br", "recepcao@clinica-sorriso.com.br"},
		{"email with plus", pix.KeyEmail, "pix+clinica@example.org", "pix+clinica@example.org"},
		{"email of 77 characters", pix.KeyEmail, longEmail(77), longEmail(77)},
		{"phone national mobile", pix.KeyPhone, "(11) 98765-4321", "+5511987654321"},
		{"phone E.164", pix.KeyPhone, "+5561912345678", "+5561912345678"},
		{"phone with country code and spaces", pix.KeyPhone, "+55 21 99876-5432", "+5521998765432"},
		{"phone with country code, no plus", pix.KeyPhone, "5511987654321", "+5511987654321"},
		{"phone with trunk prefix", pix.KeyPhone, "011 98765-4321", "+5511987654321"},
		{"phone landline", pix.KeyPhone, "(51) 3333-4444", "+555133334444"},
		{"phone landline with country code", pix.KeyPhone, "+55 51 3333-4444", "+555133334444"},
		{"evp", pix.KeyEVP, "123e4567-e12b-12d1-a456-426655440000", "123e4567-e12b-12d1-a456-426655440000"},
		{"evp upper case", pix.KeyEVP, "7F6844D0-DE89-47E5-9EF7-E0A35A681615", "7f6844d0-de89-47e5-9ef7-e0a35a681615"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := pix.ParseKey(tt.typ, tt.in)
			require.NoError(t, err)
			require.Equal(t, pix.Key{Type: tt.typ, Value: tt.want}, k)
			again, err := pix.ParseKey(k.Type, k.Value)
			require.NoError(t, err, "a normalised key parses again")
			require.Equal(t, k, again)
		})
	}
}

func TestParseKeyRejectsInvalidKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		typ   pix.KeyType
		in    string
		field string
	}{
		{"unknown type", "iban", "52998224725", "pix_key_type"},
		{"empty type", "", "52998224725", "pix_key_type"},
		{"empty", pix.KeyCPF, "  ", "pix_key"},
		{"cpf wrong first check digit", pix.KeyCPF, "529.982.247-35", "pix_key"},
		{"cpf wrong second check digit", pix.KeyCPF, "529.982.247-26", "pix_key"},
		{"cpf all same digits", pix.KeyCPF, "111.111.111-11", "pix_key"},
		{"cpf too short", pix.KeyCPF, "5299822472", "pix_key"},
		{"cpf too long", pix.KeyCPF, "529982247250", "pix_key"},
		{"cpf with letters", pix.KeyCPF, "52998224A25", "pix_key"},
		{"cpf given as cnpj", pix.KeyCNPJ, "52998224725", "pix_key"},
		{"cnpj wrong check digits", pix.KeyCNPJ, "11.222.333/0001-82", "pix_key"},
		{"cnpj all zeros", pix.KeyCNPJ, "00000000000000", "pix_key"},
		{"cnpj letter in check digits", pix.KeyCNPJ, "12ABC34501DE3A", "pix_key"},
		{"cnpj alphanumeric wrong check digits", pix.KeyCNPJ, "12ABC34501DE36", "pix_key"},
		{"cnpj with a symbol", pix.KeyCNPJ, "1122233300#181", "pix_key"},
		{"email without at", pix.KeyEmail, "recepcao.clinica.com", "pix_key"},
		{"email without domain dot", pix.KeyEmail, "recepcao@clinica", "pix_key"},
		{"email with space", pix.KeyEmail, "recep cao@clinica.com", "pix_key"},
		{"email with display name", pix.KeyEmail, "Clinica <pix@clinica.com>", "pix_key"},
		{"email of 78 characters", pix.KeyEmail, longEmail(78), "pix_key"},
		{"email domain starting with hyphen", pix.KeyEmail, "pix@-clinica.com", "pix_key"},
		{"phone without area code", pix.KeyPhone, "98765-4321", "pix_key"},
		{"phone unknown area code", pix.KeyPhone, "(20) 98765-4321", "pix_key"},
		{"phone area code starting with 0", pix.KeyPhone, "+55 01 98765-4321", "pix_key"},
		{"phone foreign", pix.KeyPhone, "+1 415 555 2671", "pix_key"},
		{"phone 9 digits not starting with 9", pix.KeyPhone, "(11) 88765-4321", "pix_key"},
		{"phone 8 digits mobile-looking", pix.KeyPhone, "(11) 8765-4321", "pix_key"},
		{"phone too long", pix.KeyPhone, "+55 11 98765-43210", "pix_key"},
		{"phone with letters", pix.KeyPhone, "(11) 9ABCD-4321", "pix_key"},
		{"evp without hyphens", pix.KeyEVP, "123e4567e12b12d1a456426655440000", "pix_key"},
		{"evp not hex", pix.KeyEVP, "123e4567-e12b-12d1-a456-42665544000g", "pix_key"},
		{"evp too short", pix.KeyEVP, "123e4567-e12b-12d1-a456-42665544000", "pix_key"},
		{"evp braces", pix.KeyEVP, "{123e4567-e12b-12d1-a456-426655440000}", "pix_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := pix.ParseKey(tt.typ, tt.in)
			requireInvalid(t, err, tt.field)
		})
	}
}

// requireInvalid checks that err is an apperr validation error on field.
func requireInvalid(t *testing.T, err error, field string) {
	t.Helper()
	require.Error(t, err)
	e := apperr.As(err)
	require.Equal(t, apperr.Invalid, e.Code, "error %v", err)
	require.Contains(t, e.Fields, field, "fields %v", e.Fields)
	require.NotEmpty(t, e.Fields[field])
}

// longEmail returns a valid e-mail address of n characters.
func longEmail(n int) string {
	const domain = "@clinica.com.br"
	b := make([]byte, n-len(domain))
	for i := range b {
		b[i] = 'a'
	}
	return string(b) + domain
}
