package session

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestManagerTimeouts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name    string
		advance []time.Duration // time between successive loads
		alive   bool
	}{
		{"fresh session loads", []time.Duration{time.Minute}, true},
		{"activity keeps it alive past the idle timeout", []time.Duration{20 * time.Minute, 20 * time.Minute, 20 * time.Minute}, true},
		{"idle too long ends it", []time.Duration{31 * time.Minute}, false},
		{"absolute timeout ends it however active", []time.Duration{25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := NewMemory(time.Hour)
			defer store.Close()
			now := time.Now() // the store checks expiry against the real clock
			m := NewManager(store, ManagerConfig{IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 2 * time.Hour})
			m.now = func() time.Time { return now }
			token, _, err := m.Create(ctx, "u1")
			require.NoError(t, err)
			var lastErr error
			for _, d := range tt.advance {
				now = now.Add(d)
				_, lastErr = m.Load(ctx, token)
			}
			if tt.alive {
				require.NoError(t, lastErr)
			} else {
				require.ErrorIs(t, lastErr, ErrNotFound)
			}
		})
	}
}

func TestManagerStoresOnlyTokenHash(t *testing.T) {
	t.Parallel()
	store := NewMemory(time.Hour)
	defer store.Close()
	m := NewManager(store, ManagerConfig{IdleTimeout: time.Hour, AbsoluteTimeout: time.Hour})
	token, _, err := m.Create(context.Background(), "u1")
	require.NoError(t, err)
	_, err = store.Find(context.Background(), token)
	require.ErrorIs(t, err, ErrNotFound, "the raw token must not be a store key")
	_, err = store.Find(context.Background(), key(token))
	require.NoError(t, err)

	require.NoError(t, m.Destroy(context.Background(), token))
	_, err = m.Load(context.Background(), token)
	require.ErrorIs(t, err, ErrNotFound)
}

func TestManagerCookieFlags(t *testing.T) {
	t.Parallel()
	m := NewManager(NewMemory(time.Hour), ManagerConfig{IdleTimeout: time.Hour, AbsoluteTimeout: time.Hour, Secure: true})
	w := httptest.NewRecorder()
	m.SetCookie(w, "tok", Data{CreatedAt: time.Now()})
	c := w.Result().Cookies()[0]
	require.True(t, c.HttpOnly)
	require.True(t, c.Secure)
	require.Equal(t, "clinic_session", c.Name)
	require.Contains(t, w.Header().Get("Set-Cookie"), "SameSite=Lax")
}
