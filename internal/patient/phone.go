package patient

import (
	"strings"

	"github.com/nyaruka/phonenumbers"

	"clinic/internal/apperr"
)

// Phone parsing errors (apperr.Invalid; the message is for the user).
var (
	ErrPhoneInvalid = apperr.New(apperr.Invalid, "Enter a phone number with area code, e.g. (11) 98765-4321, or +<country code> for a number abroad.")
	ErrPhoneNoDDD   = apperr.New(apperr.Invalid, "Include the area code (DDD), e.g. (11) 98765-4321: without it the number is ambiguous.")
	ErrPhoneNumber  = apperr.New(apperr.Invalid, "This is not a Brazilian number in use: check the area code (DDD); after it a landline has 8 digits and a mobile 9 starting with 9.")
)

// phoneRegion is the region of a number written without a country code.
const phoneRegion = "BR"

// maxPhoneInput bounds what is handed to the parser.
const maxPhoneInput = 64

// ParsePhone reads a phone number and returns it in E.164 (+5511987654321).
//
// The number is parsed and validated by libphonenumber's rules
// (github.com/nyaruka/phonenumbers), Brazil being the region of a number
// written without a country code. Brazilian numbers are accepted with or
// without punctuation, the country code (+55, 55), the trunk prefix 0 and a
// carrier code (0 21 11 …): "(11) 98765-4321", "11987654321",
// "+55 11 98765-4321", "011 3333-4444". A number must be in use per the
// numbering plan of its country (area code, length, leading digits). A
// Brazilian number without area code is refused (ErrPhoneNoDDD): it cannot
// be stored unambiguously. A number abroad starts with + and its country
// code ("+351 912 345 678"), or with Brazil's international prefix 00 and a
// carrier code ("0021 351 912 345 678").
//
// Only ASCII digits, a leading +, spaces, no-break spaces and . - ( ) / are
// allowed: letters (vanity numbers, "ext. 12", "tel:") are refused, as an
// extension cannot be stored in E.164.
func ParsePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxPhoneInput {
		return "", ErrPhoneInvalid
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/' || r == '\u00a0':
		default:
			return "", ErrPhoneInvalid
		}
	}
	if digits == 0 {
		return "", ErrPhoneInvalid
	}
	n, err := phonenumbers.Parse(s, phoneRegion)
	if err != nil || n.GetExtension() != "" {
		return "", ErrPhoneInvalid
	}
	if phonenumbers.IsValidNumber(n) {
		return phonenumbers.Format(n, phonenumbers.E164), nil
	}
	if n.GetCountryCode() == int32(phonenumbers.GetCountryCodeForRegion(phoneRegion)) {
		// A Brazilian number: area code and subscriber number are 10 or
		// 11 digits; 8 or 9 are a subscriber number alone.
		switch len(phonenumbers.GetNationalSignificantNumber(n)) {
		case 8, 9:
			return "", ErrPhoneNoDDD
		case 10, 11:
			return "", ErrPhoneNumber
		}
	}
	return "", ErrPhoneInvalid
}
