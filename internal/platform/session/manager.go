package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Data is what a session remembers.
type Data struct {
	UserID    string    `json:"u"`
	CreatedAt time.Time `json:"c"`
	LastSeen  time.Time `json:"l"`
}

// ManagerConfig configures a Manager.
type ManagerConfig struct {
	CookieName string
	// IdleTimeout ends a session unused for this long.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after it was created.
	AbsoluteTimeout time.Duration
	// Secure sets the cookie's Secure flag (the site is served over https).
	Secure bool
}

// Manager issues, loads and destroys sessions: the token lives in an
// HttpOnly, SameSite=Lax cookie; the store only sees the token's SHA-256.
type Manager struct {
	store Store
	cfg   ManagerConfig
	now   func() time.Time
	local *local // nil: every Load asks the store
}

// NewManager returns a Manager over store. When store is a Watcher, the
// manager keeps the sessions it reads in memory, and a Load asks the store
// only when it must write the session's last use anyway (at most once per
// refresh interval, a minute at most) or after a miss: a session that
// Destroy ends, on any server, is refused on this one as soon as the
// watcher reports it, and no session is served from memory while the
// watcher is not live. Close stops the watcher.
func NewManager(store Store, cfg ManagerConfig) *Manager {
	if cfg.CookieName == "" {
		cfg.CookieName = "clinic_session"
	}
	m := &Manager{store: store, cfg: cfg, now: time.Now}
	if w, ok := store.(Watcher); ok {
		m.local = watchLocal(w)
	}
	return m
}

// Close stops the manager's watcher of ended sessions, if any. It does
// not close the store.
func (m *Manager) Close() error {
	if m.local != nil {
		m.local.close()
	}
	return nil
}

// refresh is how old a session's last use may be before Load writes it
// again.
func (m *Manager) refresh() time.Duration { return min(time.Minute, m.cfg.IdleTimeout/10) }

// CookieName returns the name of the session cookie.
func (m *Manager) CookieName() string { return m.cfg.CookieName }

// Create starts a new session for userID with a fresh random token. Callers
// renew at login by destroying any previous token first.
func (m *Manager) Create(ctx context.Context, userID string) (string, Data, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", Data{}, fmt.Errorf("session: token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := m.now().UTC()
	d := Data{UserID: userID, CreatedAt: now, LastSeen: now}
	if err := m.save(ctx, token, d); err != nil {
		return "", Data{}, err
	}
	return token, d, nil
}

// Load returns the live session of token, extending its idle timeout (the
// store is written at most once per minute per session). ErrNotFound when
// the token is unknown, idle too long or past its absolute timeout.
func (m *Manager) Load(ctx context.Context, token string) (Data, error) {
	if token == "" || len(token) > 128 {
		return Data{}, ErrNotFound
	}
	k := key(token)
	now := m.now().UTC()
	var gen uint64
	if m.local != nil {
		// A session held in memory is served while its last use needs no
		// refresh: the store's copy decides everything else.
		if d, ok := m.local.get(k); ok && now.Sub(d.LastSeen) < m.refresh() && now.Sub(d.CreatedAt) < m.cfg.AbsoluteTimeout {
			return d, nil
		}
		gen = m.local.generation()
	}
	b, err := m.store.Find(ctx, k)
	if err != nil {
		return Data{}, err
	}
	var d Data
	if err := json.Unmarshal(b, &d); err != nil {
		return Data{}, ErrNotFound
	}
	if now.Sub(d.LastSeen) >= m.cfg.IdleTimeout || now.Sub(d.CreatedAt) >= m.cfg.AbsoluteTimeout {
		_ = m.store.Delete(ctx, k)
		return Data{}, ErrNotFound
	}
	if now.Sub(d.LastSeen) >= m.refresh() {
		d.LastSeen = now
		if err := m.save(ctx, token, d); err != nil {
			return Data{}, err
		}
	}
	if m.local != nil {
		m.local.put(k, d, gen, now, m.refresh())
	}
	return d, nil
}

// Destroy ends the session of token; an unknown token is not an error.
func (m *Manager) Destroy(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	err := m.store.Delete(ctx, key(token))
	if m.local != nil {
		m.local.forget(key(token)) // the watcher reports it too, later
	}
	return err
}

// Expiry returns when a session's cookie and stored entry expire.
func (m *Manager) Expiry(d Data) time.Time {
	idle := d.LastSeen.Add(m.cfg.IdleTimeout)
	abs := d.CreatedAt.Add(m.cfg.AbsoluteTimeout)
	if idle.Before(abs) {
		return idle
	}
	return abs
}

// Token returns the session token carried by r, or "".
func (m *Manager) Token(r *http.Request) string {
	c, err := r.Cookie(m.cfg.CookieName)
	if err != nil {
		return ""
	}
	return c.Value
}

// SetCookie writes the session cookie for token.
func (m *Manager) SetCookie(w http.ResponseWriter, token string, d Data) {
	http.SetCookie(w, &http.Cookie{
		Name:     m.cfg.CookieName,
		Value:    token,
		Path:     "/",
		Expires:  d.CreatedAt.Add(m.cfg.AbsoluteTimeout),
		HttpOnly: true,
		Secure:   m.cfg.Secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// ClearCookie removes the session cookie.
func (m *Manager) ClearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: m.cfg.CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: m.cfg.Secure, SameSite: http.SameSiteLaxMode,
	})
}

func (m *Manager) save(ctx context.Context, token string, d Data) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("session: encode: %w", err)
	}
	return m.store.Save(ctx, key(token), b, m.Expiry(d))
}

// IsNotFound reports whether err means "no live session".
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

func key(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
