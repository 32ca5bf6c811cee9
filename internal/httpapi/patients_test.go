package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// ptClinic is a clinic with an owner and a user of every other role, each
// logged in with their own client; pro is linked to professional profID.
type ptClinic struct {
	id                  string
	owner, admin, recep *apptest.Client
	pro, fin            *apptest.Client
	proUserID, profID   string
	in                  *apptest.Instance
}

func ptNewClinic(t *testing.T, in *apptest.Instance) *ptClinic {
	t.Helper()
	c := &ptClinic{in: in, owner: in.Client(t)}
	c.id, _ = c.owner.Signup("Clínica Pacientes", email("owner"))
	c.admin, _ = in.Member(t, c.owner, c.id, "admin")
	c.recep, _ = in.Member(t, c.owner, c.id, "receptionist")
	c.pro, c.proUserID = in.Member(t, c.owner, c.id, "professional")
	c.fin, _ = in.Member(t, c.owner, c.id, "financial")
	c.profID = kernel.NewID()
	now := db.Time(time.Now())
	_, err := in.DB.ExecContext(context.Background(), `INSERT INTO professionals (id, clinic_id, name, user_id, created_at, updated_at) VALUES ($1, $2, 'Dra. Ana', $3, $4, $4)`,
		c.profID, c.id, c.proUserID, now)
	require.NoError(t, err)
	return c
}

func (c *ptClinic) path(p string) string { return "/api/v1/clinics/" + c.id + "/patients" + p }

// create registers a patient as the receptionist and returns its JSON.
func (c *ptClinic) create(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	res := c.recep.Do("POST", c.path(""), body)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	return res.JSON(t)
}

// book gives patientID an appointment with the clinic's linked professional
// (inserted with SQL), days days from now.
func (c *ptClinic) book(t *testing.T, patientID string, days int) {
	t.Helper()
	start := db.Time(time.Now().AddDate(0, 0, days))
	_, err := c.in.DB.ExecContext(context.Background(), `INSERT INTO appointments (id, clinic_id, patient_id, professional_id, starts_at, ends_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, kernel.NewID(), c.id, patientID, c.profID, start, start.Add(30*time.Minute), db.Time(time.Now()))
	require.NoError(t, err)
}

func TestPatientLifecycle(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := ptNewClinic(t, in)
		res := c.recep.Do("POST", c.path(""), map[string]any{
			"full_name": "João da Silva", "social_name": "Joana", "cpf": "12345678909", "birth_date": "1985-07-14",
			"sex": "feminino", "phone": "(11) 98765-4321", "email": "Joana@Example.com",
			"address":   map[string]any{"street": "Rua Augusta", "number": "100", "city": "São Paulo", "state": "sp", "zip": "01305000"},
			"insurance": map[string]any{"plan": "Unimed", "card_number": "0 123 456"},
			"notes":     "Alergia a dipirona.",
			"consents":  map[string]any{"whatsapp": true, "email": false},
		})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		created := res.JSON(t)
		id := created["id"].(string)
		require.Equal(t, "123.456.789-09", created["cpf"])
		require.Equal(t, "+5511987654321", created["phone"])
		require.Equal(t, "joana@example.com", created["email"])
		require.Equal(t, map[string]any{"street": "Rua Augusta", "number": "100", "complement": "", "district": "", "city": "São Paulo", "state": "SP", "zip": "01305-000"}, created["address"])
		require.Equal(t, map[string]any{"plan": "Unimed", "card_number": "0 123 456", "valid_until": nil}, created["insurance"])
		consents := created["consents"].(map[string]any)
		require.Equal(t, true, consents["whatsapp"].(map[string]any)["granted"])
		require.NotNil(t, consents["whatsapp"].(map[string]any)["at"])
		require.Equal(t, false, consents["email"].(map[string]any)["granted"])
		require.NotNil(t, consents["email"].(map[string]any)["at"], "a refusal is stamped too")
		require.Equal(t, map[string]any{"granted": false, "at": nil}, consents["sms"], "never asked")
		_, err := time.Parse(time.RFC3339, created["created_at"].(string))
		require.NoError(t, err)

		res = c.owner.Do("GET", c.path("/"+id), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, created, res.JSON(t))

		// PATCH changes only what it names; null clears.
		res = c.recep.Do("PATCH", c.path("/"+id), map[string]any{
			"phone": nil, "address": map[string]any{"complement": "apto 12"}, "insurance": nil, "consents": map[string]any{"sms": true},
		})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		updated := res.JSON(t)
		require.Nil(t, updated["phone"])
		require.Equal(t, "apto 12", updated["address"].(map[string]any)["complement"])
		require.Equal(t, "Rua Augusta", updated["address"].(map[string]any)["street"])
		require.Equal(t, map[string]any{"plan": "", "card_number": "", "valid_until": nil}, updated["insurance"])
		for _, k := range []string{"id", "full_name", "social_name", "cpf", "birth_date", "sex", "email", "notes", "created_at"} {
			require.Equal(t, created[k], updated[k], k)
		}
		uc := updated["consents"].(map[string]any)
		require.Equal(t, consents["whatsapp"], uc["whatsapp"], "unchanged consent keeps its time")
		require.Equal(t, true, uc["sms"].(map[string]any)["granted"])

		// Archiving hides the patient everywhere.
		require.Equal(t, http.StatusNoContent, c.recep.Do("DELETE", c.path("/"+id), nil).Status)
		for _, r := range []struct {
			method string
			body   any
		}{{"GET", nil}, {"PATCH", map[string]any{"notes": "x"}}, {"DELETE", nil}} {
			res = c.owner.Do(r.method, c.path("/"+id), r.body)
			require.Equal(t, http.StatusNotFound, res.Status, "%s: %s", r.method, res.Body)
			require.Equal(t, "not_found", res.ErrorCode())
		}
		res = c.owner.Do("GET", c.path("?q=joao"), nil)
		require.Equal(t, http.StatusOK, res.Status)
		require.JSONEq(t, `{"items":[]}`, string(res.Body))
		// Its CPF can be registered again.
		c.create(t, map[string]any{"full_name": "João da Silva", "cpf": "123.456.789-09"})
	})
}

func TestPatientRefusals(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := ptNewClinic(t, in)
		other := ptNewClinic(t, in)
		existing := c.create(t, map[string]any{"full_name": "Maria Souza", "cpf": "529.982.247-25"})["id"].(string)
		foreign := other.create(t, map[string]any{"full_name": "Ana Lima", "cpf": "111.444.777-35"})["id"].(string)
		future := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
		unknown := "0190a1b2-0000-7000-8000-000000000009"

		tests := []struct {
			name   string
			method string
			path   string
			body   any
			status int
			code   string
			field  string
		}{
			{"missing full name", "POST", "", map[string]any{"cpf": "12345678909"}, 400, "invalid", "full_name"},
			{"blank full name", "POST", "", map[string]any{"full_name": "   "}, 400, "invalid", "full_name"},
			{"CPF with wrong check digits", "POST", "", map[string]any{"full_name": "A", "cpf": "123.456.789-00"}, 400, "invalid", "cpf"},
			{"CPF too short", "POST", "", map[string]any{"full_name": "A", "cpf": "1234567890"}, 400, "invalid", "cpf"},
			{"CPF too long", "POST", "", map[string]any{"full_name": "A", "cpf": "123456789091"}, 400, "invalid", "cpf"},
			{"CPF of one repeated digit", "POST", "", map[string]any{"full_name": "A", "cpf": "111.111.111-11"}, 400, "invalid", "cpf"},
			{"phone without area code", "POST", "", map[string]any{"full_name": "A", "phone": "98765-4321"}, 400, "invalid", "phone"},
			{"phone with letters", "POST", "", map[string]any{"full_name": "A", "phone": "call me"}, 400, "invalid", "phone"},
			{"phone with unknown area code", "POST", "", map[string]any{"full_name": "A", "phone": "(20) 98765-4321"}, 400, "invalid", "phone"},
			{"invalid e-mail", "POST", "", map[string]any{"full_name": "A", "email": "ana@"}, 400, "invalid", "email"},
			{"e-mail without domain dot", "POST", "", map[string]any{"full_name": "A", "email": "ana@localhost"}, 400, "invalid", "email"},
			{"birth date in the future", "POST", "", map[string]any{"full_name": "A", "birth_date": future}, 400, "invalid", "birth_date"},
			{"malformed birth date", "POST", "", map[string]any{"full_name": "A", "birth_date": "14/07/1985"}, 400, "invalid", "birth_date"},
			{"impossible birth date", "POST", "", map[string]any{"full_name": "A", "birth_date": "1985-02-30"}, 400, "invalid", "birth_date"},
			{"unknown state", "POST", "", map[string]any{"full_name": "A", "address": map[string]any{"state": "XX"}}, 400, "invalid", "address.state"},
			{"bad CEP", "POST", "", map[string]any{"full_name": "A", "address": map[string]any{"zip": "123"}}, 400, "invalid", "address.zip"},
			{"bad insurance validity", "POST", "", map[string]any{"full_name": "A", "insurance": map[string]any{"valid_until": "soon"}}, 400, "invalid", "insurance.valid_until"},
			{"null consent", "POST", "", map[string]any{"full_name": "A", "consents": map[string]any{"sms": nil}}, 400, "invalid", "consents.sms"},
			{"consent not a boolean", "POST", "", map[string]any{"full_name": "A", "consents": map[string]any{"sms": "yes"}}, 400, "invalid", "consents.sms"},
			{"wrong type", "POST", "", map[string]any{"full_name": 42}, 400, "invalid", "full_name"},
			{"unknown field", "POST", "", map[string]any{"full_name": "A", "rg": "123"}, 400, "invalid", "rg"},
			{"malformed body", "POST", "", `{"full_name": "A",`, 400, "invalid", ""},
			{"not an object", "POST", "", `["A"]`, 400, "invalid", ""},
			{"duplicate CPF", "POST", "", map[string]any{"full_name": "Other Maria", "cpf": "52998224725"}, 409, "conflict", "cpf"},
			{"PATCH to a duplicate CPF", "PATCH", "/" + c.create(t, map[string]any{"full_name": "B"})["id"].(string), map[string]any{"cpf": "529.982.247-25"}, 409, "conflict", "cpf"},
			{"PATCH clearing the full name", "PATCH", "/" + existing, map[string]any{"full_name": nil}, 400, "invalid", "full_name"},
			{"PATCH with a malformed body", "PATCH", "/" + existing, `{"cpf": }`, 400, "invalid", ""},
			{"unknown id", "GET", "/" + unknown, nil, 404, "not_found", ""},
			{"malformed id", "GET", "/not-an-id", nil, 404, "not_found", ""},
			{"PATCH unknown id", "PATCH", "/" + unknown, map[string]any{"notes": "x"}, 404, "not_found", ""},
			{"DELETE unknown id", "DELETE", "/" + unknown, nil, 404, "not_found", ""},
			{"another clinic's patient", "GET", "/" + foreign, nil, 404, "not_found", ""},
			{"PATCH another clinic's patient", "PATCH", "/" + foreign, map[string]any{"notes": "x"}, 404, "not_found", ""},
			{"DELETE another clinic's patient", "DELETE", "/" + foreign, nil, 404, "not_found", ""},
			{"limit zero", "GET", "?limit=0", nil, 400, "invalid", "limit"},
			{"limit over 200", "GET", "?limit=201", nil, 400, "invalid", "limit"},
			{"limit not a number", "GET", "?limit=ten", nil, 400, "invalid", "limit"},
			{"forged cursor", "GET", "?cursor=abc", nil, 400, "invalid", "cursor"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := c.owner.Do(tt.method, c.path(tt.path), tt.body)
				require.Equal(t, tt.status, res.Status, "%s", res.Body)
				require.Equal(t, tt.code, res.ErrorCode(), "%s", res.Body)
				if tt.field != "" {
					fields, _ := res.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)
					require.Contains(t, fields, tt.field, "%s", res.Body)
				}
				if tt.status == 409 {
					details := res.JSON(t)["error"].(map[string]any)["details"].(map[string]any)
					require.Equal(t, existing, details["patient_id"])
				}
			})
		}
		// None of the refused writes changed anything.
		res := c.owner.Do("GET", c.path("/"+existing), nil)
		require.Equal(t, http.StatusOK, res.Status)
		require.Equal(t, "Maria Souza", res.JSON(t)["full_name"])
		// The same CPF in another clinic is fine.
		other.create(t, map[string]any{"full_name": "Maria Souza", "cpf": "52998224725"})
	})
}

func TestPatientRoles(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := ptNewClinic(t, in)
		own := c.create(t, map[string]any{"full_name": "Paciente Própria", "notes": "clinical notes"})["id"].(string)
		notOwn := c.create(t, map[string]any{"full_name": "Paciente Alheia", "notes": "clinical notes"})["id"].(string)
		c.book(t, own, 1)

		newPatient := map[string]any{"full_name": "Nova Paciente"}
		tests := []struct {
			name   string
			client *apptest.Client
			method string
			path   string
			body   any
			status int
		}{
			{"owner lists", c.owner, "GET", "", nil, 200},
			{"admin reads", c.admin, "GET", "/" + notOwn, nil, 200},
			{"admin archives", c.admin, "DELETE", "/" + c.create(t, newPatient)["id"].(string), nil, 204},
			{"receptionist creates", c.recep, "POST", "", newPatient, 201},
			{"receptionist updates", c.recep, "PATCH", "/" + notOwn, map[string]any{"sex": "F"}, 200},
			{"professional creates", c.pro, "POST", "", newPatient, 201},
			{"professional reads their patient", c.pro, "GET", "/" + own, nil, 200},
			{"professional updates their patient", c.pro, "PATCH", "/" + own, map[string]any{"notes": "seen today"}, 200},
			{"professional cannot read another's patient", c.pro, "GET", "/" + notOwn, nil, 404},
			{"professional cannot update another's patient", c.pro, "PATCH", "/" + notOwn, map[string]any{"notes": "x"}, 404},
			{"professional cannot archive", c.pro, "DELETE", "/" + own, nil, 403},
			{"financial lists", c.fin, "GET", "", nil, 200},
			{"financial reads", c.fin, "GET", "/" + notOwn, nil, 200},
			{"financial cannot create", c.fin, "POST", "", newPatient, 403},
			{"financial cannot update", c.fin, "PATCH", "/" + notOwn, map[string]any{"notes": "x"}, 403},
			{"financial cannot archive", c.fin, "DELETE", "/" + notOwn, nil, 403},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := tt.client.Do(tt.method, c.path(tt.path), tt.body)
				require.Equal(t, tt.status, res.Status, "%s", res.Body)
				if tt.status == 403 {
					require.Equal(t, "forbidden", res.ErrorCode())
				}
			})
		}

		// The professional's list holds only their patients.
		res := c.pro.Do("GET", c.path(""), nil)
		var page struct {
			Items []map[string]any `json:"items"`
		}
		res.Decode(t, &page)
		require.Len(t, page.Items, 1)
		require.Equal(t, own, page.Items[0]["id"])
		require.Equal(t, "seen today", page.Items[0]["notes"])

		// Financial users never see notes, in lists or reads.
		res = c.fin.Do("GET", c.path("/"+own), nil)
		require.NotContains(t, res.JSON(t), "notes")
		res = c.fin.Do("GET", c.path("?q=paciente"), nil)
		var finPage struct {
			Items []map[string]any `json:"items"`
		}
		res.Decode(t, &finPage)
		require.Len(t, finPage.Items, 4)
		for _, p := range finPage.Items {
			require.NotContains(t, p, "notes")
		}
		res = c.owner.Do("GET", c.path("/"+notOwn), nil)
		require.Equal(t, "clinical notes", res.JSON(t)["notes"])
	})
}

func TestPatientAudit(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := ptNewClinic(t, in)
		id := c.create(t, map[string]any{"full_name": "Auditada"})["id"].(string)
		require.Equal(t, http.StatusOK, c.fin.Do("GET", c.path("/"+id), nil).Status)
		require.Equal(t, http.StatusOK, c.owner.Do("GET", c.path(""), nil).Status, "lists are not audited")
		require.Equal(t, http.StatusOK, c.recep.Do("PATCH", c.path("/"+id), map[string]any{"notes": "x"}).Status)
		require.Equal(t, http.StatusBadRequest, c.recep.Do("PATCH", c.path("/"+id), map[string]any{"cpf": "1"}).Status, "refused writes are not audited")
		require.Equal(t, http.StatusNoContent, c.recep.Do("DELETE", c.path("/"+id), nil).Status)

		res := c.owner.Do("GET", "/api/v1/clinics/"+c.id+"/audit?patient_id="+id, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var page struct {
			Entries []struct {
				Action    string `json:"action"`
				Entity    string `json:"entity"`
				EntityID  string `json:"entity_id"`
				PatientID string `json:"patient_id"`
				UserID    string `json:"user_id"`
			} `json:"entries"`
		}
		res.Decode(t, &page)
		var got []string
		var corrected []string
		for _, e := range page.Entries {
			if e.Entity == "patient.fields" {
				// The correction's fields, beside its update entry.
				require.Equal(t, "update", e.Action)
				require.Equal(t, id, e.PatientID)
				corrected = append(corrected, e.EntityID)
				continue
			}
			require.Equal(t, "patient", e.Entity)
			require.Equal(t, id, e.EntityID)
			require.Equal(t, id, e.PatientID)
			require.NotEmpty(t, e.UserID)
			got = append(got, e.Action)
		}
		require.Equal(t, []string{"delete", "update", "read", "create"}, got)
		require.Equal(t, []string{"notes"}, corrected)
	})
}

func TestPatientSearchAPI(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		c := ptNewClinic(t, in)
		other := ptNewClinic(t, in)
		joao := c.create(t, map[string]any{"full_name": "João da Silva", "social_name": "Jô", "cpf": "123.456.789-09", "phone": "+55 11 98765-4321"})["id"].(string)
		other.create(t, map[string]any{"full_name": "João da Silva", "cpf": "123.456.789-09", "phone": "+55 11 98765-4321"})
		for i := range 30 {
			c.create(t, map[string]any{"full_name": fmt.Sprintf("Paciente %02d", i%10)})
		}

		for _, q := range []string{"joao", "JOÃO", "Joã", "silva", "jô", "123.456.789-09", "12345678909", "(11) 98765-4321", "11987654321", "+55 11 98765-4321"} {
			res := c.owner.Do("GET", c.path("?q="+url.QueryEscape(q)), nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			var page struct {
				Items []struct{ ID string } `json:"items"`
			}
			res.Decode(t, &page)
			require.Len(t, page.Items, 1, "q=%q", q)
			require.Equal(t, joao, page.Items[0].ID, "q=%q", q)
		}
		res := c.owner.Do("GET", c.path("?q=Maria"), nil)
		require.JSONEq(t, `{"items":[]}`, string(res.Body))

		// Walk every page of "paciente" by 7.
		seen := map[string]bool{}
		next := ""
		for pages := 1; ; pages++ {
			require.LessOrEqual(t, pages, 5)
			res := c.owner.Do("GET", c.path("?q=paciente&limit=7&cursor="+url.QueryEscape(next)), nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			var page struct {
				Items []struct {
					ID       string `json:"id"`
					FullName string `json:"full_name"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			res.Decode(t, &page)
			for _, p := range page.Items {
				require.False(t, seen[p.ID], "%s twice", p.ID)
				seen[p.ID] = true
			}
			if page.NextCursor == "" {
				break
			}
			next = page.NextCursor
		}
		require.Len(t, seen, 30)
	})
}
