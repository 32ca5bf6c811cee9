package dbtest

import (
	"strings"
	"unicode"
)

// SQLTokens splits SQL text into the tokens tests that read schemas or
// queries need: words and quoted identifiers (unquoted), lower-cased, and the
// punctuation "(", ")", "," and ";". Comments (-- and /* */), string literals
// (with their doubled quotes) and other punctuation are dropped.
func SQLTokens(sql string) []string {
	var toks []string
	r := []rune(sql)
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == '-' && i+1 < len(r) && r[i+1] == '-':
			for i < len(r) && r[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(r) && r[i+1] == '*':
			i += 2
			for i+1 < len(r) && !(r[i] == '*' && r[i+1] == '/') {
				i++
			}
			i++
		case c == '\'':
			for i++; i < len(r); i++ {
				if r[i] == '\'' {
					if i+1 < len(r) && r[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case c == '"':
			j := i + 1
			for j < len(r) && r[j] != '"' {
				j++
			}
			toks = append(toks, strings.ToLower(string(r[i+1:min(j, len(r))])))
			i = j
		case c == '(' || c == ')' || c == ',' || c == ';':
			toks = append(toks, string(c))
		case unicode.IsLetter(c) || c == '_':
			j := i
			for j < len(r) && (unicode.IsLetter(r[j]) || unicode.IsDigit(r[j]) || r[j] == '_') {
				j++
			}
			toks = append(toks, strings.ToLower(string(r[i:j])))
			i = j - 1
		}
	}
	return toks
}
