package pix_test

import (
	"strings"
	"testing"

	"clinic/internal/apperr"
	"clinic/internal/pix"
)

// FuzzParse feeds Parse arbitrary text: it must never panic, and whatever
// it accepts has a matching CRC, the Pix GUI, and is exactly its fields
// written back in order.
func FuzzParse(f *testing.F) {
	f.Add(manualStatic)
	f.Add(postalCodeExample)
	f.Add(strings.TrimSuffix(manualStatic, "1D3D") + "0000")
	f.Add("000201")
	f.Add("00020126")
	f.Add(withCRC("000201010212" + "2640" + "0014br.gov.bcb.pix" + "2518pix.example.com/qr" +
		"52040000530398654035.05802BR5901X6001Y62070503***6304"))
	f.Fuzz(func(t *testing.T, payload string) {
		fs, err := pix.Parse(payload)
		if err != nil {
			return
		}
		if got := pix.CRC16(payload[:len(payload)-4]); !strings.EqualFold(got, fs.CRC()) {
			t.Fatalf("accepted a CRC %s, computed %s", fs.CRC(), got)
		}
		if !strings.EqualFold(fs.MerchantAccount["00"], pix.GUI) {
			t.Fatalf("accepted a merchant account without the Pix GUI: %v", fs.MerchantAccount)
		}
		if fs.Key() == "" && fs.URL() == "" {
			t.Fatal("accepted a code without a key or URL")
		}
		if len(fs.Order) != len(fs.Tags) || fs.Order[0] != "00" || fs.Order[len(fs.Order)-1] != "63" {
			t.Fatalf("order %v, tags %v", fs.Order, fs.Tags)
		}
		var b strings.Builder
		for _, tag := range fs.Order {
			v := fs.Tags[tag]
			n := len([]rune(v))
			b.WriteString(tag)
			b.WriteByte(byte('0' + n/10))
			b.WriteByte(byte('0' + n%10))
			b.WriteString(v)
		}
		if b.String() != payload {
			t.Fatalf("fields written back give %q, not %q", b.String(), payload)
		}
		_ = fs.AmountCents()
	})
}

// FuzzParseKey feeds ParseKey arbitrary text for every key type: it must
// never panic, a key it accepts is already normalised (parsing its value
// again gives it back) and fits next to the GUI in field 26, and every
// failure is a validation error on pix_key.
func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"529.982.247-25", "11.222.333/0001-81", "12.ABC.345/01DE-35", "Pix@Clinica.com.br",
		"+55 (11) 98765-4321", "011987654321", "123e4567-e12b-12d1-a456-426655440000", "", "+", "@", "0000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, typ := range pix.KeyTypes {
			k, err := pix.ParseKey(typ, s)
			if err != nil {
				if e := apperr.As(err); e.Code != apperr.Invalid || e.Fields[pix.FieldKey] == "" {
					t.Fatalf("ParseKey(%s, %q): %v", typ, s, err)
				}
				continue
			}
			if k.Type != typ || len(k.Value) > pix.MaxEmailKey {
				t.Fatalf("ParseKey(%s, %q) = %+v", typ, s, k)
			}
			again, err := pix.ParseKey(typ, k.Value)
			if err != nil || again != k {
				t.Fatalf("ParseKey(%s, %q) = %+v, not normalised: again %+v, %v", typ, s, k, again, err)
			}
		}
	})
}
