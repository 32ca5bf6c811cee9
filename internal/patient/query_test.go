package patient

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/kernel"
)

func TestCheckQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, q, want string
	}{
		{"empty", "", ""},
		{"a name", "joão da silva", ""},
		{"a CPF", "529.982.247-25", ""},
		{"200 characters", strings.Repeat("á", 200), ""},
		{"201 characters", strings.Repeat("á", 201), "Must be at most 200 characters."},
		{"10 KB", strings.Repeat("maria ", 1700), "Must be at most 200 characters."},
		{"12 words", "a b c d e f g h i j k l", ""},
		{"13 words", "a b c d e f g h i j k l m", "Must have at most 12 words."},
		{"13 words joined by punctuation", "a-b-c-d-e-f-g-h-i-j-k-l-m", "Must have at most 12 words."},
		{"NUL", "ana\x00", kernel.MsgControl},
		{"newline", "ana\nmaria", kernel.MsgControl},
		{"invalid UTF-8", "ana\xff", kernel.MsgInvalidUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, checkQuery(tt.q))
		})
	}
}

func TestCursorRoundTripAndForgeries(t *testing.T) {
	t.Parallel()
	const id = "0193a1b2-0000-7000-8000-000000000000"
	c, ok := decodeCursor(cursor{Name: "joao da silva", ID: id}.encode())
	require.True(t, ok)
	require.Equal(t, cursor{Name: "joao da silva", ID: id}, c)
	for _, forged := range []string{"abc", kernel.EncodeCursor(id, "ana\x00"), kernel.EncodeCursor(id, "ana\xff"), kernel.EncodeCursor("not-an-id", "ana")} {
		_, ok := decodeCursor(forged)
		require.False(t, ok, "cursor %q", forged)
	}
}
