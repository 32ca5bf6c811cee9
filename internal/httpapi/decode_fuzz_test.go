package httpapi

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/kernel"
	"clinic/internal/patient"
)

// FuzzDecodeBody checks the strict decoder on any body: it never panics,
// refuses with a 400 (invalid) only, and what it accepts is valid UTF-8
// JSON without duplicate names whose strings all pass the text policy
// (multi-line ones at least as multi-line text). Seeds: testdata/fuzz/FuzzDecodeBody.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{"full_name":"Ana","notes":"a\nb","address":{"street":"Rua"}}`,
		`{"Full_Name":"x"}`,
		`{"full_name":"a","full_name":"b"}`,
		`{"full_name":"\ud800"}`,
		`{"full_name":"a\u0000"}`,
		"{\"full_name\":\"\xff\"}",
		`{"starts_at":"9999-12-31T23:50:00Z","duration_minutes":307445740}`,
		`{"recurrence":{"every_days":7,"count":1e30}}`,
		`[]`, ``, `{} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, dst := range []any{&patient.Input{}, &appointment.SeriesInput{}, &appointment.UpdateInput{}} {
			err := decodeBody(body, dst)
			if err != nil {
				if e := apperr.As(err); e.Code != apperr.Invalid {
					t.Fatalf("body %q: code %s, want invalid (%v)", body, e.Code, err)
				}
				continue
			}
			if !utf8.Valid(body) {
				t.Fatalf("body %q: accepted invalid UTF-8", body)
			}
			dec := jsontext.NewDecoder(bytes.NewReader(body))
			for {
				tok, err := dec.ReadToken()
				if err != nil {
					break
				}
				if tok.Kind() == '"' && kernel.CheckText(tok.String(), true) != "" {
					t.Fatalf("body %q: accepted %q", body, tok.String())
				}
			}
			if _, err := jsontext.NewDecoder(bytes.NewReader(body)).ReadValue(); err != nil {
				t.Fatalf("body %q: accepted although jsontext refuses it: %v", body, err)
			}
		}
	})
}
