package httpapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
)

// Messages of the strict decoder.
const (
	msgUnknownField   = "Unknown field."
	msgDuplicateField = "Duplicate field."
)

// decodeJSON reads one JSON object from r's body into dst, strictly: object
// member names match exactly (case included), a member given twice, an
// unknown member, a wrong type, invalid UTF-8 (a lone surrogate escape
// included), trailing data and bodies over maxBytes are refused; then every
// string of the body, names included, must pass kernel.CheckText (fields
// tagged `text:"multiline"` in dst's type allow tab, newline and carriage
// return). The body must be JSON whatever Content-Type says (so `curl -d
// '{…}'` works); cross-site form posts are stopped by the CSRF check, not by
// the content type. The error it returns is ready to answer (400 naming the
// field, or 413).
func decodeJSON(w http.ResponseWriter, r *http.Request, maxBytes int64, dst any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.New(apperr.TooLarge, "The request body is larger than %d bytes.", maxBytes)
		}
		return apperr.Wrap(err, apperr.Invalid, "The request body could not be read.")
	}
	return decodeBody(body, dst)
}

// decodeBody is decodeJSON on a body already read.
func decodeBody(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return apperr.New(apperr.Invalid, "The request body is empty; a JSON object is required.")
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	if err := json.UnmarshalDecode(dec, dst, json.RejectUnknownMembers(true)); err != nil {
		return decodeError(err)
	}
	if _, err := dec.ReadValue(); !errors.Is(err, io.EOF) {
		return apperr.New(apperr.Invalid, "The request body must contain a single JSON object.")
	}
	if fields := checkBodyText(body, reflect.TypeOf(dst)); len(fields) > 0 {
		return apperr.Validation(fields)
	}
	return nil
}

// decodeError turns an error of the strict decoder into an answer.
func decodeError(err error) error {
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.As(err, &syn):
		field := fieldPath(syn.JSONPointer)
		msg := syn.Err.Error()
		switch {
		case errors.Is(syn.Err, jsontext.ErrDuplicateName):
			return apperr.Validation(map[string]string{field: msgDuplicateField})
		case strings.Contains(msg, "invalid UTF-8") || strings.Contains(msg, "surrogate"):
			if field == "" {
				return apperr.New(apperr.Invalid, "The request body is not valid UTF-8 text.")
			}
			return apperr.Validation(map[string]string{field: kernel.MsgInvalidUTF8})
		case errors.Is(syn.Err, io.ErrUnexpectedEOF):
			return apperr.New(apperr.Invalid, "The request body is not valid JSON (it ends too early).")
		}
		return apperr.New(apperr.Invalid, "The request body is not valid JSON (at byte %d).", syn.ByteOffset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.Invalid, "The request body is not valid JSON (it ends too early).")
	case errors.As(err, &sem):
		field := fieldPath(sem.JSONPointer)
		switch {
		case errors.Is(sem.Err, json.ErrUnknownName):
			return apperr.Validation(map[string]string{field: msgUnknownField})
		case field == "":
			return apperr.New(apperr.Invalid, "The request body must be a JSON object.")
		case sem.GoType != nil:
			return apperr.Validation(map[string]string{field: "Must be " + jsonType(sem.GoType) + "."})
		}
		return apperr.Validation(map[string]string{field: "Invalid value."})
	}
	return apperr.Wrap(err, apperr.Invalid, "The request body could not be read.")
}

// jsonType names the JSON form of t for a message ("a string").
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if w, ok := wrapped(t); ok {
		return jsonType(w)
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	default:
		return "a JSON object"
	}
}

// fieldPath turns a JSON pointer into the name of a field as clinic's errors
// spell it: /rules/0/start is rules[0].start.
func fieldPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && tok != "" && tok[0] != '-' && tok[0] != '+' {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// checkBodyText applies kernel.CheckText to every string of body (valid
// JSON), object member names included, and returns the refused ones by
// field. A value is multi-line when a field on its path in t (the Go type it
// was decoded into) is tagged `text:"multiline"`.
func checkBodyText(body []byte, t reflect.Type) map[string]string {
	fields := map[string]string{}
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			break // io.EOF: the body was validated before
		}
		if tok.Kind() != '"' {
			continue
		}
		ptr := dec.StackPointer()
		kind, n := dec.StackIndex(dec.StackDepth())
		name := kind == '{' && n%2 == 1
		if msg := kernel.CheckText(tok.String(), !name && multilineAt(t, ptr)); msg != "" {
			if f := fieldPath(ptr); fields[f] == "" {
				fields[f] = msg
			}
		}
	}
	return fields
}

// multilineAt reports whether the value at ptr in a JSON document decoded
// into t is multi-line text: some field on its path is tagged
// `text:"multiline"`.
func multilineAt(t reflect.Type, ptr jsontext.Pointer) bool {
	for tok := range ptr.Tokens() {
		t = elemType(t)
		switch t.Kind() {
		case reflect.Struct:
			f, ok := jsonFields(t)[tok]
			if !ok {
				return false
			}
			if f.multiline {
				return true
			}
			t = f.typ
		case reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		default:
			return false
		}
	}
	return false
}

// elemType looks through pointers and wrappers (kernel.Wrapper) to the type
// whose JSON form t has.
func elemType(t reflect.Type) reflect.Type {
	for {
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
			continue
		}
		w, ok := wrapped(t)
		if !ok {
			return t
		}
		t = w
	}
}

var wrapperType = reflect.TypeFor[kernel.Wrapper]()

// wrapped returns the type t wraps when t is a kernel.Wrapper.
func wrapped(t reflect.Type) (reflect.Type, bool) {
	if !t.Implements(wrapperType) {
		return nil, false
	}
	return reflect.Zero(t).Interface().(kernel.Wrapper).WrappedType(), true
}

// jsonField is what the text policy needs to know of a struct field.
type jsonField struct {
	typ       reflect.Type
	multiline bool
}

var fieldCache sync.Map // reflect.Type → map[string]jsonField

// jsonFields returns the fields of struct type t by JSON name, as the
// decoder matches them (embedded structs without a name are inlined).
func jsonFields(t reflect.Type) map[string]jsonField {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]jsonField)
	}
	m := map[string]jsonField{}
	for f := range t.Fields() {
		tag, hasTag := f.Tag.Lookup("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" && !strings.HasPrefix(tag, "-,") {
			continue
		}
		multiline := f.Tag.Get("text") == kernel.Multiline
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					v.multiline = v.multiline || multiline
					m[k] = v
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" || !hasTag {
			name = f.Name
		}
		m[name] = jsonField{typ: f.Type, multiline: multiline}
	}
	fieldCache.Store(t, m)
	return m
}
