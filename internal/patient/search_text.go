package patient

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// SearchText normalises names for search, the same way for what is stored
// and what is searched: decomposed (NFD), combining marks dropped,
// lower-case, every run of characters other than letters and digits turned
// into one space, trimmed. "  João  D'Ávila-Silva " → "joao d avila silva".
func SearchText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}
