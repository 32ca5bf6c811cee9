package document

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
)

// EngineConfig says where and how to run the OCR tools.
type EngineConfig struct {
	// Languages are Tesseract's, joined by + (OCR_LANGUAGES; default por+eng).
	Languages string
	// Timeout bounds one run of a tool (one page; default 2 minutes).
	Timeout time.Duration
	// Path is the list of directories searched for the tools, like PATH
	// (empty: the process's PATH).
	Path string
}

// DefaultLanguages are Tesseract's languages when none are set.
const DefaultLanguages = "por+eng"

// Engine runs the OCR tools as processes: pdftotext for PDFs with a text
// layer, pdftoppm and Tesseract for the others and for images. A machine
// without the tools has an engine that is not Available (Reason says why).
type Engine struct {
	tesseract, pdftotext, pdftoppm string
	languages                      string
	timeout                        time.Duration
	version                        string
	reason                         string
}

// Install is how to install the OCR tools on Debian or Ubuntu.
const Install = "apt-get install tesseract-ocr tesseract-ocr-por tesseract-ocr-eng poppler-utils"

// DetectEngine looks for the tools and Tesseract's languages. It never
// fails: an engine without its tools says why in Reason.
func DetectEngine(ctx context.Context, cfg EngineConfig) *Engine {
	e := &Engine{languages: cfg.Languages, timeout: cfg.Timeout}
	if e.languages == "" {
		e.languages = DefaultLanguages
	}
	if e.timeout <= 0 {
		e.timeout = 2 * time.Minute
	}
	path := cfg.Path
	if path == "" {
		path = os.Getenv("PATH")
	}
	var missing []string
	for _, t := range []struct {
		name string
		dst  *string
	}{{"tesseract", &e.tesseract}, {"pdftotext", &e.pdftotext}, {"pdftoppm", &e.pdftoppm}} {
		if *t.dst = lookPath(path, t.name); *t.dst == "" {
			missing = append(missing, t.name)
		}
	}
	if len(missing) > 0 {
		e.reason = strings.Join(missing, ", ") + " not found"
		return e
	}
	out, err := e.run(ctx, e.tesseract, "--version")
	if err != nil {
		e.reason = "tesseract does not run: " + err.Error()
		return e
	}
	e.version = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	out, err = e.run(ctx, e.tesseract, "--list-langs")
	if err != nil {
		e.reason = "tesseract --list-langs: " + err.Error()
		return e
	}
	have := strings.Fields(string(out))
	for _, l := range strings.Split(e.languages, "+") {
		if !slices.Contains(have, l) {
			e.reason = fmt.Sprintf("tesseract has no language %q", l)
			return e
		}
	}
	return e
}

// lookPath finds an executable name in the directories of path.
func lookPath(path, name string) string {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// Available reports whether the engine can read documents.
func (e *Engine) Available() bool { return e != nil && e.reason == "" }

// Reason says why the engine is not available ("" when it is).
func (e *Engine) Reason() string {
	if e == nil {
		return "no OCR engine"
	}
	return e.reason
}

// Version is Tesseract's version line, e.g. "tesseract 5.3.0".
func (e *Engine) Version() string { return e.version }

// Languages are the languages Tesseract reads with.
func (e *Engine) Languages() string { return e.languages }

// errUnavailable is a run on an engine without its tools.
var errUnavailable = errors.New("ocr: not available")

// Text reads the text of a file of the given content type. pages is the
// number of pages read (1 for an image).
func (e *Engine) Text(ctx context.Context, contentType string, r io.Reader) (text string, pages int, err error) {
	if !e.Available() {
		return "", 0, errUnavailable
	}
	dir, err := os.MkdirTemp("", "clinic-ocr-")
	if err != nil {
		return "", 0, fmt.Errorf("ocr: temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in")
	f, err := os.Create(in)
	if err != nil {
		return "", 0, fmt.Errorf("ocr: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return "", 0, fmt.Errorf("ocr: copy: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", 0, fmt.Errorf("ocr: %w", err)
	}
	if contentType != TypePDF {
		t, err := e.image(ctx, in)
		return t, 1, err
	}
	out, err := e.run(ctx, e.pdftotext, "-layout", "-enc", "UTF-8", in, "-")
	if err != nil {
		return "", 0, fmt.Errorf("pdftotext: %w", err)
	}
	layer := string(out)
	pages = max(strings.Count(strings.TrimRight(layer, "\f"), "\f")+1, 1)
	if hasText(layer, pages) {
		return cleanText(layer), pages, nil
	}
	// No text layer: render each page and read it.
	if _, err := e.run(ctx, e.pdftoppm, "-r", "300", "-png", in, filepath.Join(dir, "page")); err != nil {
		return "", 0, fmt.Errorf("pdftoppm: %w", err)
	}
	imgs, err := filepath.Glob(filepath.Join(dir, "page*.png"))
	if err != nil || len(imgs) == 0 {
		return "", 0, errors.New("pdftoppm: no page rendered")
	}
	slices.Sort(imgs) // page-01.png… padded to the same width
	var b strings.Builder
	for i, img := range imgs {
		t, err := e.image(ctx, img)
		if err != nil {
			return "", 0, fmt.Errorf("page %d: %w", i+1, err)
		}
		if i > 0 {
			b.WriteString("\n\f\n")
		}
		b.WriteString(t)
	}
	return cleanText(b.String()), len(imgs), nil
}

// image reads one image with Tesseract.
func (e *Engine) image(ctx context.Context, path string) (string, error) {
	out, err := e.run(ctx, e.tesseract, path, "stdout", "-l", e.languages)
	if err != nil {
		return "", fmt.Errorf("tesseract: %w", err)
	}
	return cleanText(string(out)), nil
}

// run runs a tool with the engine's time-out and answers its output; an
// error carries the tool's last words.
func (e *Engine) run(ctx context.Context, name string, arg ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, arg...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// One thread per page: the OCR workers are the parallelism.
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("timed out after %s", e.timeout)
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 300 {
			msg = msg[len(msg)-300:]
		}
		return nil, fmt.Errorf("%w: %s", err, msg)
	}
	return out, nil
}

// hasText reports whether a PDF's text layer holds text worth keeping: at
// least a few letters or digits per page.
func hasText(s string, pages int) bool {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n >= 16*pages
}

// cleanText trims each line's trailing space and drops runs of blank lines.
func cleanText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
