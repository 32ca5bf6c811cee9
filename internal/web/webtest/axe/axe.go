// Package axe holds axe-core (Deque Systems, MPL-2.0; see LICENSE beside
// this file) for the browser tests, which inject it into each page and fail
// on violations of impact serious or critical. It is vendored by
// `go run ./tools/vendor-assets` and never served by clinic.
package axe

import _ "embed"

// Source is axe.min.js, the script that defines window.axe.
//
//go:embed axe.min.js
var Source string
