package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/httpapi"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

// TestOpenAPIMatchesRoutes checks the served document for sanity: it is the
// one the route table describes, each registered API route appears once with
// a summary, a unique operationId and its responses, and no $ref dangles.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	in := apptest.New(t, dbtest.SQLiteURL(t), nil)
	res := in.Client(t).Do("GET", "/api/v1/openapi.json", nil)
	require.Equal(t, http.StatusOK, res.Status)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
		Comps   struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(res.Body, &doc))
	require.Equal(t, "3.1.0", doc.OpenAPI)
	require.JSONEq(t, string(httpapi.OpenAPIDocument()), string(res.Body), "the served document is OpenAPIDocument")

	var documented []string
	ids := map[string]bool{}
	for path, item := range doc.Paths {
		for method, op := range item {
			documented = append(documented, strings.ToUpper(method)+" "+path)
			require.NotEmpty(t, op["summary"], "%s %s has no summary", method, path)
			require.Contains(t, op, "responses")
			id, _ := op["operationId"].(string)
			require.False(t, id == "" || ids[id], "%s %s: operationId %q missing or taken", method, path, id)
			ids[id] = true
		}
	}
	var routes []string
	for _, p := range in.API.Patterns() {
		// The document does not describe itself; it describes the webhooks.
		if (strings.Contains(p, " /api/v1/") || strings.Contains(p, " /webhooks/")) && p != "GET /api/v1/openapi.json" {
			routes = append(routes, p)
		}
	}
	sort.Strings(documented)
	sort.Strings(routes)
	require.Equal(t, routes, documented, "routes (want) vs documented operations (got)")

	// Schemas referenced from operations exist.
	for _, ref := range refs(string(res.Body)) {
		require.Contains(t, doc.Comps.Schemas, ref, "dangling $ref %s", ref)
	}
}

func refs(doc string) []string {
	var out []string
	for _, part := range strings.Split(doc, `"$ref":"#/components/schemas/`)[1:] {
		out = append(out, part[:strings.Index(part, `"`)])
	}
	return out
}

// TestOpenAPILint runs redocly lint (its recommended rules) over the
// document: no error and no warning. TEST_REDOCLY is the path of the redocly
// binary (npm @redocly/cli; .ci/run installs the pinned version).
func TestOpenAPILint(t *testing.T) {
	t.Parallel()
	redocly := testenv.Require(t, "TEST_REDOCLY", "redocly (npm @redocly/cli)")
	file := filepath.Join(t.TempDir(), "openapi.json")
	require.NoError(t, os.WriteFile(file, httpapi.OpenAPIDocument(), 0o600))
	lint := func(format string) ([]byte, error) {
		cmd := exec.Command(redocly, "lint", "--extends=recommended", "--format="+format, "--max-problems=1000", file)
		cmd.Dir = t.TempDir() // no redocly.yaml from the repository
		cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
		return cmd.Output()
	}
	out, err := lint("json")
	var report struct {
		Totals struct{ Errors, Warnings int }
	}
	if err == nil {
		err = json.Unmarshal(out, &report)
	}
	if err != nil || report.Totals.Errors+report.Totals.Warnings > 0 {
		text, _ := lint("stylish")
		t.Fatalf("redocly lint: %v, %d errors, %d warnings:\n%s", err, report.Totals.Errors, report.Totals.Warnings, text)
	}
}

// TestOpenAPIExamplesMatchSchemas validates every example of the document
// against the schema beside it, as redocly's no-invalid-media-type-examples
// does (an object that lists its properties takes no others), so that the
// check runs where redocly is not installed.
func TestOpenAPIExamplesMatchSchemas(t *testing.T) {
	t.Parallel()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(httpapi.OpenAPIDocument()))
	require.NoError(t, err)
	closeObjects(doc)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	const base = "mem:///openapi.json"
	require.NoError(t, c.AddResource(base, doc))
	esc := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1") }
	check := func(ptr []string, content any) int {
		n := 0
		for media, mt := range content.(map[string]any) {
			mt := mt.(map[string]any)
			example, ok := mt["example"]
			if !ok {
				continue
			}
			loc := make([]string, 0, len(ptr)+3)
			for _, p := range append(ptr, "content", media, "schema") {
				loc = append(loc, esc(p))
			}
			fragment := "/" + strings.Join(loc, "/")
			s, err := c.Compile(base + "#" + (&url.URL{Fragment: fragment}).EscapedFragment())
			require.NoError(t, err, fragment)
			require.NoError(t, s.Validate(example), "the example at %s does not match its schema", fragment)
			n++
		}
		return n
	}
	examples := 0
	for path, item := range doc.(map[string]any)["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			op := op.(map[string]any)
			if rb, ok := op["requestBody"].(map[string]any); ok {
				examples += check([]string{"paths", path, method, "requestBody"}, rb["content"])
			}
			for status, r := range op["responses"].(map[string]any) {
				if content, ok := r.(map[string]any)["content"]; ok {
					examples += check([]string{"paths", path, method, "responses", status}, content)
				}
			}
		}
	}
	require.Greater(t, examples, 20, "the messaging operations carry examples")
}

// closeObjects sets additionalProperties false on every schema that lists
// properties and says nothing of others.
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

// TestEveryTagIsDescribed: a tag without a description is a lint warning
// (redocly's tag-description), caught here without redocly too.
func TestEveryTagIsDescribed(t *testing.T) {
	t.Parallel()
	var doc struct {
		Tags []struct{ Name, Description string }
	}
	require.NoError(t, json.Unmarshal(httpapi.OpenAPIDocument(), &doc))
	require.NotEmpty(t, doc.Tags)
	for _, tag := range doc.Tags {
		require.NotEmpty(t, tag.Description, "tag %q has no description (httpapi's tagDescriptions)", tag.Name)
	}
}
