// Command styleguide shows every component of the web UI's design system
// (internal/web/static/app.css and app.js) on pages of pt-BR sample content,
// served the way clinic serves them (content-hashed URLs from package
// static, the same strict Content-Security-Policy), and takes Chromium
// screenshots of them:
//
//	go run ./tools/styleguide                      # screenshots into docs/screenshots/
//	go run ./tools/styleguide -serve 127.0.0.1:8090  # look at it in a browser
//	go run ./tools/styleguide -axe                 # also run axe-core on each page
//
// The pages are the style guide (app shell, page header, numbers, lists,
// buttons, statuses, table, form with errors, dialog, empty state, flash
// messages, the agenda in Event Calendar), and the log-in and public
// booking layouts, which the style guide shows in frames. The screenshots are
// docs/screenshots/styleguide-desktop.png (1366 px wide) and
// styleguide-phone.png (390 px), each as long as the page. Chromium is
// Debian's (apt-get install chromium); -chromium names another binary.
//
// None of this is shipped: the pages live in this directory only.
package main

import (
	"bytes"
	"embed"
	"errors"
	"flag"
	"fmt"
	"html"
	"html/template"
	"image"
	"image/draw"
	"image/png"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"clinic/internal/web/static"
	"clinic/internal/web/webtest/axe"
)

//go:embed pages.html styleguide.css styleguide.js
var files embed.FS

const csp = "default-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'; object-src 'none'"

func main() {
	out := flag.String("out", "docs/screenshots", "directory for the screenshots")
	serve := flag.String("serve", "", "serve the pages on this address until interrupted, instead of taking screenshots")
	runAxe := flag.Bool("axe", false, "run axe-core on each page and fail on serious or critical violations")
	chromium := flag.String("chromium", "chromium", "the Chromium binary")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("styleguide: ")

	h, err := handler()
	if err != nil {
		log.Fatal(err)
	}
	if *serve != "" {
		log.Printf("serving on http://%s/", *serve)
		log.Fatal(http.ListenAndServe(*serve, h))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(ln, h) //nolint:errcheck // ends with the process
	base := "http://" + ln.Addr().String()
	b := browser{bin: *chromium}

	failed := false
	if *runAxe {
		for _, page := range []string{"/", "/login", "/booking"} {
			n, err := b.axe(base + page)
			if err != nil {
				log.Fatal(err)
			}
			failed = failed || n > 0
		}
	}
	for _, s := range []struct {
		name          string
		width, height int
	}{{"desktop", 1366, 768}, {"phone", 390, 844}} {
		path := filepath.Join(*out, "styleguide-"+s.name+".png")
		if err := b.fullPage(base+"/", s.width, s.height, path); err != nil {
			log.Fatal(err)
		}
		log.Printf("wrote %s", path)
	}
	if failed {
		log.Fatal("axe found serious or critical violations")
	}
}

func handler() (http.Handler, error) {
	tmpl, err := template.New("").Funcs(template.FuncMap{
		"asset": static.URL,
		"icon": func(name string) template.HTML {
			return template.HTML(`<svg class="icon" aria-hidden="true" focusable="false"><use href="` +
				static.URL("icons.svg") + `#i-` + template.HTMLEscapeString(name) + `"></use></svg>`)
		},
	}).ParseFS(files, "pages.html")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", static.Handler())
	mux.Handle("GET /sg/", http.StripPrefix("/sg/", http.FileServerFS(files)))
	mux.HandleFunc("GET /sg/axe.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write([]byte(axe.Source)) //nolint:errcheck
	})
	for path, name := range map[string]string{"/{$}": "styleguide", "/login": "login", "/booking": "booking"} {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			var buf bytes.Buffer
			if err := tmpl.ExecuteTemplate(&buf, name, nil); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Security-Policy", csp)
			w.Header().Set("Cache-Control", "no-store")
			w.Write(buf.Bytes()) //nolint:errcheck
		})
	}
	return mux, nil
}

type browser struct{ bin string }

// run starts headless Chromium on url with extra flags and returns its
// standard output; console messages (and CSP reports) found on its log are
// printed.
func (b browser) run(url string, width, height int, extra ...string) ([]byte, error) {
	profile, err := os.MkdirTemp("", "styleguide-chromium-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--force-device-scale-factor=1", "--enable-logging=stderr", "--v=0",
		"--user-data-dir=" + profile, fmt.Sprintf("--window-size=%d,%d", width, height),
	}, extra...)
	cmd := exec.Command(b.bin, append(args, url)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", b.bin, err, stderr.Bytes())
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Content Security Policy") {
			log.Printf("console: %s", line)
		}
	}
	return stdout.Bytes(), nil
}

var heightRE = regexp.MustCompile(`data-sg-height="(\d+)"`)

// fullPage screenshots url at the given width, as tall as the page (the
// page reports its height in data-sg-height: see styleguide.js), and at
// least height.
func (b browser) fullPage(url string, width, height int, path string) error {
	dom, err := b.run(url, width, height, "--virtual-time-budget=4000", "--dump-dom")
	if err != nil {
		return err
	}
	m := heightRE.FindSubmatch(dom)
	if m == nil {
		return errors.New("the page did not report its height (styleguide.js did not run?)")
	}
	full, _ := strconv.Atoi(string(m[1]))
	full = max(full, height)
	tmp := path + ".tmp.png"
	defer os.Remove(tmp)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if _, err := b.run(url, width, full, "--virtual-time-budget=4000", "--screenshot="+tmp); err != nil {
		return err
	}
	return crop(tmp, path, width, full)
}

// crop keeps the top width×height of the PNG src (Chromium's window may be
// taller than its viewport) and writes it to dst.
func crop(src, dst string, width, height int) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		return err
	}
	r := image.Rect(0, 0, min(width, img.Bounds().Dx()), min(height, img.Bounds().Dy()))
	out := image.NewRGBA(r)
	draw.Draw(out, r, img, image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, out); err != nil {
		return err
	}
	return os.WriteFile(dst, buf.Bytes(), 0o644)
}

var axeRE = regexp.MustCompile(`(?s)<pre id="sg-axe"[^>]*>(.*?)</pre>`)

// axe loads url with ?axe, where styleguide.js runs axe-core and writes one
// line per violation into <pre id="sg-axe">; it prints them and returns how
// many are serious or critical.
func (b browser) axe(url string) (int, error) {
	dom, err := b.run(url+"?axe", 1366, 768, "--virtual-time-budget=20000", "--dump-dom")
	if err != nil {
		return 0, err
	}
	m := axeRE.FindSubmatch(dom)
	if m == nil {
		return 0, fmt.Errorf("axe on %s: no result in the page", url)
	}
	serious := 0
	for _, line := range strings.Split(strings.TrimSpace(html.UnescapeString(string(m[1]))), "\n") {
		if line == "" || line == "ok" {
			continue
		}
		log.Printf("axe %s: %s", url, line)
		if strings.HasPrefix(line, "serious") || strings.HasPrefix(line, "critical") {
			serious++
		}
	}
	log.Printf("axe %s: %d serious or critical", url, serious)
	return serious, nil
}
