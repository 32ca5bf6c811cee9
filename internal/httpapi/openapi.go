package httpapi

import (
	"net/http"
	"path"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// apiOp documents one API operation. Request and response schemas are
// generated from the Go types the handlers decode and encode, so the
// document cannot drift from the code.
type apiOp struct {
	Method  string
	Path    string // as registered, e.g. /api/v1/clinics/{clinic_id}/users
	Tag     string
	Summary string
	// Body is a value of the request body type (nil: no body).
	Body any
	// Status and Response: the success status and a value of its body type
	// (nil: no body).
	Status   int
	Response any
	Query    []apiParam
	// Public operations need no session or token.
	Public bool
}

type apiParam struct {
	Name, Description, Format string
	Required                  bool
}

// openAPIDoc is built once, on first request.
var (
	openAPIOnce sync.Once
	openAPIJSON map[string]any
)

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	openAPIOnce.Do(func() { openAPIJSON = buildOpenAPI(apiOps()) })
	writeJSON(w, http.StatusOK, openAPIJSON)
}

func buildOpenAPI(ops []apiOp) map[string]any {
	comps := map[string]any{}
	errSchema := map[string]any{
		"type": "object", "required": []string{"error"},
		"properties": map[string]any{"error": map[string]any{
			"type": "object", "required": []string{"code", "message"},
			"properties": map[string]any{
				"code": map[string]any{"type": "string", "enum": []string{"invalid", "not_found", "conflict", "unauthorized",
					"forbidden", "rate_limited", "too_large", "unavailable", "internal"}},
				"message": map[string]any{"type": "string", "description": "Readable message, safe to show."},
				"fields":  map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
				"details": map[string]any{"type": "object"},
			},
		}},
	}
	comps["Error"] = errSchema
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{
			"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	}
	paths := map[string]any{}
	for _, op := range ops {
		item, _ := paths[op.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[op.Path] = item
		}
		o := map[string]any{"tags": []string{op.Tag}, "summary": op.Summary, "operationId": operationID(op)}
		var params []any
		for _, seg := range strings.Split(op.Path, "/") {
			if strings.HasPrefix(seg, "{") {
				name := strings.Trim(seg, "{}")
				params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
			}
		}
		for _, q := range op.Query {
			sch := map[string]any{"type": "string"}
			if q.Format != "" {
				sch["format"] = q.Format
			}
			params = append(params, map[string]any{"name": q.Name, "in": "query", "required": q.Required, "description": q.Description, "schema": sch})
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		if op.Body != nil {
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{
				"schema": schemaOf(reflect.TypeOf(op.Body), comps)}}}
		}
		resps := map[string]any{}
		ok := map[string]any{"description": http.StatusText(op.Status)}
		if op.Response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(op.Response), comps)}}
		}
		resps[strconv.Itoa(op.Status)] = ok
		resps["default"] = errResp("Error (400 invalid, 401 unauthorized, 403 forbidden, 404 not_found, 409 conflict, 413 too_large, 429 rate_limited, 503 unavailable).")
		o["responses"] = resps
		if op.Public {
			o["security"] = []any{}
		}
		item[strings.ToLower(op.Method)] = o
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "clinic API", "version": "1",
			"description": "Clinic management: clinics, users, patients, professionals, schedules and appointments. " +
				"Every error answers {\"error\":{\"code\",\"message\",\"fields\"}} with the matching status. Times are RFC 3339 with offset."},
		"paths": paths,
		"components": map[string]any{
			"schemas": comps,
			"securitySchemes": map[string]any{
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "clinic_session"},
				"token":   map[string]any{"type": "http", "scheme": "bearer", "description": "API token (clk_…) scoped to one clinic and role."},
			},
		},
		"security": []any{map[string]any{"session": []any{}}, map[string]any{"token": []any{}}},
	}
}

func operationID(op apiOp) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(op.Method))
	for _, seg := range strings.Split(strings.TrimPrefix(op.Path, "/api/v1/"), "/") {
		seg = strings.Trim(seg, "{}")
		for _, part := range strings.FieldsFunc(seg, func(r rune) bool { return r == '_' || r == '-' }) {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

var timeType = reflect.TypeOf(time.Time{})

// schemaOf returns the JSON Schema of t, registering named structs in comps.
func schemaOf(t reflect.Type, comps map[string]any) map[string]any {
	if o, ok := schemaOverrides[t]; ok {
		return o
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Pointer:
		inner := schemaOf(t.Elem(), comps)
		if typ, ok := inner["type"].(string); ok {
			cp := map[string]any{}
			for k, v := range inner {
				cp[k] = v
			}
			cp["type"] = []string{typ, "null"}
			return cp
		}
		return map[string]any{"anyOf": []any{inner, map[string]any{"type": "null"}}}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), comps)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), comps)}
	case reflect.Struct:
		if f, ok := t.FieldByName("V"); ok && strings.HasPrefix(t.Name(), "Opt[") {
			// patch field: absent, null, or a value
			return schemaOf(reflect.PointerTo(f.Type), comps)
		}
		name := schemaName(t)
		if name != "" {
			if _, ok := comps[name]; !ok {
				comps[name] = map[string]any{} // placeholder against recursion
				comps[name] = structSchema(t, comps)
			}
			return map[string]any{"$ref": "#/components/schemas/" + name}
		}
		return structSchema(t, comps)
	default:
		return map[string]any{}
	}
}

// schemaName names a struct's schema: its Go name, with a generic's type
// argument reduced to its own name (listOf[…httpapi.roomJSON] → listOf_roomJSON).
// Types of other packages are prefixed with their package name
// (appointment.Page → AppointmentPage) so that same-named types of two
// packages do not collide.
func schemaName(t reflect.Type) string {
	name := t.Name()
	if i := strings.IndexByte(name, '['); i >= 0 {
		arg := strings.TrimSuffix(name[i+1:], "]")
		pkg := ""
		if j := strings.LastIndexByte(arg, '.'); j >= 0 {
			pkg = path.Base(arg[:j])
			arg = arg[j+1:]
		}
		return name[:i] + "_" + qualify(pkg, arg)
	}
	return qualify(path.Base(t.PkgPath()), name)
}

func qualify(pkg, name string) string {
	if pkg == "" || pkg == "httpapi" || pkg == "." {
		return name
	}
	p := strings.ToUpper(pkg[:1]) + pkg[1:]
	if strings.HasPrefix(name, p) {
		return name
	}
	return p + name
}

func structSchema(t reflect.Type, comps map[string]any) map[string]any {
	props := map[string]any{}
	var required []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft)
					continue
				}
			}
			if name == "" {
				name = f.Name
			}
			props[name] = schemaOf(f.Type, comps)
			if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer {
				required = append(required, name)
			}
		}
	}
	walk(t)
	sort.Strings(required)
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}
