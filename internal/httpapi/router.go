package httpapi

import "net/http"

// router is a ServeMux that remembers the patterns registered on it, so
// that tests can check the OpenAPI document against the real routes.
type router struct {
	*http.ServeMux
	patterns []string
}

// Handle registers h for pattern.
func (r *router) Handle(pattern string, h http.Handler) {
	r.patterns = append(r.patterns, pattern)
	r.ServeMux.Handle(pattern, h)
}

// HandleFunc registers h for pattern.
func (r *router) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	r.patterns = append(r.patterns, pattern)
	r.ServeMux.HandleFunc(pattern, h)
}

// Patterns returns every registered route pattern, such as
// "GET /api/v1/me".
func (s *Server) Patterns() []string { return append([]string(nil), s.router.patterns...) }
