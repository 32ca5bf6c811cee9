package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// derived lists the err. entries whose English text is not written as
// such in the code but put together at run time, with where.
var derived = map[string]string{
	"err.field.type_string":  `httpapi/decode.go: "Must be " + jsonType(t) + "."`,
	"err.field.type_integer": `httpapi/decode.go: "Must be " + jsonType(t) + "."`,
	"err.field.type_number":  `httpapi/decode.go: "Must be " + jsonType(t) + "."`,
	"err.field.type_list":    `httpapi/decode.go: "Must be " + jsonType(t) + "."`,
	"err.field.type_object":  `httpapi/decode.go: "Must be " + jsonType(t) + "."`,
}

// shapeOf returns the English text of an err. entry with \x00 for each
// argument, as sourceMessages writes a message of the code.
func shapeOf(en string) string { return argRef.ReplaceAllString(en, "\x00") }

// Every English message of the code has an err. entry, so every error
// answers in both languages: a message added without its entry fails here.
func TestEverySourceMessageIsInTheCatalogue(t *testing.T) {
	t.Parallel()
	msgs, err := sourceMessages("..")
	require.NoError(t, err)
	require.Greater(t, len(msgs), 100, "the walk found too few messages: is the root internal/?")

	byShape := map[string]string{}
	for id, m := range cat().messages[En] {
		if strings.HasPrefix(id, sentencePrefix) {
			byShape[shapeOf(m.Other)] = id
		}
	}
	used := map[string]bool{}
	var missing []string
	for _, m := range msgs {
		if id, ok := byShape[m.shape]; ok {
			used[id] = true
			continue
		}
		missing = append(missing, fmt.Sprintf("%s:%d: %q", m.pos.Filename, m.pos.Line, strings.ReplaceAll(m.shape, "\x00", "{{.x}}")))
	}
	slices.Sort(missing)
	assert.Empty(t, slices.Compact(missing), "messages of the code without an err. entry: add each to "+
		"locales/en.toml word for word ({{.name}} for each value the code puts in) and its translation to locales/pt-BR.toml")

	var unused []string
	for shape, id := range byShape {
		if _, ok := derived[id]; !ok && !used[id] {
			unused = append(unused, id+": "+strings.ReplaceAll(shape, "\x00", "{{…}}"))
		}
	}
	slices.Sort(unused)
	assert.Empty(t, unused, "err. entries no code uses: remove them, or list them in derived with where the text is made")
	for id := range derived {
		assert.True(t, Has(id), "derived entry %s is not in the catalogue", id)
		assert.False(t, used[id], "derived entry %s is written in the code: remove it from derived", id)
	}
}

// The walk itself: what it reads as a message and what it leaves out.
func TestSourceMessages(t *testing.T) {
	t.Parallel()
	src := `package x

import (
	"errors"
	"fmt"

	"clinic/internal/apperr"
)

const MsgThing = "Must be a thing."

var errGone = apperr.New(apperr.NotFound, "Widget %d not found.", 7)

func notFound(what string) error { return apperr.New(apperr.NotFound, "%s not found.", what) }

func manage(p int, what string) error {
	return forbidden("Only owners can manage " + what + ".")
}

func Gone(what string) error { return apperr.New(apperr.NotFound, "%s is gone.", what) }

func forbidden(msg string) error { return apperr.New(apperr.Forbidden, "%s", msg) }

type opts struct{ Help string }

func f(v string, n int) {
	_ = notFound("Gadget")
	_ = Gone("Gizmo")
	_ = notFound(v)
	_ = manage(1, "rooms")
	fields := map[string]string{}
	fields["a"] = "Required."
	fields["b"] = fmt.Sprintf("Must be from %d to %d.", 1, n)
	fields["c"] = "Must be " + v + "."
	msg := "Cannot go." 
	msg += " It can go to " + v + "."
	_ = fmt.Errorf("Not a message: %w.", errors.New("Nor this."))
	_ = opts{Help: "Nor a help text."}
	_ = "not a sentence."
	_ = "Not a sentence either"
	_ = "Two\nlines."
	_ = "Half: 50%% done."
	_ = fmt.Sprintf("Half: 50%% done at %s.", v)
}
`
	dir := t.TempDir()
	require.NoError(t, writeFile(dir+"/x/x.go", src))
	require.NoError(t, writeFile(dir+"/x/x_test.go", "package x\n\nvar _ = \"Not read: a test file.\"\n"))
	require.NoError(t, writeFile(dir+"/xtest/x.go", "package xtest\n\nvar _ = \"Not read: a test helper.\"\n"))
	msgs, err := sourceMessages(dir)
	require.NoError(t, err)
	var got []string
	for _, m := range msgs {
		got = append(got, strings.ReplaceAll(m.shape, "\x00", "{}"))
	}
	slices.Sort(got)
	require.Equal(t, []string{
		"Cannot go.",
		"Gadget not found.",
		"Gizmo is gone.",
		"Half: 50% done at {}.",
		"Half: 50%% done.", // a plain literal: %% is not a verb there
		"It can go to {}.",
		"Must be a thing.",
		"Must be from {} to {}.",
		"Must be {}.",
		"Only owners can manage rooms.",
		"Required.",
		"Widget {} not found.",
		"{} is gone.",   // Gone is exported: other packages may call it
		"{} not found.", // notFound(v)
	}, got)
}

// Every message the code hands to apperr or puts in a field is a sentence
// (a capital letter or a value first, a full stop last), or the walk of
// TestEverySourceMessageIsInTheCatalogue would miss it.
func TestMessagesAreSentences(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	var bad []string
	check := func(e ast.Expr, format bool) {
		s := newShape()
		switch {
		case format:
			f, ok := stringLit(e)
			if !ok {
				return
			}
			s = fromFormat(f, nil)
		case hasStringLit(e):
			fromChain(e, &s)
		default:
			return // a variable or a call: its own text is checked where it is written
		}
		if text := s.trim().text(); text != "\x00" && !isSentence(text) {
			p := fset.Position(e.Pos())
			bad = append(bad, fmt.Sprintf("%s:%d: %q", p.Filename, p.Line, text))
		}
	}
	err := walkGo("..", func(path string) error {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "apperr" {
					return true
				}
				switch sel.Sel.Name {
				case "New":
					if len(n.Args) > 1 {
						check(n.Args[1], true)
					}
				case "Wrap":
					if len(n.Args) > 2 {
						check(n.Args[2], false)
					}
				case "Validation":
					if len(n.Args) == 1 {
						if lit, ok := n.Args[0].(*ast.CompositeLit); ok {
							for _, el := range lit.Elts {
								if kv, ok := el.(*ast.KeyValueExpr); ok {
									check(kv.Value, false)
								}
							}
						}
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Message" {
					check(n.Value, false)
				}
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					ix, ok := lhs.(*ast.IndexExpr)
					if !ok || i >= len(n.Rhs) {
						continue
					}
					if id, ok := ix.X.(*ast.Ident); ok && strings.Contains(strings.ToLower(id.Name), "field") {
						check(n.Rhs[i], false)
					}
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, bad, "messages must start with a capital letter (or a value) and end with a full stop")
}

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}
