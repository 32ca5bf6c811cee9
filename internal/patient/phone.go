package patient

import (
	"strings"

	"clinic/internal/apperr"
)

// Phone parsing errors (apperr.Invalid; the message is for the user).
var (
	ErrPhoneInvalid = apperr.New(apperr.Invalid, "Enter a phone number with area code, e.g. (11) 98765-4321, or +<country code> for a number abroad.")
	ErrPhoneNoDDD   = apperr.New(apperr.Invalid, "Include the area code (DDD), e.g. (11) 98765-4321: without it the number is ambiguous.")
	ErrPhoneDDD     = apperr.New(apperr.Invalid, "This area code (DDD) does not exist in Brazil.")
	ErrPhoneMobile  = apperr.New(apperr.Invalid, "A mobile number has 9 digits after the area code, starting with 9.")
	ErrPhoneNumber  = apperr.New(apperr.Invalid, "After the area code, a landline has 8 digits starting with 2 to 5 and a mobile 9 digits starting with 9.")
)

// ParsePhone reads a phone number and returns it in E.164 (+5511987654321).
//
// Brazilian numbers are accepted with or without punctuation, the country
// code (+55, 55, 0055), the trunk prefix 0 and a carrier code (0 21 11 …):
// "(11) 98765-4321", "11987654321", "+55 11 98765-4321", "011 3333-4444".
// After the area code (DDD, which must exist) comes a landline of 8 digits
// starting with 2 to 5, or a mobile of 9 digits starting with 9. A number
// without area code is refused (ErrPhoneNoDDD): it cannot be stored
// unambiguously. A number starting with + and another country code is
// accepted as it is (7 to 15 digits).
func ParsePhone(s string) (string, error) {
	plus := false
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && !plus && b.Len() == 0:
			plus = true
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\u00a0':
		default:
			return "", ErrPhoneInvalid
		}
	}
	d := b.String()
	switch {
	case d == "":
		return "", ErrPhoneInvalid
	case plus:
		return international(d)
	case strings.HasPrefix(d, "00"):
		return international(d[2:])
	case strings.HasPrefix(d, "0"):
		// Trunk prefix 0, optionally followed by a two-digit carrier code.
		switch n := d[1:]; len(n) {
		case 10, 11:
			return brazilian(n)
		case 12, 13:
			return brazilian(n[2:])
		}
		return "", ErrPhoneInvalid
	case len(d) == 8 || len(d) == 9:
		return "", ErrPhoneNoDDD
	case len(d) == 10 || len(d) == 11:
		return brazilian(d)
	case (len(d) == 12 || len(d) == 13) && strings.HasPrefix(d, "55"):
		return brazilian(d[2:])
	}
	return "", ErrPhoneInvalid
}

// international reads the digits after + (or 00).
func international(d string) (string, error) {
	if rest, ok := strings.CutPrefix(d, "55"); ok {
		return brazilian(rest)
	}
	if d[0] == '0' || len(d) < 7 || len(d) > 15 {
		return "", ErrPhoneInvalid
	}
	return "+" + d, nil
}

// brazilian reads a national number: area code then subscriber number.
func brazilian(n string) (string, error) {
	switch len(n) {
	case 8, 9:
		return "", ErrPhoneNoDDD
	case 10, 11:
	default:
		return "", ErrPhoneInvalid
	}
	if !validDDD(n[:2]) {
		return "", ErrPhoneDDD
	}
	sub := n[2:]
	switch {
	case len(sub) == 9 && sub[0] == '9':
	case len(sub) == 9:
		return "", ErrPhoneNumber
	case sub[0] >= '2' && sub[0] <= '5':
	case sub[0] >= '6':
		return "", ErrPhoneMobile
	default:
		return "", ErrPhoneNumber
	}
	return "+55" + n, nil
}

// ddds lists Brazil's area codes (ANATEL).
const ddds = "11 12 13 14 15 16 17 18 19 21 22 24 27 28 31 32 33 34 35 37 38 " +
	"41 42 43 44 45 46 47 48 49 51 53 54 55 61 62 63 64 65 66 67 68 69 " +
	"71 73 74 75 77 79 81 82 83 84 85 86 87 88 89 91 92 93 94 95 96 97 98 99"

func validDDD(d string) bool {
	return len(d) == 2 && d[0] != '0' && d[1] != '0' && strings.Contains(ddds, d)
}
