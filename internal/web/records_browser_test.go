package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
	"clinic/internal/web/webtest"
)

// recordsClinic is a clinic with a professional user, linked to a
// professional who has an appointment with a patient, and a receptionist.
type recordsClinic struct {
	in                       *apptest.Instance
	id                       string
	ownerEmail               string
	profEmail, recepEmail    string
	appointmentID, patientID string
}

func newRecordsClinic(t *testing.T) recordsClinic {
	t.Helper()
	in := apptest.New(t, dbtest.SQLiteURL(t), nil)
	owner := in.Client(t)
	c := recordsClinic{in: in}
	c.ownerEmail = testenv.RandomName("o") + "@example.com"
	c.id, _ = owner.Signup("Clínica Prontuário", c.ownerEmail)
	api := "/api/v1/clinics/" + c.id
	add := func(role string) (string, string) {
		email := testenv.RandomName(role) + "@example.com"
		res := owner.Do("POST", api+"/users", map[string]any{"email": email, "name": "Dra. Ana Souza", "role": role, "password": "correct horse battery"})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		var out struct{ User struct{ ID string } }
		res.Decode(t, &out)
		return email, out.User.ID
	}
	var profUser string
	c.profEmail, profUser = add("professional")
	c.recepEmail, _ = add("receptionist")
	res := owner.Do("POST", api+"/professionals", map[string]any{"name": "Dra. Ana Souza", "council_registration": "CRM 12345/SP", "user_id": profUser})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	profID := res.JSON(t)["id"].(string)
	res = owner.Do("POST", api+"/patients", map[string]any{"full_name": "Maria da Silva"})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	c.patientID = res.JSON(t)["id"].(string)
	start := time.Now().Add(2 * time.Hour).Truncate(time.Hour).UTC().Format(time.RFC3339)
	res = owner.Do("POST", api+"/appointments", map[string]any{"patient_id": c.patientID, "professional_id": profID, "starts_at": start,
		"duration_minutes": 30, "procedure": "Consulta", "override_working_hours": true})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	c.appointmentID = res.JSON(t)["id"].(string)
	return c
}

func (c recordsClinic) login(p *webtest.Page, email string) {
	p.Navigate(c.in.URL + "/login")
	p.Fill("#f-email", email)
	p.Fill("#f-password", "correct horse battery")
	p.Click(`form[action="/login"] button[type=submit]`)
	p.WaitVisible("body.app main")
}

// A professional starts the encounter from the agenda's appointment,
// writes an evolution note and signs it, amends it with a reason, and sees
// both versions; a refused diagnosis keeps what was typed; a receptionist
// cannot open the encounter.
func TestRecordsProfessionalSignsAndAmendsANote(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	c := newRecordsClinic(t)
	p := b.NewPage(t, webtest.Desktop)
	c.login(p, c.profEmail)

	p.Navigate(c.in.URL + "/clinics/" + c.id + "/appointments/" + c.appointmentID)
	p.WaitText(".records-start", "Iniciar atendimento")
	p.Click(`.records-start button[type=submit]`)
	p.WaitVisible("#new-note")
	encounterURL := p.URL()
	require.Contains(t, encounterURL, "/encounters/")

	// Choose the evolution template and write the note.
	p.Eval(`(() => { const s = document.querySelector('#f-template'); s.value = [...s.options].find(o => o.text.startsWith('Evolução')).value; return true })()`, nil)
	p.Click(`#new-note form[method=get] button[type=submit]`)
	p.WaitVisible("#new-subjective")
	p.Fill("#new-subjective", "Dor lombar há 3 dias.")
	p.Fill("#new-pain", "7")
	p.Click(`#new-note button[name=action][value=sign]`)
	p.WaitText(".records-note", "Assinado")
	require.Contains(t, p.Text(".records-note"), "Dor lombar há 3 dias.")

	// Amend it: without a reason it is refused, the values kept.
	p.Click(`.records-note details:not(.records-versions) summary`)
	amend := `.records-note form[action$="/amend"]`
	p.Fill(amend+` textarea[name="values.subjective"]`, "Dor lombar há 5 dias.")
	p.Click(amend + ` button[type=submit]`)
	p.WaitVisible(amend + ` textarea[name="reason"][aria-invalid="true"]`)
	var kept string
	p.Eval(`document.querySelector('`+amend+` textarea[name="values.subjective"]').value`, &kept)
	require.Equal(t, "Dor lombar há 5 dias.", kept)
	p.Fill(amend+` textarea[name="reason"]`, "O paciente corrigiu a data de início.")
	p.Click(amend + ` button[type=submit]`)
	p.WaitText(".records-note__meta", "versão 2")
	require.Contains(t, p.Text(".records-note__values"), "Dor lombar há 5 dias.")

	// Every version is listed, the newest first.
	p.Click(`.records-versions summary`)
	p.WaitVisible(`.records-version`)
	versions := p.Text(".records-versions__list")
	require.Contains(t, versions, "versão 2")
	require.Contains(t, versions, "O paciente corrigiu a data de início.")
	require.Contains(t, versions, "Dor lombar há 5 dias.")
	require.Contains(t, versions, "versão 1")
	require.Contains(t, versions, "Dor lombar há 3 dias.")
	require.Less(t, strings.Index(versions, "versão 2"), strings.Index(versions, "versão 1"))
	p.DocScreenshot("records-versions")

	// A refused diagnosis keeps what was typed, with the field's message.
	p.Fill("#f-code", "lombar")
	p.Fill("#f-description", "Dor lombar baixa")
	p.Click(`#diagnoses button[type=submit]`)
	p.WaitVisible(`#f-code-error`)
	var code, desc string
	p.Eval(`document.querySelector('#f-code').value`, &code)
	p.Eval(`document.querySelector('#f-description').value`, &desc)
	require.Equal(t, "lombar", code)
	require.Equal(t, "Dor lombar baixa", desc)
	p.Fill("#f-code", "m545")
	p.Click(`#diagnoses button[type=submit]`)
	p.WaitText("#diagnoses", "M54.5")

	// The agenda's button now opens the encounter.
	p.Navigate(c.in.URL + "/clinics/" + c.id + "/appointments/" + c.appointmentID)
	p.WaitText(".records-start", "Abrir atendimento")

	// A receptionist sees neither the tab nor the encounter.
	r := b.NewPage(t, webtest.Desktop)
	c.login(r, c.recepEmail)
	r.AllowConsole("status of 403")
	u, err := url.Parse(encounterURL)
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, r.NavigateStatus(c.in.URL+u.Path))
	r.Navigate(c.in.URL + "/clinics/" + c.id + "/patients/" + c.patientID)
	r.WaitVisible(".patient-tabs")
	require.NotContains(t, r.Text(".patient-tabs"), "Prontuário")
}

// The owner adds a note template with a choice field: a choice without
// options is refused with the row kept; fixed, the template is listed and
// offered on an encounter.
func TestRecordsOwnerAddsANoteTemplate(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	c := newRecordsClinic(t)
	p := b.NewPage(t, webtest.Desktop)
	c.login(p, c.ownerEmail)
	p.Navigate(c.in.URL + "/clinics/" + c.id + "/settings/note-templates")
	p.WaitText("#tpl-list + .table-wrap, .table-wrap", "Evolução")
	p.Fill("#f-name", "Avaliação fisioterapêutica")
	p.Fill(`[name="fields.0.label"]`, "Lado acometido")
	p.Eval(`document.querySelector('[name="fields.0.type"]').value = 'choice', true`, nil)
	p.Fill(`[name="fields.1.label"]`, "Escala de dor")
	p.Eval(`document.querySelector('[name="fields.1.type"]').value = 'number', true`, nil)
	p.Click(`form[action$="/settings/note-templates"] button[type=submit]`)
	p.WaitText(".records-template__row", "Uma escolha precisa de ao menos duas opções.")
	var label string
	p.Eval(`document.querySelector('[name="fields.0.label"]').value`, &label)
	require.Equal(t, "Lado acometido", label)
	p.Fill(`[name="fields.0.options"]`, "Direito; Esquerdo; Ambos")
	p.Click(`form[action$="/settings/note-templates"] button[type=submit]`)
	p.WaitText(".page-header__title", "Avaliação fisioterapêutica")

	p.Navigate(c.in.URL + "/clinics/" + c.id + "/settings/note-templates")
	p.WaitText(".table-wrap", "Avaliação fisioterapêutica")
}
