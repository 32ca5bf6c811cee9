package webtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"clinic/internal/platform/testenv"
)

// Timeouts. None of them is a timing assertion: each only bounds how long a
// broken browser or page can hold a test before it fails with a message.
const (
	// DefaultStepTimeout bounds one step of a page: a navigation, a click, a
	// wait. See [StepTimeout].
	DefaultStepTimeout = 20 * time.Second
	// startTimeout bounds the start of the browser and of a tab.
	startTimeout = 60 * time.Second
	// closeTimeout bounds the graceful close of the browser at the end.
	closeTimeout = 10 * time.Second
)

// Browser is the Chromium that the tests of one test binary share. Get it
// with [Chromium]; open pages with [Browser.NewPage].
type Browser struct {
	ctx       context.Context // the root chromedp context: the browser process
	userAgent string
	artifacts string // where Screenshot writes
	output    *tail  // the browser's own output, for start failures
}

// shared is the one browser of the test binary. It is package state because
// the browser must outlive every test and be closed once, by [Main].
var shared struct {
	mu      sync.Mutex
	inMain  bool
	browser *Browser
	err     error
	close   func() error
}

// Main runs the tests of a package and then closes the shared browser, so
// that no Chromium process or profile directory outlives the test binary.
// Call it from TestMain:
//
//	func TestMain(m *testing.M) { webtest.Main(m) }
//
// It does not return: it exits with the tests' status.
func Main(m *testing.M) {
	shared.mu.Lock()
	shared.inMain = true
	shared.mu.Unlock()

	code := m.Run()

	shared.mu.Lock()
	closeBrowser := shared.close
	shared.browser, shared.close = nil, nil
	shared.mu.Unlock()
	if closeBrowser != nil {
		if err := closeBrowser(); err != nil {
			fmt.Fprintf(os.Stderr, "webtest: closing Chromium: %v\n", err)
		}
	}
	os.Exit(code)
}

// Chromium returns the browser shared by the test binary, starting it on the
// first call. It skips the test when TEST_CHROMIUM (the path of a Chromium
// binary) is unset, and fails it instead under CI=true. It fails the test when
// the browser cannot start, or when the package's TestMain does not call
// [Main].
func Chromium(t testing.TB) *Browser {
	t.Helper()
	shared.mu.Lock()
	inMain := shared.inMain
	shared.mu.Unlock()
	if !inMain {
		t.Fatal("webtest: the package's TestMain must call webtest.Main(m), which closes the shared browser after the tests")
	}
	path := testenv.Require(t, "TEST_CHROMIUM", "Chromium (Debian package chromium, /usr/bin/chromium)")

	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.browser == nil && shared.err == nil {
		shared.browser, shared.close, shared.err = start(path)
	}
	if shared.err != nil {
		t.Fatalf("webtest: %v", shared.err)
	}
	return shared.browser
}

// start starts Chromium at path and returns it with the func that closes it.
func start(path string) (*Browser, func() error, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil, fmt.Errorf("TEST_CHROMIUM=%s: %w", path, err)
	}
	out := &tail{max: 16 << 10}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.CombinedOutput(out),
		// As the machine's notes say: headless, as root, on a closed network.
		// Without these Chromium tries to reach Google's hosts and can hang.
		// The profile is a new temporary --user-data-dir (chromedp makes it
		// and removes it when the browser ends).
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		// Stable screenshots: no scroll bars, no sub-pixel font hinting.
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.Flag("mute-audio", true),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	stop := func() { cancel(); allocCancel() }

	// The first Run binds the browser's life to its context, so it must not
	// have a deadline: a watchdog bounds it instead.
	if err := within(startTimeout, stop, func() error { return chromedp.Do(ctx) }); err != nil {
		err = fmt.Errorf("starting Chromium (TEST_CHROMIUM=%s): %w", path, err)
		if s := out.String(); s != "" {
			err = fmt.Errorf("%w\nits output:\n%s", err, s)
		}
		return nil, nil, err
	}
	v, err := chromedp.CallBrowser(ctx, browser.GetVersion, struct{}{})
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("asking Chromium its version: %w", err)
	}
	b := &Browser{
		ctx:       ctx,
		userAgent: v.UserAgent,
		artifacts: cmp.Or(os.Getenv("TEST_ARTIFACTS"), filepath.Join(os.TempDir(), "clinic-screenshots")),
		output:    out,
	}
	closeBrowser := func() error {
		cctx, ccancel := context.WithTimeout(ctx, closeTimeout)
		defer ccancel()
		err := chromedp.Cancel(cctx) // a graceful Browser.close
		stop()                       // waits until the process is gone and its profile removed
		if errors.Is(err, context.Canceled) {
			err = nil
		}
		return err
	}
	return b, closeBrowser, nil
}

// within runs f and returns its error, or, when f has not returned after d,
// calls abort (which must make f return) and returns a timeout error.
func within(d time.Duration, abort func(), f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		abort()
		<-done
		return fmt.Errorf("no answer after %s", d)
	}
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (w *tail) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - w.max; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	return len(p), nil
}

func (w *tail) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}
