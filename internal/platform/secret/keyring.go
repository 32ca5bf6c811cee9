package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
)

// Errors of Open.
var (
	// ErrUnknownKey: the value was sealed with a key this keyring does not
	// hold (SECRET_KEY changed without SECRET_KEY_PREVIOUS).
	ErrUnknownKey = errors.New("secret: sealed with a key this server does not have (was SECRET_KEY changed? set SECRET_KEY_PREVIOUS to the old one)")
	// ErrDecrypt: the value is not one Seal produced with this key and this
	// associated data (tampered, truncated, or moved to another row).
	ErrDecrypt = errors.New("secret: sealed value does not open (tampered, or sealed for other associated data)")
)

const (
	sealVersion = 1
	keyIDSize   = 4
	nonceSize   = 12
	sealHeader  = 1 + keyIDSize // version, key id; the nonce follows
	// SealOverhead is how many bytes Seal adds to the plaintext.
	SealOverhead = sealHeader + nonceSize + 16
)

// Keyring seals, opens, signs and verifies with subkeys of one master key
// (and opens with one previous key). It is safe for concurrent use.
type Keyring struct {
	current  *subkeys
	previous *subkeys // nil: none
}

type subkeys struct {
	id   [keyIDSize]byte
	aead cipher.AEAD
	sign []byte
}

func derive(k Key) (*subkeys, error) {
	seal, err := hkdf.Key(sha256.New, k[:], nil, "clinic secret v1: seal (AES-256-GCM)", 32)
	if err != nil {
		return nil, err
	}
	sign, err := hkdf.Key(sha256.New, k[:], nil, "clinic secret v1: sign tokens (HMAC-SHA256)", 32)
	if err != nil {
		return nil, err
	}
	id, err := hkdf.Key(sha256.New, k[:], nil, "clinic secret v1: key id", keyIDSize)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(seal)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	s := &subkeys{aead: aead, sign: sign}
	copy(s.id[:], id)
	return s, nil
}

// New returns a keyring that seals and signs with current and also opens
// what one previous key sealed. Neither may be zero; previous may not be
// current.
func New(current Key, previous ...Key) (*Keyring, error) {
	if current.IsZero() {
		return nil, errors.New("secret: the key is not set")
	}
	if len(previous) > 1 {
		return nil, errors.New("secret: at most one previous key")
	}
	cur, err := derive(current)
	if err != nil {
		return nil, fmt.Errorf("secret: derive keys: %w", err)
	}
	kr := &Keyring{current: cur}
	if len(previous) == 1 {
		if previous[0].IsZero() {
			return nil, errors.New("secret: the previous key is zero")
		}
		if previous[0] == current {
			return nil, errors.New("secret: SECRET_KEY_PREVIOUS is the same key as SECRET_KEY")
		}
		if kr.previous, err = derive(previous[0]); err != nil {
			return nil, fmt.Errorf("secret: derive keys: %w", err)
		}
	}
	return kr, nil
}

// Bind builds associated data from parts, each length-prefixed so that no
// two different lists give the same bytes (("ab","c") and ("a","bc")
// differ). Use it to tie a sealed value to its row and field, e.g.
// Bind("clinic", clinicID, "smtp.password").
func Bind(parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

// Seal encrypts plaintext with the current key and binds it to
// associatedData (which is not stored: Open needs the same bytes). The result
// is version | key id | nonce | ciphertext+tag, SealOverhead bytes longer
// than plaintext. Each call draws a fresh random nonce.
func (kr *Keyring) Seal(plaintext, associatedData []byte) ([]byte, error) {
	k := kr.current
	out := make([]byte, sealHeader+nonceSize, SealOverhead+len(plaintext))
	out[0] = sealVersion
	copy(out[1:sealHeader], k.id[:])
	if _, err := rand.Read(out[sealHeader:]); err != nil {
		return nil, fmt.Errorf("secret: seal: %w", err)
	}
	nonce := out[sealHeader : sealHeader+nonceSize]
	return k.aead.Seal(out, nonce, plaintext, sealAD(out[:sealHeader], associatedData)), nil
}

// Open decrypts what Seal returned for the same associated data, with the
// current or the previous key (picked by the key id in the value). It fails
// with ErrUnknownKey when no key of the keyring sealed it and ErrDecrypt
// when the value was altered or the associated data differs.
func (kr *Keyring) Open(sealed, associatedData []byte) ([]byte, error) {
	if len(sealed) < SealOverhead || sealed[0] != sealVersion {
		return nil, ErrDecrypt
	}
	var k *subkeys
	switch id := [keyIDSize]byte(sealed[1:sealHeader]); {
	case id == kr.current.id:
		k = kr.current
	case kr.previous != nil && id == kr.previous.id:
		k = kr.previous
	default:
		return nil, ErrUnknownKey
	}
	nonce := sealed[sealHeader : sealHeader+nonceSize]
	plain, err := k.aead.Open(nil, nonce, sealed[sealHeader+nonceSize:], sealAD(sealed[:sealHeader], associatedData))
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// SealedWithCurrent reports whether sealed names the current key (false:
// the previous one, or none): after a rotation, a caller re-seals the values
// for which it is false and that still open.
func (kr *Keyring) SealedWithCurrent(sealed []byte) bool {
	return len(sealed) >= SealOverhead && sealed[0] == sealVersion &&
		[keyIDSize]byte(sealed[1:sealHeader]) == kr.current.id
}

func sealAD(header, associatedData []byte) []byte {
	ad := make([]byte, 0, len(header)+len(associatedData))
	return append(append(ad, header...), associatedData...)
}

// SealString is Seal for text columns: it returns the sealed value in
// base64url without padding.
func (kr *Keyring) SealString(plaintext string, associatedData []byte) (string, error) {
	b, err := kr.Seal([]byte(plaintext), associatedData)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// OpenString opens what SealString returned (errors as Open; text that is
// not base64url is ErrDecrypt).
func (kr *Keyring) OpenString(sealed string, associatedData []byte) (string, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(sealed)
	if err != nil {
		return "", ErrDecrypt
	}
	p, err := kr.Open(b, associatedData)
	if err != nil {
		return "", err
	}
	return string(p), nil
}
