package httpapi

import (
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/patient"
)

// decodeTarget exercises every shape the strict decoder meets in inputs.
type decodeTarget struct {
	Name    string  `json:"name"`
	Notes   string  `json:"notes" text:"multiline"`
	Count   int     `json:"count"`
	Ptr     *string `json:"ptr"`
	Rules   []decodeRule
	Patient patient.Input `json:"patient"`
	decodeEmbedded
}

type decodeRule struct {
	Start string `json:"start"`
	Memo  string `json:"memo" text:"multiline"`
}

type decodeEmbedded struct {
	Inner string `json:"inner"`
}

func TestDecodeBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		fields map[string]string // nil: accepted
		msg    string            // a part of the message when fields is empty
	}{
		{"valid", `{"name":"Ana","notes":"a\tb\nc\r\n","count":3,"ptr":"x","Rules":[{"start":"08:00","memo":"l1\nl2"}],"patient":{"full_name":"Ana","notes":"x\ny","address":{"street":"Rua"}},"inner":"i"}`, nil, ""},
		{"null values", `{"ptr":null,"patient":{"address":null,"notes":null}}`, nil, ""},
		{"key in another case", `{"Name":"x"}`, map[string]string{"Name": "Unknown field."}, ""},
		{"key in another case inside an Opt", `{"patient":{"Full_Name":"x"}}`, map[string]string{"patient.Full_Name": "Unknown field."}, ""},
		{"key in another case two levels inside Opt", `{"patient":{"address":{"Street":"x"}}}`, map[string]string{"patient.address.Street": "Unknown field."}, ""},
		{"unknown key in a list", `{"Rules":[{"start":"a"},{"begin":"b"}]}`, map[string]string{"Rules[1].begin": "Unknown field."}, ""},
		{"embedded field by its own name", `{"decodeEmbedded":{}}`, map[string]string{"decodeEmbedded": "Unknown field."}, ""},
		{"duplicate key", `{"name":"a","name":"b"}`, map[string]string{"name": "Duplicate field."}, ""},
		{"duplicate key inside an Opt", `{"patient":{"full_name":"a","full_name":"b"}}`, map[string]string{"patient.full_name": "Duplicate field."}, ""},
		{"duplicate key in a list", `{"Rules":[{"start":"a","start":"b"}]}`, map[string]string{"Rules[0].start": "Duplicate field."}, ""},
		{"lone surrogate", `{"name":"\ud800"}`, map[string]string{"name": "Must be valid UTF-8 text."}, ""},
		{"lone low surrogate", `{"notes":"a\udc00b"}`, map[string]string{"notes": "Must be valid UTF-8 text."}, ""},
		{"invalid UTF-8 byte", "{\"name\":\"a\xffb\"}", map[string]string{"name": "Must be valid UTF-8 text."}, ""},
		{"invalid UTF-8 inside an Opt", "{\"patient\":{\"full_name\":\"\xc3\"}}", map[string]string{"patient.full_name": "Must be valid UTF-8 text."}, ""},
		{"NUL escape", `{"name":"a\u0000b"}`, map[string]string{"name": "Must not contain control characters."}, ""},
		{"tab in a one-line field", `{"name":"a\tb"}`, map[string]string{"name": "Must not contain control characters."}, ""},
		{"newline in a one-line field inside an Opt", `{"patient":{"full_name":"a\nb"}}`, map[string]string{"patient.full_name": "Must not contain control characters."}, ""},
		{"NUL in a multi-line field", `{"notes":"a\u0000"}`, map[string]string{"notes": "Must not contain control characters."}, ""},
		{"C1 control in a multi-line field", `{"notes":"a\u0085"}`, map[string]string{"notes": "Must not contain control characters."}, ""},
		{"DEL", `{"Rules":[{"memo":"\u007f"}]}`, map[string]string{"Rules[0].memo": "Must not contain control characters."}, ""},
		{"control character in a list item", `{"Rules":[{"start":"\u001b"}]}`, map[string]string{"Rules[0].start": "Must not contain control characters."}, ""},
		{"control character in an embedded field", `{"inner":"\u0001"}`, map[string]string{"inner": "Must not contain control characters."}, ""},
		{"wrong type", `{"count":"3"}`, map[string]string{"count": "Must be a whole number."}, ""},
		{"fraction for a whole number", `{"count":1.5}`, map[string]string{"count": "Must be a whole number."}, ""},
		{"number too large", `{"count":1e40}`, map[string]string{"count": "Must be a whole number."}, ""},
		{"wrong type inside an Opt", `{"patient":{"full_name":5}}`, map[string]string{"patient.full_name": "Must be a string."}, ""},
		{"wrong type of an Opt object", `{"patient":{"consents":"yes"}}`, map[string]string{"patient.consents": "Must be a JSON object."}, ""},
		{"not an object", `["a"]`, nil, "must be a JSON object"},
		{"empty", ` `, nil, "empty"},
		{"truncated", `{"name":`, nil, "ends too early"},
		{"syntax error", `{"name":"a",,}`, nil, "not valid JSON"},
		{"trailing data", `{"name":"a"} {}`, nil, "single JSON object"},
		{"trailing garbage", `{"name":"a"} x`, nil, "single JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var dst decodeTarget
			err := decodeBody([]byte(tt.body), &dst)
			if tt.fields == nil && tt.msg == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			e := apperr.As(err)
			require.Equal(t, apperr.Invalid, e.Code, "%v", err)
			if tt.fields != nil {
				require.Equal(t, tt.fields, e.Fields, "%v", err)
			} else {
				require.Empty(t, e.Fields)
				require.Contains(t, e.Message, tt.msg)
			}
		})
	}
}
