package secret_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/platform/secret"
)

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	kr := mustNew(t, testKey(1))
	tests := []struct {
		name      string
		plaintext []byte
		ad        []byte
	}{
		{"empty plaintext", nil, secret.Bind("clinic", "c1", "smtp.password")},
		{"short text", []byte("EAAG-whatsapp-token"), secret.Bind("clinic", "c1", "whatsapp.access_token")},
		{"binary, 4 KiB", bytes.Repeat([]byte{0, 1, 2, 0xff}, 1024), secret.Bind("clinic", "c2", "blob")},
		{"no associated data", []byte("x"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sealed, err := kr.Seal(tt.plaintext, tt.ad)
			require.NoError(t, err)
			require.Len(t, sealed, len(tt.plaintext)+secret.SealOverhead)
			if len(tt.plaintext) > 4 {
				require.False(t, bytes.Contains(sealed, tt.plaintext[:5]), "the plaintext shows in the sealed value")
			}
			got, err := kr.Open(sealed, tt.ad)
			require.NoError(t, err)
			require.Equal(t, string(tt.plaintext), string(got))
			require.True(t, kr.SealedWithCurrent(sealed))

			text, err := kr.SealString(string(tt.plaintext), tt.ad)
			require.NoError(t, err)
			gotText, err := kr.OpenString(text, tt.ad)
			require.NoError(t, err)
			require.Equal(t, string(tt.plaintext), gotText)
		})
	}
}

func TestSealDrawsAFreshNonceEachTime(t *testing.T) {
	t.Parallel()
	kr := mustNew(t, testKey(1))
	a, err := kr.Seal([]byte("same"), nil)
	require.NoError(t, err)
	b, err := kr.Seal([]byte("same"), nil)
	require.NoError(t, err)
	require.NotEqual(t, a, b)
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	kr := mustNew(t, testKey(1))
	ad := secret.Bind("clinic", "c1", "smtp.password")
	sealed, err := kr.Seal([]byte("hunter2"), ad)
	require.NoError(t, err)
	with := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(sealed)) }
	tests := []struct {
		name   string
		sealed []byte
		ad     []byte
		want   error
	}{
		{"copied to another clinic's row", sealed, secret.Bind("clinic", "c2", "smtp.password"), secret.ErrDecrypt},
		{"copied to another field", sealed, secret.Bind("clinic", "c1", "smtp.username"), secret.ErrDecrypt},
		{"no associated data", sealed, nil, secret.ErrDecrypt},
		{"truncated tag", sealed[:len(sealed)-1], ad, secret.ErrDecrypt},
		{"shorter than the overhead", sealed[:secret.SealOverhead-1], ad, secret.ErrDecrypt},
		{"empty", nil, ad, secret.ErrDecrypt},
		{"unknown version", with(func(b []byte) []byte { b[0] = 2; return b }), ad, secret.ErrDecrypt},
		{"another key's id", with(func(b []byte) []byte { b[1] ^= 1; return b }), ad, secret.ErrUnknownKey},
		{"sealed by another key", mustSeal(t, mustNew(t, testKey(9)), "hunter2", ad), ad, secret.ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := kr.Open(tt.sealed, tt.ad)
			require.ErrorIs(t, err, tt.want)
			require.Nil(t, got)
		})
	}
	t.Run("every byte flipped", func(t *testing.T) {
		t.Parallel()
		for i := range sealed {
			b := bytes.Clone(sealed)
			b[i] ^= 0x80
			_, err := kr.Open(b, ad)
			require.True(t, errors.Is(err, secret.ErrDecrypt) || errors.Is(err, secret.ErrUnknownKey), "byte %d flipped: %v", i, err)
		}
	})
	t.Run("text that is not base64url", func(t *testing.T) {
		t.Parallel()
		_, err := kr.OpenString("not base64!", ad)
		require.ErrorIs(t, err, secret.ErrDecrypt)
	})
}

func mustSeal(t *testing.T, kr *secret.Keyring, plaintext string, ad []byte) []byte {
	t.Helper()
	b, err := kr.Seal([]byte(plaintext), ad)
	require.NoError(t, err)
	return b
}

func TestRotationOpensWithThePreviousKeyAndSealsWithTheNew(t *testing.T) {
	t.Parallel()
	oldKey, newKey := testKey(1), testKey(2)
	before := mustNew(t, oldKey)
	after := mustNew(t, newKey, oldKey)
	ad := secret.Bind("clinic", "c1", "f")

	old := mustSeal(t, before, "v", ad)
	got, err := after.Open(old, ad)
	require.NoError(t, err)
	require.Equal(t, "v", string(got))
	require.False(t, after.SealedWithCurrent(old), "the old value is due for re-sealing")

	resealed := mustSeal(t, after, "v", ad)
	require.True(t, after.SealedWithCurrent(resealed))
	_, err = before.Open(resealed, ad)
	require.ErrorIs(t, err, secret.ErrUnknownKey, "sealed with the new key only")

	_, err = mustNew(t, newKey).Open(old, ad)
	require.ErrorIs(t, err, secret.ErrUnknownKey, "without SECRET_KEY_PREVIOUS the old value does not open")
	require.Contains(t, secret.ErrUnknownKey.Error(), "SECRET_KEY_PREVIOUS")
}

func TestNewRefusesBadKeys(t *testing.T) {
	t.Parallel()
	_, err := secret.New(secret.Key{})
	require.ErrorContains(t, err, "not set")
	_, err = secret.New(testKey(1), secret.Key{})
	require.ErrorContains(t, err, "zero")
	_, err = secret.New(testKey(1), testKey(2), testKey(3))
	require.ErrorContains(t, err, "at most one")
}

func TestBindKeepsPartsApart(t *testing.T) {
	t.Parallel()
	lists := [][]string{{"ab", "c"}, {"a", "bc"}, {"abc"}, {"abc", ""}, {}, {""}}
	seen := map[string][]string{}
	for _, l := range lists {
		k := string(secret.Bind(l...))
		require.NotContains(t, seen, k, "Bind(%q) = Bind(%q)", l, seen[k])
		seen[k] = l
	}
	require.Equal(t, secret.Bind("clinic", "c1"), secret.Bind(strings.Split("clinic c1", " ")...), "Bind is deterministic")
}
