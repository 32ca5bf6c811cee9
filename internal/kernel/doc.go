// Package kernel holds the small things every part of clinic shares: the
// caller's identity (Principal, Role), ids (NewID, IsID, CanonicalID), what
// text a client may send (CheckText), the range of dates and instants a
// clinic can mean (CheckDate, CheckInstant), the range of every number from
// a client (CheckInt, ParseInt, ParseLimit), the encoding of list cursors
// (EncodeCursor, DecodeCursor), the one folding of names (FoldText), the
// one optional/clearable field of a partial update (Opt) and the one check
// of e-mail addresses (ParseEmail).
//
// It depends on nothing of clinic's own but apperr, so that the domain
// packages and the HTTP layer can all use it.
package kernel
