package cache

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMemoryEvictsLeastRecentlyUsedBeyondMaxBytes(t *testing.T) {
	t.Parallel()
	value := bytes.Repeat([]byte("x"), 200)
	entry := (&memEntry{key: "k1", value: value}).size()
	m := newMemory(3 * entry) // room for three entries
	ctx := t.Context()
	for _, k := range []string{"k1", "k2", "k3"} {
		require.NoError(t, m.Set(ctx, k, value, time.Minute))
	}
	_, err := m.Get(ctx, "k1") // k2 is now the least recently used
	require.NoError(t, err)
	require.NoError(t, m.Set(ctx, "k4", value, time.Minute))

	for k, want := range map[string]bool{"k1": true, "k2": false, "k3": true, "k4": true} {
		_, err := m.Get(ctx, k)
		require.Equal(t, want, err == nil, "%s present", k)
	}
	require.LessOrEqual(t, m.size, m.maxBytes)
}

func TestMemoryDropsAValueLargerThanMaxBytes(t *testing.T) {
	t.Parallel()
	m := newMemory(1024)
	ctx := t.Context()
	require.NoError(t, m.Set(ctx, "k", []byte("small"), time.Minute))
	require.NoError(t, m.Set(ctx, "k", make([]byte, 2048), time.Minute))
	_, err := m.Get(ctx, "k")
	require.ErrorIs(t, err, ErrMiss, "the old value must not survive an oversized Set")
	require.Zero(t, m.size)
}

func TestMemoryAccountsForReplacedAndDeletedValues(t *testing.T) {
	t.Parallel()
	m := newMemory(1 << 20)
	ctx := t.Context()
	require.NoError(t, m.Set(ctx, "k", make([]byte, 100), time.Minute))
	require.NoError(t, m.Set(ctx, "k", make([]byte, 10), time.Minute))
	require.Equal(t, (&memEntry{key: "k", value: make([]byte, 10)}).size(), m.size)
	require.NoError(t, m.Delete(ctx, "k"))
	require.Zero(t, m.size)
}

func TestInvalidationMessagesRoundTrip(t *testing.T) {
	t.Parallel()
	cases := [][]string{
		{"k"},
		{"a", "", "t:1:patient:42", "bin\x00\xff", string(make([]byte, 300))},
	}
	for _, keys := range cases {
		got, err := decodeKeys(encodeKeys(keys))
		require.NoError(t, err)
		require.Equal(t, keys, got)
	}
	_, err := decodeKeys("\x05ab") // announces 5 bytes, has 2
	require.Error(t, err)
}
