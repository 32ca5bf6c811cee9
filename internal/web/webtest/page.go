package webtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The two viewports of the docs' screenshots, in CSS pixels at a device
// scale factor of 1 (a screenshot has exactly these pixels).
const (
	DesktopWidth, DesktopHeight = 1366, 768
	PhoneWidth, PhoneHeight     = 390, 844
)

// PageOption configures a page made by [Browser.NewPage].
type PageOption func(*pageConfig)

type pageConfig struct {
	width, height int64
	mobile        bool
	locale        string
	timeZone      string
	baseURL       string
	stepTimeout   time.Duration
	allow         []string
}

// Desktop is the default viewport: 1366×768, no touch.
func Desktop(c *pageConfig) {
	c.width, c.height, c.mobile = DesktopWidth, DesktopHeight, false
}

// Phone is a phone's viewport: 390×844, mobile (the page's meta viewport
// applies) with touch events.
func Phone(c *pageConfig) {
	c.width, c.height, c.mobile = PhoneWidth, PhoneHeight, true
}

// Viewport sets another desktop viewport, in CSS pixels.
func Viewport(width, height int) PageOption {
	return func(c *pageConfig) { c.width, c.height, c.mobile = int64(width), int64(height), false }
}

// Locale sets the language the browser asks for (Accept-Language,
// navigator.language) and formats with (Intl), as a BCP 47 tag such as
// "pt-BR" or "en". The default is "pt-BR", clinic's default language.
func Locale(tag string) PageOption {
	return func(c *pageConfig) { c.locale = tag }
}

// TimeZone sets the IANA time zone of the page's clock (Date, Intl). The
// default is America/Sao_Paulo, so that a test sees the same times on every
// machine.
func TimeZone(name string) PageOption {
	return func(c *pageConfig) { c.timeZone = name }
}

// BaseURL makes [Page.Navigate] resolve relative URLs ("/login") against u,
// typically an httptest server's URL.
func BaseURL(u string) PageOption {
	return func(c *pageConfig) { c.baseURL = u }
}

// StepTimeout replaces [DefaultStepTimeout] for the page's steps.
func StepTimeout(d time.Duration) PageOption {
	return func(c *pageConfig) { c.stepTimeout = d }
}

// AllowConsole lets console errors and uncaught exceptions whose text
// contains substr happen without failing the test: for a test that provokes
// one on purpose. See also [Page.AllowConsole].
func AllowConsole(substr string) PageOption {
	return func(c *pageConfig) { c.allow = append(c.allow, substr) }
}

// Page is one tab, in a browser context of its own (own cookies, storage and
// cache): two pages are two users. Its methods fail the test on error, with
// a screenshot; call them from the test's goroutine.
type Page struct {
	t         testing.TB
	ctx       context.Context
	cfg       pageConfig
	artifacts string
	docsDir   string // "" until DocScreenshot needs it; set by tests of this package
	docs      bool   // UPDATE_SCREENSHOTS=1

	mu       sync.Mutex
	messages []Message
	allow    []string
	shots    map[string]int
}

// NewPage opens a page that is closed when the test ends. When the test
// ends, the page fails it if a console error or an uncaught exception
// happened that [AllowConsole] did not allow.
func (b *Browser) NewPage(t testing.TB, opts ...PageOption) *Page {
	t.Helper()
	cfg := pageConfig{locale: "pt-BR", timeZone: "America/Sao_Paulo", stepTimeout: DefaultStepTimeout}
	Desktop(&cfg)
	for _, o := range opts {
		o(&cfg)
	}
	p := &Page{
		t:         t,
		cfg:       cfg,
		artifacts: b.artifacts,
		docs:      updateScreenshots(),
		allow:     cfg.allow,
		shots:     map[string]int{},
	}
	ctx, cancel := chromedp.NewContext(b.ctx,
		chromedp.WithNewBrowserContext(),
		// The listener sees every event of the tab, in order, before the
		// reply of the command that follows it: a console error that
		// happened before a step returned is always recorded.
		chromedp.WithListener(p.record),
	)
	p.ctx = ctx
	// The first Run opens the tab and binds its life to ctx, so it has no
	// deadline of its own; a watchdog bounds it.
	if err := within(startTimeout, cancel, func() error { return chromedp.Do(ctx) }); err != nil {
		cancel()
		t.Fatalf("webtest: opening a tab: %v\nChromium's output:\n%s", err, b.output)
	}
	t.Cleanup(func() {
		p.checkConsole(t)
		cancel() // closes the tab and disposes of its browser context
	})

	var device []chromedp.EmulateViewportOption // a desktop: landscape, no touch
	if cfg.mobile {
		device = append(device, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	p.Run(
		chromedp.EmulateViewport(cfg.width, cfg.height, device...),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
				UserAgent:      b.userAgent,
				AcceptLanguage: acceptLanguage(cfg.locale),
			}); err != nil {
				return fmt.Errorf("Accept-Language %q: %w", cfg.locale, err)
			}
			if _, err := cdp.Call(ctx, tg, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{
				Locale: strings.ReplaceAll(cfg.locale, "-", "_"),
			}); err != nil {
				return fmt.Errorf("locale %q: %w", cfg.locale, err)
			}
			if _, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{
				TimezoneID: cfg.timeZone,
			}); err != nil {
				return fmt.Errorf("time zone %q: %w", cfg.timeZone, err)
			}
			return nil
		}),
	)
	return p
}

// acceptLanguage turns a tag into the languages to ask for: "pt-BR" asks for
// pt-BR, then any pt (Chromium adds the q-values: "pt-BR,pt;q=0.9").
func acceptLanguage(tag string) string {
	base, _, found := strings.Cut(tag, "-")
	if !found {
		return tag
	}
	return tag + "," + base
}

// Context returns the page's chromedp context, for an action this package has
// no helper for; run it with [Page.Run] or [Result] to keep the timeout and
// the failure screenshot.
func (p *Page) Context() context.Context { return p.ctx }

// Run runs the actions in order, each with the step timeout, and fails the
// test at the first error with the error, the page's URL, its console errors
// and a screenshot.
func (p *Page) Run(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	for i, a := range actions {
		what := "step"
		if len(actions) > 1 {
			what = fmt.Sprintf("step %d of %d", i+1, len(actions))
		}
		Result(p, what, a)
	}
}

// Result runs one action that returns a value, with the step timeout, and
// returns the value; on error it fails the test as [Page.Run] does, naming
// the step by what.
func Result[T any](p *Page, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.fail(what, err)
	}
	return v
}

// fail ends the test for a failed step, with what can explain it.
func (p *Page) fail(what string, err error) {
	p.t.Helper()
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("no result after %s (the step timeout): %w", p.cfg.stepTimeout, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "webtest: %s failed: %v", what, err)
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	if loc, lerr := chromedp.Run(ctx, chromedp.Location()); lerr == nil {
		fmt.Fprintf(&b, "\n  page: %s", loc)
	}
	for _, m := range p.Problems() {
		fmt.Fprintf(&b, "\n  console: %s", m)
	}
	if path, serr := p.screenshot(ctx, "failure"); serr == nil {
		fmt.Fprintf(&b, "\n  screenshot: %s", path)
	} else {
		fmt.Fprintf(&b, "\n  no screenshot: %v", serr)
	}
	p.t.Fatal(b.String())
}

// Navigate loads u (relative to [BaseURL] when it has no scheme) and waits
// for the load event. It fails the test when the answer's status is 400 or
// more; use [Page.NavigateStatus] to load an error page on purpose.
func (p *Page) Navigate(u string) {
	p.t.Helper()
	if status := p.NavigateStatus(u); status >= 400 {
		p.fail("Navigate "+u, fmt.Errorf("the server answered %d", status))
	}
}

// NavigateStatus loads u as [Page.Navigate] does and returns the HTTP status
// of the document, whatever it is.
func (p *Page) NavigateStatus(u string) int {
	p.t.Helper()
	full := p.resolve(u)
	resp := Result(p, "Navigate "+full, chromedp.NavigateResponse(full))
	if resp == nil {
		return 0
	}
	return int(resp.Status)
}

func (p *Page) resolve(u string) string {
	if p.cfg.baseURL == "" {
		return u
	}
	base, err := url.Parse(p.cfg.baseURL)
	if err != nil {
		p.t.Fatalf("webtest: BaseURL %q: %v", p.cfg.baseURL, err)
	}
	ref, err := url.Parse(u)
	if err != nil {
		p.t.Fatalf("webtest: URL %q: %v", u, err)
	}
	return base.ResolveReference(ref).String()
}

// URL returns the page's current URL.
func (p *Page) URL() string {
	p.t.Helper()
	return Result(p, "URL", chromedp.Location())
}

// Click clicks, with the mouse, the first visible element that the CSS
// selector matches, waiting for it to be visible.
func (p *Page) Click(selector string) {
	p.t.Helper()
	Result(p, "Click "+selector, chromedp.Click(chromedp.CSS(selector)))
}

// Fill replaces the value of the input or textarea that the CSS selector
// matches by typing text into it, with a key down, key press and key up for
// each character, so that keyup and input listeners (htmx triggers) fire as
// they do for a person.
func (p *Page) Fill(selector, text string) {
	p.t.Helper()
	Result(p, "Fill "+selector, chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(selector)),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			// As select-all and delete would: an empty value and an input event.
			_, err := chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
				`(el => { el.value = ""; el.dispatchEvent(new Event("input", {bubbles: true})) })(document.querySelector(%s))`,
				jsString(selector)))(ctx, tg)
			return err
		}),
		chromedp.SendKeys(chromedp.CSS(selector), text),
	))
}

// Keys types keys into the element that has the focus, as key events: text,
// or the keys of package github.com/chromedp/chromedp/kb such as kb.Tab and
// kb.Enter (with chromedp.KeyModifiers(chromedp.ModifierShift) for
// Shift+Tab), for keyboard-only tests.
func (p *Page) Keys(keys string, opts ...chromedp.KeyOption) {
	p.t.Helper()
	Result(p, fmt.Sprintf("Keys %q", keys), chromedp.KeyEvent(keys, opts...))
}

// Focused describes the element that has the focus, as its tag and id:
// "input#email", "button", "body".
func (p *Page) Focused() string {
	p.t.Helper()
	var s string
	p.Eval(`(e => e ? e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") : "")(document.activeElement)`, &s)
	return s
}

// WaitVisible waits until the CSS selector matches a visible element.
func (p *Page) WaitVisible(selector string) {
	p.t.Helper()
	Result(p, "WaitVisible "+selector, chromedp.WaitVisible(chromedp.CSS(selector)))
}

// WaitNotVisible waits until no element that the CSS selector matches is
// visible (or none exists).
func (p *Page) WaitNotVisible(selector string) {
	p.t.Helper()
	p.waitFor("WaitNotVisible "+selector, fmt.Sprintf(
		`![...document.querySelectorAll(%s)].some(e => e.checkVisibility())`, jsString(selector)), "")
}

// Text returns the visible text (innerText) of the first element that the
// CSS selector matches, waiting for it to exist.
func (p *Page) Text(selector string) string {
	p.t.Helper()
	return Result(p, "Text "+selector, chromedp.Text(chromedp.CSS(selector)))
}

// WaitText waits until the visible text of the first element that the CSS
// selector matches contains substr (with an empty substr: until that
// element exists); it goes on waiting across navigations
// and htmx swaps. On timeout the failure shows the text that was there.
func (p *Page) WaitText(selector, substr string) {
	p.t.Helper()
	get := fmt.Sprintf(`(document.querySelector(%s) || {}).innerText`, jsString(selector))
	// The element must be there: an empty substr waits for it to exist
	// rather than passing on the page before it.
	p.waitFor(fmt.Sprintf("WaitText %s %q", selector, substr),
		fmt.Sprintf(`(t => typeof t === "string" && t.includes(%s))(%s)`, jsString(substr), get), get)
}

// waitFor evaluates the JavaScript condition until it is true or the step
// timeout ends. Errors in between (a navigation destroys the context of
// the evaluation) are retried. On timeout, the failure shows the value of
// the JavaScript show, when not empty.
func (p *Page) waitFor(what, cond, show string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.stepTimeout)
	defer cancel()
	var lastErr error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			err := fmt.Errorf("still false after %s: %s", p.cfg.stepTimeout, cond)
			if show != "" {
				sctx, scancel := context.WithTimeout(p.ctx, 5*time.Second)
				v, serr := chromedp.Run(sctx, chromedp.Evaluate[*string](show))
				scancel()
				switch {
				case serr != nil:
				case v == nil:
					err = fmt.Errorf("%w\n  found: no such element", err)
				default:
					err = fmt.Errorf("%w\n  found: %q", err, *v)
				}
			}
			if lastErr != nil {
				err = fmt.Errorf("%w\n  last error: %v", err, lastErr)
			}
			p.fail(what, err)
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Eval evaluates the JavaScript expression, waits for it when it is a
// promise, and decodes its JSON value into out (nil to ignore it). A thrown
// error fails the test.
func (p *Page) Eval(expr string, out any) {
	p.t.Helper()
	raw := Result(p, "Eval "+shorten(expr), chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if out == nil {
		return
	}
	if err := json.Unmarshal(raw, out); err != nil {
		p.t.Fatalf("webtest: Eval %s: decoding %s into %T: %v", shorten(expr), shorten(string(raw)), out, err)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// record is the tab's listener. It runs on the tab's reading goroutine, so
// it only converts and appends.
func (p *Page) record(ev any) {
	var m Message
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		m = consoleMessage(ev)
	case *runtime.EventExceptionThrown:
		m = exceptionMessage(ev)
	default:
		var ok bool
		if m, ok = logMessage(ev); !ok {
			return
		}
	}
	p.mu.Lock()
	p.messages = append(p.messages, m)
	p.mu.Unlock()
}
