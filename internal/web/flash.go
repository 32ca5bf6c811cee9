package web

import (
	"net/http"
	"strings"

	"clinic/internal/i18n"
)

// flashCookie carries the message of a flash across the redirect that
// follows a successful form (Post/Redirect/Get): the id of a catalogue
// message, never text a user wrote, shown once by the next page of the
// clinic in the user's language.
const flashCookie = "flash"

// isFlashID reports whether id may travel in the flash cookie: a message
// of the catalogue whose id says it is a flash ("<area>.flash.<what>").
func isFlashID(id string) bool { return strings.Contains(id, ".flash.") && i18n.Has(id) }

// setFlash makes the next page of the clinic show the message id.
func (s *Server) setFlash(w http.ResponseWriter, id string) {
	if !isFlashID(id) {
		s.log.Error("web: not a flash message", "id", id)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: id, Path: "/clinics/", MaxAge: 60,
		HttpOnly: true, Secure: s.Config.SecureCookies(), SameSite: http.SameSiteLaxMode})
}

// takeFlash puts the flash the cookie names in v, once (a partial htmx
// answer leaves it for the page).
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request, v *view) {
	c, err := r.Cookie(flashCookie)
	if err != nil || isFragment(r) || r.Method != http.MethodGet {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/clinics/", MaxAge: -1,
		HttpOnly: true, Secure: s.Config.SecureCookies(), SameSite: http.SameSiteLaxMode})
	if isFlashID(c.Value) {
		v.Flash = v.L.T(c.Value)
	}
}
