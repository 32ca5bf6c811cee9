package static

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPaletteContrast checks the colour pairs of app.css that carry text
// against WCAG 2.x AA (4.5:1 for text, 3:1 for the edges of controls and the
// focus ring), reading the tokens from app.css itself so a changed colour is
// checked too.
func TestPaletteContrast(t *testing.T) {
	t.Parallel()
	css, err := embedded.ReadFile("app.css")
	require.NoError(t, err)
	tokens := rootColours(t, string(css))

	const text, ui = 4.5, 3.0
	tests := []struct {
		fg, bg string
		min    float64
	}{
		{"text", "bg", text}, {"text", "surface", text}, {"text", "surface-3", text},
		{"text-muted", "surface", text}, {"text-muted", "bg", text}, {"text-muted", "surface-2", text}, {"text-muted", "surface-3", text},
		{"text-subtle", "surface", text}, {"text-subtle", "bg", text}, {"text-subtle", "surface-2", text},
		{"primary-text", "surface", text}, {"primary-text", "bg", text}, {"primary-text", "primary-soft", text}, {"primary-text", "primary-soft-2", text},
		{"on-primary", "primary", text}, {"on-primary", "primary-hover", text}, {"on-primary", "primary-active", text},
		{"#ffffff", "danger", text}, {"#ffffff", "danger-hover", text},
		{"danger-text", "surface", text}, {"danger-text", "danger-soft", text},
		{"success-text", "success-soft", text}, {"warning-text", "warning-soft", text}, {"info-text", "info-soft", text},
		{"text", "success-soft", text}, {"text", "danger-soft", text}, {"text", "warning-soft", text}, {"text", "info-soft", text},
		{"input-border", "surface", ui}, {"focus", "surface", ui}, {"focus", "bg", ui}, {"focus", "primary-soft", ui},
		{"primary", "surface", ui}, {"danger", "surface", ui},
	}
	for _, st := range []string{"scheduled", "confirmed", "arrived", "in_progress", "completed", "cancelled", "no_show"} {
		tests = append(tests,
			struct {
				fg, bg string
				min    float64
			}{"st-" + st + "-text", "st-" + st + "-soft", text},
			struct {
				fg, bg string
				min    float64
			}{"st-" + st + "-text", "surface", text},
		)
	}
	for _, tt := range tests {
		fg, bg := colour(t, tokens, tt.fg), colour(t, tokens, tt.bg)
		ratio := contrast(fg, bg)
		require.GreaterOrEqual(t, ratio, tt.min, "%s on %s: %.2f:1, want ≥ %.1f:1", tt.fg, tt.bg, ratio, tt.min)
	}
}

// TestStatusColoursAreDistinct keeps the seven status markers apart: no two
// closer than a visible step in lightness or hue.
func TestStatusColoursAreDistinct(t *testing.T) {
	t.Parallel()
	css, err := embedded.ReadFile("app.css")
	require.NoError(t, err)
	tokens := rootColours(t, string(css))
	statuses := []string{"scheduled", "confirmed", "arrived", "in_progress", "completed", "cancelled", "no_show"}
	for i, a := range statuses {
		for _, b := range statuses[i+1:] {
			ca, cb := colour(t, tokens, "st-"+a+"-dot"), colour(t, tokens, "st-"+b+"-dot")
			require.NotEqual(t, ca, cb, "%s and %s share a colour", a, b)
			if a == "scheduled" && b == "cancelled" {
				continue // both grey on purpose; told apart by shape and text
			}
			require.GreaterOrEqual(t, distance(ca, cb), 60.0, "%s and %s are too alike", a, b)
		}
	}
}

var tokenRE = regexp.MustCompile(`--(?:c-)?([a-z0-9_-]+):\s*(#[0-9a-fA-F]{6})\b`)

// rootColours reads the hex custom properties of the first :root block,
// naming them without the --c- prefix ("--c-text" is "text").
func rootColours(t *testing.T, css string) map[string][3]float64 {
	t.Helper()
	start := strings.Index(css, ":root {")
	require.GreaterOrEqual(t, start, 0, "app.css has no :root block")
	end := strings.Index(css[start:], "\n}")
	block := css[start : start+end]
	out := map[string][3]float64{}
	for _, m := range tokenRE.FindAllStringSubmatch(block, -1) {
		out[m[1]] = hexRGB(t, m[2])
	}
	require.NotEmpty(t, out)
	return out
}

func colour(t *testing.T, tokens map[string][3]float64, name string) [3]float64 {
	t.Helper()
	if strings.HasPrefix(name, "#") {
		return hexRGB(t, name)
	}
	c, ok := tokens[name]
	require.True(t, ok, "app.css :root has no colour --%s (or --c-%s)", name, name)
	return c
}

func hexRGB(t *testing.T, hex string) [3]float64 {
	t.Helper()
	var c [3]float64
	for i := range 3 {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		require.NoError(t, err, hex)
		c[i] = float64(v) / 255
	}
	return c
}

// luminance is WCAG's relative luminance of an sRGB colour.
func luminance(c [3]float64) float64 {
	var l [3]float64
	for i, v := range c {
		if v <= 0.04045 {
			l[i] = v / 12.92
		} else {
			l[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

func contrast(a, b [3]float64) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// distance is a rough perceptual distance ("redmean" weighting of RGB, 0–765).
func distance(a, b [3]float64) float64 {
	r := (a[0] + b[0]) / 2 * 255
	dr, dg, db := (a[0]-b[0])*255, (a[1]-b[1])*255, (a[2]-b[2])*255
	return math.Sqrt((2+r/256)*dr*dr + 4*dg*dg + (2+(255-r)/256)*db*db)
}

func TestContrastFormula(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#767676", "#ffffff", 4.54}, // the classic lightest AA grey on white
	}
	for _, tt := range tests {
		got := contrast(hexRGB(t, tt.a), hexRGB(t, tt.b))
		require.InDelta(t, tt.want, got, 0.01, fmt.Sprintf("%s on %s", tt.a, tt.b))
	}
}
