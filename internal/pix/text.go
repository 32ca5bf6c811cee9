package pix

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// asciiText turns s into the characters a BR Code's text fields may hold:
// accents are removed ("São Paulo" → "Sao Paulo", "ç" → "c"), letters keep
// their case (the manual's own example is "Fulano de Tal"), any other
// character outside printable ASCII is dropped, runs of spaces become one
// and the ends are trimmed. The result is cut to at most max characters.
func asciiText(s string, max int) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) { // a combining accent
			continue
		}
		switch r {
		case 'ß':
			r = 's'
		case 'Ø', 'ø':
			r -= 'Ø' - 'O'
		case 'Æ':
			r = 'A'
		case 'æ':
			r = 'a'
		case 'Đ':
			r = 'D'
		case 'đ':
			r = 'd'
		case 'ł':
			r = 'l'
		case 'Ł':
			r = 'L'
		}
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if r < 0x21 || r > 0x7E {
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if len(out) > max {
		out = strings.TrimRight(out[:max], " ")
	}
	return out
}
