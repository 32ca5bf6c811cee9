package httpapi_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

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
