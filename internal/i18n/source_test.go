package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file finds the English messages of clinic's Go source, for the test
// that every one of them has an err. entry in the catalogue.
//
// A message is a sentence that the code builds: a string literal, a +
// chain of literals and values, or the format of fmt.Sprintf or apperr.New
// (its %d, %s… are values), which starts with a capital letter (or a value)
// and ends with a full stop. Its shape is its text with \x00 for each value.
// Every such sentence of a non-test file under internal/ is a message,
// wherever it is written (a constant, a variable, a helper's argument), so
// that none escapes through a helper; what is text for developers rather
// than for users is left out by where it stands (see skipCall, skipKey,
// skipFile).
//
// A sentence inside a function whose values are all string parameters of
// that function (notFound(what) → "%s not found.") is a template: each
// call of the function in its package gives the message instead, with the
// literal arguments put in ("User not found."), or the template itself when
// an argument is not a literal. The template of an exported function is a
// message too (calls from other packages are not followed).

// sourceMessage is one message found in the source.
type sourceMessage struct {
	shape string // the English text, \x00 standing for each value
	pos   token.Position
}

// skipFile reports files with no message for users.
func skipFile(rel string) bool {
	base := filepath.Base(rel)
	return strings.HasSuffix(base, "_test.go") ||
		strings.HasPrefix(base, "openapi") || // the API's own documentation
		base == "metrics.go" // Prometheus help texts
}

// skipDir reports directories with no message for users: this package,
// the configuration's help texts, and test helpers (…test packages).
func skipDir(rel string) bool {
	base := filepath.Base(rel)
	return rel == "i18n" || rel == "config" || base == "testdata" || strings.HasSuffix(base, "test")
}

// skipCall reports calls whose string arguments are for developers: errors
// that are not apperr errors, logs, panics.
func skipCall(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok {
			switch x.Name + "." + f.Sel.Name {
			case "fmt.Errorf", "errors.New", "fmt.Printf", "fmt.Println", "fmt.Print", "fmt.Fprintf", "fmt.Fprintln", "fmt.Fprint":
				return true
			}
		}
		switch f.Sel.Name {
		case "Debug", "Info", "Warn", "Error", "DebugContext", "InfoContext", "WarnContext", "ErrorContext", "Log", "Logf":
			return true
		}
	case *ast.Ident:
		return f.Name == "panic"
	}
	return false
}

// skipKey reports struct fields that hold text for developers.
func skipKey(name string) bool {
	switch name {
	case "Help", "Summary", "Description", "Doc", "Usage":
		return true
	}
	return false
}

// formatArg returns the index of the format argument of a call that
// formats its following arguments into a message, or -1.
func formatArg(fun ast.Expr) int {
	f, ok := fun.(*ast.SelectorExpr)
	if !ok {
		return -1
	}
	x, ok := f.X.(*ast.Ident)
	if !ok {
		return -1
	}
	switch x.Name + "." + f.Sel.Name {
	case "fmt.Sprintf":
		return 0
	case "apperr.New":
		return 1
	}
	return -1
}

// verb matches a fmt verb (flags, width and precision included).
var verb = regexp.MustCompile(`%[-+# 0]*[0-9]*(?:\.[0-9]+)?[a-zA-Z%]`)

// shape is a message being read: the fixed parts around its values and the
// expression of each value.
type shape struct {
	parts []string
	vals  []ast.Expr
}

func (s shape) text() string { return strings.Join(s.parts, "\x00") }

func (s *shape) addText(t string) { s.parts[len(s.parts)-1] += t }

func (s *shape) addValue(e ast.Expr) {
	s.vals = append(s.vals, e)
	s.parts = append(s.parts, "")
}

func newShape() shape { return shape{parts: []string{""}} }

// isSentence reports whether a shape's text is a message for users.
func isSentence(text string) bool {
	text = strings.TrimSpace(text)
	if !strings.HasSuffix(text, ".") || strings.ContainsAny(text, "\n`") || strings.Contains(text, "%w") {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text)
	return unicode.IsUpper(r) || r == 0
}

// trim removes the spaces around a shape (" It can go to %s." is appended
// to another sentence).
func (s shape) trim() shape {
	out := shape{parts: slices.Clone(s.parts), vals: s.vals}
	out.parts[0] = strings.TrimLeftFunc(out.parts[0], unicode.IsSpace)
	out.parts[len(out.parts)-1] = strings.TrimRightFunc(out.parts[len(out.parts)-1], unicode.IsSpace)
	return out
}

// fromFormat reads the shape of a format string: each verb is a value, fed
// by the argument in args at its position (nil when it cannot be told).
func fromFormat(format string, args []ast.Expr) shape {
	s := newShape()
	last, n := 0, 0
	for _, m := range verb.FindAllStringIndex(format, -1) {
		s.addText(format[last:m[0]])
		last = m[1]
		if format[m[1]-1] == '%' {
			s.addText("%")
			continue
		}
		var arg ast.Expr
		if n < len(args) {
			arg = args[n]
		}
		n++
		s.addValue(arg)
	}
	s.addText(format[last:])
	return s
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(lit.Value)
	return v, err == nil
}

// hasStringLit reports whether a + chain holds a string literal.
func hasStringLit(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Kind == token.STRING
	case *ast.BinaryExpr:
		return e.Op == token.ADD && (hasStringLit(e.X) || hasStringLit(e.Y))
	case *ast.ParenExpr:
		return hasStringLit(e.X)
	}
	return false
}

// fromChain reads the shape of a + chain of literals and values.
func fromChain(e ast.Expr, s *shape) {
	switch e := e.(type) {
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			fromChain(e.X, s)
			fromChain(e.Y, s)
			return
		}
	case *ast.ParenExpr:
		fromChain(e.X, s)
		return
	case *ast.BasicLit:
		if v, ok := stringLit(e); ok {
			s.addText(v)
			return
		}
	}
	s.addValue(e)
}

// found is a sentence with where it stands.
type found struct {
	shape shape
	pos   token.Pos
	fn    *ast.FuncDecl // the function it is in, nil at package level
}

// fileSentences returns the sentences of a file.
func fileSentences(f *ast.File) []found {
	var out []found
	var fn *ast.FuncDecl
	add := func(s shape, pos token.Pos) {
		s = s.trim()
		if isSentence(s.text()) {
			out = append(out, found{shape: s, pos: pos, fn: fn})
		}
	}
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			fn = n
			ast.Inspect(n.Body, visit)
			fn = nil
			return false
		case *ast.ImportSpec, *ast.Field:
			return false // import paths, struct tags
		case *ast.KeyValueExpr:
			if k, ok := n.Key.(*ast.Ident); ok && skipKey(k.Name) {
				return false
			}
		case *ast.CallExpr:
			if skipCall(n.Fun) {
				return false
			}
			if i := formatArg(n.Fun); i >= 0 && i < len(n.Args) {
				if format, ok := stringLit(n.Args[i]); ok {
					add(fromFormat(format, n.Args[i+1:]), n.Args[i].Pos())
					for j, a := range n.Args {
						if j != i {
							ast.Inspect(a, visit)
						}
					}
					return false
				}
			}
		case *ast.BinaryExpr:
			if n.Op == token.ADD && hasStringLit(n) {
				s := newShape()
				fromChain(n, &s)
				add(s, n.Pos())
				for _, v := range s.vals {
					ast.Inspect(v, visit)
				}
				return false
			}
		case *ast.BasicLit:
			if v, ok := stringLit(n); ok {
				s := newShape()
				s.addText(v)
				add(s, n.Pos())
			}
		}
		return true
	}
	for _, d := range f.Decls {
		ast.Inspect(d, visit)
	}
	return out
}

// templateParams returns, for a sentence in fn whose values are all string
// parameters of fn, the index of the parameter feeding each value.
func templateParams(fn *ast.FuncDecl, s shape) ([]int, bool) {
	if fn == nil || fn.Recv != nil || len(s.vals) == 0 {
		return nil, false
	}
	params := map[string]int{}
	i := 0
	for _, field := range fn.Type.Params.List {
		typ, _ := field.Type.(*ast.Ident)
		for _, name := range field.Names {
			if typ != nil && typ.Name == "string" {
				params[name.Name] = i
			}
			i++
		}
		if len(field.Names) == 0 {
			i++
		}
	}
	idx := make([]int, len(s.vals))
	for k, v := range s.vals {
		id, ok := v.(*ast.Ident)
		if !ok {
			return nil, false
		}
		p, ok := params[id.Name]
		if !ok {
			return nil, false
		}
		idx[k] = p
	}
	return idx, true
}

// walkGo calls fn with the path of each Go file under root that may hold
// messages for users (see skipDir, skipFile).
func walkGo(root string, fn func(path string) error) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel != "." && skipDir(rel) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || skipFile(rel) {
			return nil
		}
		return fn(path)
	})
}

// sourceMessages returns the messages of the non-test Go files under root
// (internal/), with their positions relative to root.
func sourceMessages(root string) ([]sourceMessage, error) {
	fset := token.NewFileSet()
	byDir := map[string][]*ast.File{}
	err := walkGo(root, func(path string) error {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		byDir[dir] = append(byDir[dir], f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []sourceMessage
	emit := func(s shape, pos token.Pos) {
		p := fset.Position(pos)
		if rel, err := filepath.Rel(root, p.Filename); err == nil {
			p.Filename = rel
		}
		out = append(out, sourceMessage{shape: s.text(), pos: p})
	}
	for _, files := range byDir {
		// The templates of the package's functions, by function name.
		type tmpl struct {
			shape  shape
			params []int
			pos    token.Pos
		}
		templates := map[string][]tmpl{}
		var sentences []found
		for _, f := range files {
			for _, fd := range fileSentences(f) {
				if params, ok := templateParams(fd.fn, fd.shape); ok {
					templates[fd.fn.Name.Name] = append(templates[fd.fn.Name.Name], tmpl{fd.shape, params, fd.pos})
					continue
				}
				sentences = append(sentences, fd)
			}
		}
		for _, fd := range sentences {
			emit(fd.shape, fd.pos)
		}
		if len(templates) == 0 {
			continue
		}
		called := map[string]bool{}
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				id, ok := call.Fun.(*ast.Ident)
				if !ok {
					return true
				}
				for _, t := range templates[id.Name] {
					called[id.Name] = true
					s := shape{parts: slices.Clone(t.shape.parts[:1])}
					for k, p := range t.params {
						lit, isLit := "", false
						if p < len(call.Args) {
							lit, isLit = stringLit(call.Args[p])
						}
						if isLit {
							s.addText(lit)
						} else {
							s.addValue(nil)
						}
						s.addText(t.shape.parts[k+1])
					}
					emit(s, call.Pos())
				}
				return true
			})
		}
		// The template of an exported function, or of one never called in
		// its package, is needed as it is: other packages call it with
		// arguments this walk does not follow.
		for name, ts := range templates {
			if !called[name] || ast.IsExported(name) {
				for _, t := range ts {
					emit(t.shape, t.pos)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b sourceMessage) int { return strings.Compare(a.shape, b.shape) })
	return out, nil
}
