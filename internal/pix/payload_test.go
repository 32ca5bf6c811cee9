package pix_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/pix"
)

// manualStatic is the static BR Code of Banco Central's "Manual de Padrões
// para Iniciação do Pix": random key, no amount, no txid.
const manualStatic = "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000" +
	"5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D"

// postalCodeExample is a static BR Code published by an independent
// generator: an e-mail key, an amount, a txid and field 61 (postal code),
// which Payload never writes but Parse must read.
const postalCodeExample = "00020126470014BR.GOV.BCB.PIX0125guilhermeasn@yahoo.com.br" +
	"5204000053039865406100.005802BR5915Guilherme Neves6014Paraiba do Sul" +
	"61082585000062110507TEST00163041DC8"

func TestCRC16(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data, want string
	}{
		{"CCITT-FALSE check value", "123456789", "29B1"},
		{"empty: the initial value", "", "FFFF"},
		{"manual's static example", strings.TrimSuffix(manualStatic, "1D3D"), "1D3D"},
		{"example with postal code", strings.TrimSuffix(postalCodeExample, "1DC8"), "1DC8"},
		{"leading zeros kept", "A", "B915"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, pix.CRC16(tt.data))
		})
	}
}

// field is one TLV field as the manual's tables list it.
type field struct{ tag, value string }

func TestPayloadReproducesTheManualFieldByField(t *testing.T) {
	t.Parallel()
	key, err := pix.ParseKey(pix.KeyEVP, "123e4567-e12b-12d1-a456-426655440000")
	require.NoError(t, err)
	got, err := pix.Charge{Key: key, MerchantName: "Fulano de Tal", MerchantCity: "BRASILIA"}.Payload()
	require.NoError(t, err)

	// The manual's table, field by field: tag, length, value.
	want := []field{
		{"00", "01"},
		{"26", "0014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"},
		{"52", "0000"},
		{"53", "986"},
		{"58", "BR"},
		{"59", "Fulano de Tal"},
		{"60", "BRASILIA"},
		{"62", "0503***"},
		{"63", "1D3D"},
	}
	require.Equal(t, want, splitTLV(t, got))
	require.Equal(t, []field{{"00", "br.gov.bcb.pix"}, {"01", "123e4567-e12b-12d1-a456-426655440000"}}, splitTLV(t, want[1].value))
	require.Equal(t, []field{{"05", "***"}}, splitTLV(t, want[7].value))
	require.Equal(t, manualStatic, got)
}

// splitTLV cuts an ASCII payload into its fields, independently of Parse.
func splitTLV(t *testing.T, s string) []field {
	t.Helper()
	var out []field
	for s != "" {
		require.GreaterOrEqual(t, len(s), 4, "a field needs a tag and a length")
		n := 0
		for _, c := range s[2:4] {
			require.True(t, c >= '0' && c <= '9', "length %q", s[2:4])
			n = n*10 + int(c-'0')
		}
		require.LessOrEqual(t, 4+n, len(s), "field %s runs past the end", s[:2])
		out = append(out, field{s[:2], s[4 : 4+n]})
		s = s[4+n:]
	}
	return out
}

func TestParseWorkedExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		payload string
		order   []string
		key     string
		name59  string
		city    string
		amount  int64
		txid    string
		desc    string
		crc     string
	}{
		{
			name: "manual's static example", payload: manualStatic,
			order: []string{"00", "26", "52", "53", "58", "59", "60", "62", "63"},
			key:   "123e4567-e12b-12d1-a456-426655440000", name59: "Fulano de Tal", city: "BRASILIA",
			txid: "***", crc: "1D3D",
		},
		{
			name: "upper-case GUI, amount, txid, postal code", payload: postalCodeExample,
			order: []string{"00", "26", "52", "53", "54", "58", "59", "60", "61", "62", "63"},
			key:   "guilhermeasn@yahoo.com.br", name59: "Guilherme Neves", city: "Paraiba do Sul",
			amount: 10000, txid: "TEST001", crc: "1DC8",
		},
		{
			name: "point of initiation 11 and a description",
			payload: withCRC("000201010211" +
				"2650" + "0014br.gov.bcb.pix" + "0114+5511987654321" + "0210Consulta 3" +
				"52040000530398654041.505802BR5907Clinica6009SAO PAULO62100506ABC123" + "6304"),
			order: []string{"00", "01", "26", "52", "53", "54", "58", "59", "60", "62", "63"},
			key:   "+5511987654321", name59: "Clinica", city: "SAO PAULO",
			amount: 150, txid: "ABC123", desc: "Consulta 3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := pix.Parse(tt.payload)
			require.NoError(t, err)
			require.Equal(t, tt.order, f.Order)
			require.Equal(t, tt.key, f.Key())
			require.Equal(t, tt.name59, f.MerchantName())
			require.Equal(t, tt.city, f.MerchantCity())
			require.Equal(t, tt.amount, f.AmountCents())
			require.Equal(t, tt.txid, f.TxID())
			require.Equal(t, tt.desc, f.Description())
			require.Equal(t, "0000", f.Tags["52"])
			require.Equal(t, "986", f.Tags["53"])
			require.Equal(t, "BR", f.Tags["58"])
			if tt.crc != "" {
				require.Equal(t, tt.crc, f.CRC())
			}
		})
	}
}

// withCRC appends the CRC to a payload that ends with "6304".
func withCRC(s string) string { return s + pix.CRC16(s) }

func TestParseRejectsDamagedOrForeignCodes(t *testing.T) {
	t.Parallel()
	body := strings.TrimSuffix(manualStatic, "6304"+"1D3D")
	tests := []struct {
		name    string
		payload string
	}{
		{"empty", ""},
		{"wrong CRC", strings.TrimSuffix(manualStatic, "1D3D") + "1D3E"},
		{"CRC not hex", strings.TrimSuffix(manualStatic, "1D3D") + "XYZW"},
		{"one character changed", strings.Replace(manualStatic, "Fulano", "Fulana", 1)},
		{"no CRC", body},
		{"CRC not last", withCRC(strings.Replace(body, "5802BR", "", 1)+"6304") + "5802BR"},
		{"truncated", manualStatic[:40]},
		{"length past the end", withCRC("000201" + "2699" + "0014br.gov.bcb.pix" + "6304")},
		{"not starting with 00", withCRC("5204000000020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005303986" + "5802BR5913Fulano de Tal6008BRASILIA62070503***6304")},
		{"payload format 02", withCRC(strings.Replace(body, "000201", "000202", 1) + "6304")},
		{"point of initiation 13", withCRC(strings.Replace(body, "000201", "000201010213", 1) + "6304")},
		{"duplicate tag", withCRC(body + "5802BR" + "6304")},
		{"zero-length field", withCRC(body + "6400" + "6304")},
		{"another scheme's GUI", withCRC("000201" + "2659" + "0015com.example.pix" + "0136123e4567-e12b-12d1-a456-426655440000" +
			"5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***6304")},
		{"no key nor URL", withCRC("000201" + "2618" + "0014br.gov.bcb.pix" + "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***6304")},
		{"malformed merchant account", withCRC("000201" + "2610" + "0014br.gov" + "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***6304")},
		{"malformed additional data", withCRC(strings.Replace(body, "62070503***", "62070599***", 1) + "6304")},
		{"currency USD", withCRC(strings.Replace(body, "5303986", "5303840", 1) + "6304")},
		{"no currency", withCRC(strings.Replace(body, "5303986", "", 1) + "6304")},
		{"no category", withCRC(strings.Replace(body, "52040000", "", 1) + "6304")},
		{"category not digits", withCRC(strings.Replace(body, "52040000", "5204ABCD", 1) + "6304")},
		{"no country", withCRC(strings.Replace(body, "5802BR", "", 1) + "6304")},
		{"no name", withCRC(strings.Replace(body, "5913Fulano de Tal", "", 1) + "6304")},
		{"name of 26", withCRC(strings.Replace(body, "5913Fulano de Tal", "5926"+strings.Repeat("N", 26), 1) + "6304")},
		{"no city", withCRC(strings.Replace(body, "6008BRASILIA", "", 1) + "6304")},
		{"city of 16", withCRC(strings.Replace(body, "6008BRASILIA", "6016"+strings.Repeat("C", 16), 1) + "6304")},
		{"txid of 26", withCRC(strings.Replace(body, "62070503***", "62300526"+strings.Repeat("T", 26), 1) + "6304")},
		{"amount with comma", withCRC(strings.Replace(body, "5802BR", "540510,005802BR", 1) + "6304")},
		{"amount with 3 decimals", withCRC(strings.Replace(body, "5802BR", "540610.0005802BR", 1) + "6304")},
		{"amount negative", withCRC(strings.Replace(body, "5802BR", "5406-10.005802BR", 1) + "6304")},
		{"amount a dot", withCRC(strings.Replace(body, "5802BR", "5401.5802BR", 1) + "6304")},
		{"tag not digits", withCRC("0002012A04abcd" + "6304")},
		{"not UTF-8", "\xff\xfe"},
		{"too long", withCRC(body + strings.Repeat("8099"+strings.Repeat("x", 99), 4) + "6304")},
		{"a URL, not a Pix code", "https://example.com/pix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := pix.Parse(tt.payload)
			requireInvalid(t, err, "payload")
		})
	}
}

func TestParseCountsCharactersNotBytes(t *testing.T) {
	t.Parallel()
	// Some issuers write accented names; the length is in characters.
	p := withCRC(strings.Replace(strings.TrimSuffix(manualStatic, "63041D3D"), "6008BRASILIA", "6009SÃO PAULO", 1) + "6304")
	f, err := pix.Parse(p)
	require.NoError(t, err)
	require.Equal(t, "SÃO PAULO", f.MerchantCity())
}

func TestPayloadNormalisesAndLimitsFields(t *testing.T) {
	t.Parallel()
	email, err := pix.ParseKey(pix.KeyEmail, "financeiro@clinica.com.br")
	require.NoError(t, err)
	tests := []struct {
		name   string
		charge pix.Charge
		want   map[string]string // top-level tag → value; "26.02", "62.05" for subfields; "" = absent
	}{
		{
			name:   "accents stripped, case kept",
			charge: pix.Charge{Key: email, MerchantName: "Clínica São João Ltda.", MerchantCity: "São Paulo"},
			want:   map[string]string{"59": "Clinica Sao Joao Ltda.", "60": "Sao Paulo", "54": "", "62.05": "***", "26.02": ""},
		},
		{
			name:   "cedilla, spaces collapsed, symbols outside ASCII dropped",
			charge: pix.Charge{Key: email, MerchantName: "  Açaí   & Saúde ™ ", MerchantCity: "Foz do Iguaçu"},
			want:   map[string]string{"59": "Acai & Saude", "60": "Foz do Iguacu"},
		},
		{
			name:   "name cut at 25, city at 15",
			charge: pix.Charge{Key: email, MerchantName: "Clínica Odontológica Sorriso Feliz", MerchantCity: "São José dos Campos"},
			want:   map[string]string{"59": "Clinica Odontologica Sorr", "60": "Sao Jose dos Ca"},
		},
		{
			name:   "cut does not end with a space",
			charge: pix.Charge{Key: email, MerchantName: "Consultorio Doutora Ana M", MerchantCity: "Rio de Janeiro X"},
			want:   map[string]string{"60": "Rio de Janeiro"},
		},
		{
			name:   "amount with cents",
			charge: pix.Charge{Key: email, MerchantName: "Clinica", MerchantCity: "Recife", AmountCents: 15050},
			want:   map[string]string{"54": "150.50"},
		},
		{
			name:   "amount under one real",
			charge: pix.Charge{Key: email, MerchantName: "Clinica", MerchantCity: "Recife", AmountCents: 5},
			want:   map[string]string{"54": "0.05"},
		},
		{
			name:   "amount without thousands separator",
			charge: pix.Charge{Key: email, MerchantName: "Clinica", MerchantCity: "Recife", AmountCents: 123456789},
			want:   map[string]string{"54": "1234567.89"},
		},
		{
			name:   "largest amount",
			charge: pix.Charge{Key: email, MerchantName: "Clinica", MerchantCity: "Recife", AmountCents: pix.MaxAmountCents},
			want:   map[string]string{"54": "9999999999.99"},
		},
		{
			name:   "txid and description",
			charge: pix.Charge{Key: email, MerchantName: "Clinica", MerchantCity: "Recife", TxID: "COB2026000123", Description: "Consulta de retorno"},
			want:   map[string]string{"62.05": "COB2026000123", "26.02": "Consulta de retorno"},
		},
		{
			name:   "txid of 25",
			charge: pix.Charge{Key: email, MerchantName: "Clinica", MerchantCity: "Recife", TxID: strings.Repeat("a1", 12) + "Z"},
			want:   map[string]string{"62.05": strings.Repeat("a1", 12) + "Z"},
		},
		{
			name: "description cut to fit 99 characters of field 26",
			charge: pix.Charge{Key: email, MerchantName: "Clinica", MerchantCity: "Recife",
				Description: "Sessão de fisioterapia: " + strings.Repeat("x", 100)},
			// 99 - 18 (GUI) - 29 (key) - 4 = 48 characters of description.
			want: map[string]string{"26.02": ("Sessao de fisioterapia: " + strings.Repeat("x", 100))[:48]},
		},
		{
			name: "no room for a description next to a 77-character e-mail",
			charge: pix.Charge{Key: pix.Key{Type: pix.KeyEmail, Value: longEmail(77)}, MerchantName: "Clinica", MerchantCity: "Recife",
				Description: "Consulta"},
			want: map[string]string{"26.02": "", "26.01": longEmail(77)},
		},
		{
			name: "key normalised again",
			charge: pix.Charge{Key: pix.Key{Type: pix.KeyCPF, Value: "529.982.247-25"}, MerchantName: "Dra. Ana",
				MerchantCity: "Natal"},
			want: map[string]string{"26.01": "52998224725"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := tt.charge.Payload()
			require.NoError(t, err)
			require.LessOrEqual(t, len(p), pix.MaxPayload)
			f, err := pix.Parse(p)
			require.NoError(t, err, "payload %s", p)
			require.LessOrEqual(t, len(f.Tags["26"]), 99)
			for k, v := range tt.want {
				var got string
				var ok bool
				switch {
				case strings.HasPrefix(k, "26."):
					got, ok = f.MerchantAccount[k[3:]]
				case strings.HasPrefix(k, "62."):
					got, ok = f.AdditionalData[k[3:]]
				default:
					got, ok = f.Tags[k]
				}
				if v == "" {
					require.False(t, ok, "field %s should be absent, is %q", k, got)
					continue
				}
				require.Equal(t, v, got, "field %s", k)
			}
		})
	}
}

func TestPayloadRejectsInvalidCharges(t *testing.T) {
	t.Parallel()
	key := pix.Key{Type: pix.KeyEVP, Value: "123e4567-e12b-12d1-a456-426655440000"}
	ok := pix.Charge{Key: key, MerchantName: "Clinica", MerchantCity: "Recife"}
	tests := []struct {
		name   string
		modify func(*pix.Charge)
		field  string
	}{
		{"no key", func(c *pix.Charge) { c.Key = pix.Key{} }, "pix_key_type"},
		{"invalid key", func(c *pix.Charge) { c.Key = pix.Key{Type: pix.KeyCPF, Value: "12345678900"} }, "pix_key"},
		{"no name", func(c *pix.Charge) { c.MerchantName = "" }, "merchant_name"},
		{"name of symbols only", func(c *pix.Charge) { c.MerchantName = "™ ✓" }, "merchant_name"},
		{"no city", func(c *pix.Charge) { c.MerchantCity = "  " }, "merchant_city"},
		{"negative amount", func(c *pix.Charge) { c.AmountCents = -1 }, "amount_cents"},
		{"amount too large", func(c *pix.Charge) { c.AmountCents = pix.MaxAmountCents + 1 }, "amount_cents"},
		{"txid of 26", func(c *pix.Charge) { c.TxID = strings.Repeat("A", 26) }, "txid"},
		{"txid with a hyphen", func(c *pix.Charge) { c.TxID = "COB-1" }, "txid"},
		{"txid with an accent", func(c *pix.Charge) { c.TxID = "COBRANÇA1" }, "txid"},
		{"txid of stars", func(c *pix.Charge) { c.TxID = "***" }, "txid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := ok
			tt.modify(&c)
			_, err := c.Payload()
			requireInvalid(t, err, tt.field)
		})
	}
}

func TestPayloadRoundTripsThroughParse(t *testing.T) {
	t.Parallel()
	keys := []pix.Key{
		{Type: pix.KeyCPF, Value: "52998224725"},
		{Type: pix.KeyCNPJ, Value: "12ABC34501DE35"},
		{Type: pix.KeyEmail, Value: "pix@clinica.com.br"},
		{Type: pix.KeyPhone, Value: "+5511987654321"},
		{Type: pix.KeyEVP, Value: "7f6844d0-de89-47e5-9ef7-e0a35a681615"},
	}
	for _, key := range keys {
		for _, amount := range []int64{0, 1, 99, 100, 25000, 100000099} {
			c := pix.Charge{Key: key, MerchantName: "Clinica Bem Estar", MerchantCity: "Curitiba",
				AmountCents: amount, TxID: "C" + string(key.Type), Description: "Consulta"}
			t.Run(string(key.Type)+"/"+pix.FormatAmount(amount), func(t *testing.T) {
				t.Parallel()
				p, err := c.Payload()
				require.NoError(t, err)
				f, err := pix.Parse(p)
				require.NoError(t, err)
				require.Equal(t, key.Value, f.Key())
				require.Equal(t, amount, f.AmountCents())
				require.Equal(t, c.MerchantName, f.MerchantName())
				require.Equal(t, c.MerchantCity, f.MerchantCity())
				require.Equal(t, c.TxID, f.TxID())
				require.Equal(t, c.Description, f.Description())
				require.Equal(t, pix.CRC16(p[:len(p)-4]), f.CRC())
				_, hasAmount := f.Tags["54"]
				require.Equal(t, amount > 0, hasAmount, "field 54 only with an amount")
			})
		}
	}
}
