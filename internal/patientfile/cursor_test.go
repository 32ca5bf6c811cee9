package patientfile

import (
	"testing"
	"time"
)

func TestTimelineCursorRoundTrips(t *testing.T) {
	t.Parallel()
	e := Entry{At: time.Date(2026, 3, 2, 14, 30, 0, 123, time.UTC), Source: "messages", ID: "0190b6f0-7c1a-7d3e-9f00-3c5a1e2b4d6f"}
	got, ok := decodeCursor(encodeCursor(e))
	if !ok || !got.At.Equal(e.At) || got.Source != e.Source || got.ID != e.ID {
		t.Fatalf("decodeCursor(encodeCursor(%+v)) = %+v, %v", e, got, ok)
	}
	for _, bad := range []string{"", "???", "bm90IGEgY3Vyc29y", encodeCursor(Entry{Source: "x", ID: "y"})[:5]} {
		if _, ok := decodeCursor(bad); ok {
			t.Errorf("decodeCursor(%q) accepted", bad)
		}
	}
}

func FuzzTimelineCursor(f *testing.F) {
	f.Add(encodeCursor(Entry{At: time.Now(), Source: "appointments", ID: "0190b6f0-7c1a-7d3e-9f00-3c5a1e2b4d6f"}))
	f.Add("")
	f.Add("MjAyNi0wMy0wMVQxNzozMDowMFosbWVzc2FnZXMsMDE5MGI2ZjA")
	f.Fuzz(func(t *testing.T, s string) {
		e, ok := decodeCursor(s)
		if !ok {
			return
		}
		again, ok := decodeCursor(encodeCursor(e))
		if !ok || !again.At.Equal(e.At) || again.Source != e.Source || again.ID != e.ID {
			t.Fatalf("cursor %q decodes to %+v, which does not round-trip (%+v, %v)", s, e, again, ok)
		}
	})
}
