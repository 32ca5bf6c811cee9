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
	p := principalOf(r.Context())
	if !p.Role.ManagesClinic() {
		return apperr.New(apperr.Forbidden, "Only owners and admins can see background jobs.")
	}
	jobs, err := s.Jobs.ListFailed(r.Context(), p.ClinicID, 100)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, jobList{Items: jobs})
	return nil
}

// retryJob runs a failed job again now (owners and admins).
func (s *Server) retryJob(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r.Context())
	if !p.Role.ManagesClinic() {
		return apperr.New(apperr.Forbidden, "Only owners and admins can retry background jobs.")
	}
	id, err := strconv.ParseInt(r.PathValue("job_id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "Job not found.")
	}
	job, err := s.Jobs.Retry(r.Context(), p.ClinicID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, job)
	return nil
}
