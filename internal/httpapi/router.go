package httpapi

import "net/http"

// access says who may call an API operation.
type access int

const (
	// accessClinic: a member of the clinic {clinic_id} names, or an API
	// token of that clinic, with the caller's role in it (inClinic).
	accessClinic access = iota
	// accessAuthenticated: any logged-in user or API token.
	accessAuthenticated
	// accessPublic: anyone, behind the cross-site check.
	accessPublic
	// accessWebhook: a provider's machine call, authenticated by its
	// signature in the handler (no session, no cross-site check).
	accessWebhook
)

// apiRoutes registers every operation of the route table on mux, behind
// the access check each names.
func (s *Server) apiRoutes(mux *router) {
	for _, op := range apiOps() {
		h := op.Handler
		if h == nil {
			panic("httpapi: " + op.Method + " " + op.Path + " has no handler")
		}
		hf := func(w http.ResponseWriter, r *http.Request) error { return h(s, w, r) }
		switch op.Access {
		case accessPublic:
			mux.Handle(op.Method+" "+op.Path, s.public(hf))
		case accessAuthenticated:
			mux.Handle(op.Method+" "+op.Path, s.authenticated(hf))
		case accessClinic:
			mux.Handle(op.Method+" "+op.Path, s.inClinic(hf))
		case accessWebhook:
			mux.Handle(op.Method+" "+op.Path, s.serve(hf))
		default:
			panic("httpapi: " + op.Method + " " + op.Path + " has an unknown access")
		}
	}
}

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
