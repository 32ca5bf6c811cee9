package httpapi

import (
	"net/http"

	"clinic/internal/account"
	"clinic/internal/apperr"
)

var errTokenProfile = apperr.New(apperr.Forbidden, "An API token has no profile to change.")

// updateMe changes the caller's own name or interface language.
func (s *Server) updateMe(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r.Context())
	if p.UserID == "" {
		return errTokenProfile
	}
	var in account.ProfileInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	u, err := s.Accounts.UpdateProfile(r.Context(), p.UserID, in)
	if apperr.Is(err, apperr.NotFound) {
		return errNoSession
	}
	if err != nil {
		return err
	}
	return s.writeMe(w, r, u)
}
