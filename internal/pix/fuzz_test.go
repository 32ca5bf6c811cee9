package pix_test

import (
	"strings"
	"testing"

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
