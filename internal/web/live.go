package web

import (
	"net/http"

	"clinic/internal/appointment"
	"clinic/internal/httpx"
	"clinic/internal/web/sse"
)

// live streams the clinic's agenda changes to an open agenda (Server-Sent
// Events): each event says only that something changed, and the page
// fetches what it shows again. A professional gets the events of the whole
// clinic, which carry ids and times, never names; the page they refetch
// shows only their own appointments.
func (s *Server) live(w http.ResponseWriter, r *http.Request) error {
	p := httpx.PrincipalOf(r.Context())
	sub, err := s.PubSub.Subscribe(r.Context(), appointment.AgendaTopic(p.ClinicID))
	if err != nil {
		return err
	}
	defer sub.Close()
	sse.Stream(w, r, sub, sse.Event("agenda"))
	return nil
}
