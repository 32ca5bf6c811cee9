package analytics

import (
	"testing"
	"time"

	"clinic/internal/apperr"
)

// FuzzQueryResolve: any query either resolves to a range of 1 to MaxDays
// whole local days, or is refused as invalid with the fields at fault;
// nothing panics.
func FuzzQueryResolve(f *testing.F) {
	for _, s := range [][4]string{
		{"2030-03-04", "2030-03-10", "", ""},
		{"", "", "", ""},
		{"2030-01-01", "2030-12-31", "0190b6e1-7c1a-7d3e-9f00-3c5a1e2b4d6f", "x"},
		{"2030-02-30", "2030-03-01", "", ""},
		{"2030-03-05", "2030-03-04", "", ""},
		{"0001-01-01", "9999-12-31", "", ""},
		{"2030-03-04T00:00:00Z", "2030-03-04", "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	loc, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2030, 4, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, from, to, prof, proc string) {
		q := Query{From: from, To: to, ProfessionalID: prof, ProcedureID: proc}
		start, end, err := q.resolve(loc, now)
		if err != nil {
			e := apperr.As(err)
			if e.Code != apperr.Invalid || len(e.Fields) == 0 {
				t.Fatalf("resolve(%q, %q, %q, %q): %v, want invalid with fields", from, to, prof, proc, err)
			}
			return
		}
		if !start.Before(end) || end.Sub(start) > time.Duration(MaxDays+1)*24*time.Hour {
			t.Fatalf("resolve(%q, %q): range %s–%s", from, to, start, end)
		}
		if h := start.In(loc).Hour(); h > 1 { // 01:00 where a daylight-saving change skips midnight
			t.Fatalf("resolve(%q, %q): %s does not start a local day", from, to, start)
		}
	})
}
