package httpapi

import (
	"encoding/json"
	"maps"
	"net/http"
	"path"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"clinic/internal/kernel"
)

// apiOp is one API operation: the route table (apiOps) registers each with
// its handler and describes it in the OpenAPI document. Request and
// response schemas are generated from the Go types the handlers decode and
// encode; the error answers follow from the rest of the description (see
// errorStatuses).
type apiOp struct {
	Method  string
	Path    string // the route pattern's path, e.g. /api/v1/clinics/{clinic_id}/users
	Tag     string
	Summary string
	// Description adds what a client must know beyond the schemas (fields
	// that are alternatives, defaults).
	Description string
	// Access says who may call it (default: members of {clinic_id}).
	Access access
	// Handler serves the operation.
	Handler func(s *Server, w http.ResponseWriter, r *http.Request) error
	// Body is a value of the request body type (nil: no body).
	Body any
	// BodyRequired lists body fields this operation requires beyond those
	// its type requires (one type serves create and merge-patch).
	BodyRequired []string
	// Status and Response: the success status and a value of its body type
	// (nil: no body).
	Status   int
	Response any
	Query    []apiParam
	// RateLimited public operations count the caller's attempts (every
	// operation inside a clinic counts against the clinic's limit).
	RateLimited bool
	// ChecksPassword operations answer 401 for wrong credentials, public
	// or not.
	ChecksPassword bool
	// Conflict says when the operation answers 409 ("": never).
	Conflict string
	// BodyExample and ResponseExample are examples of the request body
	// and of the success answer, as the wire carries them.
	BodyExample, ResponseExample any
	// Headers are request headers the operation reads (a webhook's
	// signature).
	Headers []apiParam
	// BodyMedia and ResponseMedia describe a body that is not JSON of a
	// Go type (a provider's notification, a form, plain text), instead of
	// Body and Response.
	BodyMedia, ResponseMedia *apiMedia
	// Errors, when set, lists the error answers instead of those derived
	// from the rest of the description (errorStatuses), each with what it
	// means here (webhooks answer for reasons of their own).
	Errors map[int]string
}

type apiParam struct {
	Name, Description, Format string
	Required                  bool
}

// apiMedia is a body of an operation described by hand.
type apiMedia struct {
	Type    string // media type, e.g. application/x-www-form-urlencoded
	Schema  map[string]any
	Example any
}

func (m *apiMedia) content() map[string]any {
	mt := map[string]any{"schema": m.Schema}
	if m.Example != nil {
		mt["example"] = m.Example
	}
	return map[string]any{m.Type: mt}
}

// openAPIDoc is built once, on first request.
var (
	openAPIOnce sync.Once
	openAPIJSON []byte
)

// OpenAPIDocument returns the OpenAPI document served at
// /api/v1/openapi.json (JSON).
func OpenAPIDocument() []byte {
	openAPIOnce.Do(func() {
		b, err := json.Marshal(buildOpenAPI(apiOps()))
		if err != nil {
			panic("httpapi: the OpenAPI document does not encode: " + err.Error())
		}
		openAPIJSON = b
	})
	return openAPIJSON
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(OpenAPIDocument())
}

// errorResponses are the shared error answers (components/responses), by
// status.
var errorResponses = map[int]struct{ name, desc string }{
	400: {"BadRequest", "invalid: the request is malformed or a field is invalid (error.fields names each field)."},
	401: {"Unauthorized", "unauthorized: no valid session or API token."},
	403: {"Forbidden", "forbidden: the caller's role may not do this, or a cross-site request was refused."},
	404: {"NotFound", "not_found: no such clinic or row (also for one the caller may not see)."},
	409: {"Conflict", "conflict: the request conflicts with the current state (error.details says with what)."},
	413: {"TooLarge", "too_large: the request body is larger than MAX_BODY_BYTES."},
	415: {"Unsupported", "unsupported_media_type: the content is of a type the operation does not accept (sniffed from the bytes)."},
	429: {"RateLimited", "rate_limited: too many requests; error.details.retry_after_seconds says when to try again."},
	503: {"Unavailable", "unavailable: a dependency is down or the request ran past its deadline; try again."},
}

// errorStatuses lists the error answers of op, derived from its description:
// 400 when it reads a body, query or path parameters; 401 unless public (or
// when it checks a password); 403
// for any role check and for the cross-site check of every unsafe method;
// 404 for a path naming a clinic or row; 409 when op says so; 413 with a
// body; 415 for a multipart upload (its content's type is sniffed); 429 when rate limited; 503 always (every operation uses a
// dependency).
func errorStatuses(op apiOp) []int {
	params := strings.Contains(op.Path, "{")
	unsafe := op.Method != http.MethodGet && op.Method != http.MethodHead
	var out []int
	add := func(ok bool, status int) {
		if ok {
			out = append(out, status)
		}
	}
	add(op.Body != nil || len(op.Query) > 0 || params, 400)
	add(op.Access != accessPublic || op.ChecksPassword, 401)
	add(op.Access != accessPublic && params || unsafe, 403)
	add(params, 404)
	add(op.Conflict != "", 409)
	upload := op.BodyMedia != nil && op.BodyMedia.Type == "multipart/form-data"
	add(op.Body != nil || upload, 413)
	add(upload, 415)
	add(op.RateLimited || strings.Contains(op.Path, "{clinic_id}"), 429)
	add(true, 503)
	return out
}

func buildOpenAPI(ops []apiOp) map[string]any {
	g := &schemaGen{comps: map[string]any{}, modes: map[string]schemaMode{}}
	g.comps["Error"] = map[string]any{
		"type": "object", "required": []string{"error"},
		"description": "The shape of every error answer.",
		"properties": map[string]any{"error": map[string]any{
			"type": "object", "required": []string{"code", "message"},
			"properties": map[string]any{
				"code": map[string]any{"type": "string", "enum": []string{"invalid", "not_found", "conflict", "unauthorized",
					"forbidden", "rate_limited", "too_large", "unsupported_media_type", "unavailable", "internal"}},
				"message": map[string]any{"type": "string", "description": "Readable message, safe to show."},
				"fields": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"},
					"description": "Message per invalid field, by its JSON name as sent (nested: rules[0].start; query parameters by name)."},
				"details": map[string]any{"type": "object", "description": "Machine-readable details, e.g. the appointment in the way of a 409."},
			},
		}},
	}
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{
			"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	}
	responses := map[string]any{"Internal": errResp("internal: an unexpected error; the log has the details under the request id.")}
	paths := map[string]any{}
	tags := map[string]bool{}
	for _, op := range ops {
		item, _ := paths[op.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[op.Path] = item
		}
		tags[op.Tag] = true
		o := map[string]any{"tags": []string{op.Tag}, "summary": op.Summary, "operationId": operationID(op)}
		if op.Description != "" {
			o["description"] = op.Description
		}
		var params []any
		for _, seg := range strings.Split(op.Path, "/") {
			if strings.HasPrefix(seg, "{") {
				name := strings.Trim(seg, "{}")
				params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
			}
		}
		for in, list := range map[string][]apiParam{"query": op.Query, "header": op.Headers} {
			for _, q := range list {
				sch := map[string]any{"type": "string"}
				if q.Format != "" {
					sch["format"] = q.Format
				}
				p := map[string]any{"name": q.Name, "in": in, "required": q.Required, "schema": sch}
				if q.Description != "" {
					p["description"] = q.Description
				}
				params = append(params, p)
			}
		}
		if len(params) > 0 {
			sort.SliceStable(params, func(i, j int) bool { return paramOrder(params[i]) < paramOrder(params[j]) })
			o["parameters"] = params
		}
		switch {
		case op.BodyMedia != nil:
			o["requestBody"] = map[string]any{"required": true, "content": op.BodyMedia.content()}
		case op.Body != nil:
			sch := g.schema(reflect.TypeOf(op.Body), modeInput)
			if len(op.BodyRequired) > 0 {
				sch = map[string]any{"allOf": []any{sch, map[string]any{"required": op.BodyRequired}}}
			}
			mt := map[string]any{"schema": sch}
			if op.BodyExample != nil {
				mt["example"] = op.BodyExample
			}
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": mt}}
		}
		resps := map[string]any{}
		ok := map[string]any{"description": http.StatusText(op.Status)}
		switch {
		case op.ResponseMedia != nil:
			ok["content"] = op.ResponseMedia.content()
		case op.Response != nil:
			mt := map[string]any{"schema": g.schema(reflect.TypeOf(op.Response), modeOutput)}
			if op.ResponseExample != nil {
				mt["example"] = op.ResponseExample
			}
			ok["content"] = map[string]any{"application/json": mt}
		}
		resps[strconv.Itoa(op.Status)] = ok
		for st, desc := range op.Errors {
			resps[strconv.Itoa(st)] = errResp(desc)
		}
		statuses := errorStatuses(op)
		if op.Errors != nil {
			statuses = nil
		}
		for _, st := range statuses {
			e := errorResponses[st]
			desc := e.desc
			if st == 409 {
				desc = "conflict: " + op.Conflict
				resps["409"] = errResp(desc)
				continue
			}
			responses[e.name] = errResp(desc)
			resps[strconv.Itoa(st)] = map[string]any{"$ref": "#/components/responses/" + e.name}
		}
		resps["default"] = map[string]any{"$ref": "#/components/responses/Internal"}
		o["responses"] = resps
		if op.Access == accessPublic || op.Access == accessWebhook {
			o["security"] = []any{}
		}
		item[strings.ToLower(op.Method)] = o
	}
	var tagList []any
	for _, name := range slices.Sorted(maps.Keys(tags)) {
		tagList = append(tagList, map[string]any{"name": name, "description": tagDescriptions[name]})
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "clinic API", "version": "1",
			"description": "Clinic management: clinics, users, patients, professionals, schedules, appointments and messages to patients. " +
				"Every error answers {\"error\":{\"code\",\"message\",\"fields\",\"details\"}} with the matching status. " +
				"Error messages (message and each of fields) are in the language Accept-Language asks for, pt-BR or en, " +
				"and in English when it asks for neither or is absent; Content-Language names it (code never changes). " +
				"Times are RFC 3339 with offset. The providers' webhooks (tag webhooks) live under /webhooks/, outside /api/v1. " +
				"This document is served at /api/v1/openapi.json.",
			// No open licence: SPDX's LicenseRef- names a licence of one's
			// own (info-license-strict wants an identifier or a URL).
			"license": map[string]any{"name": "Proprietary", "identifier": "LicenseRef-Proprietary"}},
		"servers": []any{map[string]any{"url": "/", "description": "The server that serves this document."}},
		"tags":    tagList,
		"paths":   paths,
		"components": map[string]any{
			"schemas":   g.comps,
			"responses": responses,
			"securitySchemes": map[string]any{
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "clinic_session", "description": "Browser session (POST /api/v1/login)."},
				"token":   map[string]any{"type": "http", "scheme": "bearer", "description": "API token (clk_…) scoped to one clinic and role."},
			},
		},
		"security": []any{map[string]any{"session": []any{}}, map[string]any{"token": []any{}}},
	}
}

// tagDescriptions describes each tag of the document.
var tagDescriptions = map[string]string{
	"accounts":     "Sign-up, log-in and the caller.",
	"clinics":      "Clinic settings, users and API tokens.",
	"audit":        "The LGPD audit trail.",
	"jobs":         "Background jobs that failed.",
	"patients":     "Patients: identity, contact, insurance and consents.",
	"schedule":     "Professionals, rooms, procedures, working hours, exceptions and free slots.",
	"appointments": "The agenda: bookings, rescheduling, statuses and recurring series.",
	"waitlist":     "Patients waiting for a slot and the freed slots offered to them.",
	"public":       "The public booking page of a clinic: no login.",
	"messages":     "Messages to patients: the messaging policy, the providers' accounts, templates, and the delivery ledger.",
	"answers":      "Patients' answers to their messages through the signed link (no login), for a patient app.",
	"documents":    "Patients' documents: multipart uploads (PDF, JPEG, PNG), downloads, OCR text, search and suggestions for the record.",
	"records":      "The clinical record (prontuário): encounters, notes from templates with signed versions and amendments, CID-10 diagnoses, prescriptions; owner and the patient's professional only.",
	"patient file": "A patient's whole file: the timeline, the LGPD export and anonymisation, and the clinic-wide search.",
	"billing":      "Money: insurance plans and prices, charges, payments, refunds and reversals, Pix codes, payouts and the cash flow.",
	"analytics":    "The clinic's indicators over a range of local days, with a CSV per chart.",
	"webhooks": "The providers' calls (outside /api/v1): WhatsApp's webhook and the SMS status callback, " +
		"each authenticated by the provider's signature with the clinic's credentials.",
}

// paramOrder sorts parameters: path, query, then header.
func paramOrder(p any) int {
	return map[string]int{"path": 0, "query": 1, "header": 2}[p.(map[string]any)["in"].(string)]
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

// optPkg is the package of kernel.Opt.
var optPkg = reflect.TypeFor[kernel.Opt[int]]().PkgPath()

// schemaMode says whether a schema describes what clients send (request
// bodies) or what the server answers: required and nullable follow
// different rules (see field).
type schemaMode int

const (
	modeInput schemaMode = iota
	modeOutput
)

// schemaGen generates JSON Schemas from Go types, registering named structs
// in comps.
type schemaGen struct {
	comps map[string]any
	modes map[string]schemaMode // the mode each component was made in
}

// optional reports whether t is a type whose zero value means "not given"
// when decoded: a pointer or a kernel.Opt.
func optional(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer || isOpt(t)
}

// isOpt reports whether t is a kernel.Opt[T].
func isOpt(t reflect.Type) bool {
	if t.Kind() != reflect.Struct || t.PkgPath() != optPkg || !strings.HasPrefix(t.Name(), "Opt[") {
		return false
	}
	_, ok := t.FieldByName("V")
	return ok
}

// schema returns the JSON Schema of t.
func (g *schemaGen) schema(t reflect.Type, mode schemaMode) map[string]any {
	if o, ok := schemaOverrides[t]; ok {
		return o
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Pointer:
		return nullable(g.schema(t.Elem(), mode))
	case isOpt(t):
		f, _ := t.FieldByName("V")
		return nullable(g.schema(f.Type, mode))
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
		return map[string]any{"type": "array", "items": g.schema(t.Elem(), mode)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem(), mode)}
	case reflect.Struct:
		name := schemaName(t)
		if name == "" {
			return g.structSchema(t, mode)
		}
		if m, ok := g.modes[name]; ok && m != mode {
			// One type both sent and answered: a second component for the
			// other reading (responses accept unknown fields, for example).
			name += map[schemaMode]string{modeInput: "Input", modeOutput: "Output"}[mode]
		}
		if _, ok := g.comps[name]; !ok {
			g.modes[name] = mode
			g.comps[name] = map[string]any{} // placeholder against recursion
			g.comps[name] = g.structSchema(t, mode)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	default:
		return map[string]any{}
	}
}

// nullable returns s extended to allow null.
func nullable(s map[string]any) map[string]any {
	if typ, ok := s["type"].(string); ok {
		cp := maps.Clone(s)
		cp["type"] = []string{typ, "null"}
		return cp
	}
	if typ, ok := s["type"].([]string); ok {
		if slices.Contains(typ, "null") {
			return s
		}
		cp := maps.Clone(s)
		cp["type"] = append(slices.Clone(typ), "null")
		return cp
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

// notNull returns s without null among its types.
func notNull(s map[string]any) map[string]any {
	if typ, ok := s["type"].([]string); ok {
		cp := maps.Clone(s)
		typ = slices.DeleteFunc(slices.Clone(typ), func(t string) bool { return t == "null" })
		if len(typ) == 1 {
			cp["type"] = typ[0]
		} else {
			cp["type"] = typ
		}
		return cp
	}
	if alts, ok := s["anyOf"].([]any); ok && len(alts) == 2 {
		if n, _ := alts[1].(map[string]any); n["type"] == "null" {
			return alts[0].(map[string]any)
		}
	}
	return s
}

// field returns the schema of struct field f and whether it is required.
//
// The rule, the same for every type:
//   - Request bodies: a field is required unless its json tag has omitempty
//     or omitzero, or its type is optional (pointer, kernel.Opt: absent
//     means "not given"). An optional type also accepts null (the server
//     reads it as absent or "clear") unless the field is tagged
//     nullable:"false" (the server refuses null).
//   - Responses: a field is always present (required) unless omitempty or
//     omitzero; a pointer is null when unset, unless omitempty drops it.
//   - A required:"true" or required:"false" tag overrides either reading.
func (g *schemaGen) field(f reflect.StructField, omit bool, mode schemaMode) (map[string]any, bool) {
	s := g.schema(f.Type, mode)
	var required bool
	switch mode {
	case modeInput:
		required = !omit && !optional(f.Type)
		if f.Tag.Get("nullable") == "false" {
			s = notNull(s)
		}
	case modeOutput:
		required = !omit
		if omit && f.Type.Kind() == reflect.Pointer {
			s = notNull(s)
		}
	}
	switch f.Tag.Get("required") {
	case "true":
		required = true
	case "false":
		required = false
	}
	return s, required
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

func (g *schemaGen) structSchema(t reflect.Type, mode schemaMode) map[string]any {
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
			omit := slices.Contains(strings.Split(opts, ","), "omitempty") || slices.Contains(strings.Split(opts, ","), "omitzero")
			s, req := g.field(f, omit, mode)
			props[name] = s
			if req {
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
	if mode == modeInput {
		// The server refuses unknown fields (decodeJSON).
		s["additionalProperties"] = false
	}
	return s
}
