package kernel

import (
	"encoding/json"
	"reflect"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Opt is one field of a partial update (PATCH, JSON merge patch): absent
// (Set is false: keep the current value), null (Set and Null: clear it) or
// a value (Set, V). It is the one way an input says "optional" or
// "clearable": tag the field `json:"name,omitzero"`, and
// `nullable:"false"` when the service refuses null (the OpenAPI document
// follows the tags). A field that cannot be cleared but accepts null reads
// null as absent (Value).
type Opt[T any] struct {
	Set  bool
	Null bool
	V    T
}

// Some returns an Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{Set: true, V: v} }

// Null returns an Opt that clears the field.
func Null[T any]() Opt[T] { return Opt[T]{Set: true, Null: true} }

// Value returns the value given and true, or the zero T and false when o is
// absent or null.
func (o Opt[T]) Value() (T, bool) {
	if !o.Set || o.Null {
		var zero T
		return zero, false
	}
	return o.V, true
}

// UnmarshalJSONFrom implements the strict decoder's json.UnmarshalerFrom;
// it is only called for a field present in the input, null included. The
// value is decoded with the decoder's own options, so a nested object is as
// strict as the request (exact-case names, no duplicates, no unknown
// members, valid UTF-8).
func (o *Opt[T]) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var zero T
	o.Set, o.Null, o.V = true, false, zero
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		o.Null = true
		return err
	}
	return jsonv2.UnmarshalDecode(dec, &o.V)
}

// UnmarshalJSON implements json.Unmarshaler for encoding/json callers with
// the same strictness as UnmarshalJSONFrom (no case-insensitive names, no
// duplicates, no unknown members, no invalid UTF-8).
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	return jsonv2.Unmarshal(b, o, jsonv2.RejectUnknownMembers(true))
}

// MarshalJSON implements json.Marshaler (null when unset or null).
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if !o.Set || o.Null {
		return []byte("null"), nil
	}
	return json.Marshal(o.V)
}

// IsZero reports whether o is absent, so that a field tagged omitzero is
// left out when marshalling.
func (o Opt[T]) IsZero() bool { return !o.Set }

// WrappedType implements Wrapper: the JSON form of an Opt[T] is that of T
// (or null).
func (Opt[T]) WrappedType() reflect.Type { return reflect.TypeFor[T]() }
