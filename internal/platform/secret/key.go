package secret

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of a master key in bytes.
const KeySize = 32

// KeyFileName is the name of the generated key file in the data directory.
const KeyFileName = "secret.key"

// KeyForm describes the accepted forms of a key, for error messages.
const KeyForm = "want 32 random bytes written as base64 (44 characters) or hex (64 characters), e.g. the output of `openssl rand -base64 32`"

// Key is a 32-byte master key. The zero Key means "not set". It never prints
// its bytes: every fmt verb and slog show "(secret)".
type Key [KeySize]byte

// IsZero reports whether k is unset.
func (k Key) IsZero() bool { return k == Key{} }

// String returns "(secret)".
func (k Key) String() string { return "(secret)" }

// GoString returns "(secret)".
func (k Key) GoString() string { return "(secret)" }

// Format writes "(secret)" whatever the verb.
func (k Key) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "(secret)") }

// encode returns the form written to the key file (and accepted by ParseKey).
func (k Key) encode() string { return base64.StdEncoding.EncodeToString(k[:]) }

// ParseKey parses a key written as base64 (standard or URL alphabet, padded
// or not) or hex, surrounding white space ignored. It must decode to exactly
// 32 bytes, not all zero. Its errors never contain s.
func ParseKey(s string) (Key, error) {
	s = strings.TrimSpace(s)
	var k Key
	if s == "" {
		return k, errors.New("empty: " + KeyForm)
	}
	var b []byte
	var err error
	switch {
	case len(s)%2 == 0 && isHex(s):
		// Padded base64 of 32 bytes ends in "=", unpadded has 43
		// characters: an even count of hex digits is hex.
		b, err = hex.DecodeString(s)
	default:
		b, err = decodeBase64(s)
	}
	if err != nil {
		return k, errors.New("neither base64 nor hex: " + KeyForm)
	}
	if len(b) != KeySize {
		return k, fmt.Errorf("decodes to %d bytes, not %d: %s", len(b), KeySize, KeyForm)
	}
	copy(k[:], b)
	if k.IsZero() {
		return Key{}, errors.New("all zero bytes, not random: " + KeyForm)
	}
	return k, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func decodeBase64(s string) ([]byte, error) {
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if !strings.HasSuffix(s, "=") {
		enc = enc.WithPadding(base64.NoPadding)
	}
	return enc.Strict().DecodeString(s)
}

// GenerateKey returns a new random key.
func GenerateKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		return Key{}, fmt.Errorf("secret: generate key: %w", err)
	}
	return k, nil
}

// LoadOrCreateKeyFile reads the key in the file at path or, when there is no
// such file, generates one and writes it there (mode 0600; its directory is
// created 0700 if missing). created says which happened. The file appears
// complete or not at all: the key is written to a temporary file in the same
// directory, synced, then hard-linked to path, which fails rather than
// replace a file another process linked first; the loser reads the winner's
// key. So concurrent first starts agree on one key. An existing file that
// does not hold a valid key is an error naming the path (it is never
// overwritten: what it sealed would be lost).
func LoadOrCreateKeyFile(path string) (k Key, created bool, err error) {
	if k, err := readKeyFile(path); !errors.Is(err, fs.ErrNotExist) {
		return k, false, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Key{}, false, fmt.Errorf("secret: create directory for %s: %w", path, err)
	}
	k, err = GenerateKey()
	if err != nil {
		return Key{}, false, err
	}
	tmp, err := os.CreateTemp(dir, ".secret.key-*")
	if err != nil {
		return Key{}, false, fmt.Errorf("secret: write %s: %w", path, err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	// CreateTemp makes the file 0600 already; Chmod states it.
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return Key{}, false, fmt.Errorf("secret: write %s: %w", path, err)
	}
	if _, err := tmp.WriteString(k.encode() + "\n"); err != nil {
		_ = tmp.Close()
		return Key{}, false, fmt.Errorf("secret: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return Key{}, false, fmt.Errorf("secret: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return Key{}, false, fmt.Errorf("secret: write %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another process created it first: use its key.
			k, err := readKeyFile(path)
			return k, false, err
		}
		return Key{}, false, fmt.Errorf("secret: create %s: %w", path, err)
	}
	syncDir(dir)
	return k, true, nil
}

func readKeyFile(path string) (Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Key{}, err
		}
		return Key{}, fmt.Errorf("secret: read %s: %w", path, err)
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return Key{}, fmt.Errorf("secret: %s does not hold a key (%v); restore it, or remove it to generate a new key (values sealed with the old key are then lost)", path, err)
	}
	return k, nil
}

// syncDir makes the new directory entry durable; a failure is ignored (some
// systems cannot sync a directory, and the key is already written).
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// Config says where Load finds the key.
type Config struct {
	// Key is the configured key (SECRET_KEY); zero: use Dir/secret.key.
	Key Key
	// Previous is the key before the last rotation (SECRET_KEY_PREVIOUS),
	// used only to open values it sealed; zero: none.
	Previous Key
	// Dir is the data directory, where the key is generated when Key is zero.
	Dir string
}

// Source says where Load took the key from.
type Source struct {
	// Path is the key file used, or "" when the key came from Config.Key.
	Path string
	// Generated is true when the key file was created by this call.
	Generated bool
}

// Load builds the keyring from cfg: the configured key, or the key in
// Dir/secret.key, generated there on first use (LoadOrCreateKeyFile).
func Load(cfg Config) (*Keyring, Source, error) {
	var src Source
	key := cfg.Key
	if key.IsZero() {
		src.Path = filepath.Join(cfg.Dir, KeyFileName)
		var err error
		key, src.Generated, err = LoadOrCreateKeyFile(src.Path)
		if err != nil {
			return nil, src, err
		}
	}
	var prev []Key
	if !cfg.Previous.IsZero() {
		prev = append(prev, cfg.Previous)
	}
	kr, err := New(key, prev...)
	if err != nil {
		return nil, src, err
	}
	return kr, src, nil
}
