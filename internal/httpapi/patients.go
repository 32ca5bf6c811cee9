package httpapi

import "net/http"

func (s *Server) patientRoutes(mux *http.ServeMux) {
	_ = mux
}
