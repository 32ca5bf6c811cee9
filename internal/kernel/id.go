package kernel

import "github.com/google/uuid"

// NewID returns a new id: a UUIDv7 (time-ordered, so ids sort by creation
// and index well) in its canonical text form.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// IsID reports whether s is a well-formed id. Stores answer a malformed id
// as not found (PostgreSQL would refuse it in a UUID column).
func IsID(s string) bool {
	_, ok := CanonicalID(s)
	return ok
}

// CanonicalID returns the canonical (lower-case, hyphenated) form of the id
// s, and whether s is an id at all.
func CanonicalID(s string) (string, bool) {
	if len(s) != 36 {
		return "", false
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return "", false
	}
	return u.String(), true
}
