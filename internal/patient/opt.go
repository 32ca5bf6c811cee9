package patient

import (
	"bytes"
	"encoding/json"
)

// Opt is one field of a partial update (JSON merge patch): absent (Set is
// false: keep the current value), null (Set and Null: clear it) or a value
// (Set, V).
type Opt[T any] struct {
	Set  bool
	Null bool
	V    T
}

// Some returns an Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{Set: true, V: v} }

// Null returns an Opt that clears the field.
func Null[T any]() Opt[T] { return Opt[T]{Set: true, Null: true} }

// UnmarshalJSON implements json.Unmarshaler; it is only called for a field
// present in the input, null included. Unknown fields of a nested object are
// refused.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	var zero T
	o.Set, o.Null, o.V = true, false, zero
	if string(bytes.TrimSpace(b)) == "null" {
		o.Null = true
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(&o.V)
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
