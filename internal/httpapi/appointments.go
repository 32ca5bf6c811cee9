package httpapi

import "net/http"

func (s *Server) appointmentRoutes(mux *http.ServeMux) {
	_ = mux
}
