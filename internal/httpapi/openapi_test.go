package httpapi_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/platform/db/dbtest"
)

// TestOpenAPIMatchesRoutes: every API route is documented and every
// documented operation is a real route.
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

	var documented []string
	for path, item := range doc.Paths {
		for method, op := range item {
			documented = append(documented, strings.ToUpper(method)+" "+path)
			require.NotEmpty(t, op["summary"], "%s %s has no summary", method, path)
			require.Contains(t, op, "responses")
		}
	}
	var routes []string
	for _, p := range in.API.Patterns() {
		if strings.Contains(p, " /api/v1/") {
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
