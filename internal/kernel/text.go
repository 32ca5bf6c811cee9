package kernel

import (
	"reflect"
	"unicode/utf8"
)

// Messages of the text policy.
const (
	MsgInvalidUTF8 = "Must be valid UTF-8 text."
	MsgControl     = "Must not contain control characters."
)

// Multiline is the value of the struct tag `text:"multiline"` that marks an
// input field (and everything inside it) as multi-line free text, such as
// notes: tab, newline and carriage return are allowed there.
const Multiline = "multiline"

// CheckText applies clinic's one text policy to s and returns why s is not
// acceptable, or "" when it is. Every string a client sends (request bodies,
// text query parameters, the decoded contents of cursors) must be valid
// UTF-8 without C0 control characters (U+0000–U+001F), DEL and C1 control
// characters (U+007F–U+009F); multiline text may hold tab, newline and
// carriage return.
func CheckText(s string, multiline bool) string {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				if !multiline || (c != '\t' && c != '\n' && c != '\r') {
					return MsgControl
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return MsgInvalidUTF8
		}
		if r >= 0x80 && r <= 0x9f {
			return MsgControl
		}
		i += size
	}
	return ""
}

// Wrapper is implemented by an input type whose JSON form is that of another
// type, such as Opt[T] (a T or null): the text policy looks through
// it for the `text` tags of the wrapped type.
type Wrapper interface {
	WrappedType() reflect.Type
}
