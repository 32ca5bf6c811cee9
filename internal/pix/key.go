package pix

import (
	"regexp"
	"slices"
	"strings"

	"clinic/internal/apperr"
)

// KeyType is the kind of a Pix key ("chave Pix").
type KeyType string

// The Pix key types.
const (
	KeyCPF   KeyType = "cpf"
	KeyCNPJ  KeyType = "cnpj"
	KeyEmail KeyType = "email"
	KeyPhone KeyType = "phone"
	KeyEVP   KeyType = "evp" // random key ("chave aleatória"), a UUID
)

// KeyTypes lists every key type, in the order a form offers them.
var KeyTypes = []KeyType{KeyCPF, KeyCNPJ, KeyEmail, KeyPhone, KeyEVP}

// Valid reports whether t is one of KeyTypes.
func (t KeyType) Valid() bool { return slices.Contains(KeyTypes, t) }

// Key is a Pix key, its Value normalised as the DICT (the directory of Pix
// keys) holds it: CPF as 11 digits, CNPJ as 14 characters, e-mail in lower
// case, phone as +55 followed by the area code and the number, EVP as a
// lower-case UUID with hyphens.
type Key struct {
	Type  KeyType
	Value string
}

// MaxEmailKey is the longest e-mail key: what fits in the 99 characters of
// the merchant account information next to the GUI field.
const MaxEmailKey = 77

// The field names of ParseKey's errors.
const (
	FieldKey     = "pix_key"
	FieldKeyType = "pix_key_type"
)

var (
	// emailRE is the DICT's pattern of an e-mail key (lower case).
	emailRE = regexp.MustCompile(`^[a-z0-9.!#$&'*+/=?^_` + "`" + `{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$`)
	evpRE   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// ParseKey validates and normalises a key of type t. CPF and CNPJ must have
// valid check digits (punctuation such as "123.456.789-09" or
// "12.345.678/0001-95" is accepted and dropped; a CNPJ may be alphanumeric,
// as from July 2026); an e-mail is lowercased and at most 77 characters; a
// phone is a Brazilian number, with or without +55, in any punctuation, and
// becomes +55DDNNNNNNNNN (E.164); an EVP is a UUID, lowercased. Errors are
// apperr validation errors on field "pix_key" ("pix_key_type" for an
// unknown type).
func ParseKey(t KeyType, s string) (Key, error) {
	s = strings.TrimSpace(s)
	if !t.Valid() {
		return Key{}, invalid(FieldKeyType, "Must be cpf, cnpj, email, phone or evp.")
	}
	if s == "" {
		return Key{}, invalid(FieldKey, "Required.")
	}
	var (
		v   string
		msg string
	)
	switch t {
	case KeyCPF:
		v, msg = parseCPF(s)
	case KeyCNPJ:
		v, msg = parseCNPJ(s)
	case KeyEmail:
		v, msg = parseEmail(s)
	case KeyPhone:
		v, msg = parsePhone(s)
	case KeyEVP:
		v = strings.ToLower(s)
		if !evpRE.MatchString(v) {
			msg = "Must be a random key (a UUID such as 123e4567-e89b-12d3-a456-426614174000)."
		}
	}
	if msg != "" {
		return Key{}, invalid(FieldKey, msg)
	}
	return Key{Type: t, Value: v}, nil
}

func invalid(field, msg string) error {
	return apperr.Validation(map[string]string{field: msg})
}

// stripPunct removes the characters people write between the digits of a
// document or a phone number.
func stripPunct(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', '-', '/', ' ', '(', ')', '\t':
			return -1
		}
		return r
	}, s)
}

func parseCPF(s string) (string, string) {
	d := stripPunct(s)
	if len(d) != 11 || strings.Trim(d, "0123456789") != "" {
		return "", "A CPF has 11 digits."
	}
	if strings.Count(d, d[:1]) == 11 || !checkDigitsOK(d, 9, cpfWeights) {
		return "", "Not a valid CPF (check digits)."
	}
	return d, ""
}

func parseCNPJ(s string) (string, string) {
	d := strings.ToUpper(stripPunct(s))
	if len(d) != 14 || strings.Trim(d[:12], "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" ||
		strings.Trim(d[12:], "0123456789") != "" {
		return "", "A CNPJ has 14 characters (12 letters or digits and 2 check digits)."
	}
	if strings.Count(d, d[:1]) == 14 || !checkDigitsOK(d, 12, cnpjWeights) {
		return "", "Not a valid CNPJ (check digits)."
	}
	return d, ""
}

// cpfWeights and cnpjWeights give, for the first and then the second check
// digit, the weight of each character before it.
var (
	cpfWeights  = [2][]int{{10, 9, 8, 7, 6, 5, 4, 3, 2}, {11, 10, 9, 8, 7, 6, 5, 4, 3, 2}}
	cnpjWeights = [2][]int{{5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}, {6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}}
)

// checkDigitsOK verifies the two modulo-11 check digits after the first n
// characters of d. A character's value is its code minus '0' (so digits are
// themselves and letters of an alphanumeric CNPJ are 17 and up).
func checkDigitsOK(d string, n int, weights [2][]int) bool {
	for i, w := range weights {
		sum := 0
		for j, wj := range w {
			sum += int(d[j]-'0') * wj
		}
		dv := 11 - sum%11
		if dv >= 10 {
			dv = 0
		}
		if int(d[n+i]-'0') != dv {
			return false
		}
	}
	return true
}

func parseEmail(s string) (string, string) {
	v := strings.ToLower(s)
	if len(v) > MaxEmailKey {
		return "", "An e-mail key has at most 77 characters."
	}
	if !emailRE.MatchString(v) {
		return "", "Not a valid e-mail address."
	}
	return v, ""
}

// brAreaCodes are Brazil's telephone area codes (DDD).
var brAreaCodes = map[string]bool{}

func init() {
	for _, c := range strings.Fields(`11 12 13 14 15 16 17 18 19 21 22 24 27 28
		31 32 33 34 35 37 38 41 42 43 44 45 46 47 48 49 51 53 54 55
		61 62 63 64 65 66 67 68 69 71 73 74 75 77 79
		81 82 83 84 85 86 87 88 89 91 92 93 94 95 96 97 98 99`) {
		brAreaCodes[c] = true
	}
}

func parsePhone(s string) (string, string) {
	d := stripPunct(s)
	const msg = "Must be a Brazilian phone number with its area code, such as +55 11 98765-4321."
	intl := strings.HasPrefix(d, "+")
	d = strings.TrimPrefix(d, "+")
	if d == "" || strings.Trim(d, "0123456789") != "" {
		return "", msg
	}
	switch {
	case intl || (len(d) == 12 || len(d) == 13) && strings.HasPrefix(d, "55"):
		// With the country code: it must be Brazil's.
		if !strings.HasPrefix(d, "55") {
			return "", "Must be a Brazilian (+55) phone number."
		}
		d = d[2:]
	case strings.HasPrefix(d, "0") && (len(d) == 11 || len(d) == 12):
		d = d[1:] // a trunk prefix: 0 11 98765-4321
	}
	if len(d) != 10 && len(d) != 11 || !brAreaCodes[d[:2]] {
		return "", msg
	}
	num := d[2:]
	switch {
	case len(num) == 9 && num[0] == '9': // mobile
	case len(num) == 8 && num[0] >= '2' && num[0] <= '5': // landline
	default:
		return "", msg
	}
	return "+55" + d, ""
}
