package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
	"clinic/internal/web/webtest"
)

// ptClinic is a running clinic for the patients pages' tests: an instance
// on SQLite, an owner (API client) and a professional to book with.
type ptClinic struct {
	in       *apptest.Instance
	owner    *apptest.Client
	id       string
	email    string
	ownerID  string
	profID   string
	roomID   string
	patients map[string]string // full name → id
}

const ptPassword = "correct horse battery"

func ptStart(t *testing.T) *ptClinic {
	t.Helper()
	return ptStartOn(t, dbtest.SQLiteURL(t))
}

// ptStartOn is ptStart on the database of databaseURL.
func ptStartOn(t *testing.T, databaseURL string) *ptClinic {
	t.Helper()
	in := apptest.New(t, databaseURL, nil)
	c := &ptClinic{in: in, owner: in.Client(t), email: testenv.RandomName("owner") + "@example.com", patients: map[string]string{}}
	c.id, c.ownerID = c.owner.Signup("Clínica Bem Viver", c.email)
	c.profID, c.roomID = kernel.NewID(), kernel.NewID()
	now := db.Time(time.Now())
	ctx := context.Background()
	_, err := in.DB.ExecContext(ctx, `INSERT INTO professionals (id, clinic_id, name, created_at, updated_at) VALUES ($1, $2, 'Dra. Beatriz Lima', $3, $3)`, c.profID, c.id, now)
	require.NoError(t, err)
	_, err = in.DB.ExecContext(ctx, `INSERT INTO rooms (id, clinic_id, name, created_at) VALUES ($1, $2, 'Consultório 1', $3)`, c.roomID, c.id, now)
	require.NoError(t, err)
	return c
}

// path returns the path of a page of the clinic.
func (c *ptClinic) path(p string) string { return "/clinics/" + c.id + p }

// add registers a patient through the API and returns its id.
func (c *ptClinic) add(t *testing.T, body map[string]any) string {
	t.Helper()
	res := c.owner.Do("POST", "/api/v1/clinics/"+c.id+"/patients", body)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	id := res.JSON(t)["id"].(string)
	c.patients[body["full_name"].(string)] = id
	return id
}

// seed registers the patients of the screenshots.
func (c *ptClinic) seed(t *testing.T) {
	t.Helper()
	for _, p := range []map[string]any{
		{"full_name": "Maria da Silva", "cpf": "529.982.247-25", "phone": "(11) 98765-4321", "birth_date": "1984-05-12",
			"email": "maria.silva@example.com", "sex": "female", "insurance": map[string]any{"plan": "Unimed", "card_number": "0 123 456789012 3", "valid_until": "2027-06-30"},
			"address":  map[string]any{"street": "Av. Paulista", "number": "1000", "complement": "ap. 52", "district": "Bela Vista", "city": "São Paulo", "state": "SP", "zip": "01310-100"},
			"notes":    "Alergia a dipirona.\nPrefere horários pela manhã.",
			"consents": map[string]any{"whatsapp": true, "email": false}},
		{"full_name": "João Pereira Santos", "cpf": "111.444.777-35", "phone": "(21) 99876-5432", "birth_date": "1971-11-02", "insurance": map[string]any{"plan": "Bradesco Saúde"}},
		{"full_name": "Carlos Eduardo Lima", "social_name": "Carla Lima", "phone": "(11) 97654-3210", "birth_date": "1996-07-03"},
		{"full_name": "Antônio Carlos Mendes", "cpf": "390.533.447-05", "phone": "(31) 3222-1100", "birth_date": "1958-01-20", "insurance": map[string]any{"plan": "SulAmérica"}},
		{"full_name": "Beatriz Gonçalves", "cpf": "987.654.321-00", "phone": "(11) 96543-2109", "birth_date": "2019-09-14", "insurance": map[string]any{"plan": "Unimed"}},
		{"full_name": "Lucas Almeida", "phone": "(19) 98888-7777"},
		{"full_name": "Fernanda Araújo Rocha", "cpf": "246.813.579-28", "phone": "(11) 95555-4444", "birth_date": "1989-12-30"},
	} {
		c.add(t, p)
	}
}

// book gives a patient an appointment (inserted with SQL) days from now.
func (c *ptClinic) book(t *testing.T, patientID string, days int, hour int, status, procedure string) {
	t.Helper()
	loc, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	d := time.Now().In(loc).AddDate(0, 0, days)
	start := db.Time(time.Date(d.Year(), d.Month(), d.Day(), hour, 30, 0, 0, loc))
	_, err = c.in.DB.ExecContext(context.Background(), `INSERT INTO appointments (id, clinic_id, patient_id, professional_id, room_id, starts_at, ends_at, procedure, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`, kernel.NewID(), c.id, patientID, c.profID, c.roomID, start, start.Add(30*time.Minute), procedure, status, db.Time(time.Now()))
	require.NoError(t, err)
}

// login opens a page logged in as the owner.
func (c *ptClinic) login(t *testing.T, b *webtest.Browser, opts ...webtest.PageOption) *webtest.Page {
	t.Helper()
	p := b.NewPage(t, append([]webtest.PageOption{webtest.BaseURL(c.in.URL)}, opts...)...)
	p.Navigate("/login")
	p.Fill("#f-email", c.email)
	p.Fill("#f-password", ptPassword)
	p.Click(".auth__card button[type=submit]")
	p.WaitVisible("main.main")
	return p
}

// ptValue returns the value of the input the selector names.
func ptValue(p *webtest.Page, selector string) string {
	var v string
	p.Eval(`document.querySelector(`+ptJSQuote(selector)+`).value`, &v)
	return v
}

func ptChecked(p *webtest.Page, selector string) bool {
	var v bool
	p.Eval(`document.querySelector(`+ptJSQuote(selector)+`).checked`, &v)
	return v
}

func ptJSQuote(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}

func TestPatientsSearchAsYouTypeByNameCPFAndPhone(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	c := ptStart(t)
	c.seed(t)
	maria := `#patients-results a.row-link[href$="` + c.patients["Maria da Silva"] + `"]`
	joao := `#patients-results a.row-link[href$="` + c.patients["João Pereira Santos"] + `"]`

	p := c.login(t, b)
	p.Navigate(c.path("/patients"))
	p.WaitText("#patients-results", "Maria da Silva")
	p.WaitText("#patients-results", "João Pereira Santos")
	require.Contains(t, p.Text("#patients-results"), "529.982.247-25", "CPFs are formatted")
	require.Contains(t, p.Text("#patients-results"), "(11) 98765-4321", "phones are formatted")
	p.Axe()
	p.DocScreenshot("patients-list")

	// A name without its accents, a word prefix each.
	p.Fill("#patients-q", "joao pere")
	p.WaitNotVisible(maria)
	p.WaitVisible(joao)
	require.Contains(t, p.URL(), "q=joao%20pere", "the search is in the address bar")

	// A CPF's digits, without punctuation.
	p.Fill("#patients-q", "52998224725")
	p.WaitNotVisible(joao)
	p.WaitVisible(maria)

	// A phone, as people write it, and as digits.
	p.Fill("#patients-q", "(21) 99876-5432")
	p.WaitNotVisible(maria)
	p.WaitVisible(joao)
	p.Fill("#patients-q", "11987654321")
	p.WaitNotVisible(joao)
	p.WaitVisible(maria)

	p.Fill("#patients-q", "zuleica")
	p.WaitText("#patients-results", "Nenhum paciente encontrado")
	p.Axe()

	// Back in the history: the whole page again, not the results alone.
	p.Navigate(c.path("/patients?q=carla"))
	p.WaitText("#patients-results", "Carla Lima")
	require.Contains(t, p.Text("#patients-results"), "Nome de registro: Carlos Eduardo Lima")
}

func TestPatientsListOnAPhone(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	c := ptStart(t)
	c.seed(t)
	p := c.login(t, b, webtest.Phone)
	p.Navigate(c.path("/patients"))
	p.WaitText("#patients-results", "Maria da Silva")
	p.Axe()
	p.DocScreenshot("patients-list-phone")
	p.Fill("#patients-q", "bea")
	p.WaitText("#patients-results", "Beatriz Gonçalves")
	p.WaitNotVisible(`#patients-results a.row-link[href$="` + c.patients["Maria da Silva"] + `"]`)
}

func TestPatientsEmptyList(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	c := ptStart(t)
	p := c.login(t, b)
	p.Navigate(c.path("/patients"))
	p.WaitText("#patients-results", "Nenhum paciente cadastrado")
	p.Axe()
	p.Click(`#patients-results a[href$="/patients/new"]`)
	p.WaitText("h1", "Novo paciente")
}

func TestPatientsCreateWithAnInvalidCPFThenFixEditAndArchive(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	c := ptStart(t)
	p := c.login(t, b)
	p.AllowConsole("status of 422") // the refused form's answer, as it should be
	p.Navigate(c.path("/patients"))
	p.Click(`.page-header a[href$="/patients/new"]`)
	p.WaitText("h1", "Novo paciente")

	p.Fill("#f-full_name", "Helena Figueiredo")
	p.Fill("#f-cpf", "123.456.789-00")
	p.Eval(`document.querySelector("#f-birth_date").value = "1990-03-07"`, nil)
	p.Eval(`document.querySelector("#f-sex").value = "female"`, nil)
	p.Fill("#f-phone", "(11) 91234-5678")
	p.Fill("#f-email", "helena@example.com")
	p.Fill(`[name="address.city"]`, "Campinas")
	p.Eval(`document.querySelector('[name="address.state"]').value = "SP"`, nil)
	p.Fill(`[name="insurance.plan"]`, "Unimed")
	p.Fill("#f-notes", "Alergia a dipirona")
	p.Click(`input[name="consents.whatsapp"]`)
	p.Click(`.patient-form button[type=submit]`)

	p.WaitText("#f-cpf-error", "CPF inválido: os dígitos verificadores não conferem.")
	p.WaitText(".patient-form .flash--error", "Corrija os campos indicados abaixo.")
	for sel, want := range map[string]string{
		"#f-full_name": "Helena Figueiredo", "#f-cpf": "123.456.789-00", "#f-birth_date": "1990-03-07", "#f-sex": "female",
		"#f-phone": "(11) 91234-5678", "#f-email": "helena@example.com", `[name="address.city"]`: "Campinas",
		`[name="address.state"]`: "SP", `[name="insurance.plan"]`: "Unimed", "#f-notes": "Alergia a dipirona",
	} {
		require.Equal(t, want, ptValue(p, sel), "%s keeps what was typed", sel)
	}
	require.True(t, ptChecked(p, `input[name="consents.whatsapp"]`), "the consent ticked stays ticked")
	require.False(t, ptChecked(p, `input[name="consents.sms"]`))
	var invalid string
	p.Eval(`document.querySelector("#f-cpf").getAttribute("aria-invalid")`, &invalid)
	require.Equal(t, "true", invalid)
	p.Axe()
	p.DocScreenshot("patient-form")

	p.Fill("#f-cpf", "314.159.265-90")
	p.Click(`.patient-form button[type=submit]`)
	p.WaitText(".flash--success", "Paciente cadastrado")
	p.WaitText("h1", "Helena Figueiredo")
	record := p.Text(".patient-record")
	for _, want := range []string{"314.159.265-90", "07/03/1990", "Feminino", "(11) 91234-5678", "helena@example.com", "Campinas – SP", "Unimed"} {
		require.Contains(t, record, want)
	}
	require.Contains(t, p.Text(".patient-consents"), "Autorizado")
	require.Contains(t, p.Text(".patient-notes"), "Alergia a dipirona")
	p.WaitText(`section[aria-labelledby="pd-audit"]`, "Visualizou")

	// Edit: a new phone, SMS instead of WhatsApp.
	p.Click(`.page-header a[href$="/edit"]`)
	p.WaitText("h1", "Editar paciente")
	require.Equal(t, "314.159.265-90", ptValue(p, "#f-cpf"))
	require.Equal(t, "(11) 91234-5678", ptValue(p, "#f-phone"))
	p.Fill("#f-phone", "21 99555 1234")
	p.Click(`input[name="consents.whatsapp"]`)
	p.Click(`input[name="consents.sms"]`)
	p.Click(`.patient-form button[type=submit]`)
	p.WaitText(".flash--success", "Paciente salvo")
	p.WaitText(".patient-record", "(21) 99555-1234")
	consents := p.Text(".patient-consents")
	require.Contains(t, consents, "Não autorizado", "WhatsApp withdrawn")
	require.Contains(t, consents, "Autorizado")
	require.Contains(t, consents, "Ainda não perguntado", "e-mail never asked")

	// Archive (the confirmation answered yes).
	p.Eval(`window.confirm = () => true`, nil)
	p.Click(`.page-header form[action$="/archive"] button`)
	p.WaitText(".flash--success", "Paciente arquivado")
	p.WaitText("#patients-results", "Nenhum paciente cadastrado")
	require.True(t, strings.HasSuffix(p.URL(), c.path("/patients")), p.URL())
}

func TestPatientDetailShowsAppointmentsConsentsAndWhoReadIt(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	c := ptStart(t)
	c.seed(t)
	maria := c.patients["Maria da Silva"]
	c.book(t, maria, 2, 9, "confirmed", "Retorno")
	c.book(t, maria, 16, 14, "scheduled", "Consulta")
	c.book(t, maria, -12, 10, "completed", "Primeira consulta")
	c.book(t, maria, -40, 8, "no_show", "Consulta")
	c.book(t, maria, -41, 8, "cancelled", "Consulta")

	p := c.login(t, b)
	p.Navigate(c.path("/patients/" + maria))
	p.WaitText("h1", "Maria da Silva")
	up := p.Text(`section[aria-labelledby="pd-upcoming"]`)
	require.Contains(t, up, "Retorno")
	require.Contains(t, up, "Confirmado")
	require.Contains(t, up, "Agendado")
	past := p.Text(`section[aria-labelledby="pd-past"]`)
	require.Contains(t, past, "Atendido")
	require.Contains(t, past, "Faltou")
	require.Contains(t, past, "Cancelado")
	require.Less(t, strings.Index(past, "Atendido"), strings.Index(past, "Faltou"), "the latest first")
	audit := p.Text(`section[aria-labelledby="pd-audit"]`)
	require.Contains(t, audit, "Owner of Clínica Bem Viver (você)")
	require.Contains(t, audit, "Visualizou")
	require.Contains(t, audit, "Cadastrou")
	p.Axe()
	p.DocScreenshot("patient-detail")
}

// The pages in English and on a phone: what the docs' screenshots do not
// show, checked by axe and looked at.
func TestPatientsPagesInEnglishAndOnAPhone(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	c := ptStart(t)
	c.seed(t)
	maria := c.patients["Maria da Silva"]
	c.book(t, maria, 3, 9, "scheduled", "Retorno")
	c.book(t, maria, -10, 11, "completed", "Primeira consulta")
	for _, tc := range []struct {
		name string
		opts []webtest.PageOption
		list string
	}{
		{"en-desktop", []webtest.PageOption{webtest.Locale("en")}, "Patients"},
		{"en-phone", []webtest.PageOption{webtest.Locale("en"), webtest.Phone}, "Patients"},
		{"pt-BR-phone", []webtest.PageOption{webtest.Phone}, "Pacientes"},
	} {
		p := c.login(t, b, tc.opts...)
		p.AllowConsole("status of 422") // the refused form's answer, as it should be
		p.Navigate(c.path("/patients"))
		p.WaitText("h1", tc.list)
		p.Axe()
		p.Screenshot("list-" + tc.name)
		p.Navigate(c.path("/patients/" + maria))
		p.WaitText("h1", "Maria da Silva")
		p.Axe()
		p.Screenshot("detail-" + tc.name)
		p.Navigate(c.path("/patients/" + maria + "/edit"))
		p.Fill("#f-cpf", "1234")
		p.Fill("#f-phone", "9876")
		p.Click(`.patient-form button[type=submit]`)
		p.WaitVisible("#f-cpf-error")
		p.WaitVisible("#f-phone-error")
		p.Axe()
		p.Screenshot("form-" + tc.name)
	}
}

// A patient's name is text on every page that shows it, never markup
// (acceptance 3 of issue 9): no element is made of it, and a script run
// (an alert blocks the page) or blocked by the CSP (a console error) fails
// the test.
func TestPatientsNameIsTextNeverMarkup(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	c := ptStart(t)
	const name = `<script>alert(1)</script>`
	id := c.add(t, map[string]any{"full_name": name, "social_name": `<img src=x onerror=alert(2)>`, "notes": `<b>bold</b>`,
		"insurance": map[string]any{"plan": `"><script>alert(3)</script>`}})
	p := c.login(t, b)
	check := func(where, selector, want string) {
		t.Helper()
		p.WaitText(selector, want)
		var n struct{ Inline, Img, Bold int }
		p.Eval(`({Inline: document.querySelectorAll("script:not([src])").length, Img: document.querySelectorAll("img").length,
			Bold: document.querySelectorAll("main b").length})`, &n)
		require.Zero(t, n.Inline, "%s: an inline script element", where)
		require.Zero(t, n.Img, "%s: an img element", where)
		require.Zero(t, n.Bold, "%s: a b element", where)
	}
	p.Navigate(c.path("/patients"))
	check("list", "#patients-results", `<img src=x onerror=alert(2)>`)
	require.Contains(t, p.Text("#patients-results"), name)
	p.Navigate(c.path("/patients/" + id))
	check("detail", "h1", `<img src=x onerror=alert(2)>`)
	require.Contains(t, p.Text(".patient-record"), name)
	require.Contains(t, p.Text(".patient-notes"), `<b>bold</b>`)
	require.Contains(t, p.Text(".patient-record"), `"><script>alert(3)</script>`)
	p.Navigate(c.path("/patients/" + id + "/edit"))
	check("edit", ".breadcrumb", name)
	require.Equal(t, name, ptValue(p, "#f-full_name"))
	p.Fill("#f-full_name", name+" ")
	p.Click(`.patient-form button[type=submit]`)
	p.WaitText(".flash--success", "Paciente salvo")
	check("after saving", "h1", `<img src=x onerror=alert(2)>`)
}
