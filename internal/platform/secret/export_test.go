package secret

import "time"

// SignWithID is Sign with a chosen token id, for tests that need the same
// token in every process (fuzz seeds).
func (kr *Keyring) SignWithID(purpose string, id [tokenIDSize]byte, payload []byte, expiresAt time.Time) string {
	return kr.sign(purpose, id, payload, expiresAt.Unix())
}
