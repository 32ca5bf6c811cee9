package secret_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"clinic/internal/platform/secret"
)

// FuzzVerify feeds any text to Verify: it never panics, fails only with
// ErrMalformed, ErrBadSignature or ErrExpired, and accepts nothing but the
// exact tokens Sign produced (the seeds, made with fixed ids), for their
// own purpose.
func FuzzVerify(f *testing.F) {
	kr, err := secret.New(testKey(3))
	if err != nil {
		f.Fatal(err)
	}
	fuzzNow := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	signed := map[string]string{} // token → purpose
	for _, s := range []struct {
		purpose string
		payload string
		expires time.Time
	}{
		{"confirm", "appointment-1", fuzzNow.Add(time.Hour)},
		{"cancel", "", fuzzNow.Add(time.Second)},
		{"reset", strings.Repeat("u", secret.MaxPayload), fuzzNow.Add(-time.Second)},
	} {
		// A fixed id: the fuzzing workers are other processes, which must
		// build the same tokens.
		tok := kr.SignWithID(s.purpose, [12]byte{byte(len(signed))}, []byte(s.payload), s.expires)
		signed[tok] = s.purpose
		f.Add(s.purpose, tok)
		f.Add("confirm", tok+"A")
		f.Add("confirm", strings.Replace(tok, ".", "", 1))
	}
	for _, s := range []string{"", ".", "..", "A.A", "AAAA.AAAAAAAAAAAAAAAAAAAAAA", strings.Repeat("A", secret.MaxTokenLen+1)} {
		f.Add("confirm", s)
	}
	f.Fuzz(func(t *testing.T, purpose, token string) {
		got, err := kr.Verify(purpose, token, fuzzNow)
		if purpose == "" || len(purpose) > secret.MaxPurpose {
			if err == nil {
				t.Fatalf("purpose %q accepted", purpose)
			}
			return
		}
		if err != nil {
			if !errors.Is(err, secret.ErrMalformed) && !errors.Is(err, secret.ErrBadSignature) && !errors.Is(err, secret.ErrExpired) {
				t.Fatalf("Verify(%q, %q): unexpected error %v", purpose, token, err)
			}
			if errors.Is(err, secret.ErrExpired) {
				// Authentic but too old: it must be one Sign produced.
				if p, ok := signed[token]; !ok || p != purpose || got.ExpiresAt.After(fuzzNow) {
					t.Fatalf("Verify(%q, %q) says expired for %+v", purpose, token, got)
				}
				return
			}
			if got.ID != "" || got.Payload != nil {
				t.Fatalf("Verify(%q, %q) failed but returned %+v", purpose, token, got)
			}
			return
		}
		if p, ok := signed[token]; !ok || p != purpose {
			t.Fatalf("Verify(%q, %q) accepted a token Sign did not produce for that purpose", purpose, token)
		}
		if len(token) > secret.MaxTokenLen || !got.ExpiresAt.After(fuzzNow) {
			t.Fatalf("Verify(%q, %q) accepted %+v", purpose, token, got)
		}
	})
}
