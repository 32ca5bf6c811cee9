package apptest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"clinic/internal/httpapi"
)

// The OpenAPI document the API serves, compiled once per test binary.
var (
	specOnce sync.Once
	specDoc  *spec
	specErr  error
)

// specURL names the document for the schema compiler.
const specURL = "mem:///openapi.json"

// spec is the compiled OpenAPI document: its operations with their body
// schemas.
type spec struct {
	ops []*specOp
}

type specOp struct {
	method, path string
	segs         []string
	id           string
	request      *jsonschema.Schema // nil: no request body
	responses    map[string]specResponse
}

type specResponse struct {
	schema *jsonschema.Schema // nil: no body
	// media is a response of another type than JSON (a file).
	media bool
}

func loadSpec() (*spec, error) {
	specOnce.Do(func() { specDoc, specErr = compileSpec(httpapi.OpenAPIDocument()) })
	return specDoc, specErr
}

// compileSpec compiles the body schemas of every operation of doc. The
// validator is stricter than the document in one way: an object schema that
// lists its properties refuses any other (the document leaves responses
// open to later additions; a field the server sends that the document does
// not list fails the test).
func compileSpec(doc []byte) (*spec, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	closeObjects(v)
	root, _ := v.(map[string]any)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(specURL, v); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	compile := func(ptr ...string) (*jsonschema.Schema, error) {
		for i, p := range ptr {
			ptr[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1")
		}
		loc := "#/" + strings.Join(ptr, "/")
		s, err := c.Compile(specURL + "#" + (&url.URL{Fragment: loc[1:]}).EscapedFragment())
		if err != nil {
			return nil, fmt.Errorf("openapi: schema %s: %w", loc, err)
		}
		return s, nil
	}
	comps, _ := root["components"].(map[string]any)
	sharedResponses, _ := comps["responses"].(map[string]any)
	paths, _ := root["paths"].(map[string]any)
	sp := &spec{}
	for path, item := range paths {
		for method, o := range item.(map[string]any) {
			o := o.(map[string]any)
			op := &specOp{method: strings.ToUpper(method), path: path, segs: strings.Split(path, "/"), responses: map[string]specResponse{}}
			op.id, _ = o["operationId"].(string)
			if rb, ok := o["requestBody"].(map[string]any); ok {
				if hasJSON(rb) {
					if op.request, err = compile("paths", path, method, "requestBody", "content", "application/json", "schema"); err != nil {
						return nil, err
					}
				}
			}
			resps, _ := o["responses"].(map[string]any)
			for status, r := range resps {
				r := r.(map[string]any)
				ptr := []string{"paths", path, method, "responses", status}
				if ref, ok := r["$ref"].(string); ok {
					name := strings.TrimPrefix(ref, "#/components/responses/")
					r, _ = sharedResponses[name].(map[string]any)
					if r == nil {
						return nil, fmt.Errorf("openapi: %s %s: dangling %s", method, path, ref)
					}
					ptr = []string{"components", "responses", name}
				}
				var sr specResponse
				if content, _ := r["content"].(map[string]any); len(content) > 0 && !hasJSON(r) {
					sr.media = true // a file: its bytes are not checked
				}
				if hasJSON(r) {
					if sr.schema, err = compile(append(ptr, "content", "application/json", "schema")...); err != nil {
						return nil, err
					}
				}
				op.responses[status] = sr
			}
			sp.ops = append(sp.ops, op)
		}
	}
	return sp, nil
}

func hasJSON(v map[string]any) bool {
	content, _ := v["content"].(map[string]any)
	_, ok := content["application/json"]
	return ok
}

// closeObjects sets additionalProperties false on every schema that lists
// properties and says nothing about others.
func closeObjects(v any) {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v["properties"].(map[string]any); ok && v["type"] == "object" {
			if _, set := v["additionalProperties"]; !set {
				v["additionalProperties"] = false
			}
		}
		for _, x := range v {
			closeObjects(x)
		}
	case []any:
		for _, x := range v {
			closeObjects(x)
		}
	}
}

// match returns the documented operation for method and an escaped URL
// path (literal segments win over parameters, as in http.ServeMux), or nil.
func (sp *spec) match(method, path string) *specOp {
	segs := strings.Split(path, "/")
	var best *specOp
	bestLiterals := -1
	for _, op := range sp.ops {
		if op.method != method || len(op.segs) != len(segs) {
			continue
		}
		literals, ok := 0, true
		for i, s := range op.segs {
			switch {
			case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
				ok = ok && segs[i] != ""
			case s == segs[i]:
				literals++
			default:
				ok = false
			}
		}
		if ok && literals > bestLiterals {
			best, bestLiterals = op, literals
		}
	}
	return best
}

// CheckExchange validates one API exchange against the OpenAPI document the
// server serves: the response body against the operation's schema for that
// status (a status the operation does not document fails, 5xx excepted: they
// take "default"), and the request body against the operation's requestBody
// schema when the server accepted it (2xx; tests send bad bodies on purpose,
// which the schema may refuse). A request that matches no documented
// operation (by method and route template) is not checked. A gzip-encoded
// body is decoded first. It is safe to
// call from any goroutine.
func CheckExchange(method, target string, reqBody []byte, status int, respHeader http.Header, respBody []byte) error {
	u, err := url.Parse(target)
	if err != nil || !strings.HasPrefix(u.Path, "/api/v1/") {
		return nil
	}
	sp, err := loadSpec()
	if err != nil {
		return err
	}
	op := sp.match(method, u.EscapedPath())
	if op == nil {
		return nil
	}
	name := fmt.Sprintf("%s %s (%s) answered %d", op.method, op.path, op.id, status)
	res, ok := op.responses[strconv.Itoa(status)]
	if !ok && status >= 500 {
		res, ok = op.responses["default"]
	}
	if !ok {
		return fmt.Errorf("openapi: %s: the document does not list status %d for this operation; body: %s", name, status, respBody)
	}
	if respHeader.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(respBody))
		if err != nil {
			return fmt.Errorf("openapi: %s: gzip body: %w", name, err)
		}
		if respBody, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("openapi: %s: gzip body: %w", name, err)
		}
	}
	var errs []error
	switch {
	case res.media:
	case res.schema == nil && len(bytes.TrimSpace(respBody)) > 0:
		errs = append(errs, fmt.Errorf("openapi: %s: the document gives no body for this status, the server sent %s", name, respBody))
	case res.schema != nil:
		if err := validate(res.schema, respBody); err != nil {
			errs = append(errs, fmt.Errorf("openapi: %s: the response body does not match the document: %w\nbody: %s", name, err, respBody))
		}
	}
	if status >= 200 && status < 300 && op.request != nil && method != http.MethodGet {
		if err := validate(op.request, reqBody); err != nil {
			errs = append(errs, fmt.Errorf("openapi: %s: the request body it accepted does not match the document: %w\nbody: %s", name, err, reqBody))
		}
	}
	return errors.Join(errs...)
}

func validate(s *jsonschema.Schema, body []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(v)
}
