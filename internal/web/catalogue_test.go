package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/i18n"
)

// Every message id the pages name, in their templates and in this
// package's Go code, is in both catalogues: an id missing would show as
// the id itself.
func TestEveryMessageOfThePagesIsInTheCatalogue(t *testing.T) {
	t.Parallel()
	literal := regexp.MustCompile(`\.T "([A-Za-z0-9_.-]+)"`)
	goLiteral := regexp.MustCompile(`\.T\("([A-Za-z0-9_.-]+)"`)
	// Ids made of a prefix and a value: every value the page can print.
	dynamic := map[string][]string{
		`(print "status." `: {"scheduled", "confirmed", "arrived", "in_progress", "completed", "cancelled", "no_show"},
		`(print "role." `:   {"owner", "admin", "professional", "receptionist", "financial"},
	}
	ids := map[string]bool{}
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return err
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			ids[m[1]] = true
		}
		for prefix, values := range dynamic {
			if strings.Contains(string(b), prefix) {
				p := strings.TrimPrefix(strings.TrimSuffix(prefix, `" `), `(print "`)
				for _, v := range values {
					ids[p+v] = true
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	goFiles, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, f := range goFiles {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range goLiteral.FindAllStringSubmatch(string(b), -1) {
			ids[m[1]] = true
		}
	}
	require.NotEmpty(t, ids)
	var all []string
	for id := range ids {
		all = append(all, id)
	}
	sort.Strings(all)
	require.Empty(t, i18n.Missing(all...), "message ids the pages use that are not in the catalogue")
}
