package kernel

import (
	"encoding/json"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/stretchr/testify/require"
)

func TestOptTellsAbsentNullAndValue(t *testing.T) {
	t.Parallel()
	type patch struct {
		Name  Opt[string]          `json:"name,omitzero"`
		Inner Opt[struct{ A int }] `json:"inner,omitzero"`
	}
	tests := []struct {
		name    string
		body    string
		want    Opt[string]
		given   bool
		wantErr bool
	}{
		{"absent", `{}`, Opt[string]{}, false, false},
		{"null", `{"name":null}`, Null[string](), false, false},
		{"value", `{"name":"Ana"}`, Some("Ana"), true, false},
		{"empty string is a value", `{"name":""}`, Some(""), true, false},
		{"wrong type", `{"name":1}`, Opt[string]{}, false, true},
		{"nested unknown member", `{"inner":{"B":1}}`, Opt[string]{}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, decode := range []func([]byte, any) error{
				func(b []byte, v any) error { return jsonv2.Unmarshal(b, v, jsonv2.RejectUnknownMembers(true)) },
				json.Unmarshal,
			} {
				var p patch
				err := decode([]byte(tt.body), &p)
				if tt.wantErr {
					require.Error(t, err)
					continue
				}
				require.NoError(t, err)
				require.Equal(t, tt.want, p.Name)
				v, ok := p.Name.Value()
				require.Equal(t, tt.given, ok)
				require.Equal(t, tt.want.V, v)
			}
		})
	}
}

func TestOptMarshalsOnlyWhatIsSet(t *testing.T) {
	t.Parallel()
	type patch struct {
		A Opt[string] `json:"a,omitzero"`
		B Opt[string] `json:"b,omitzero"`
		C Opt[int]    `json:"c,omitzero"`
	}
	b, err := jsonv2.Marshal(patch{B: Null[string](), C: Some(3)})
	require.NoError(t, err)
	require.JSONEq(t, `{"b":null,"c":3}`, string(b))
}
