package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
)

// TestRefusedFormatsWriteNothing sends phones, e-mails and time zones that
// the format checks refuse to every route that takes one: each answers 400
// invalid naming the field, and no row changes.
func TestRefusedFormatsWriteNothing(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := ptNewClinic(t, in)
		pt := c.create(t, map[string]any{"full_name": "Maria", "phone": "(11) 98765-4321", "email": "maria@example.com"})["id"].(string)
		clinic := "/api/v1/clinics/" + c.id

		// snapshot reads every row count and value these requests could
		// change.
		snapshot := func(t *testing.T) []string {
			t.Helper()
			queries := []struct {
				sql  string
				args []any
			}{
				{`SELECT count(*) FROM clinics`, nil},
				{`SELECT count(*) FROM users`, nil},
				{`SELECT count(*) FROM memberships`, nil},
				{`SELECT count(*) FROM patients`, nil},
				{`SELECT count(*) FROM audit_log WHERE action <> 'read'`, nil},
				{`SELECT phone || ' ' || email FROM patients WHERE id = $1`, []any{pt}},
				{`SELECT name || ' ' || time_zone FROM clinics WHERE id = $1`, []any{c.id}},
			}
			var out []string
			for _, q := range queries {
				var v string
				require.NoError(t, in.DB.QueryRowContext(context.Background(), q.sql, q.args...).Scan(&v), q.sql)
				out = append(out, q.sql+" = "+v)
			}
			return out
		}

		patient := func(field, v string) map[string]any { return map[string]any{"full_name": "Ana", field: v} }
		user := func(addr string) map[string]any {
			return map[string]any{"email": addr, "name": "Ana", "role": "receptionist", "password": password}
		}
		signup := func(addr string) map[string]any {
			return map[string]any{"clinic_name": "Nova", "name": "Ana", "email": addr, "password": password}
		}
		tests := []struct {
			name   string
			client *apptest.Client
			method string
			path   string
			body   map[string]any
			field  string
		}{
			{"new patient, country code 999", c.recep, "POST", c.path(""), patient("phone", "+999999999999999"), "phone"},
			{"new patient, old 8-digit mobile", c.recep, "POST", c.path(""), patient("phone", "(11) 8765-4321"), "phone"},
			{"new patient, phone with extension", c.recep, "POST", c.path(""), patient("phone", "(11) 3456-7890 ramal 12"), "phone"},
			{"patient update, country code 999", c.recep, "PATCH", c.path("/" + pt), map[string]any{"phone": "+999999999999999"}, "phone"},
			{"patient update, no area code", c.recep, "PATCH", c.path("/" + pt), map[string]any{"phone": "98765-4321"}, "phone"},

			{"new patient, underscore in the domain", c.recep, "POST", c.path(""), patient("email", "ana@exam_ple.com"), "email"},
			{"patient update, IP literal", c.recep, "PATCH", c.path("/" + pt), map[string]any{"email": "a@[127.0.0.1]"}, "email"},
			{"patient update, display name", c.recep, "PATCH", c.path("/" + pt), map[string]any{"email": "Ana <ana@example.com>"}, "email"},
			{"signup, domain starting with a hyphen", in.Client(t), "POST", "/api/v1/signup", signup("a@-example.com"), "email"},
			{"signup, IP literal", in.Client(t), "POST", "/api/v1/signup", signup("a@[127.0.0.1]"), "email"},
			{"new user, underscore in the domain", c.owner, "POST", clinic + "/users", user("ana@exam_ple.com"), "email"},
			{"new user, quoted local part", c.owner, "POST", clinic + "/users", user(`"ana souza"@example.com`), "email"},
			{"login, IP literal", in.Client(t), "POST", "/api/v1/login", map[string]any{"email": "a@[127.0.0.1]", "password": password}, "email"},

			{"zone Factory", c.owner, "PATCH", clinic, map[string]any{"time_zone": "Factory"}, "time_zone"},
			{"zone posixrules", c.owner, "PATCH", clinic, map[string]any{"time_zone": "posixrules"}, "time_zone"},
			{"zone EST5EDT", c.owner, "PATCH", clinic, map[string]any{"time_zone": "EST5EDT"}, "time_zone"},
			{"zone Etc/GMT+3", c.owner, "PATCH", clinic, map[string]any{"time_zone": "Etc/GMT+3"}, "time_zone"},
			{"zone Local", c.owner, "PATCH", clinic, map[string]any{"time_zone": "Local"}, "time_zone"},
			{"zone alias Brazil/East", c.owner, "PATCH", clinic, map[string]any{"time_zone": "Brazil/East"}, "time_zone"},
			{"zone alias US/Eastern", c.owner, "PATCH", clinic, map[string]any{"time_zone": "US/Eastern"}, "time_zone"},
			{"zone with a valid name too", c.owner, "PATCH", clinic, map[string]any{"name": "Renamed", "time_zone": "Factory"}, "time_zone"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := snapshot(t)
				res := tt.client.Do(tt.method, tt.path, tt.body)
				require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
				require.Equal(t, "invalid", res.ErrorCode(), "%s", res.Body)
				var e struct {
					Error struct {
						Fields map[string]string `json:"fields"`
					} `json:"error"`
				}
				res.Decode(t, &e)
				require.NotEmpty(t, e.Error.Fields[tt.field], "field %q named in %s", tt.field, res.Body)
				require.Empty(t, res.Header.Values("Set-Cookie"), "no session started")
				require.Equal(t, before, snapshot(t), "nothing written")
			})
		}
	})
}

// TestAcceptedFormatsAreNormalised sends phones, e-mails and time zones in
// the forms people write them: each is stored in its one canonical form, and
// a patient is found by the phone in any of its forms.
func TestAcceptedFormatsAreNormalised(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := ptNewClinic(t, in)

		phones := []struct{ in, want string }{
			{"(11) 98765-4321", "+5511987654321"},
			{"11 98765 4321", "+5511987654321"},
			{"+55 11 98765-4321", "+5511987654321"},
			{"011987654321", "+5511987654321"},
			{"(11) 3456-7890", "+551134567890"},
			{"+351 912 345 678", "+351912345678"},
			{"+1 415 555 2671", "+14155552671"},
		}
		for _, p := range phones {
			got := c.create(t, map[string]any{"full_name": "Ana", "phone": p.in})
			require.Equal(t, p.want, got["phone"], "phone %q", p.in)
		}
		id := c.create(t, map[string]any{"full_name": "Bia", "phone": "(21) 99876-5432"})["id"].(string)
		for _, q := range []string{"(21) 99876-5432", "21998765432", "+55 21 99876 5432", "+5521998765432", "021998765432", "0 15 21 99876-5432"} {
			res := c.owner.Do("GET", c.path("?q="+url.QueryEscape(q)), nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			var page struct {
				Items []struct{ ID string } `json:"items"`
			}
			res.Decode(t, &page)
			require.Len(t, page.Items, 1, "q=%q", q)
			require.Equal(t, id, page.Items[0].ID, "q=%q", q)
		}

		for _, e := range []struct{ in, want string }{
			{"Ana.Souza+agenda@Example.COM", "ana.souza+agenda@example.com"},
			{"ana@xn--mnchen-3ya.de", "ana@xn--mnchen-3ya.de"},
		} {
			got := c.create(t, map[string]any{"full_name": "Ana", "email": e.in})
			require.Equal(t, e.want, got["email"], "e-mail %q", e.in)
		}
		res := c.owner.Do("POST", "/api/v1/clinics/"+c.id+"/users", map[string]any{"email": "Rita+Recepcao@Clinica.com.BR", "name": "Rita", "role": "receptionist", "password": password})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		require.Equal(t, http.StatusOK, in.Client(t).Login("rita+recepcao@clinica.com.br", password).Status)

		for _, tz := range []string{"Europe/Lisbon", "America/Argentina/Buenos_Aires", "UTC", "America/Sao_Paulo"} {
			res := c.owner.Do("PATCH", "/api/v1/clinics/"+c.id, map[string]any{"time_zone": tz})
			require.Equal(t, http.StatusOK, res.Status, "%s: %s", tz, res.Body)
			require.Equal(t, tz, res.JSON(t)["time_zone"])
		}
	})
}
