package kernel

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCheckText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		s         string
		multiline bool
		want      string
	}{
		{"plain", "Clínica São João", false, ""},
		{"empty", "", false, ""},
		{"emoji and CJK", "Ana 😀 日本", false, ""},
		{"U+00A0 and U+00A1 are text", "a\u00a0b\u00a1", false, ""},
		{"NUL", "a\x00b", false, MsgControl},
		{"NUL in multi-line", "a\x00b", true, MsgControl},
		{"tab in one-line", "a\tb", false, MsgControl},
		{"newline in one-line", "a\nb", false, MsgControl},
		{"CR in one-line", "a\rb", false, MsgControl},
		{"tab newline CR in multi-line", "a\tb\nc\r\n", true, ""},
		{"escape", "\x1b[31m", true, MsgControl},
		{"unit separator", "a\x1fb", true, MsgControl},
		{"DEL", "a\x7f", true, MsgControl},
		{"C1 U+0080", "a\u0080", true, MsgControl},
		{"C1 U+0085 (next line)", "a\u0085", true, MsgControl},
		{"C1 U+009F", "a\u009f", false, MsgControl},
		{"invalid byte", "a\xffb", false, MsgInvalidUTF8},
		{"truncated sequence", "a\xc3", true, MsgInvalidUTF8},
		{"encoded surrogate", "\xed\xa0\x80", false, MsgInvalidUTF8},
		{"overlong NUL", "\xc0\x80", false, MsgInvalidUTF8},
		{"U+FFFD itself is text", "\ufffd", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, CheckText(tt.s, tt.multiline))
		})
	}
}

func TestInstantAndDateBounds(t *testing.T) {
	t.Parallel()
	const bad = "bad format"
	instants := []struct {
		in, want string
	}{
		{"2026-03-14T09:30:00-03:00", ""},
		{"2000-01-01T00:00:00Z", ""},
		{"1999-12-31T23:59:59Z", MsgRange},
		{"2000-01-01T00:30:00+01:00", MsgRange}, // 1999 in UTC
		{"2099-12-31T23:59:59Z", ""},
		{"2100-01-01T00:00:00Z", MsgRange},
		{"2099-12-31T22:00:00-03:00", MsgRange}, // 2100 in UTC
		{"9999-12-31T23:50:00Z", MsgRange},
		{"9999-12-31T22:00:00-03:00", MsgRange}, // year 10000 in UTC
		{"0001-01-01T00:00:00Z", MsgRange},
		{"2026-03-14", bad},
		{"2026-03-14T09:30:00", bad},
		{"", bad},
	}
	for _, tt := range instants {
		t.Run("instant "+tt.in, func(t *testing.T) {
			t.Parallel()
			_, msg := ParseInstant(tt.in, bad)
			require.Equal(t, tt.want, msg)
		})
	}
	dates := []struct {
		in, want string
	}{
		{"2000-01-01", ""},
		{"2099-12-31", ""},
		{"1999-12-31", MsgRange},
		{"2100-01-01", MsgRange},
		{"0001-01-01", MsgRange},
		{"9999-12-31", MsgRange},
		{"2026-02-30", bad},
		{"2026-3-4", bad},
		{"2026-03-14T00:00:00Z", bad},
		{"", bad},
	}
	for _, tt := range dates {
		t.Run("date "+tt.in, func(t *testing.T) {
			t.Parallel()
			d, msg := ParseDate(tt.in, bad)
			require.Equal(t, tt.want, msg)
			if msg == "" {
				require.Equal(t, tt.in, d.Format(DateLayout))
			}
		})
	}
	require.Equal(t, "", CheckInstant(MinInstant))
	require.Equal(t, MsgRange, CheckInstant(MaxInstant))
	require.Equal(t, "", CheckInstant(MaxInstant.Add(-time.Nanosecond)))
}

func TestIntBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		lo, hi int
		want   int
		ok     bool
	}{
		{"5", 5, 720, 5, true},
		{"720", 5, 720, 720, true},
		{"4", 5, 720, 0, false},
		{"721", 5, 720, 0, false},
		{"307445740", 5, 720, 0, false},
		{"99999999999999999999", 5, 720, 0, false},
		{"-1", 0, 10, 0, false},
		{"+3", 0, 10, 3, true},
		{"1.5", 0, 10, 0, false},
		{"1e2", 0, 1000, 0, false},
		{" 3", 0, 10, 0, false},
		{"", 0, 10, 0, false},
		{"0x10", 0, 100, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			n, msg := ParseInt(tt.in, tt.lo, tt.hi)
			if !tt.ok {
				require.Equal(t, MsgIntRange(tt.lo, tt.hi), msg)
				return
			}
			require.Empty(t, msg)
			require.Equal(t, tt.want, n)
		})
	}
	require.Equal(t, "Must be a whole number from 5 to 720.", CheckInt(307445740, 5, 720))
	require.Empty(t, CheckInt(30, 5, 720))

	for _, tt := range []struct {
		in   string
		want int
		msg  string
	}{{"", 0, ""}, {"1", 1, ""}, {"200", 200, ""}, {"0", 0, MsgIntRange(1, MaxLimit)}, {"201", 0, MsgIntRange(1, MaxLimit)}, {"x", 0, MsgIntRange(1, MaxLimit)}} {
		n, msg := ParseLimit(tt.in, MaxLimit)
		require.Equal(t, tt.msg, msg, "limit %q", tt.in)
		require.Equal(t, tt.want, n, "limit %q", tt.in)
	}
}

func TestCursor(t *testing.T) {
	t.Parallel()
	c := EncodeCursor("2026-03-14T12:00:00Z", "0193a1b2-0000-7000-8000-000000000000", "ana, maria")
	parts, ok := DecodeCursor(c, 3)
	require.True(t, ok)
	require.Equal(t, []string{"2026-03-14T12:00:00Z", "0193a1b2-0000-7000-8000-000000000000", "ana, maria"}, parts)

	_, ok = DecodeCursor(EncodeCursor("a", "b"), 3)
	require.False(t, ok, "too few parts")
	for _, bad := range []string{"!!!", EncodeCursor("a\x00", "b"), EncodeCursor("a", "b\xff"), EncodeCursor("a\nb", "c"), strings.Repeat("=", 4)} {
		_, ok := DecodeCursor(bad, 2)
		require.False(t, ok, "cursor %q", bad)
	}
}

func TestPageSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		limit, want int
		msg         string
	}{
		{0, 50, ""},
		{1, 1, ""},
		{200, 200, ""},
		{201, 0, MsgIntRange(1, 200)},
		{-1, 0, MsgIntRange(1, 200)},
	}
	for _, tt := range tests {
		got, msg := PageSize(tt.limit, 50, 200)
		require.Equal(t, tt.want, got, "PageSize(%d)", tt.limit)
		require.Equal(t, tt.msg, msg, "PageSize(%d)", tt.limit)
	}
}
