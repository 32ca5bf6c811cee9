// Command vendor-assets copies the browser libraries clinic serves (and the
// one its browser tests inject) into the repository, from pinned npm
// versions whose tarballs must match a pinned sha512:
//
//	go run ./tools/vendor-assets          # from the module root; needs npm and the npm registry
//
// For each package it runs `npm pack NAME@VERSION` in a temporary directory,
// checks the tarball's sha512 against the pin below (a different tarball is
// refused, and its integrity printed so a reviewed upgrade can pin it), and
// extracts only the files the UI needs (minified JS, CSS, the licence) into
// internal/web/static/vendor/<dir>/ (axe-core into internal/web/webtest/axe/,
// since only the tests use it). It then writes
// internal/web/static/vendor/VERSIONS. The output depends only on the pins:
// running it twice leaves the same files, and the run ends by removing any
// file of a vendored directory that it did not write.
//
// To upgrade a package: change its version, run the command, review the
// printed integrity (and the library's changelog), pin it, run again, commit.
//
// Nothing here runs when clinic runs: the vendored files are committed and
// embedded in the binary, so `go run ./cmd/clinic` needs no npm.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// pin is one npm package at one version, and the files taken from it.
type pin struct {
	Name      string // npm name
	Version   string
	License   string // SPDX identifier, as the package declares it
	Integrity string // sha512 of the tarball, in npm's "sha512-<base64>" form
	Dir       string // output directory, relative to the module root
	Files     []file
	// LicenseText is written as LICENSE when the tarball ships none.
	LicenseText string
}

// file maps a path inside the tarball to a name in the output directory.
type file struct{ From, To string }

// pins lists every vendored package; VERSIONS is written from it.
var pins = []pin{
	{
		Name:      "htmx.org",
		Version:   "2.0.11",
		License:   "0BSD",
		Integrity: "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
		Dir:       "internal/web/static/vendor/htmx",
		Files: []file{
			{"package/dist/htmx.min.js", "htmx.min.js"},
			{"package/LICENSE", "LICENSE"},
		},
	},
	{
		Name:      "@event-calendar/build",
		Version:   "5.10.1",
		License:   "MIT",
		Integrity: "sha512-iAR/l5oeFwqt7mfjBGsrpTiWFOt8yfI7PxV0OqnGaTzZGxvre2QeI0TNNlTpuefoMPd15qseQlfWpxiORzJOMA==",
		Dir:       "internal/web/static/vendor/event-calendar",
		Files: []file{
			{"package/dist/event-calendar.min.js", "event-calendar.min.js"},
			{"package/dist/event-calendar.min.css", "event-calendar.min.css"},
		},
		// The build package declares MIT but ships no licence file; this is
		// the LICENSE of its repository, github.com/vkurko/calendar.
		LicenseText: mitEventCalendar,
	},
	{
		Name:      "axe-core",
		Version:   "4.14.1",
		License:   "MPL-2.0",
		Integrity: "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
		Dir:       "internal/web/webtest/axe",
		Files: []file{
			{"package/axe.min.js", "axe.min.js"},
			{"package/LICENSE", "LICENSE"},
			{"package/LICENSE-3RD-PARTY.txt", "LICENSE-3RD-PARTY.txt"},
		},
	},
}

const versionsFile = "internal/web/static/vendor/VERSIONS"

// keep lists the hand-written files of a vendored directory that a run
// leaves in place.
var keep = map[string]bool{"axe.go": true}

func main() {
	root := flag.String("root", ".", "the module root (the directory holding go.mod)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("vendor-assets: ")
	if err := run(*root); err != nil {
		log.Fatal(err)
	}
}

func run(root string) error {
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return fmt.Errorf("run from the module root (or pass -root): %w", err)
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("npm is needed to fetch the pinned packages (apt-get install npm): %w", err)
	}
	tmp, err := os.MkdirTemp("", "vendor-assets-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// Fetch and check every tarball before writing anything, so a refused
	// pin leaves the tree as it was.
	var mismatched []string
	extracted := make([]map[string][]byte, len(pins))
	for i, p := range pins {
		tgz, err := pack(tmp, p)
		if err != nil {
			return err
		}
		if got := integrity(tgz); got != p.Integrity {
			fmt.Printf("%s@%s: tarball integrity %s\n  pinned %s\n", p.Name, p.Version, got, p.Integrity)
			mismatched = append(mismatched, p.Name+"@"+p.Version)
			continue
		}
		if extracted[i], err = extract(tgz, p); err != nil {
			return fmt.Errorf("%s@%s: %w", p.Name, p.Version, err)
		}
	}
	if len(mismatched) > 0 {
		return fmt.Errorf("refused %s: the tarball is not the pinned one; review it and pin the integrity printed above (nothing written)",
			strings.Join(mismatched, ", "))
	}
	for i, p := range pins {
		if err := writeDir(filepath.Join(root, p.Dir), extracted[i]); err != nil {
			return err
		}
		fmt.Printf("%s@%s (%s) -> %s\n", p.Name, p.Version, p.License, p.Dir)
	}
	return os.WriteFile(filepath.Join(root, versionsFile), versions(), 0o644)
}

// pack runs npm pack for p in its own directory under tmp and returns the
// tarball's bytes.
func pack(tmp string, p pin) ([]byte, error) {
	dir, err := os.MkdirTemp(tmp, "pack-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("npm", "pack", "--silent", "--ignore-scripts", p.Name+"@"+p.Version)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	if out, err := cmd.Output(); err != nil {
		return nil, fmt.Errorf("npm pack %s@%s: %w (%s)", p.Name, p.Version, err, bytes.TrimSpace(out))
	}
	matches, err := filepath.Glob(filepath.Join(dir, "*.tgz"))
	if err != nil || len(matches) != 1 {
		return nil, fmt.Errorf("npm pack %s@%s: want one tarball in %s, found %v", p.Name, p.Version, dir, matches)
	}
	return os.ReadFile(matches[0])
}

// integrity is the tarball's sha512 in npm's Subresource Integrity form.
func integrity(tgz []byte) string {
	sum := sha512.Sum512(tgz)
	return "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

// extract returns the contents of p's files, by output name.
func extract(tgz []byte, p pin) (map[string][]byte, error) {
	want := make(map[string]string, len(p.Files))
	for _, f := range p.Files {
		want[f.From] = f.To
	}
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(want)+1)
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		to, ok := want[h.Name]
		if !ok || h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		out[to] = b
	}
	for from, to := range want {
		if _, ok := out[to]; !ok {
			return nil, fmt.Errorf("the tarball has no %s", from)
		}
	}
	if p.LicenseText != "" {
		if _, ok := out["LICENSE"]; ok {
			return nil, errors.New("the tarball now ships a LICENSE: take it and drop LicenseText")
		}
		out["LICENSE"] = []byte(p.LicenseText)
	}
	return out, nil
}

// writeDir writes files into dir and removes every other file there (but
// the hand-written ones in keep), so a dropped file does not linger.
func writeDir(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if _, ok := files[e.Name()]; ok || keep[e.Name()] {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// versions renders VERSIONS: one package a line, sorted by name.
func versions() []byte {
	sorted := append([]pin(nil), pins...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var b strings.Builder
	b.WriteString("# Written by `go run ./tools/vendor-assets`; do not edit.\n")
	b.WriteString("# name\tversion\tlicence\tintegrity (sha512 of the npm tarball)\tdirectory\n")
	for _, p := range sorted {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.Version, p.License, p.Integrity, p.Dir)
	}
	return []byte(b.String())
}

const mitEventCalendar = `MIT License

Copyright (c) 2021 vkurko

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`
