package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors of Verify. A token signed for another purpose, or with another key,
// fails with ErrBadSignature like a tampered one.
var (
	ErrMalformed    = errors.New("secret: token malformed")
	ErrBadSignature = errors.New("secret: token signature does not match (tampered, other purpose, or other key)")
	ErrExpired      = errors.New("secret: token expired")
)

const (
	// MaxTokenLen is the longest token Verify reads; longer ones are
	// malformed without any decoding.
	MaxTokenLen = 1024
	// MaxPayload is the largest payload Sign accepts.
	MaxPayload = 512
	// MaxPurpose is the longest purpose name.
	MaxPurpose = 64

	tokenVersion = 1
	tokenIDSize  = 12
	tokenHeader  = 1 + 8 + tokenIDSize // version, expiry (Unix seconds), id
	tagSize      = 16
)

var b64 = base64.RawURLEncoding.Strict()

// Token is what Verify found in a valid token.
type Token struct {
	// ID is random per Sign call (16 base64url characters): a caller that
	// wants single use records it and refuses it the second time.
	ID string
	// Payload is what was signed.
	Payload []byte
	// ExpiresAt is the expiry, to the second (Sign rounds it down).
	ExpiresAt time.Time
}

// Sign returns a URL-safe token for purpose (1 to MaxPurpose bytes, e.g.
// "appointment.confirm") carrying payload (at most MaxPayload bytes) until
// expiresAt, rounded down to the second: Verify accepts it before that
// instant and refuses it from then on. The token is at most MaxTokenLen
// characters of [A-Za-z0-9_-] and one ".".
func (kr *Keyring) Sign(purpose string, payload []byte, expiresAt time.Time) (string, error) {
	if err := checkPurpose(purpose); err != nil {
		return "", err
	}
	if len(payload) > MaxPayload {
		return "", fmt.Errorf("secret: sign: payload of %d bytes, at most %d", len(payload), MaxPayload)
	}
	if expiresAt.IsZero() {
		return "", errors.New("secret: sign: no expiry")
	}
	var id [tokenIDSize]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", fmt.Errorf("secret: sign: %w", err)
	}
	return kr.sign(purpose, id, payload, expiresAt.Unix()), nil
}

func (kr *Keyring) sign(purpose string, id [tokenIDSize]byte, payload []byte, expiry int64) string {
	body := make([]byte, tokenHeader, tokenHeader+len(payload))
	body[0] = tokenVersion
	binary.BigEndian.PutUint64(body[1:9], uint64(expiry))
	copy(body[9:tokenHeader], id[:])
	body = append(body, payload...)
	return b64.EncodeToString(body) + "." + b64.EncodeToString(kr.tag(purpose, body))
}

// tag is HMAC-SHA256(sign key, len(purpose) | purpose | body), truncated.
func (kr *Keyring) tag(purpose string, body []byte) []byte {
	m := hmac.New(sha256.New, kr.current.sign)
	m.Write(binary.AppendUvarint(nil, uint64(len(purpose))))
	m.Write([]byte(purpose))
	m.Write(body)
	return m.Sum(nil)[:tagSize]
}

// Verify checks a token Sign made for purpose and returns what it carries.
// It fails with ErrMalformed for anything that is not a token (longer than
// MaxTokenLen, bad encoding, wrong sizes or version), ErrBadSignature when
// the signature does not match (tampered, signed for another purpose or with
// another key), and ErrExpired when now is at or past its expiry. The
// signature is checked, in constant time, before the expiry; with
// ErrExpired, Verify also returns what the token carries (it is authentic,
// only too old), so that a caller can say what an expired link was about.
// Every other error returns the zero Token.
func (kr *Keyring) Verify(purpose, token string, now time.Time) (Token, error) {
	if len(token) > MaxTokenLen {
		return Token{}, ErrMalformed
	}
	if err := checkPurpose(purpose); err != nil {
		return Token{}, err
	}
	// Only the characters Sign writes: the decoder would skip a newline or
	// a carriage return, so one token would have many spellings.
	if strings.ContainsFunc(token, func(r rune) bool { return !isTokenChar(r) }) {
		return Token{}, ErrMalformed
	}
	bodyText, tagText, ok := strings.Cut(token, ".")
	if !ok || len(tagText) != b64.EncodedLen(tagSize) {
		return Token{}, ErrMalformed
	}
	body, err := b64.DecodeString(bodyText)
	if err != nil || len(body) < tokenHeader || len(body) > tokenHeader+MaxPayload {
		return Token{}, ErrMalformed
	}
	tag, err := b64.DecodeString(tagText)
	if err != nil || len(tag) != tagSize {
		return Token{}, ErrMalformed
	}
	if !hmac.Equal(tag, kr.tag(purpose, body)) {
		return Token{}, ErrBadSignature
	}
	if body[0] != tokenVersion {
		return Token{}, ErrMalformed
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(body[1:9])), 0)
	t := Token{
		ID:        b64.EncodeToString(body[9:tokenHeader]),
		Payload:   body[tokenHeader:],
		ExpiresAt: exp,
	}
	if !now.Before(exp) {
		return t, ErrExpired
	}
	return t, nil
}

func checkPurpose(purpose string) error {
	if purpose == "" || len(purpose) > MaxPurpose {
		return fmt.Errorf("secret: purpose must be 1 to %d bytes", MaxPurpose)
	}
	return nil
}

// isTokenChar reports whether r is a character of a token: base64url
// without padding, and the dot between body and signature.
func isTokenChar(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
}
