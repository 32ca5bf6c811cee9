package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
)

func TestAuditTrailOfAccountChanges(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		owner := in.Client(t)
		clinicID, ownerID := owner.Signup("Clinic", email("owner"))
		_, otherOwner := in.Client(t).Signup("Other", email("other"))
		recep := email("recep")
		require.Equal(t, http.StatusCreated, owner.Do("POST", "/api/v1/clinics/"+clinicID+"/users", map[string]any{"email": recep, "name": "R", "role": "receptionist", "password": password}).Status)
		require.Equal(t, http.StatusOK, owner.Do("PATCH", "/api/v1/clinics/"+clinicID, map[string]any{"locale": "en"}).Status)

		res := owner.Do("GET", "/api/v1/clinics/"+clinicID+"/audit", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var page struct {
			Entries []struct{ Action, Entity, UserID, IP, RequestID string } `json:"entries"`
		}
		res.Decode(t, &page)
		require.Len(t, page.Entries, 2)
		require.Equal(t, "update", page.Entries[0].Action)
		require.Equal(t, "clinic", page.Entries[0].Entity)
		require.Equal(t, "create", page.Entries[1].Action)
		require.Equal(t, "membership", page.Entries[1].Entity)
		require.NotEmpty(t, page.Entries[0].IP)

		res = owner.Do("GET", "/api/v1/clinics/"+clinicID+"/audit?user_id="+otherOwner, nil)
		require.Equal(t, http.StatusOK, res.Status)
		require.Contains(t, string(res.Body), `"entries":[]`)
		res = owner.Do("GET", "/api/v1/clinics/"+clinicID+"/audit?user_id="+ownerID, nil)
		require.Contains(t, string(res.Body), `"membership"`)

		rc := in.Client(t)
		require.Equal(t, http.StatusOK, rc.Login(recep, password).Status)
		require.Equal(t, http.StatusForbidden, rc.Do("GET", "/api/v1/clinics/"+clinicID+"/audit", nil).Status)
		require.Equal(t, http.StatusBadRequest, owner.Do("GET", "/api/v1/clinics/"+clinicID+"/audit?limit=0", nil).Status)
		require.Equal(t, http.StatusBadRequest, owner.Do("GET", "/api/v1/clinics/"+clinicID+"/audit?cursor=abc", nil).Status)
	})
}
