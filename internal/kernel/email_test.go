package kernel_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/kernel"
)

func TestParseEmail(t *testing.T) {
	t.Parallel()
	label63 := strings.Repeat("a", 63)
	tests := []struct {
		name string
		in   string
		want string // "" when refused
	}{
		// Accepted, normalised.
		{"plain", "ana@example.com", "ana@example.com"},
		{"upper case lowered", "Ana.Souza@Example.COM", "ana.souza@example.com"},
		{"surrounding blanks", "  ana@example.com\t", "ana@example.com"},
		{"plus tag", "ana+agenda@example.com", "ana+agenda@example.com"},
		{"dots in the local part", "ana.maria.souza@example.com", "ana.maria.souza@example.com"},
		{"other atext", "o'brien_x-y!#$%&*/=?^`{|}~@example.com", "o'brien_x-y!#$%&*/=?^`{|}~@example.com"},
		{"digits", "123@456.com", "123@456.com"},
		{"subdomains", "ana@mail.clinica.com.br", "ana@mail.clinica.com.br"},
		{"hyphen inside a label", "ana@minha-clinica.com.br", "ana@minha-clinica.com.br"},
		{"digit-only label", "ana@123.example.com", "ana@123.example.com"},
		{"IDN domain in punycode", "ana@xn--mnchen-3ya.de", "ana@xn--mnchen-3ya.de"},
		{"IDN top-level domain in punycode", "ana@example.xn--p1ai", "ana@example.xn--p1ai"},
		{"63-character label", "ana@" + label63 + ".com", "ana@" + label63 + ".com"},
		{"64-character local part", strings.Repeat("a", 64) + "@example.com", strings.Repeat("a", 64) + "@example.com"},
		{"254 characters", strings.Repeat("a", 64) + "@" + strings.Repeat(label63+".", 2) + strings.Repeat("b", 57) + ".com",
			strings.Repeat("a", 64) + "@" + strings.Repeat(label63+".", 2) + strings.Repeat("b", 57) + ".com"},

		// Refused: the domain.
		{"IP literal", "a@[127.0.0.1]", ""},
		{"IPv6 literal", "a@[IPv6:::1]", ""},
		{"bare IP address", "a@127.0.0.1", ""},
		{"label starting with a hyphen", "a@-example.com", ""},
		{"label ending with a hyphen", "a@example-.com", ""},
		{"inner label starting with a hyphen", "a@mail.-example.com", ""},
		{"underscore", "ana@exam_ple.com", ""},
		{"no dot", "ana@localhost", ""},
		{"empty domain", "ana@", ""},
		{"leading dot", "ana@.example.com", ""},
		{"trailing dot", "ana@example.com.", ""},
		{"two dots", "ana@example..com", ""},
		{"digits in the top-level domain", "ana@example.c0m", ""},
		{"one-letter top-level domain", "ana@example.c", ""},
		{"hyphen in the top-level domain", "ana@example.co-m", ""},
		{"bare punycode prefix", "ana@example.xn--", ""},
		{"64-character label", "ana@" + label63 + "a.com", ""},
		{"unicode domain", "ana@münchen.de", ""},
		{"space in the domain", "ana@exam ple.com", ""},
		{"255 characters", strings.Repeat("a", 64) + "@" + strings.Repeat(label63+".", 2) + strings.Repeat("b", 58) + ".com", ""},
		// Refused: the local part.
		{"no local part", "@example.com", ""},
		{"no @", "ana.example.com", ""},
		{"two @", "ana@maria@example.com", ""},
		{"quoted local part", `"ana souza"@example.com`, ""},
		{"quoted @", `"a@b"@example.com`, ""},
		{"leading dot in the local part", ".ana@example.com", ""},
		{"trailing dot in the local part", "ana.@example.com", ""},
		{"two dots in the local part", "ana..souza@example.com", ""},
		{"65-character local part", strings.Repeat("a", 65) + "@example.com", ""},
		{"unicode local part", "joão@example.com", ""},
		{"parenthesis", "ana(x)@example.com", ""},
		{"comma", "ana,b@example.com", ""},
		{"backslash", `ana\b@example.com`, ""},
		{"NUL", "a\x00b@example.com", ""},
		{"newline", "ana@example.com\nbcc@example.com", ""},
		// Refused: what is not a bare address.
		{"display name", "Ana <ana@example.com>", ""},
		{"angle brackets", "<ana@example.com>", ""},
		{"comment", "ana@example.com (Ana)", ""},
		{"mailto", "mailto:ana@example.com", ""},
		{"two addresses", "ana@example.com, bia@example.com", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := kernel.ParseEmail(tt.in)
			if tt.want == "" {
				require.ErrorIs(t, err, kernel.ErrEmailInvalid, "ParseEmail(%q) = %q", tt.in, got)
				require.Empty(t, got)
				return
			}
			require.NoError(t, err, "ParseEmail(%q)", tt.in)
			require.Equal(t, tt.want, got)
		})
	}
}
