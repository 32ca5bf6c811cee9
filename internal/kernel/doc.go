// Package kernel holds the small rules every part of clinic shares: what
// text a client may send (CheckText), the range of dates and instants a
// clinic can mean (CheckDate, CheckInstant), the range of every number from
// a client (CheckInt, ParseInt, ParseLimit) and the encoding of list cursors
// (EncodeCursor, DecodeCursor).
//
// It depends on nothing of clinic's own, so that the domain packages and
// the HTTP layer can all use it.
package kernel
