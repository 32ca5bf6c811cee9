package kernel

import (
	"strings"

	"clinic/internal/apperr"
)

// ErrEmailInvalid is ParseEmail's error (apperr.Invalid; the message is for
// the user).
var ErrEmailInvalid = apperr.New(apperr.Invalid, "Must be an e-mail address such as ana@example.com.")

// E-mail address limits (RFC 5321: a path holds at most 256 octets, its
// angle brackets included).
const (
	maxEmail      = 254
	maxEmailLocal = 64
	maxLabel      = 63
)

// NormalizeEmail lower-cases and trims an e-mail address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ParseEmail checks an e-mail address and returns it normalised
// (NormalizeEmail: trimmed, lower-cased). It is the one check of every
// e-mail clinic stores or looks up: users' and patients' alike.
//
// Only the plain form local@domain is accepted, at most 254 octets, ASCII:
//   - the local part is a dot-atom (RFC 5322: letters, digits and
//     !#$%&'*+/=?^_`{|}~- in runs separated by single dots), at most 64
//     octets; quoted local parts ("a b"@example.com) are refused;
//   - the domain is a host name of at least two labels separated by dots,
//     each of 1 to 63 letters, digits and hyphens, neither starting nor
//     ending with a hyphen; the last label (the top-level domain) is letters
//     only, or an internationalised one in punycode (xn--…). An
//     internationalised domain is written in punycode (ana@xn--mnchen-3ya.de);
//     IP literals (a@[127.0.0.1]), a trailing dot and underscores are
//     refused;
//   - display names (Ana <ana@example.com>) and comments are refused.
func ParseEmail(s string) (string, error) {
	e := NormalizeEmail(s)
	if len(e) > maxEmail {
		return "", ErrEmailInvalid
	}
	local, domain, ok := strings.Cut(e, "@")
	if !ok || !validLocalPart(local) || !validDomain(domain) {
		return "", ErrEmailInvalid
	}
	return e, nil
}

// validLocalPart reports whether s is a dot-atom of at most 64 octets.
func validLocalPart(s string) bool {
	if s == "" || len(s) > maxEmailLocal {
		return false
	}
	for atom := range strings.SplitSeq(s, ".") {
		if atom == "" {
			return false
		}
		for i := range len(atom) {
			if !isAtext(atom[i]) {
				return false
			}
		}
	}
	return true
}

// isAtext reports whether c may appear in an atom (RFC 5322 atext, ASCII).
func isAtext(c byte) bool {
	return isLetter(c) || isDigit(c) || strings.IndexByte("!#$%&'*+/=?^_`{|}~-", c) >= 0
}

// validDomain reports whether s is a lower-case host name of at least two
// labels whose last is letters only or punycode.
func validDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > maxLabel || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := range len(l) {
			if c := l[i]; !isLetter(c) && !isDigit(c) && c != '-' {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	if strings.HasPrefix(tld, "xn--") {
		return len(tld) > len("xn--")
	}
	for i := range len(tld) {
		if !isLetter(tld[i]) {
			return false
		}
	}
	return len(tld) >= 2
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
