package patientfile_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"clinic/internal/patientfile"
)

func TestSafeNameKeepsNamesInTheirFolder(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"laudo.pdf", "laudo.pdf"},
		{"Exame de sangue (março).PDF", "Exame_de_sangue__marco_.PDF"},
		{"../../etc/passwd", "etc_passwd"},
		{`C:\Users\ana\RG.jpg`, "C__Users_ana_RG.jpg"},
		{".hidden", "hidden"},
		{"a..b", "a_b"},
		{"", "file"},
		{"...", "file"},
		{"日本語", "file"},
		{strings.Repeat("x", 300) + ".jpeg", strings.Repeat("x", 95) + ".jpeg"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, patientfile.SafeName(tt.in), "%q", tt.in)
	}
}

func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"laudo.pdf", "../x", "a/b\\c", ".", "", "ção.png", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := patientfile.SafeName(in)
		if out == "" || len(out) > 100 || !utf8.ValidString(out) {
			t.Fatalf("SafeName(%q) = %q", in, out)
		}
		if strings.ContainsAny(out, "/\\\x00 ") || strings.Contains(out, "..") || strings.HasPrefix(out, ".") {
			t.Fatalf("SafeName(%q) = %q is not safe", in, out)
		}
	})
}
