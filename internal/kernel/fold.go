package kernel

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// FoldText normalises a name for comparison and search, the same way for
// what is stored and what is looked for: decomposed (NFD), combining marks
// dropped, lower-case, every run of characters other than letters and
// digits turned into one space, trimmed. "  João  D'Ávila-Silva " →
// "joao d avila silva". Patients' names are searched by it and procedures'
// names are unique by it.
func FoldText(s string) string {
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
