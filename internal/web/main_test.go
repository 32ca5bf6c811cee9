package web_test

import (
	"testing"

	"clinic/internal/web/webtest"
)

// TestMain shares one Chromium among the browser tests of the package.
func TestMain(m *testing.M) { webtest.Main(m) }
