// Package webtest drives a real Chromium from Go tests (with chromedp), for the
// browser tests of the web UI.
//
// A test package that uses it calls [Main] from its TestMain, so that the one
// browser shared by the test binary is closed when the tests end:
//
//	func TestMain(m *testing.M) { webtest.Main(m) }
//
//	func TestLogin(t *testing.T) {
//		t.Parallel()
//		b := webtest.Chromium(t)          // skips without TEST_CHROMIUM (fails under CI=true)
//		p := b.NewPage(t, webtest.BaseURL(srv.URL))
//		p.Navigate("/login")
//		p.Fill("#email", "ana@example.com")
//		p.Keys(kb.Enter)
//		p.WaitText("h1", "Agenda")
//		p.Axe()
//		p.Screenshot("agenda")
//	}
//
// The browser is the one named by TEST_CHROMIUM (Debian's /usr/bin/chromium
// in CI). Like every integration test here (see internal/platform/testenv), a
// test without it is skipped with a message, and fails under CI=true.
//
// Each [Page] is a tab in a browser context of its own: its own cookies and
// storage, so two pages are two users. A page records every console message
// (see [Page.Events]); when the test ends it fails the test if the page logged
// a console error or threw an uncaught exception, unless [AllowConsole] named
// that message as expected. Errors of the browser's own log count too: a
// script or style blocked by the Content-Security-Policy, a request that
// failed or answered 4xx/5xx — including /favicon.ico, which Chromium asks
// every site for, so the site must serve one.
//
// Every step ([Page.Run], [Page.Click], [Page.WaitText] and the others) has a
// generous timeout (20 s by default) so that a hung page ends the test with a
// message and a screenshot instead of hanging it; no step asserts how long
// anything takes. The helpers call t.Fatal, so call them from the test's own
// goroutine.
//
// Screenshots go to TEST_ARTIFACTS (default: clinic-screenshots under the
// system's temporary directory), one folder per test. [Page.DocScreenshot]
// also writes docs/screenshots/NAME.png of the module when
// UPDATE_SCREENSHOTS=1: that is how the screenshots of the docs are
// regenerated.
//
// [Page.Axe] runs axe-core (vendored in package axe) over the page with the
// WCAG 2 A and AA rules and fails the test on any violation of impact serious
// or critical.
package webtest
