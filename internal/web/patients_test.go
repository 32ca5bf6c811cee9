package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/i18n"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/web"
)

// ptPage is a page the server answered, without following redirects.
type ptPage struct {
	status int
	header http.Header
	body   string
}

// ptGet and ptPost ask for a page as c's user (its cookies), with header.
func ptGet(t *testing.T, c *apptest.Client, path string, header ...string) ptPage {
	t.Helper()
	return ptDo(t, c, "GET", path, nil, header...)
}

func ptPost(t *testing.T, c *apptest.Client, path string, form url.Values, header ...string) ptPage {
	t.Helper()
	return ptDo(t, c, "POST", path, form, header...)
}

func ptDo(t *testing.T, c *apptest.Client, method, path string, form url.Values, header ...string) ptPage {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.Base+path, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	hc := &http.Client{Jar: c.HTTP.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return ptPage{status: res.StatusCode, header: res.Header, body: string(b)}
}

// ptValid is a form that registers a patient.
func ptValid() url.Values {
	return url.Values{
		"full_name": {"Helena Figueiredo"}, "social_name": {""}, "cpf": {"314.159.265-90"}, "birth_date": {"1990-03-07"},
		"sex": {"female"}, "phone": {"(11) 91234-5678"}, "email": {"helena@example.com"},
		"address.street": {"Rua das Flores"}, "address.number": {"12"}, "address.complement": {""}, "address.district": {"Centro"},
		"address.city": {"Campinas"}, "address.state": {"SP"}, "address.zip": {"13010-000"},
		"insurance.plan": {"Unimed"}, "insurance.card_number": {"123"}, "insurance.valid_until": {"2030-01-31"},
		"notes": {"Alergia a dipirona"}, "consents.whatsapp": {"true"},
	}
}

func TestPatientsPagesByRole(t *testing.T) {
	t.Parallel()
	c := ptStart(t)
	id := c.add(t, map[string]any{"full_name": "Maria da Silva", "notes": "Nota clínica secreta"})
	admin, _ := c.in.Member(t, c.owner, c.id, "admin")
	recep, _ := c.in.Member(t, c.owner, c.id, "receptionist")
	pro, _ := c.in.Member(t, c.owner, c.id, "professional")
	fin, _ := c.in.Member(t, c.owner, c.id, "financial")
	detail, edit, archive := c.path("/patients/"+id), c.path("/patients/"+id+"/edit"), c.path("/patients/"+id+"/archive")
	for _, tc := range []struct {
		role       string
		client     *apptest.Client
		list, form int
		detail     int
		edit       int
		// what the record shows (detail 200 only)
		notes, canEdit, canArchive, audit bool
	}{
		{"owner", c.owner, 200, 200, 200, 200, true, true, true, true},
		{"admin", admin, 200, 200, 200, 200, true, true, true, true},
		{"receptionist", recep, 200, 200, 200, 200, true, true, true, false},
		// A professional sees only their own patients (with an appointment).
		{"professional", pro, 200, 200, 404, 404, false, false, false, false},
		{"financial", fin, 200, 403, 200, 403, false, false, false, false},
	} {
		t.Run(tc.role, func(t *testing.T) {
			list := ptGet(t, tc.client, c.path("/patients"))
			require.Equal(t, tc.list, list.status)
			require.Equal(t, tc.form != 403, strings.Contains(list.body, `/patients/new"`), "the New patient button")
			require.Equal(t, tc.form, ptGet(t, tc.client, c.path("/patients/new")).status)
			require.Equal(t, tc.edit, ptGet(t, tc.client, edit).status)
			d := ptGet(t, tc.client, detail)
			require.Equal(t, tc.detail, d.status)
			if d.status == 200 {
				require.Equal(t, tc.notes, strings.Contains(d.body, "Nota clínica secreta"), "notes")
				require.Equal(t, tc.notes, strings.Contains(d.body, `id="pd-notes"`), "the notes' section")
				require.Equal(t, tc.canEdit, strings.Contains(d.body, `/edit"`), "the Edit button")
				require.Equal(t, tc.canArchive, strings.Contains(d.body, `/archive"`), "the Archive button")
				require.Equal(t, tc.audit, strings.Contains(d.body, `id="pd-audit"`), "who read the record")
			}
		})
	}
	require.Equal(t, http.StatusForbidden, ptPost(t, pro, archive, url.Values{}).status)
	require.Equal(t, http.StatusForbidden, ptPost(t, fin, archive, url.Values{}).status)
	require.Equal(t, http.StatusForbidden, ptPost(t, fin, c.path("/patients/new"), ptValid()).status)
	require.Equal(t, http.StatusForbidden, ptPost(t, fin, edit, ptValid()).status)
	require.Equal(t, http.StatusOK, ptGet(t, c.owner, detail).status, "still there")
}

func TestPatientOfAnotherClinicIsNotFound(t *testing.T) {
	t.Parallel()
	c := ptStart(t)
	id := c.add(t, map[string]any{"full_name": "Maria da Silva"})
	other := c.in.Client(t)
	otherID, _ := other.Signup("Outra Clínica", "other-"+c.email)
	for _, path := range []string{"/patients/" + id, "/patients/" + id + "/edit"} {
		require.Equal(t, http.StatusNotFound, ptGet(t, other, "/clinics/"+otherID+path).status, path)
		require.Equal(t, http.StatusNotFound, ptGet(t, other, c.path(path)).status, "not a member: %s", path)
	}
	require.Equal(t, http.StatusNotFound, ptPost(t, other, "/clinics/"+otherID+"/patients/"+id+"/archive", url.Values{}).status)
	require.Equal(t, http.StatusNotFound, ptPost(t, other, "/clinics/"+otherID+"/patients/"+id+"/edit", ptValid()).status)
	require.Equal(t, http.StatusNotFound, ptGet(t, c.owner, c.path("/patients/not-an-id")).status)
	require.Equal(t, http.StatusOK, ptGet(t, c.owner, c.path("/patients/"+id)).status, "unchanged")

	anon := c.in.Client(t)
	res := ptGet(t, anon, c.path("/patients"))
	require.Equal(t, http.StatusSeeOther, res.status)
	require.Equal(t, "/login?next="+url.QueryEscape(c.path("/patients")), res.header.Get("Location"))
}

func TestPatientFormRefusesBadFieldsKeepingWhatWasTyped(t *testing.T) {
	t.Parallel()
	c := ptStart(t)
	bad := ptValid()
	bad.Set("full_name", `Helena "Lena" Figueiredo`)
	bad.Set("cpf", "123.456.789-00")
	bad.Set("phone", "98765-4321")
	bad.Set("email", "helena@")
	bad.Set("birth_date", "2999-01-01")
	bad.Set("address.zip", "123")
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"pt-BR", []string{"CPF inválido: os dígitos verificadores não conferem.", "Corrija os campos indicados abaixo.", "Inclua o DDD"}},
		{"en", []string{"This CPF is invalid: its check digits do not match.", "Include the area code (DDD)"}},
	} {
		res := ptPost(t, c.owner, c.path("/patients/new"), bad, "Accept-Language", tc.lang)
		require.Equal(t, http.StatusUnprocessableEntity, res.status, tc.lang)
		for _, w := range tc.want {
			require.Contains(t, res.body, w, tc.lang)
		}
		for _, f := range []string{"cpf", "phone", "email", "birth_date", "address.zip"} {
			require.Contains(t, res.body, `id="f-`+f+`-error"`, "%s: the error of %s", tc.lang, f)
		}
		for _, typed := range []string{`value="Helena &#34;Lena&#34; Figueiredo"`, `value="123.456.789-00"`, `value="98765-4321"`, `value="helena@"`,
			`value="2999-01-01"`, `value="Campinas"`, `>Alergia a dipirona</textarea>`, `name="consents.whatsapp" value="true" checked`} {
			require.Contains(t, res.body, typed, "%s: what was typed stays", tc.lang)
		}
	}

	res := ptPost(t, c.owner, c.path("/patients/new"), ptValid())
	require.Equal(t, http.StatusSeeOther, res.status, "%s", res.body)
	loc := res.header.Get("Location")
	require.True(t, strings.HasPrefix(loc, c.path("/patients/")), loc)
	page := ptGet(t, c.owner, loc)
	require.Equal(t, http.StatusOK, page.status)
	require.Contains(t, page.body, "Paciente cadastrado", "the flash")
	require.Contains(t, page.body, "314.159.265-90")
	require.Contains(t, page.body, "07/03/1990")
	require.NotContains(t, ptGet(t, c.owner, loc).body, "Paciente cadastrado", "a flash shows once")

	// The same CPF again: a conflict, with a link to the patient who has it.
	again := ptValid()
	again.Set("full_name", "Outra Pessoa")
	res = ptPost(t, c.owner, c.path("/patients/new"), again)
	require.Equal(t, http.StatusConflict, res.status)
	require.Contains(t, res.body, "Outro paciente desta clínica já tem este CPF.")
	require.Contains(t, res.body, `href="`+loc+`"`)
	require.Contains(t, res.body, `value="Outra Pessoa"`)

	// Editing: every field is sent; a blank one clears it; unticking a
	// consent given withdraws it.
	edit := ptValid()
	edit.Set("insurance.plan", "")
	edit.Del("consents.whatsapp")
	edit.Set("was.consents.whatsapp", "true")
	res = ptPost(t, c.owner, loc+"/edit", edit)
	require.Equal(t, http.StatusSeeOther, res.status, "%s", res.body)
	page = ptGet(t, c.owner, loc)
	require.Contains(t, page.body, "Paciente salvo")
	require.Contains(t, page.body, "Não autorizado")
	require.NotContains(t, page.body, "Unimed")
}

func TestPatientsSearchAnswersTheResultsToHtmx(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, databaseURL string) {
		ptSearch(t, ptStartOn(t, databaseURL))
	})
}

func ptSearch(t *testing.T, c *ptClinic) {
	c.seed(t)
	list := c.path("/patients")
	for _, tc := range []struct {
		name     string
		header   []string
		fragment bool
	}{
		{"the search box", []string{"HX-Request", "true", "HX-Target", "patients-results"}, true},
		{"without htmx (the form submitted)", nil, false},
		{"a history restore", []string{"HX-Request", "true", "HX-Target", "patients-results", "HX-History-Restore-Request", "true"}, false},
		{"another target", []string{"HX-Request", "true", "HX-Target", "main"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := ptGet(t, c.owner, list+"?q=joao", tc.header...)
			require.Equal(t, http.StatusOK, res.status)
			require.Contains(t, res.body, "João Pereira Santos")
			require.NotContains(t, res.body, "Maria da Silva")
			require.Equal(t, !tc.fragment, strings.Contains(res.body, "<html"), "a whole page")
			require.Equal(t, tc.fragment, strings.HasPrefix(strings.TrimSpace(res.body), `<div id="patients-results"`), "the results alone")
			require.Contains(t, res.header.Get("Vary"), "HX-Request")
		})
	}
	for q, want := range map[string]string{"52998224725": "Maria da Silva", "529.982": "Maria da Silva", "(21) 99876-5432": "João Pereira Santos",
		"ANTONIO": "Antônio Carlos Mendes", "carla": "Carla Lima"} {
		res := ptGet(t, c.owner, list+"?q="+url.QueryEscape(q))
		require.Equal(t, http.StatusOK, res.status)
		require.Contains(t, res.body, want, q)
	}
	res := ptGet(t, c.owner, list+"?q="+url.QueryEscape(strings.Repeat("a ", 20)))
	require.Equal(t, http.StatusUnprocessableEntity, res.status)
	require.Contains(t, res.body, `id="patients-q-error"`)
	res = ptGet(t, c.owner, list+"?cursor=nonsense")
	require.Equal(t, http.StatusUnprocessableEntity, res.status)

	// Paging with the service's cursor.
	for i := range 30 {
		c.add(t, map[string]any{"full_name": "Paciente " + string(rune('A'+i%26)) + string(rune('a'+i/26))})
	}
	res = ptGet(t, c.owner, list+"?q=paciente")
	require.Equal(t, 25, strings.Count(res.body, `class="row-link"`))
	i := strings.Index(res.body, `rel="next"`)
	require.Positive(t, i, "a next link")
	start := strings.LastIndex(res.body[:i], `href="`) + len(`href="`)
	next := strings.ReplaceAll(res.body[start:start+strings.Index(res.body[start:], `"`)], "&amp;", "&")
	res = ptGet(t, c.owner, next)
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, 5, strings.Count(res.body, `class="row-link"`))
	require.NotContains(t, res.body, `rel="next"`)
}

// Reading a record in the UI is audited as in the API: the page goes
// through patient.Service.Get.
func TestPatientDetailIsAnAuditedRead(t *testing.T) {
	t.Parallel()
	c := ptStart(t)
	id := c.add(t, map[string]any{"full_name": "Maria da Silva"})
	recep, recepID := c.in.Member(t, c.owner, c.id, "receptionist")
	reads := func() int {
		res := c.owner.Do("GET", "/api/v1/clinics/"+c.id+"/audit?patient_id="+id, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var page struct {
			Entries []struct {
				Action string `json:"action"`
				UserID string `json:"user_id"`
			} `json:"entries"`
		}
		res.Decode(t, &page)
		n := 0
		for _, e := range page.Entries {
			if e.Action == "read" && e.UserID == recepID {
				n++
			}
		}
		return n
	}
	require.Zero(t, reads())
	require.Equal(t, http.StatusOK, ptGet(t, recep, c.path("/patients/"+id)).status)
	require.Equal(t, 1, reads())
	require.Equal(t, http.StatusOK, ptGet(t, recep, c.path("/patients/"+id+"/edit")).status)
	require.Equal(t, 2, reads(), "the edit form reads the record too")
	require.Equal(t, http.StatusOK, ptGet(t, recep, c.path("/patients")).status)
	require.Equal(t, 2, reads(), "a list is not a read of each record")

	owner := ptGet(t, c.owner, c.path("/patients/"+id))
	require.Contains(t, owner.body, "User receptionist")
	require.Contains(t, owner.body, "Visualizou")
}

// The messages the pages choose at run time are in the catalogue.
func TestPatientsMessagesChosenAtRunTimeAreInTheCatalogue(t *testing.T) {
	t.Parallel()
	require.Empty(t, i18n.Missing(web.PatientsMessageIDs()...))
}
