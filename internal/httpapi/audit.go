package httpapi

import (
	"net/http"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
)

// listAudit lists the clinic's audit trail, newest first, optionally for one
// patient or one user (owners and admins).
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := audit.Filter{PatientID: q.Get("patient_id"), UserID: q.Get("user_id"), Cursor: q.Get("cursor")}
	fields := map[string]string{}
	for name, v := range map[string]string{"patient_id": f.PatientID, "user_id": f.UserID} {
		if v != "" {
			if !kernel.IsID(v) {
				fields[name] = "Must be an id."
			}
		}
	}
	var msg string
	if f.Limit, msg = kernel.ParseLimit(q.Get("limit"), kernel.MaxLimit); msg != "" {
		fields["limit"] = msg
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
