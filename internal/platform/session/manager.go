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
}

// NewManager returns a Manager over store.
func NewManager(store Store, cfg ManagerConfig) *Manager {
	if cfg.CookieName == "" {
		cfg.CookieName = "clinic_session"
	}
	return &Manager{store: store, cfg: cfg, now: time.Now}
}

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
	b, err := m.store.Find(ctx, key(token))
	if err != nil {
		return Data{}, err
	}
	var d Data
	if err := json.Unmarshal(b, &d); err != nil {
		return Data{}, ErrNotFound
	}
	now := m.now().UTC()
	if now.Sub(d.LastSeen) >= m.cfg.IdleTimeout || now.Sub(d.CreatedAt) >= m.cfg.AbsoluteTimeout {
		_ = m.store.Delete(ctx, key(token))
		return Data{}, ErrNotFound
	}
	if now.Sub(d.LastSeen) >= min(time.Minute, m.cfg.IdleTimeout/10) {
		d.LastSeen = now
		if err := m.save(ctx, token, d); err != nil {
			return Data{}, err
		}
	}
	return d, nil
}

// Destroy ends the session of token; an unknown token is not an error.
func (m *Manager) Destroy(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return m.store.Delete(ctx, key(token))
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
