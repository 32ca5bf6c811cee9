package httpapi

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"clinic/internal/apperr"
	"clinic/internal/audit"
)

// listAudit lists the clinic's audit trail, newest first, optionally for one
// patient or one user (owners and admins).
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := audit.Filter{PatientID: q.Get("patient_id"), UserID: q.Get("user_id"), Cursor: q.Get("cursor")}
	fields := map[string]string{}
	for name, v := range map[string]string{"patient_id": f.PatientID, "user_id": f.UserID} {
		if v != "" {
			if _, err := uuid.Parse(v); err != nil {
				fields[name] = "Must be an id."
			}
		}
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			fields["limit"] = "Must be a number from 1 to 200."
		}
		f.Limit = n
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	page, err := s.Audit.List(r.Context(), principalOf(r.Context()), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}
