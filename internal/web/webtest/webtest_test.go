package webtest

import (
	"bytes"
	"fmt"
	"html"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { Main(m) }

// newServer serves testdata/ and a few dynamic pages, with a strict
// Content-Security-Policy as the real UI has (so the pages' scripts are
// files, and anything inline would show up as a console error).
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir("testdata")))
	// Chromium asks every site for /favicon.ico, and logs a 404 as a
	// console error: a site must serve one.
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_ = png.Encode(w, image.NewGray(image.Rect(0, 0, 16, 16)))
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "user", Value: r.FormValue("user"), Path: "/", HttpOnly: true})
		writePage(w, "Logged in", "done", "logged in as "+r.FormValue("user"))
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		who := "nobody"
		if c, err := r.Cookie("user"); err == nil {
			who = c.Value
		}
		writePage(w, "Who am I", "who", who)
	})
	mux.HandleFunc("/lang", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, "Language", "lang", r.Header.Get("Accept-Language"))
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func writePage(w http.ResponseWriter, title, id, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>%s</title></head>`+
		`<body><main><h1>%s</h1><p id="%s">%s</p></main></body></html>`,
		html.EscapeString(title), html.EscapeString(title), id, html.EscapeString(text))
}

// recorder is a testing.TB that records Error and Fatal instead of failing,
// to test the checks that fail a test. The embedded TB answers the rest.
type recorder struct {
	testing.TB
	errors []string
	fatals []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Error(args ...any)         { r.errors = append(r.errors, fmt.Sprint(args...)) }
func (r *recorder) Errorf(f string, a ...any) { r.errors = append(r.errors, fmt.Sprintf(f, a...)) }
func (r *recorder) Fatal(args ...any)         { r.fatals = append(r.fatals, fmt.Sprint(args...)) }
func (r *recorder) Fatalf(f string, a ...any) { r.fatals = append(r.fatals, fmt.Sprintf(f, a...)) }

func TestProblemsAreErrorsAndExceptionsNotAllowed(t *testing.T) {
	t.Parallel()
	ms := []Message{
		{Type: "log", Text: "hello"},
		{Type: "warning", Text: "careful"},
		{Type: "info", Source: "network", Text: "fine"},
		{Type: "error", Text: "boom"},
		{Type: "assert", Text: "console.assert"},
		{Type: "exception", Text: "Uncaught Error: bang"},
		{Type: "error", Source: "network", Text: "Failed to load resource: 404"},
		{Type: "error", Text: "expected failure"},
		// A refused form answered again: the page working as meant.
		{Type: "error", Source: "network", Text: "Failed to load resource: the server responded with a status of 422 (Unprocessable Content)"},
		{Type: "error", Source: "network", Text: "Failed to load resource: the server responded with a status of 409 (Conflict)"},
		{Type: "error", Source: "network", Text: "Failed to load resource: the server responded with a status of 500 (Internal Server Error)"},
	}
	tests := []struct {
		name  string
		allow []string
		want  []string
	}{
		{"nothing allowed", nil, []string{"boom", "console.assert", "Uncaught Error: bang", "Failed to load resource: 404", "expected failure",
			"Failed to load resource: the server responded with a status of 500 (Internal Server Error)"}},
		{"allowed by substring", []string{"expected", "404", "500"}, []string{"boom", "console.assert", "Uncaught Error: bang"}},
		{"everything allowed", []string{""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, m := range problems(ms, tt.allow) {
				got = append(got, m.Text)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestFormatProblemsNamesEachMessageAndTheOptOut(t *testing.T) {
	t.Parallel()
	s := formatProblems([]Message{{Type: "exception", Text: "Uncaught Error: bang", URL: "http://x/app.js", Line: 3}})
	require.Contains(t, s, "exception: Uncaught Error: bang at http://x/app.js:3")
	require.Contains(t, s, "webtest.AllowConsole")
}

func TestAcceptLanguage(t *testing.T) {
	t.Parallel()
	for tag, want := range map[string]string{"pt-BR": "pt-BR,pt", "en": "en", "en-US": "en-US,en"} {
		require.Equal(t, want, acceptLanguage(tag), tag)
	}
}

func TestFileName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"agenda-pt-BR-1366x768", "agenda-pt-BR-1366x768"},
		{"TestAgenda/booking_works", "TestAgenda_booking_works"},
		{"../../etc/passwd", "etc_passwd"},
		{"", "screenshot"},
		{"résumé page", "r_sum__page"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, fileName(tt.in), tt.in)
	}
}

func TestModuleRootHoldsTheModulesGoMod(t *testing.T) {
	t.Parallel()
	root, err := moduleRoot()
	require.NoError(t, err)
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(mod), "module clinic\n"), "go.mod at %s", root)
}

func TestFormatViolationsListsRuleHelpAndTargets(t *testing.T) {
	t.Parallel()
	vs := []AxeViolation{
		{ID: "minor-rule", Impact: "minor"},
		{ID: "label", Impact: "critical", Help: "Form elements must have labels", HelpURL: "https://example.test/label",
			Nodes: []AxeNode{{Target: []string{"#unlabelled"}, FailureSummary: "Fix any of the following:\n  no label"}}},
	}
	bad := seriousViolations(vs)
	require.Len(t, bad, 1)
	s := formatViolations("http://x/", bad)
	for _, want := range []string{"label (critical): Form elements must have labels", "https://example.test/label", "- #unlabelled", "no label"} {
		require.Contains(t, s, want)
	}
	require.NotContains(t, s, "minor-rule")
}

func TestConsoleErrorFailsThePageUnlessAllowed(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	p := Chromium(t).NewPage(t, BaseURL(srv.URL))
	p.Navigate("/console-error.html")

	var types []string
	for _, m := range p.Events() {
		types = append(types, m.Type)
	}
	require.Subset(t, types, []string{"log", "warning", "error"})
	ps := p.Problems()
	require.Len(t, ps, 1, "problems: %v", ps)
	require.Equal(t, "boom from console-error.js 42", ps[0].Text)
	require.True(t, strings.HasSuffix(ps[0].URL, "/console-error.js"), ps[0].URL)
	require.Equal(t, int64(3), ps[0].Line)

	rec := &recorder{TB: t}
	p.checkConsole(rec)
	require.Len(t, rec.errors, 1)
	require.Contains(t, rec.errors[0], "boom from console-error.js")

	p.AllowConsole("boom from")
	rec = &recorder{TB: t}
	p.checkConsole(rec)
	require.Empty(t, rec.errors)
}

func TestUncaughtExceptionIsRecorded(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	p := Chromium(t).NewPage(t, BaseURL(srv.URL), AllowConsole("uncaught boom"))
	p.Navigate("/exception.html")

	var got []Message
	for _, m := range p.Events() {
		if m.Type == "exception" {
			got = append(got, m)
		}
	}
	require.Len(t, got, 1, "events: %v", p.Events())
	require.Contains(t, got[0].Text, "TypeError: uncaught boom")
	require.True(t, strings.HasSuffix(got[0].URL, "/exception.js"), got[0].URL)
	require.Empty(t, p.Problems(), "the option allowed it")
}

func TestAxeFindsSeriousViolations(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	p := Chromium(t).NewPage(t, BaseURL(srv.URL))
	p.Navigate("/inaccessible.html")

	byID := map[string]AxeViolation{}
	for _, v := range p.AxeViolations() {
		byID[v.ID] = v
	}
	for id, element := range map[string]string{"label": `id="unlabelled"`, "color-contrast": `class="faint"`} {
		v, ok := byID[id]
		require.True(t, ok, "no %s violation in %v", id, byID)
		require.True(t, v.Serious(), "%s has impact %q", id, v.Impact)
		require.Len(t, v.Nodes, 1)
		require.NotEmpty(t, v.Nodes[0].Target)
		require.Contains(t, v.Nodes[0].HTML, element)
	}

	rec := &recorder{TB: t}
	p.t = rec
	p.Axe()
	p.t = t
	require.Len(t, rec.errors, 1)
	require.Contains(t, rec.errors[0], "label (critical)")
	require.Contains(t, rec.errors[0], "color-contrast (serious)")
}

func TestAxePassesAGoodPageEvenUnderCSP(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	p := Chromium(t).NewPage(t, BaseURL(srv.URL))
	p.Navigate("/good.html")
	require.Empty(t, seriousViolations(p.AxeViolations()))
	p.Axe() // a second run reuses the injected axe-core
}

func TestKeyboardTabMovesFocusAndEnterPresses(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	p := Chromium(t).NewPage(t, BaseURL(srv.URL))
	p.Navigate("/keyboard.html")
	require.Equal(t, "body", p.Focused())

	for _, want := range []string{"input#first", "a#link", "button#last"} {
		p.Keys(kb.Tab)
		require.Equal(t, want, p.Focused())
	}
	p.Keys(kb.Enter)
	p.WaitText("#out", "pressed")
	p.Keys(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
	require.Equal(t, "a#link", p.Focused())
}

func TestFillTypesRealKeysAndReplacesTheValue(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	p := Chromium(t).NewPage(t, BaseURL(srv.URL))
	p.Navigate("/keyboard.html")
	p.Fill("#q", "abc")
	p.WaitText("#typed", "3 keyups: abc")
	p.Fill("#q", "xy")
	p.WaitText("#typed", "5 keyups: xy")
	require.Equal(t, "5 keyups: xy", p.Text("#typed"))
}

func TestWaitTextWaitsForTextThatComesLater(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	p := Chromium(t).NewPage(t, BaseURL(srv.URL))
	p.Navigate("/later.html")
	p.WaitText("#status", "ready")
	var title string
	p.Eval(`document.title`, &title)
	require.Equal(t, "Later", title)
}

func TestScreenshotIsAPNGOfTheWholePage(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	b := Chromium(t)
	tests := []struct {
		name         string
		opts         []PageOption
		path         string
		wantW, wantH int // wantH 0: taller than the viewport
	}{
		{"desktop", nil, "/good.html", DesktopWidth, DesktopHeight},
		{"phone", []PageOption{Phone}, "/good.html", PhoneWidth, PhoneHeight},
		{"tall phone page", []PageOption{Phone}, "/tall.html", PhoneWidth, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := b.NewPage(t, append(tt.opts, BaseURL(srv.URL))...)
			p.Navigate(tt.path)
			path := p.Screenshot("last")
			require.True(t, strings.HasSuffix(path, filepath.Join(fileName(t.Name()), "last.png")), path)
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			cfg, err := png.DecodeConfig(bytes.NewReader(data))
			require.NoError(t, err)
			require.Equal(t, tt.wantW, cfg.Width)
			if tt.wantH == 0 {
				require.Greater(t, cfg.Height, 2000)
			} else {
				require.Equal(t, tt.wantH, cfg.Height)
			}
			require.True(t, strings.HasSuffix(p.Screenshot("last"), "last-2.png"), "a second shot gets a number")
		})
	}
}

func TestDocScreenshotWritesTheDocsOnlyWhenUpdating(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	p := Chromium(t).NewPage(t, BaseURL(srv.URL))
	p.Navigate("/good.html")
	docs := t.TempDir()
	p.docsDir = docs

	p.docs = false
	p.DocScreenshot("good-en-1366x768")
	_, err := os.Stat(filepath.Join(docs, "good-en-1366x768.png"))
	require.ErrorIs(t, err, os.ErrNotExist)

	p.docs = true
	p.DocScreenshot("good-en-1366x768")
	data, err := os.ReadFile(filepath.Join(docs, "good-en-1366x768.png"))
	require.NoError(t, err)
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, [2]int{DesktopWidth, DesktopHeight}, [2]int{cfg.Width, cfg.Height})
}

func TestTwoPagesAreTwoUsers(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	b := Chromium(t)
	ana := b.NewPage(t, BaseURL(srv.URL))
	bia := b.NewPage(t, BaseURL(srv.URL))
	ana.Navigate("/login?user=ana")
	bia.Navigate("/login?user=bia")
	ana.Navigate("/whoami")
	bia.Navigate("/whoami")
	require.Equal(t, "ana", ana.Text("#who"))
	require.Equal(t, "bia", bia.Text("#who"))

	stranger := b.NewPage(t, BaseURL(srv.URL))
	stranger.Navigate("/whoami")
	require.Equal(t, "nobody", stranger.Text("#who"))
}

func TestLocaleSetsAcceptLanguageAndNavigatorLanguage(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	b := Chromium(t)
	tests := []struct {
		name       string
		opts       []PageOption
		wantHeader string
		wantJS     string
	}{
		{"default is pt-BR", nil, "pt-BR,pt;q=0.9", "pt-BR"},
		{"English", []PageOption{Locale("en")}, "en", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := b.NewPage(t, append(tt.opts, BaseURL(srv.URL))...)
			p.Navigate("/lang")
			require.Equal(t, tt.wantHeader, p.Text("#lang"))
			var lang string
			p.Eval(`navigator.language`, &lang)
			require.Equal(t, tt.wantJS, lang)
		})
	}
}

func TestTimeZoneDefaultsToSaoPaulo(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	p := Chromium(t).NewPage(t, BaseURL(srv.URL))
	p.Navigate("/good.html")
	var tz string
	p.Eval(`Intl.DateTimeFormat().resolvedOptions().timeZone`, &tz)
	require.Equal(t, "America/Sao_Paulo", tz)
}

func TestNavigateStatusReturnsErrorStatuses(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	p := Chromium(t).NewPage(t, BaseURL(srv.URL), AllowConsole("404"))
	require.Equal(t, http.StatusNotFound, p.NavigateStatus("/missing.html"))

	rec := &recorder{TB: t}
	p.t = rec
	p.Navigate("/missing.html")
	p.t = t
	require.Len(t, rec.fatals, 1)
	require.Contains(t, rec.fatals[0], "the server answered 404")
}

func TestAFailedStepFailsWithItsNameAndAScreenshot(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	p := Chromium(t).NewPage(t, BaseURL(srv.URL), StepTimeout(time.Second))
	p.Navigate("/good.html")

	rec := &recorder{TB: t}
	p.t = rec
	p.Click("#missing")
	p.WaitText("h1", "never there")
	p.t = t
	require.Len(t, rec.fatals, 2)
	require.Contains(t, rec.fatals[0], "Click #missing failed: no result after 1s")
	require.Contains(t, rec.fatals[1], `WaitText h1 "never there" failed`)
	require.Contains(t, rec.fatals[1], `found: "Book an appointment"`)
	for _, f := range rec.fatals {
		require.Contains(t, f, "page: "+srv.URL+"/good.html")
		_, shot, ok := strings.Cut(f, "screenshot: ")
		require.True(t, ok, f)
		info, err := os.Stat(strings.TrimSpace(shot))
		require.NoError(t, err)
		require.NotZero(t, info.Size())
	}
}

func TestContentSecurityPolicyViolationIsAProblem(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	p := Chromium(t).NewPage(t, BaseURL(srv.URL))
	p.Navigate("/inline-script.html")
	var title string
	p.Eval(`document.title`, &title)
	require.Equal(t, "Inline script", title, "the CSP blocked the inline script")
	ps := p.Problems()
	require.Len(t, ps, 1, "events: %v", p.Events())
	require.Contains(t, ps[0].Text, "Content Security Policy")
	p.AllowConsole("Content Security Policy")
}
