package secret_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/platform/secret"
)

var (
	now       = time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	farFuture = now.Add(24 * time.Hour)
)

var tokenChars = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	kr := mustNew(t, testKey(1))
	tests := []struct {
		name    string
		purpose string
		payload []byte
	}{
		{"appointment id", "appointment.confirm", []byte("0190f5c2-8d4e-7b3a-9c1d-2e3f4a5b6c7d")},
		{"empty payload", "invite", nil},
		{"binary payload", "x", []byte{0, 0xff, '.', '='}},
		{"largest payload", strings.Repeat("p", secret.MaxPurpose), bytes.Repeat([]byte{0xfe}, secret.MaxPayload)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok, err := kr.Sign(tt.purpose, tt.payload, farFuture)
			require.NoError(t, err)
			require.Regexp(t, tokenChars, tok, "URL-safe")
			require.LessOrEqual(t, len(tok), secret.MaxTokenLen)
			got, err := kr.Verify(tt.purpose, tok, now)
			require.NoError(t, err)
			require.Equal(t, string(tt.payload), string(got.Payload))
			require.True(t, got.ExpiresAt.Equal(farFuture), "expires %s, want %s", got.ExpiresAt, farFuture)
			require.Len(t, got.ID, 16)
		})
	}
	t.Run("a 36-byte id makes a link-sized token", func(t *testing.T) {
		t.Parallel()
		tok, err := kr.Sign("appointment.confirm", []byte(tests[0].payload), farFuture)
		require.NoError(t, err)
		require.LessOrEqual(t, len(tok), 110)
	})
}

func TestSignGivesEachTokenItsOwnID(t *testing.T) {
	t.Parallel()
	kr := mustNew(t, testKey(1))
	ids := map[string]bool{}
	for range 50 {
		tok, err := kr.Sign("reset", []byte("user-1"), farFuture)
		require.NoError(t, err)
		got, err := kr.Verify("reset", tok, now)
		require.NoError(t, err)
		require.False(t, ids[got.ID], "id %s twice", got.ID)
		ids[got.ID] = true
	}
}

func TestSignRefuses(t *testing.T) {
	t.Parallel()
	kr := mustNew(t, testKey(1))
	tests := []struct {
		name    string
		purpose string
		payload []byte
		expires time.Time
		want    string
	}{
		{"empty purpose", "", nil, farFuture, "purpose"},
		{"long purpose", strings.Repeat("p", secret.MaxPurpose+1), nil, farFuture, "purpose"},
		{"payload too large", "x", make([]byte, secret.MaxPayload+1), farFuture, "payload"},
		{"no expiry", "x", nil, time.Time{}, "expiry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok, err := kr.Sign(tt.purpose, tt.payload, tt.expires)
			require.ErrorContains(t, err, tt.want)
			require.Empty(t, tok)
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	kr := mustNew(t, testKey(1))
	tok, err := kr.Sign("appointment.confirm", []byte("a1"), farFuture)
	require.NoError(t, err)
	body, tag, _ := strings.Cut(tok, ".")
	other, err := mustNew(t, testKey(2)).Sign("appointment.confirm", []byte("a1"), farFuture)
	require.NoError(t, err)
	otherBody, _, _ := strings.Cut(other, ".")

	tests := []struct {
		name    string
		purpose string
		token   string
		want    error
	}{
		{"signed for confirm, used for cancel", "appointment.cancel", tok, secret.ErrBadSignature},
		{"signed with another key", "appointment.confirm", other, secret.ErrBadSignature},
		{"another token's body under this tag", "appointment.confirm", otherBody + "." + tag, secret.ErrBadSignature},
		{"empty", "appointment.confirm", "", secret.ErrMalformed},
		{"no dot", "appointment.confirm", body + tag, secret.ErrMalformed},
		{"two dots", "appointment.confirm", body + "." + tag + ".", secret.ErrMalformed},
		{"dot only", "appointment.confirm", ".", secret.ErrMalformed},
		{"tag cut short", "appointment.confirm", body + "." + tag[:len(tag)-1], secret.ErrMalformed},
		{"body cut short", "appointment.confirm", body[:10] + "." + tag, secret.ErrMalformed},
		{"padding added", "appointment.confirm", body + "." + tag + "==", secret.ErrMalformed},
		{"standard base64 alphabet", "appointment.confirm", strings.NewReplacer("-", "+", "_", "/").Replace(tok) + "+", secret.ErrMalformed},
		{"longer than MaxTokenLen", "appointment.confirm", strings.Repeat("A", secret.MaxTokenLen+1), secret.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := kr.Verify(tt.purpose, tt.token, now)
			require.ErrorIs(t, err, tt.want)
			require.Equal(t, secret.Token{}, got)
		})
	}
}

func TestVerifyRefusesEveryTamperedCharacter(t *testing.T) {
	t.Parallel()
	kr := mustNew(t, testKey(1))
	tok, err := kr.Sign("appointment.confirm", []byte("a1"), farFuture)
	require.NoError(t, err)
	for i := range len(tok) {
		for _, c := range []byte{'A', 'B', '_', '-', '.', '9'} {
			if tok[i] == c {
				continue
			}
			tampered := tok[:i] + string(c) + tok[i+1:]
			_, err := kr.Verify("appointment.confirm", tampered, now)
			require.Error(t, err, "character %d set to %q accepted", i, c)
			require.NotErrorIs(t, err, secret.ErrExpired, "a tampered token reports expired: the signature must be checked first")
		}
	}
}

func TestVerifyExpiryBoundaries(t *testing.T) {
	t.Parallel()
	kr := mustNew(t, testKey(1))
	expires := now.Add(time.Hour)
	tests := []struct {
		name    string
		expires time.Time
		at      time.Time
		want    error
	}{
		{"long before", expires, now, nil},
		{"a nanosecond before", expires, expires.Add(-time.Nanosecond), nil},
		{"at the expiry", expires, expires, secret.ErrExpired},
		{"a second after", expires, expires.Add(time.Second), secret.ErrExpired},
		{"a fraction of a second is dropped, never added", expires.Add(900 * time.Millisecond), expires.Add(100 * time.Millisecond), secret.ErrExpired},
		{"signed already expired", now.Add(-time.Minute), now, secret.ErrExpired},
		{"in another zone", expires.In(time.FixedZone("BRT", -3*3600)), expires.Add(-time.Second), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok, err := kr.Sign("x", []byte("p"), tt.expires)
			require.NoError(t, err)
			got, err := kr.Verify("x", tok, tt.at)
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
				// An expired token is still authentic: what it carries comes back.
				require.Equal(t, "p", string(got.Payload))
				return
			}
			require.NoError(t, err)
			require.Equal(t, "p", string(got.Payload))
			require.True(t, got.ExpiresAt.Equal(tt.expires.Truncate(time.Second)))
		})
	}
}

func TestVerifyRefusesABadPurpose(t *testing.T) {
	t.Parallel()
	kr := mustNew(t, testKey(1))
	tok, err := kr.Sign("x", nil, farFuture)
	require.NoError(t, err)
	_, err = kr.Verify("", tok, now)
	require.ErrorContains(t, err, "purpose")
}
