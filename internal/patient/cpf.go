package patient

import (
	"strings"

	"clinic/internal/apperr"
)

// CPF parsing errors (apperr.Invalid; the message is for the user).
var (
	ErrCPFLength      = apperr.New(apperr.Invalid, "A CPF has 11 digits, e.g. 123.456.789-09.")
	ErrCPFCharacters  = apperr.New(apperr.Invalid, "A CPF may contain only digits, dots and a hyphen.")
	ErrCPFRepeated    = apperr.New(apperr.Invalid, "This CPF is invalid: all its digits are the same.")
	ErrCPFCheckDigits = apperr.New(apperr.Invalid, "This CPF is invalid: its check digits do not match.")
)

// ParseCPF validates a CPF written with or without punctuation
// ("123.456.789-09", "12345678909", " 123 456 789 09 ") and returns its 11
// digits. It refuses a wrong length, other characters, a number made of one
// repeated digit and wrong check digits.
func ParseCPF(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '.' || r == '-' || r == ' ' || r == '/':
		default:
			return "", ErrCPFCharacters
		}
	}
	d := b.String()
	if len(d) != 11 {
		return "", ErrCPFLength
	}
	if strings.Count(d, d[:1]) == 11 {
		return "", ErrCPFRepeated
	}
	if cpfCheckDigit(d[:9]) != d[9] || cpfCheckDigit(d[:10]) != d[10] {
		return "", ErrCPFCheckDigits
	}
	return d, nil
}

// cpfCheckDigit returns the check digit that follows digits (9 or 10 of them):
// weights count down from len+1 to 2; the digit is 11 - sum mod 11, or 0 when
// that is 10 or 11.
func cpfCheckDigit(digits string) byte {
	sum := 0
	for i := range len(digits) {
		sum += int(digits[i]-'0') * (len(digits) + 1 - i)
	}
	r := 11 - sum%11
	if r >= 10 {
		r = 0
	}
	return byte('0' + r)
}

// FormatCPF writes 11 CPF digits as 123.456.789-09; anything else is
// returned unchanged.
func FormatCPF(digits string) string {
	if len(digits) != 11 {
		return digits
	}
	return digits[:3] + "." + digits[3:6] + "." + digits[6:9] + "-" + digits[9:]
}
