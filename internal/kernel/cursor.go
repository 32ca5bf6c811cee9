package kernel

import (
	"encoding/base64"
	"strings"
)

// MsgCursor is the message for a cursor that DecodeCursor refuses (under
// the field "cursor").
const MsgCursor = "Invalid cursor; start again from the first page."

// cursorSep separates the parts of a cursor.
const cursorSep = ","

// EncodeCursor encodes the parts of a list position as an opaque cursor.
// Only the last part may contain the separator ",".
func EncodeCursor(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, cursorSep)))
}

// DecodeCursor decodes a cursor made by EncodeCursor into its n parts. It
// reports false for anything else, and for decoded text that CheckText
// refuses, so that no control character or invalid UTF-8 from a client
// reaches a query.
func DecodeCursor(s string, n int) ([]string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || CheckText(string(b), false) != "" {
		return nil, false
	}
	parts := strings.SplitN(string(b), cursorSep, n)
	if len(parts) != n {
		return nil, false
	}
	return parts, true
}
