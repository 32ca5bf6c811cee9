package web

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFormCentsReadsReaisAsTyped(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"150", 15000, true},
		{"150,00", 15000, true},
		{"150,5", 15050, true},
		{"150.50", 15050, true},
		{"R$ 1.234,56", 123456, true},
		{"1.234", 123400, true}, // a thousands separator, not decimals
		{"0,01", 1, true},
		{"", 0, false},
		{"abc", 0, false},
		{"-5", 0, false},
		{"1,2,3", 0, false},
		{"99999999999,99", 0, false},
	} {
		got, ok := formCents(tc.in)
		require.Equal(t, tc.ok, ok, "%q", tc.in)
		if tc.ok {
			require.Equal(t, tc.want, got, "%q", tc.in)
		}
	}
}

// FuzzFormCents: whatever is typed, the amount is never negative, and an
// amount it writes back (150,00 / 150.00) reads as itself.
func FuzzFormCents(f *testing.F) {
	for _, s := range []string{"150", "150,00", "1.234,56", "R$ 10", "0,5", "", ",", "1e3", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := formCents(s)
		if !ok {
			return
		}
		if c < 0 {
			t.Fatalf("%q read as %d", s, c)
		}
		for _, back := range []string{centsValue(&view{Locale: "pt-BR"}, c), centsValue(&view{Locale: "en"}, c)} {
			got, ok := formCents(back)
			if !ok || got != c {
				t.Fatalf("%q → %d → %q → %d (%v)", s, c, back, got, ok)
			}
		}
	})
}
