package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

const password = "correct horse battery"

// each starts one instance per engine and runs fn against it.
func each(t *testing.T, env map[string]string, fn func(t *testing.T, in *apptest.Instance)) {
	t.Helper()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		fn(t, apptest.New(t, url, env))
	})
}

func email(prefix string) string { return testenv.RandomName(prefix) + "@example.com" }

func TestSignupLoginMeLogout(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := in.Client(t)
		addr := email("owner")
		res := c.Do("POST", "/api/v1/signup", map[string]string{
			"clinic_name": "Clínica São João", "name": "Ana Souza", "email": strings.ToUpper(addr), "password": password,
		})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		body := res.JSON(t)
		clinic := body["clinic"].(map[string]any)
		require.NotEmpty(t, clinic["id"])
		require.True(t, strings.HasPrefix(clinic["slug"].(string), "clinica-sao-joao"), "slug %v", clinic["slug"])
		require.Equal(t, "Clínica São João", clinic["name"])
		user := body["user"].(map[string]any)
		require.Equal(t, addr, user["email"], "e-mail is stored lower-case")
		require.Equal(t, "Ana Souza", user["name"])

		cookie := res.Header.Get("Set-Cookie")
		require.Contains(t, cookie, "HttpOnly")
		require.Contains(t, cookie, "SameSite=Lax")
		require.NotContains(t, cookie, "Secure", "BASE_URL is http")

		me := c.Do("GET", "/api/v1/me", nil)
		require.Equal(t, http.StatusOK, me.Status, "%s", me.Body)
		var meBody struct {
			User    struct{ ID, Email, Name string }
			Clinics []struct{ ID, Slug, Name, Role string }
		}
		me.Decode(t, &meBody)
		require.Equal(t, user["id"], meBody.User.ID)
		require.Len(t, meBody.Clinics, 1)
		require.Equal(t, "owner", meBody.Clinics[0].Role)
		require.Equal(t, clinic["id"], meBody.Clinics[0].ID)

		// A second browser logs in with the password.
		c2 := in.Client(t)
		res = c2.Login(addr, password)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, http.StatusOK, c2.Do("GET", "/api/v1/me", nil).Status)

		// Logout ends that session only.
		res = c2.Do("POST", "/api/v1/logout", nil)
		require.Equal(t, http.StatusNoContent, res.Status)
		require.Equal(t, http.StatusUnauthorized, c2.Do("GET", "/api/v1/me", nil).Status)
		require.Equal(t, http.StatusOK, c.Do("GET", "/api/v1/me", nil).Status)
	})
}

func TestSignupValidation(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		taken := email("taken")
		in.Client(t).Signup("Taken", taken)
		tests := []struct {
			name   string
			body   map[string]string
			status int
			code   string
			fields []string
		}{
			{"everything missing", map[string]string{}, 400, "invalid", []string{"clinic_name", "name", "email", "password"}},
			{"short password", map[string]string{"clinic_name": "C", "name": "N", "email": email("a"), "password": "short"}, 400, "invalid", []string{"password"}},
			{"bad e-mail", map[string]string{"clinic_name": "C", "name": "N", "email": "not-an-email", "password": password}, 400, "invalid", []string{"email"}},
			{"e-mail taken", map[string]string{"clinic_name": "C", "name": "N", "email": taken, "password": password}, 409, "conflict", []string{"email"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				res := in.Client(t).Do("POST", "/api/v1/signup", tt.body)
				require.Equal(t, tt.status, res.Status, "%s", res.Body)
				require.Equal(t, tt.code, res.ErrorCode())
				fields := res.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)
				for _, f := range tt.fields {
					require.Contains(t, fields, f)
				}
			})
		}
	})
}

func TestLoginWrongCredentialsAnswerTheSame(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		addr := email("owner")
		in.Client(t).Signup("Clinic", addr)
		wrongPassword := in.Client(t).Login(addr, "wrong password!")
		unknownEmail := in.Client(t).Login(email("nobody"), password)
		require.Equal(t, http.StatusUnauthorized, wrongPassword.Status)
		require.Equal(t, http.StatusUnauthorized, unknownEmail.Status)
		require.Equal(t, "unauthorized", wrongPassword.ErrorCode())
		require.JSONEq(t, string(wrongPassword.Body), string(unknownEmail.Body))
		require.Empty(t, wrongPassword.Header.Get("Set-Cookie"))

		res := in.Client(t).Do("POST", "/api/v1/login", map[string]string{"email": addr})
		require.Equal(t, http.StatusBadRequest, res.Status)
		require.Contains(t, string(res.Body), `"password"`)
	})
}

func TestSessionRenewedAtLoginAndDestroyedAtLogout(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		addr := email("owner")
		c := in.Client(t)
		c.Signup("Clinic", addr)
		before := c.SessionToken(t)

		res := c.Login(addr, password)
		require.Equal(t, http.StatusOK, res.Status)
		after := c.SessionToken(t)
		require.NotEqual(t, before, after, "login must issue a new session token")

		// The pre-login token no longer works.
		old := in.Client(t)
		old.Header.Set("Cookie", "clinic_session="+before)
		require.Equal(t, http.StatusUnauthorized, old.Do("GET", "/api/v1/me", nil).Status)

		// After logout, the token is dead even if a client kept it.
		require.Equal(t, http.StatusNoContent, c.Do("POST", "/api/v1/logout", nil).Status)
		kept := in.Client(t)
		kept.Header.Set("Cookie", "clinic_session="+after)
		require.Equal(t, http.StatusUnauthorized, kept.Do("GET", "/api/v1/me", nil).Status)
	})
}

func TestMeWithoutSession(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		res := in.Client(t).Do("GET", "/api/v1/me", nil)
		require.Equal(t, http.StatusUnauthorized, res.Status)
		require.Equal(t, "unauthorized", res.ErrorCode())
		c := in.Client(t)
		c.Header.Set("Cookie", "clinic_session=forged")
		require.Equal(t, http.StatusUnauthorized, c.Do("GET", "/api/v1/me", nil).Status)
	})
}

func TestAddUsersAndRoles(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		owner := in.Client(t)
		clinicID, _ := owner.Signup("Clinic A", email("owner"))
		other := in.Client(t)
		otherClinic, _ := other.Signup("Clinic B", email("other"))

		recep := email("recep")
		res := owner.Do("POST", "/api/v1/clinics/"+clinicID+"/users", map[string]any{"email": recep, "name": "Rita", "role": "receptionist", "password": password})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		require.Equal(t, "receptionist", res.JSON(t)["role"])
		admin := email("admin")
		res = owner.Do("POST", "/api/v1/clinics/"+clinicID+"/users", map[string]any{"email": admin, "name": "Adm", "role": "admin", "password": password})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)

		rc := in.Client(t)
		require.Equal(t, http.StatusOK, rc.Login(recep, password).Status)
		ac := in.Client(t)
		require.Equal(t, http.StatusOK, ac.Login(admin, password).Status)

		tests := []struct {
			name   string
			client *apptest.Client
			clinic string
			body   map[string]any
			status int
			code   string
		}{
			{"receptionist cannot add users", rc, clinicID, map[string]any{"email": email("x"), "name": "X", "role": "receptionist"}, 403, "forbidden"},
			{"admin cannot make owners", ac, clinicID, map[string]any{"email": email("x"), "name": "X", "role": "owner"}, 403, "forbidden"},
			{"admin adds a professional", ac, clinicID, map[string]any{"email": email("pro"), "name": "Dr X", "role": "professional"}, 201, ""},
			{"another clinic's id is not found", owner, otherClinic, map[string]any{"email": email("x"), "name": "X", "role": "receptionist"}, 404, "not_found"},
			{"unknown clinic id", owner, "0190a1b2-0000-7000-8000-000000000009", map[string]any{"email": email("x"), "name": "X", "role": "receptionist"}, 404, "not_found"},
			{"malformed clinic id", owner, "not-a-uuid", map[string]any{"email": email("x"), "name": "X", "role": "receptionist"}, 404, "not_found"},
			{"unknown role", owner, clinicID, map[string]any{"email": email("x"), "name": "X", "role": "boss"}, 400, "invalid"},
			{"already a member", owner, clinicID, map[string]any{"email": recep, "name": "Rita", "role": "financial"}, 409, "conflict"},
			{"existing user of another clinic joins", other, otherClinic, map[string]any{"email": recep, "name": "Rita", "role": "financial"}, 201, ""},
		}
		for _, tt := range tests {
			res := tt.client.Do("POST", "/api/v1/clinics/"+tt.clinic+"/users", tt.body)
			require.Equal(t, tt.status, res.Status, "%s: %s", tt.name, res.Body)
			require.Equal(t, tt.code, res.ErrorCode(), tt.name)
		}

		// Rita now belongs to both clinics, with a role in each.
		me := rc.Do("GET", "/api/v1/me", nil)
		var body struct{ Clinics []struct{ ID, Role string } }
		me.Decode(t, &body)
		roles := map[string]string{}
		for _, c := range body.Clinics {
			roles[c.ID] = c.Role
		}
		require.Equal(t, map[string]string{clinicID: "receptionist", otherClinic: "financial"}, roles)
	})
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		owner := in.Client(t)
		clinicID, _ := owner.Signup("Clinic A", email("owner"))
		other := in.Client(t)
		otherClinic, _ := other.Signup("Clinic B", email("other"))

		res := owner.Do("POST", "/api/v1/clinics/"+clinicID+"/tokens", map[string]string{"name": "Integração", "role": "admin"})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		var tok struct{ ID, Token, Role string }
		res.Decode(t, &tok)
		require.NotEmpty(t, tok.ID)
		require.True(t, strings.HasPrefix(tok.Token, "clk_"))

		api := in.Client(t)
		api.Header.Set("Authorization", "Bearer "+tok.Token)
		me := api.Do("GET", "/api/v1/me", nil)
		require.Equal(t, http.StatusOK, me.Status, "%s", me.Body)
		require.Contains(t, string(me.Body), clinicID)

		// The token acts in its clinic with its role, and nowhere else.
		res = api.Do("POST", "/api/v1/clinics/"+clinicID+"/users", map[string]any{"email": email("via-token"), "name": "T", "role": "receptionist"})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		res = api.Do("POST", "/api/v1/clinics/"+otherClinic+"/users", map[string]any{"email": email("x"), "name": "T", "role": "receptionist"})
		require.Equal(t, http.StatusNotFound, res.Status)
		res = api.Do("POST", "/api/v1/clinics/"+clinicID+"/users", map[string]any{"email": email("x"), "name": "T", "role": "owner"})
		require.Equal(t, http.StatusForbidden, res.Status, "an admin token cannot grant owner")

		// Another clinic cannot revoke it; a missing id is 404.
		require.Equal(t, http.StatusNotFound, other.Do("DELETE", "/api/v1/clinics/"+otherClinic+"/tokens/"+tok.ID, nil).Status)
		require.Equal(t, http.StatusNotFound, owner.Do("DELETE", "/api/v1/clinics/"+clinicID+"/tokens/0190a1b2-0000-7000-8000-000000000009", nil).Status)
		require.Equal(t, http.StatusOK, api.Do("GET", "/api/v1/me", nil).Status)

		require.Equal(t, http.StatusNoContent, owner.Do("DELETE", "/api/v1/clinics/"+clinicID+"/tokens/"+tok.ID, nil).Status)
		res = api.Do("GET", "/api/v1/me", nil)
		require.Equal(t, http.StatusUnauthorized, res.Status)
		require.Equal(t, "unauthorized", res.ErrorCode())

		bad := in.Client(t)
		bad.Header.Set("Authorization", "Bearer clk_not-a-token")
		require.Equal(t, http.StatusUnauthorized, bad.Do("GET", "/api/v1/me", nil).Status)

		// Receptionists cannot create tokens.
		recep := email("recep")
		require.Equal(t, http.StatusCreated, owner.Do("POST", "/api/v1/clinics/"+clinicID+"/users", map[string]any{"email": recep, "name": "R", "role": "receptionist", "password": password}).Status)
		rc := in.Client(t)
		require.Equal(t, http.StatusOK, rc.Login(recep, password).Status)
		require.Equal(t, http.StatusForbidden, rc.Do("POST", "/api/v1/clinics/"+clinicID+"/tokens", map[string]string{"name": "x", "role": "receptionist"}).Status)
		require.Equal(t, http.StatusForbidden, rc.Do("DELETE", "/api/v1/clinics/"+clinicID+"/tokens/"+tok.ID, nil).Status)
	})
}

func TestMalformedAndOversizedBodies(t *testing.T) {
	t.Parallel()
	each(t, map[string]string{"MAX_BODY_BYTES": "2048"}, func(t *testing.T, in *apptest.Instance) {
		addr := email("victim")
		tests := []struct {
			name   string
			body   string
			status int
			code   string
			want   string
		}{
			{"malformed JSON", `{"clinic_name": "A", "email": `, 400, "invalid", "not valid JSON"},
			{"syntax error", `{"clinic_name": "A",, }`, 400, "invalid", "not valid JSON"},
			{"unknown field", `{"clinic_name":"A","name":"N","email":"` + addr + `","password":"` + password + `","admin":true}`, 400, "invalid", `"admin"`},
			{"wrong type", `{"clinic_name":42,"name":"N","email":"` + addr + `","password":"` + password + `"}`, 400, "invalid", `"clinic_name"`},
			{"not an object", `["a"]`, 400, "invalid", "JSON object"},
			{"empty body", ``, 400, "invalid", "empty"},
			{"trailing data", `{"clinic_name":"A","name":"N","email":"` + addr + `","password":"` + password + `"} {"x":1}`, 400, "invalid", "single JSON object"},
			{"oversized", `{"clinic_name":"` + strings.Repeat("a", 4096) + `","name":"N","email":"` + addr + `","password":"` + password + `"}`, 413, "too_large", "larger than 2048"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := in.Client(t).Do("POST", "/api/v1/signup", tt.body)
				require.Equal(t, tt.status, res.Status, "%s", res.Body)
				require.Equal(t, tt.code, res.ErrorCode())
				require.Contains(t, string(res.Body), tt.want)
			})
		}
		// Nothing was written by any of them.
		require.Equal(t, http.StatusUnauthorized, in.Client(t).Login(addr, password).Status)

		// Chunked oversized bodies (no Content-Length) are cut while streaming.
		req, err := http.NewRequest("POST", in.URL+"/api/v1/login", &slowReader{n: 10000})
		require.NoError(t, err)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	})
}

// slowReader yields n bytes of a never-ending JSON string without a length.
type slowReader struct{ n, off int }

func (r *slowReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	i := 0
	for ; i < len(p) && r.off < r.n; i++ {
		if r.off == 0 {
			p[i] = '"'
		} else {
			p[i] = 'a'
		}
		r.off++
	}
	return i, nil
}

func TestCSRFRejectsCrossSiteCookieRequests(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := in.Client(t)
		clinicID, _ := c.Signup("Clinic", email("owner"))
		crossSite := http.Header{"Sec-Fetch-Site": {"cross-site"}}
		evilOrigin := http.Header{"Origin": {"https://evil.example"}}

		for name, h := range map[string]http.Header{"sec-fetch-site": crossSite, "origin": evilOrigin} {
			res := c.Do("POST", "/api/v1/clinics/"+clinicID+"/users", map[string]any{"email": email("x"), "name": "X", "role": "receptionist"}, h)
			require.Equal(t, http.StatusForbidden, res.Status, "%s: %s", name, res.Body)
			require.Equal(t, "forbidden", res.ErrorCode())
			res = c.Do("POST", "/api/v1/logout", nil, h)
			require.Equal(t, http.StatusForbidden, res.Status, name)
		}
		// The session survived the forged logout; same-origin requests pass.
		require.Equal(t, http.StatusOK, c.Do("GET", "/api/v1/me", nil, crossSite).Status, "safe methods are not blocked")
		same := http.Header{"Sec-Fetch-Site": {"same-origin"}}
		res := c.Do("POST", "/api/v1/clinics/"+clinicID+"/tokens", map[string]string{"name": "t", "role": "receptionist"}, same)
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	})
}

func TestLoginRateLimitedPerEmail(t *testing.T) {
	t.Parallel()
	each(t, map[string]string{"RATE_LIMIT_LOGIN_EMAIL": "3/1m"}, func(t *testing.T, in *apptest.Instance) {
		addr := email("owner")
		in.Client(t).Signup("Clinic", addr)
		for i := 0; i < 3; i++ {
			res := in.Client(t).Login(addr, "wrong password!")
			require.Equal(t, http.StatusUnauthorized, res.Status)
			require.Equal(t, "3", res.Header.Get("RateLimit-Limit"))
		}
		res := in.Client(t).Login(addr, password)
		require.Equal(t, http.StatusTooManyRequests, res.Status, "%s", res.Body)
		require.Equal(t, "rate_limited", res.ErrorCode())
		require.NotEmpty(t, res.Header.Get("Retry-After"))
		require.Equal(t, "0", res.Header.Get("RateLimit-Remaining"))
		// Another address is not limited.
		require.Equal(t, http.StatusUnauthorized, in.Client(t).Login(email("other"), password).Status)
	})
}

func TestOperationsEndpoints(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := in.Client(t)
		require.Equal(t, http.StatusOK, c.Do("GET", "/healthz", nil).Status)
		ready := c.Do("GET", "/readyz", nil)
		require.Equal(t, http.StatusOK, ready.Status, "%s", ready.Body)
		require.Contains(t, string(ready.Body), `"database"`)
		c.Do("GET", "/api/v1/me", nil)
		res := c.Do("GET", "/api/v1/nope", nil)
		require.Equal(t, http.StatusNotFound, res.Status)
		require.Equal(t, "not_found", res.ErrorCode())
		m := c.Do("GET", "/metrics", nil)
		require.Equal(t, http.StatusOK, m.Status)
		for _, want := range []string{
			`clinic_http_requests_total{route="GET /api/v1/me",status="401"}`,
			`clinic_http_request_duration_seconds_bucket{route="GET /api/v1/me"`,
			`clinic_db_max_connections{engine=`, `clinic_db_connections{engine=`, `go_goroutines`,
		} {
			require.True(t, strings.Contains(string(m.Body), want), "/metrics lacks %s", want)
		}
	})
}

func TestClinicSettings(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		owner := in.Client(t)
		clinicID, _ := owner.Signup("Clinic A", email("owner"))
		other := in.Client(t)
		otherClinic, _ := other.Signup("Clinic B", email("other"))
		recep := email("recep")
		require.Equal(t, http.StatusCreated, owner.Do("POST", "/api/v1/clinics/"+clinicID+"/users", map[string]any{"email": recep, "name": "R", "role": "receptionist", "password": password}).Status)
		rc := in.Client(t)
		require.Equal(t, http.StatusOK, rc.Login(recep, password).Status)

		res := rc.Do("GET", "/api/v1/clinics/"+clinicID, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "America/Sao_Paulo", res.JSON(t)["time_zone"])
		require.Equal(t, "pt-BR", res.JSON(t)["locale"])

		tests := []struct {
			name   string
			client *apptest.Client
			clinic string
			body   map[string]any
			status int
			code   string
		}{
			{"receptionist cannot change settings", rc, clinicID, map[string]any{"name": "X"}, 403, "forbidden"},
			{"another clinic is not found", owner, otherClinic, map[string]any{"name": "X"}, 404, "not_found"},
			{"unknown time zone", owner, clinicID, map[string]any{"time_zone": "Mars/Olympus"}, 400, "invalid"},
			{"unknown locale", owner, clinicID, map[string]any{"locale": "fr"}, 400, "invalid"},
			{"empty name", owner, clinicID, map[string]any{"name": " "}, 400, "invalid"},
			{"owner changes zone and locale", owner, clinicID, map[string]any{"time_zone": "America/Manaus", "locale": "en"}, 200, ""},
		}
		for _, tt := range tests {
			res := tt.client.Do("PATCH", "/api/v1/clinics/"+tt.clinic, tt.body)
			require.Equal(t, tt.status, res.Status, "%s: %s", tt.name, res.Body)
			require.Equal(t, tt.code, res.ErrorCode(), tt.name)
		}
		// The cached copy was dropped: everyone reads the new settings.
		res = rc.Do("GET", "/api/v1/clinics/"+clinicID, nil)
		require.Equal(t, "America/Manaus", res.JSON(t)["time_zone"])
		require.Equal(t, "en", res.JSON(t)["locale"])
		require.Equal(t, "Clinic A", res.JSON(t)["name"], "a failed update changed nothing")
	})
}

func TestMembersRolesChangeAndRemoval(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		owner := in.Client(t)
		clinicID, ownerID := owner.Signup("Clinic", email("owner"))
		_, strangerID := in.Client(t).Signup("Other", email("other"))
		base := "/api/v1/clinics/" + clinicID
		rc, recepID := in.Member(t, owner, clinicID, "receptionist")

		// The receptionist's role is cached by this request…
		require.Equal(t, http.StatusForbidden, rc.Do("POST", base+"/tokens", map[string]string{"name": "t", "role": "receptionist"}).Status)
		require.Equal(t, http.StatusForbidden, rc.Do("GET", base+"/users", nil).Status)

		res := owner.Do("GET", base+"/users", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var list struct {
			Items []struct{ ID, Email, Role string }
		}
		res.Decode(t, &list)
		require.Len(t, list.Items, 2)

		// …and the promotion shows at once.
		res = owner.Do("PATCH", base+"/users/"+recepID, map[string]string{"role": "admin"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, http.StatusCreated, rc.Do("POST", base+"/tokens", map[string]string{"name": "t", "role": "receptionist"}).Status)

		tests := []struct {
			name   string
			client *apptest.Client
			method string
			user   string
			body   any
			status int
		}{
			{"an admin cannot demote an owner", rc, "PATCH", ownerID, map[string]string{"role": "financial"}, 403},
			{"an admin cannot make an owner", rc, "PATCH", recepID, map[string]string{"role": "owner"}, 403},
			{"unknown role", owner, "PATCH", recepID, map[string]string{"role": "boss"}, 400},
			{"the last owner stays owner", owner, "PATCH", ownerID, map[string]string{"role": "admin"}, 409},
			{"the last owner cannot leave", owner, "DELETE", ownerID, nil, 409},
			{"another clinic's user is not found", owner, "PATCH", strangerID, map[string]string{"role": "admin"}, 404},
			{"malformed id is not found", owner, "DELETE", "nope", nil, 404},
		}
		for _, tt := range tests {
			res := tt.client.Do(tt.method, base+"/users/"+tt.user, tt.body)
			require.Equal(t, tt.status, res.Status, "%s: %s", tt.name, res.Body)
		}

		require.Equal(t, http.StatusNoContent, owner.Do("DELETE", base+"/users/"+recepID, nil).Status)
		require.Equal(t, http.StatusNotFound, rc.Do("GET", base, nil).Status, "a removed user no longer sees the clinic")
		require.Equal(t, http.StatusNotFound, owner.Do("DELETE", base+"/users/"+recepID, nil).Status)
	})
}
