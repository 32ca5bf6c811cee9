package httpapi

import (
	"net/http"
	"strconv"

	"clinic/internal/apperr"
	"clinic/internal/platform/queue"
)

type jobList struct {
	Items []queue.Job `json:"items"`
}

// listFailedJobs lists the clinic's failed background jobs (retrying or
// given up), newest first (owners and admins).
func (s *Server) listFailedJobs(w http.ResponseWriter, r *http.Request) error {
	jobs, err := s.Jobs.Failed(r.Context(), principalOf(r.Context()), 100)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, jobList{Items: jobs})
	return nil
}

// retryJob runs a failed job again now (owners and admins).
func (s *Server) retryJob(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("job_id"), 10, 64)
	if err != nil {
		return apperr.New(apperr.NotFound, "Job not found.")
	}
	job, err := s.Jobs.Retry(r.Context(), principalOf(r.Context()), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, job)
	return nil
}
