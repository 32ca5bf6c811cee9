package httpapi

import "net/http"

func (s *Server) scheduleRoutes(mux *http.ServeMux) {
	_ = mux
}
