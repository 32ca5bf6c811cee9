package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
)

// TestCSRFOnlyAValidTokenSkipsTheCrossOriginCheck replays cross-site POSTs, as
// a page on another site would make the victim's browser send them (with the
// victim's session cookie), with every Authorization header that is not a
// valid API token: all are refused, nothing changes, and a valid token still
// works cross-origin except on the public routes.
func TestCSRFOnlyAValidTokenSkipsTheCrossOriginCheck(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		victim := in.Client(t)
		victimEmail := email("victim")
		clinicID, _ := victim.Signup("Clinic", victimEmail)
		session := victim.SessionToken(t)
		attacker := email("attacker")
		in.Client(t).Signup("Attacker's clinic", attacker)

		newToken := func(name string) (id, secret string) {
			res := victim.Do("POST", "/api/v1/clinics/"+clinicID+"/tokens", map[string]string{"name": name, "role": "admin"})
			require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
			var tok struct{ ID, Token string }
			res.Decode(t, &tok)
			return tok.ID, tok.Token
		}
		_, valid := newToken("valid")
		revokedID, revoked := newToken("revoked")
		require.Equal(t, http.StatusNoContent, victim.Do("DELETE", "/api/v1/clinics/"+clinicID+"/tokens/"+revokedID, nil).Status)

		patients := "/api/v1/clinics/" + clinicID + "/patients"
		routes := []struct {
			name   string
			path   string
			body   func() any
			public bool
		}{
			{"signup", "/api/v1/signup", func() any {
				return map[string]string{"clinic_name": "Forged", "name": "F", "email": email("forged-signup"), "password": password}
			}, true},
			{"login", "/api/v1/login", func() any { return map[string]string{"email": attacker, "password": password} }, true},
			{"logout", "/api/v1/logout", func() any { return nil }, true},
			{"create patient", patients, func() any { return map[string]string{"full_name": "Forged Patient"} }, false},
		}
		auths := []struct {
			name  string
			value string
			valid bool
		}{
			{"no Authorization", "", false},
			{"Basic", "Basic dXNlcjpwYXNz", false},
			{"empty Bearer", "Bearer ", false},
			{"invalid token", "Bearer clk_not-a-token", false},
			{"revoked token", "Bearer " + revoked, false},
			{"valid token", "Bearer " + valid, true},
		}
		crossSite := []struct {
			name   string
			header http.Header
		}{
			{"Sec-Fetch-Site", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
			{"Origin", http.Header{"Origin": {"https://evil.example"}}},
		}
		for _, rt := range routes {
			for _, au := range auths {
				for _, cs := range crossSite {
					allowed := au.valid && !rt.public
					t.Run(rt.name+"/"+au.name+"/"+cs.name, func(t *testing.T) {
						t.Parallel()
						c := in.Client(t)
						c.Header.Set("Cookie", "clinic_session="+session)
						h := cs.header.Clone()
						if au.value != "" {
							h.Set("Authorization", au.value)
						}
						res := c.Do("POST", rt.path, rt.body(), h)
						if allowed {
							require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
							return
						}
						require.Equal(t, http.StatusForbidden, res.Status, "%s", res.Body)
						require.Equal(t, "forbidden", res.ErrorCode())
						require.Empty(t, res.Header.Values("Set-Cookie"), "a refused request sets or clears no cookie")
					})
				}
			}
		}
		t.Cleanup(func() {
			// Runs after the parallel subtests: nothing they sent changed anything.
			ctx := context.Background()
			var n int
			require.NoError(t, in.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM patients WHERE clinic_id = $1`, clinicID).Scan(&n))
			require.Equal(t, 2, n, "only the two valid-token requests created a patient")
			require.NoError(t, in.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM clinics WHERE name = 'Forged'`).Scan(&n))
			require.Zero(t, n, "no forged signup went through")
			me := in.Client(t)
			me.Header.Set("Cookie", "clinic_session="+session)
			res := me.Do("GET", "/api/v1/me", nil)
			require.Equal(t, http.StatusOK, res.Status, "the forged logouts did not end the victim's session")
			require.Contains(t, string(res.Body), victimEmail, "the forged logins did not swap the session")
		})
	})
}
