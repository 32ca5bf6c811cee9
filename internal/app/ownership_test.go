package app_test

import (
	"clinic/internal/platform/db/dbtest"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// Table ownership: every table belongs to one package, named in that
// package's doc comment by a "Tables: a, b." sentence; a package may publish
// read models (SQL views over its own tables) by a "Read models: v (col, …)."
// sentence. A package's SQL (its Go string literals, concatenations joined)
// may name its own tables and any package's read models, never another
// package's tables. The views are created by the migrations of both engines
// with the documented columns, and name only their owner's tables.

// internalDir is internal/, seen from this package's directory.
const internalDir = ".."

// owners is what the package docs declare.
type owners struct {
	tableOwner map[string]string            // table -> package
	viewOwner  map[string]string            // read model -> package
	viewCols   map[string][]string          // read model -> documented columns
	pkgSQL     map[string][]sqlText         // package -> its SQL strings
	errs       []string                     // malformed declarations
	declared   map[string]map[string]string // package -> name -> "table"/"read model"
}

// sqlText is a string (or concatenation) of Go source that may hold SQL.
type sqlText struct {
	pos  string
	text string
}

func TestEveryTableHasOneOwnerAndOnlyItsOwnerNamesIt(t *testing.T) {
	t.Parallel()
	o := readPackages(t, internalDir)
	require.Empty(t, o.errs)
	require.NotEmpty(t, o.tableOwner, "no package declares tables: has the doc format changed?")

	var problems []string
	for _, engine := range []string{"sqlite", "postgres"} {
		problems = append(problems, checkMigrations(t, o, engine, filepath.Join(internalDir, "platform", "db", "migrations", engine))...)
	}
	problems = append(problems, foreignNames(o)...)
	require.Empty(t, problems, "table ownership (see the package docs' Tables: and Read models:):\n%s", strings.Join(problems, "\n"))
}

// TestOwnershipCheckFinds shows that the check finds a foreign table however
// the SQL is written, and lets through own tables and read models.
func TestOwnershipCheckFinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string // violations
	}{
		{"a foreign table", "const q = `SELECT name FROM patients WHERE id = $1`", []string{"patients of example/patient"}},
		{"a foreign table in a join, lower case", "var q = \"select 1 from waitlist_entries e left join patients p on p.id = e.patient_id\"", []string{"patients of example/patient"}},
		{"a keyword and a table in two concatenated literals", "func f(cols string) string { return `SELECT ` + cols + ` FROM ` + `patients` }", []string{"patients of example/patient"}},
		{"a write", "const q = `UPDATE patients SET full_name = $1`", []string{"patients of example/patient"}},
		{"a read model", "const q = `SELECT name FROM patient_refs WHERE id = $1`", nil},
		{"a write to a read model", "const q = `UPDATE patient_refs SET name = $1`", []string{"patient_refs of example/patient to write it (read models are read-only)"}},
		{"an own table", "const q = `INSERT INTO waitlist_entries (id) VALUES ($1)`", nil},
		{"text that is no SQL", `const m = "Copy it from a file into the cloud"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			write := func(path, src string) {
				require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, path)), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(dir, path), []byte(src), 0o644))
			}
			write("patient/patient.go", "// Package patient.\n//\n// Tables: patients.\n// Read models: patient_refs (clinic_id, id, name).\npackage patient\n")
			write("waitlist/waitlist.go", "// Package waitlist.\n//\n// Tables: waitlist_entries.\npackage waitlist\n\n"+tt.src+"\n")
			o := readPackages(t, dir)
			require.Empty(t, o.errs)
			var got []string
			for _, p := range foreignNames(o) {
				_, after, _ := strings.Cut(p, "names table ")
				got = append(got, after)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

// readPackages reads the declarations and the SQL of every package under
// root; a package is named by its path under root's parent ("internal/x"),
// or "example/x" when root is elsewhere.
func readPackages(t *testing.T, root string) owners {
	t.Helper()
	o := owners{tableOwner: map[string]string{}, viewOwner: map[string]string{}, viewCols: map[string][]string{},
		pkgSQL: map[string][]sqlText{}, declared: map[string]map[string]string{}}
	prefix := "example"
	if root == internalDir {
		prefix = "internal"
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		pkg := prefix + "/" + filepath.ToSlash(rel)
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if f.Doc != nil {
			o.declare(pkg, f.Doc.Text())
		}
		o.pkgSQL[pkg] = append(o.pkgSQL[pkg], stringsOf(fset, f)...)
		return nil
	})
	require.NoError(t, err)
	return o
}

// declare records the Tables: and Read models: sentences of a package doc.
func (o *owners) declare(pkg, doc string) {
	for _, kind := range []string{"Tables:", "Read models:"} {
		_, rest, ok := strings.Cut(doc, kind)
		if !ok {
			continue
		}
		for _, item := range splitList(rest) {
			name, cols, _ := strings.Cut(item, "(")
			name = strings.TrimSpace(name)
			if !isIdent(name) {
				o.errs = append(o.errs, fmt.Sprintf("%s: %s %q is not a name", pkg, kind, name))
				continue
			}
			if prev, ok := o.declared[pkg][name]; ok || o.tableOwner[name] != "" || o.viewOwner[name] != "" {
				o.errs = append(o.errs, fmt.Sprintf("%s: %s declared twice (%s%s%s)", pkg, name, prev, o.tableOwner[name], o.viewOwner[name]))
				continue
			}
			if o.declared[pkg] == nil {
				o.declared[pkg] = map[string]string{}
			}
			if kind == "Tables:" {
				o.tableOwner[name] = pkg
				o.declared[pkg][name] = "table"
				continue
			}
			o.viewOwner[name] = pkg
			o.declared[pkg][name] = "read model"
			cols, _, _ = strings.Cut(cols, ")")
			for c := range strings.SplitSeq(cols, ",") {
				if c = strings.TrimSpace(c); c != "" {
					o.viewCols[name] = append(o.viewCols[name], c)
				}
			}
		}
	}
}

// splitList splits "a, b (x, y), c." at the commas outside parentheses, up
// to the first period or colon outside them (a colon starts an explanation).
func splitList(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')':
			depth--
		case r == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		case (r == '.' || r == ':') && depth == 0:
			return append(out, strings.TrimSpace(s[start:i]))
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// stringsOf returns the string literals of f, a concatenation of literals and
// other operands as one string (an operand that is not a literal reads "?").
func stringsOf(fset *token.FileSet, f *ast.File) []sqlText {
	var out []sqlText
	covered := map[ast.Node]bool{}
	var flatten func(e ast.Expr, b *strings.Builder)
	flatten = func(e ast.Expr, b *strings.Builder) {
		switch e := e.(type) {
		case *ast.BinaryExpr:
			if e.Op == token.ADD {
				covered[e] = true
				flatten(e.X, b)
				flatten(e.Y, b)
				return
			}
		case *ast.BasicLit:
			if e.Kind == token.STRING {
				covered[e] = true
				s, err := strconv.Unquote(e.Value)
				if err == nil {
					b.WriteString(s)
					return
				}
			}
		}
		b.WriteString(" ? ")
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil || covered[n] {
			return true
		}
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if n.Op != token.ADD {
				return true
			}
			var b strings.Builder
			flatten(n, &b)
			out = append(out, sqlText{pos: fset.Position(n.Pos()).String(), text: b.String()})
		case *ast.BasicLit:
			if n.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(n.Value); err == nil {
				out = append(out, sqlText{pos: fset.Position(n.Pos()).String(), text: s})
			}
		}
		return true
	})
	return out
}

// A relation is a name that follows FROM, JOIN, INTO, UPDATE or TABLE in SQL.
type relation struct {
	keyword, name string
}

// writes tells whether the SQL writes (or creates) the relation.
func (r relation) writes() bool { return r.keyword != "from" && r.keyword != "join" }

// relations returns the relations named in sql (a name followed by "(" after
// FROM is a function, not a relation).
func relations(sql string) []relation {
	toks := dbtest.SQLTokens(sql)
	var out []relation
	for i := 0; i < len(toks); i++ {
		switch toks[i] {
		case "from", "join", "into", "update", "table":
		default:
			continue
		}
		j := i + 1
		for j < len(toks) && slices.Contains([]string{"if", "not", "exists", "only"}, toks[j]) {
			j++
		}
		if j >= len(toks) || !isIdent(toks[j]) {
			continue
		}
		if toks[i] == "from" && j+1 < len(toks) && toks[j+1] == "(" {
			continue
		}
		out = append(out, relation{keyword: toks[i], name: toks[j]})
	}
	return out
}

// foreignNames lists every place where a package's SQL names a table that
// another package owns. Test-support packages (named *test: fixtures that
// seed rows of every package directly) are left out.
func foreignNames(o owners) []string {
	var out []string
	for _, pkg := range mapsKeys(o.pkgSQL) {
		if strings.HasSuffix(pkg, "test") {
			continue
		}
		for _, s := range o.pkgSQL[pkg] {
			for _, r := range relations(s.text) {
				if owner, ok := o.tableOwner[r.name]; ok && owner != pkg {
					out = append(out, fmt.Sprintf("%s: %s names table %s of %s", s.pos, pkg, r.name, owner))
				}
				if owner, ok := o.viewOwner[r.name]; ok && r.writes() {
					out = append(out, fmt.Sprintf("%s: %s names table %s of %s to write it (read models are read-only)", s.pos, pkg, r.name, owner))
				}
			}
		}
	}
	return out
}

func mapsKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkMigrations checks one engine's migrations against the declarations:
// every table has an owner, every view is a documented read model with its
// documented columns and names only its owner's tables (and read models), and
// every read model exists.
func checkMigrations(t *testing.T, o owners, engine, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var all strings.Builder
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		all.Write(b)
		all.WriteString("\n;\n")
	}
	var out []string
	// A later migration may redefine a view (DROP VIEW and CREATE VIEW, or
	// CREATE OR REPLACE VIEW): its last definition is the one checked.
	views := map[string][]string{} // name -> the words of its last CREATE VIEW
	// A table may be created under a name it is then renamed from (SQLite
	// rebuilds a table to drop a constraint: CREATE TABLE t_new, copy,
	// DROP TABLE t, ALTER TABLE t_new RENAME TO t): the name it ends with
	// is the one checked.
	var tables []string
	for stmt := range strings.SplitSeq(strings.Join(dbtest.SQLTokens(all.String()), " "), ";") {
		w := strings.Fields(stmt)
		if len(w) == 6 && w[0] == "alter" && w[1] == "table" && w[3] == "rename" && w[4] == "to" {
			if i := slices.Index(tables, w[2]); i >= 0 {
				tables[i] = w[5]
			}
			continue
		}
		// A table made only for a rebuild (CREATE TABLE t_copy AS …, then
		// DROP TABLE t_copy) is gone at the end: it needs no owner.
		if len(w) >= 3 && w[0] == "drop" && w[1] == "table" {
			if i := slices.Index(tables, w[len(w)-1]); i >= 0 {
				tables = slices.Delete(tables, i, i+1)
			}
			continue
		}
		if len(w) < 3 || w[0] != "create" {
			continue
		}
		w = w[1:]
		if len(w) > 2 && w[0] == "or" && w[1] == "replace" {
			w = w[2:]
		}
		switch {
		case w[0] == "table" || (w[0] == "virtual" && len(w) > 2 && w[1] == "table"):
			name := w[1]
			if w[0] == "virtual" {
				name = w[2]
			}
			tables = append(tables, name)
		case w[0] == "view":
			views[w[1]] = w
		}
	}
	for _, name := range tables {
		if _, ok := o.tableOwner[name]; !ok {
			out = append(out, fmt.Sprintf("%s: table %s has no owner (add it to a package doc's Tables:)", engine, name))
		}
	}
	for _, name := range mapsKeys(views) {
		w := views[name]
		owner, ok := o.viewOwner[name]
		if !ok {
			out = append(out, fmt.Sprintf("%s: view %s is no package's read model (add it to a package doc's Read models:)", engine, name))
			continue
		}
		// CREATE VIEW name ( col , col ) AS …
		var cols []string
		if len(w) > 2 && w[2] == "(" {
			for _, c := range w[3:] {
				if c == ")" {
					break
				}
				if c != "," {
					cols = append(cols, c)
				}
			}
		}
		if !slices.Equal(cols, o.viewCols[name]) {
			out = append(out, fmt.Sprintf("%s: view %s has columns %v, its owner %s documents %v", engine, name, cols, owner, o.viewCols[name]))
		}
		for _, rel := range relations(strings.Join(w, " ")) {
			if to, ok := o.tableOwner[rel.name]; ok && to != owner {
				out = append(out, fmt.Sprintf("%s: view %s of %s names table %s of %s", engine, name, owner, rel.name, to))
			}
		}
	}
	for name, owner := range o.viewOwner {
		if _, ok := views[name]; !ok {
			out = append(out, fmt.Sprintf("%s: read model %s of %s is no view of the migrations", engine, name, owner))
		}
	}
	return out
}
