package i18n

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"

	"clinic/internal/apperr"
)

// sentencePrefix is the prefix of the IDs whose English text is a sentence
// of the code (an error or field message).
const sentencePrefix = "err."

// argRef matches a template argument {{.name}} in a sentence.
var argRef = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// argValue matches the value of an argument inside a sentence: anything but
// the end of a sentence (". "), so that a sentence followed by another is
// never read as one sentence with a long argument.
const argValue = `((?:[^.]|\.\S)+?)`

// sentenceIndex finds the catalogue entry of an English sentence.
type sentenceIndex struct {
	exact map[string]string // English text → ID, for sentences without arguments
	// patterns are the sentences with arguments, the most specific (the
	// longest fixed text) first, so that "Must be at most {{.max}}
	// characters." is tried before "Must be {{.type}}.".
	patterns []sentencePattern
}

type sentencePattern struct {
	id    string
	re    *regexp.Regexp
	args  []string // the argument of each group of re
	fixed int      // length of the text around the arguments
}

// newSentenceIndex indexes the err. messages of the English catalogue. Two
// entries with the same English text, or an err. message with more than
// plain {{.name}} arguments, are errors of the catalogue.
func newSentenceIndex(en map[string]*goi18n.Message) (*sentenceIndex, error) {
	idx := &sentenceIndex{exact: map[string]string{}}
	seen := map[string]string{}
	for id, m := range en {
		if !strings.HasPrefix(id, sentencePrefix) {
			continue
		}
		text := m.Other
		shape := argRef.ReplaceAllString(text, "\x00")
		if strings.Contains(shape, "{{") || strings.Contains(shape, "}}") {
			return nil, fmt.Errorf("%s: a sentence takes only {{.name}} arguments: %q", id, text)
		}
		if other, dup := seen[shape]; dup {
			return nil, fmt.Errorf("%s and %s have the same English text %q", min(id, other), max(id, other), text)
		}
		seen[shape] = id
		refs := argRef.FindAllStringSubmatchIndex(text, -1)
		if len(refs) == 0 {
			idx.exact[text] = id
			continue
		}
		var re strings.Builder
		p := sentencePattern{id: id}
		re.WriteString("^")
		last := 0
		for _, r := range refs {
			re.WriteString(regexp.QuoteMeta(text[last:r[0]]))
			re.WriteString(argValue)
			p.fixed += r[0] - last
			p.args = append(p.args, text[r[2]:r[3]])
			last = r[1]
		}
		re.WriteString(regexp.QuoteMeta(text[last:]))
		re.WriteString("$")
		p.fixed += len(text) - last
		p.re = regexp.MustCompile(re.String())
		idx.patterns = append(idx.patterns, p)
	}
	slices.SortFunc(idx.patterns, func(a, b sentencePattern) int {
		return cmp.Or(cmp.Compare(b.fixed, a.fixed), cmp.Compare(a.id, b.id))
	})
	return idx, nil
}

// lookup returns the ID of the entry whose English text is s, with the
// values of its arguments as name/value pairs.
func (idx *sentenceIndex) lookup(s string) (string, []any, bool) {
	if id, ok := idx.exact[s]; ok {
		return id, nil, true
	}
	for _, p := range idx.patterns {
		m := p.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		kv := make([]any, 0, 2*len(p.args))
		for i, name := range p.args {
			kv = append(kv, name, m[i+1])
		}
		return p.id, kv, true
	}
	return "", nil, false
}

// Sentence translates an English message of the code (an apperr message or
// a field message, see the package doc) into l's locale. A message made of
// several catalogue sentences is translated sentence by sentence. A message
// the catalogue does not know is returned unchanged and logged once.
func (l *Localizer) Sentence(s string) string {
	if s == "" || l.locale == En {
		return s // the code's sentences are the English catalogue
	}
	if out, ok := l.sentence(s); ok {
		return out
	}
	logOnce("sentence:"+s, "i18n: message not in the catalogue", "message", s)
	return s
}

func (l *Localizer) sentence(s string) (string, bool) {
	idx := cat().sentences
	if id, kv, ok := idx.lookup(s); ok {
		return l.T(id, kv...), true
	}
	for i := strings.Index(s, ". "); i >= 0; {
		if id, kv, ok := idx.lookup(s[:i+1]); ok {
			if rest, ok := l.sentence(s[i+2:]); ok {
				return l.T(id, kv...) + " " + rest, true
			}
		}
		j := strings.Index(s[i+2:], ". ")
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return "", false
}

// Message returns err's message and field messages in locale l, ready to
// show to a person: what the JSON API answers and what the web pages
// display. fields is nil when err has none. err's Message must already be
// safe to show (see apperr; the HTTP layer replaces the message of an
// internal error before it gets here).
func Message(l Locale, err *apperr.Error) (msg string, fields map[string]string) {
	loc := For(l)
	msg = loc.Sentence(err.Message)
	if len(err.Fields) > 0 {
		fields = make(map[string]string, len(err.Fields))
		for k, v := range err.Fields {
			fields[k] = loc.Sentence(v)
		}
	}
	return msg, fields
}
