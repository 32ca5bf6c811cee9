package httpapi

import "net/http"

func (s *Server) waitlistRoutes(mux *http.ServeMux) {
	_ = mux
}
