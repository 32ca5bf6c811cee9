// Package secret holds clinic's secret key and what is built on it:
// encryption at rest of stored credentials (Seal, Open) and signed,
// expiring tokens for links that need no login (Sign, Verify).
//
// # The key
//
// One 32-byte master key comes from configuration: SECRET_KEY (or
// SECRET_KEY_FILE), written as base64 or hex (ParseKey). When neither is set,
// Load generates a key with crypto/rand into secret.key in the data
// directory and reuses it on every later start; two processes starting at
// once end up with the same key, because the file appears complete or not at
// all (written to a temporary file, then hard-linked into place, which never
// replaces an existing file). That file is for the single-machine default:
// several servers must all be given the same SECRET_KEY, or a link signed by
// one is refused by another and a credential sealed by one cannot be opened
// by another.
//
// From the master key, HKDF-SHA256 derives one subkey per use (encryption,
// token signing, and a short key id), so no two uses share a key.
//
// # Sealed values
//
// Seal encrypts with AES-256-GCM under a random 96-bit nonce. The result
// starts with a format version byte and the id of the key that sealed it, so
// a key can be rotated: a keyring built with the previous key
// (SECRET_KEY_PREVIOUS) still opens what that key sealed, and seals only with
// the current one. The associated data binds a ciphertext to its row (use
// Bind, e.g. Bind("clinic", clinicID, "whatsapp.access_token")): the same
// ciphertext copied to another clinic's row does not open.
//
// # Tokens
//
// A token is base64url(version | expiry | id | payload) "." base64url(tag),
// where tag is HMAC-SHA256, truncated to 16 bytes, over the purpose and the
// body. A token signed for one purpose is refused for any other. Verify
// refuses a token longer than MaxTokenLen before any other work, compares
// tags in constant time, and tells malformed, bad signature and expired
// apart (ErrMalformed, ErrBadSignature, ErrExpired).
//
// Tokens are not single-use by themselves: that needs storage. Each token
// carries a random id (Token.ID); a caller that wants single use records the
// id when the token is used (until Token.ExpiresAt, after which Verify refuses
// it anyway) and refuses an id it has already recorded. Rotating SECRET_KEY
// invalidates every outstanding token (the previous key only opens sealed
// values), which is what a leaked key calls for; links are short-lived.
package secret
