package httpapi

import (
	"context"
	"net/http"
	"sync"
)

// healthz answers 200 while the process is alive.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

type checkResult struct {
	Name    string `json:"name"`
	Backend string `json:"backend"`
	Status  string `json:"status"`
	Error   string `json:"error,omitempty"`
}

// readyz checks every dependency concurrently and lists them; 503 when any
// fails.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	results := make([]checkResult, len(s.Checks))
	var wg sync.WaitGroup
	for i, c := range s.Checks {
		wg.Go(func() {
			res := checkResult{Name: c.Name, Backend: c.Backend, Status: "ok"}
			if err := c.Check(ctx); err != nil {
				res.Status, res.Error = "error", err.Error()
			}
			results[i] = res
		})
	}
	wg.Wait()
	status, code := "ok", http.StatusOK
	for _, res := range results {
		if res.Status != "ok" {
			status, code = "unavailable", http.StatusServiceUnavailable
			s.log.Warn("readiness check failed", "check", res.Name, "backend", res.Backend, "err", res.Error)
		}
	}
	writeJSON(w, code, map[string]any{"status": status, "checks": results})
}
