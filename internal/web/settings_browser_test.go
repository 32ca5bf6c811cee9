package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
	"clinic/internal/web/webtest"
)

const settingsPassword = "correct horse battery"

// settingsSignup signs a new clinic up through the sign-up page and
// returns the path of its pages ("/clinics/{id}") and the owner's e-mail.
func settingsSignup(t *testing.T, p *webtest.Page, clinicName string) (clinic, email string) {
	t.Helper()
	email = testenv.RandomName("owner") + "@example.com"
	p.Navigate("/signup")
	p.Fill("#f-clinic_name", clinicName)
	p.Fill("#f-name", "Ana Souza")
	p.Fill("#f-email", email)
	p.Fill("#f-password", settingsPassword)
	p.Click("form button[type=submit]")
	p.WaitVisible("main.main") // the app shell, past the login
	u := p.URL()
	i := strings.Index(u, "/clinics/")
	require.GreaterOrEqual(t, i, 0, "after sign-up the browser is at %s", u)
	return strings.TrimSuffix(u[i:], "/"), email
}

// settingsLogin logs p in.
func settingsLogin(p *webtest.Page, email string) {
	p.Navigate("/login")
	p.Fill("#f-email", email)
	p.Fill("#f-password", settingsPassword)
	p.Click("form button[type=submit]")
	p.WaitVisible("main.main") // the app shell, past the login
}

// settingsAddProfessional adds a professional named name to the clinic
// through the settings pages, working every day of the week from 08:00 to
// 18:00 (so that any day of the agenda has free slots), and returns the
// path of their settings page. p must be logged in as an owner or admin.
func settingsAddProfessional(p *webtest.Page, clinic, name string) string {
	p.Navigate(clinic + "/settings/professionals")
	p.Fill("#f-name", name)
	p.Fill("#f-specialty", "Clínica geral")
	p.Click("#new-professional button[type=submit]")
	p.WaitText("h1", name) // the professional's page
	// Two blank rows are there; the add button makes the other five.
	for range 5 {
		p.Click("[data-hours-add]")
	}
	p.Eval(`[...document.querySelectorAll("tr[data-hours-row] select[name$='.weekday']")].forEach((s, i) => { s.value = String(i) }), true`, nil)
	for i := range 7 {
		p.Fill(fmt.Sprintf(`tr[data-hours-row]:nth-child(%d) input[name$=".start"]`, i+1), "08:00")
		p.Fill(fmt.Sprintf(`tr[data-hours-row]:nth-child(%d) input[name$=".end"]`, i+1), "18:00")
	}
	// The page shows the flash of the creation: the one to wait for is
	// the next page's (Post/Redirect/Get).
	p.Eval(`document.querySelectorAll(".flash").forEach(f => f.remove()), true`, nil)
	p.Click("#hours button[type=submit]")
	p.WaitVisible(".flash--success")
	path := p.URL()
	return path[strings.Index(path, "/clinics/"):]
}

// settingsConfirm answers yes to the next data-confirm question of p (a
// real dialog would stop the test).
func settingsConfirm(p *webtest.Page) {
	p.Eval(`window.confirm = () => true, true`, nil)
}

// settingsCheck runs axe on p and saves its screenshot for the docs.
func settingsCheck(p *webtest.Page, shot string) {
	p.Axe()
	p.DocScreenshot(shot)
}

// An owner sets the clinic up through the settings pages: a professional
// with working hours and an exception, a procedure, a room (renamed, then
// deactivated), a receptionist, an API token (created, then revoked); a
// receptionist sees none of the user or token settings and gets the
// forbidden page on every settings address typed by hand.
func TestSettingsPagesSetTheClinicUp(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	in := apptest.New(t, dbtest.SQLiteURL(t), nil)
	// A refused form answers 422 (or 409) with the form again: the browser
	// logs the status, which the test expects.
	p := b.NewPage(t, webtest.BaseURL(in.URL), webtest.AllowConsole("status of 422"), webtest.AllowConsole("status of 409"))
	clinic, ownerEmail := settingsSignup(t, p, "Clínica Bem Viver")

	// The clinic: public booking on, its link shown.
	p.Navigate(clinic + "/settings")
	p.Fill("#f-address", "Rua das Flores, 100 – São Paulo/SP")
	p.Fill("#f-phone", "(11) 3222-1100")
	p.Click("#f-public_booking")
	p.Click("form.card button[type=submit]")
	p.WaitText(".flash--success", "Configurações da clínica salvas")
	p.WaitText(".settings-link", "/c/clinica-bem-viver")
	settingsCheck(p, "settings-clinic")

	// A refused form keeps what was typed, with the field's message.
	p.Fill("#f-time_zone", "Brazil/East")
	p.Click("form.card button[type=submit]")
	p.WaitText("#f-time_zone-error", "fuso horário")
	require.Equal(t, "Brazil/East", settingsValue(p, "#f-time_zone"), "what was typed stays")

	// A room first, so that working hours and exceptions can name it.
	p.Navigate(clinic + "/settings/rooms")
	p.Fill("#f-name", "Consultório 1")
	p.Click("form.card button[type=submit]")
	p.WaitText(".flash--success", "Sala cadastrada")
	p.WaitText("tbody", "Ativo")
	rename := `tbody input[name="name"]`
	p.Fill(rename, "Consultório A")
	p.Click(`tbody form.settings-inline button[type=submit]`)
	p.WaitText(".flash--success", "Sala renomeada")
	require.Equal(t, "Consultório A", settingsValue(p, rename))
	p.Fill("#f-name", "Sala de procedimentos")
	p.Click("form.card button[type=submit]")
	p.WaitText(".flash--success", "Sala cadastrada")
	// Renaming one room to the other's name is refused on its row.
	p.Fill(`tbody tr:nth-child(2) input[name="name"]`, "Consultório A")
	p.Click(`tbody tr:nth-child(2) form.settings-inline button[type=submit]`)
	p.WaitVisible("tbody tr:nth-child(2) .field__error")
	require.Equal(t, "Consultório A", settingsValue(p, `tbody tr:nth-child(2) input[name="name"]`), "what was typed stays")
	settingsOpen(p, clinic+"/settings/rooms")
	settingsConfirm(p)
	p.Click(`tbody tr:nth-child(2) button.btn--danger-ghost`)
	p.WaitText(".flash--success", "Sala desativada")
	p.WaitText("tbody tr:nth-child(2)", "Inativo")
	settingsCheck(p, "settings-rooms")

	// A professional with working hours (the agenda's tests start so).
	pro := settingsAddProfessional(p, clinic, "Dra. Beatriz Lima")
	for _, day := range []string{"domingo", "segunda-feira", "sábado"} {
		p.WaitText("#hours tbody", day)
	}
	var rules int
	p.Eval(`[...document.querySelectorAll("#hours input[name$='.start']")].filter(i => i.value === "08:00").length`, &rules)
	require.Equal(t, 7, rules, "the week is saved and shown again")
	// Overlapping rows are refused on the row, keeping the rows typed.
	p.Fill(`tr[data-hours-row]:nth-child(8) input[name$=".start"]`, "09:00")
	p.Fill(`tr[data-hours-row]:nth-child(8) input[name$=".end"]`, "10:00")
	p.Eval(`document.querySelector("tr[data-hours-row]:nth-child(8) select").value = "1", true`, nil)
	p.Click("#hours button[type=submit]")
	p.WaitText("tr[data-hours-row]:nth-child(8) .field__error", "")
	require.Equal(t, "09:00", settingsValue(p, `tr[data-hours-row]:nth-child(8) input[name$=".start"]`))
	settingsOpen(p, pro)
	// An exception: a day off.
	p.Eval(`document.querySelector("#f-date").value = "2030-12-25", true`, nil)
	p.Fill("#f-reason", "Natal")
	p.Click("#exceptions form.settings-subform button[type=submit]")
	p.WaitText(".flash--success", "Exceção adicionada")
	p.WaitText("#exceptions tbody", "25/12/2030")
	p.WaitText("#exceptions tbody", "Dia inteiro")
	settingsCheck(p, "settings-hours")
	settingsConfirm(p)
	p.Click("#exceptions tbody button[type=submit]")
	p.WaitText(".flash--success", "Exceção removida")
	p.Navigate(clinic + "/settings/professionals")
	p.WaitText("tbody", "Dra. Beatriz Lima")
	settingsCheck(p, "settings-professionals")

	// A procedure, with its colour and offered online.
	p.Navigate(clinic + "/settings/procedures")
	p.Fill("#f-name", "Primeira consulta")
	p.Fill("#f-default_duration_minutes", "45")
	p.Eval(`document.querySelector("#f-color").value = "#16a34a", true`, nil)
	p.Click("#f-bookable_online")
	p.Click("#new-procedure button[type=submit]")
	p.WaitText(".flash--success", "Procedimento cadastrado")
	p.WaitText("tbody", "Primeira consulta")
	p.WaitText("tbody", "45 min")
	var fill string
	p.Eval(`document.querySelector("tbody .swatch rect").getAttribute("fill")`, &fill)
	require.Equal(t, "#16a34a", fill)
	// The same name again is refused under the field, keeping the input.
	p.Fill("#f-name", "primeira CONSULTA")
	p.Click("#new-procedure button[type=submit]")
	p.WaitVisible("#f-name-error")
	require.Equal(t, "primeira CONSULTA", settingsValue(p, "#f-name"))
	settingsOpen(p, clinic+"/settings/procedures")
	settingsCheck(p, "settings-procedures")

	// A receptionist.
	recEmail := testenv.RandomName("rita") + "@example.com"
	p.Navigate(clinic + "/settings/users")
	p.Fill("#f-name", "Rita Recepção")
	p.Fill("#f-email", recEmail)
	p.Fill("#f-password", settingsPassword)
	p.Click("#new-user button[type=submit]")
	p.WaitText(".flash--success", "Usuário adicionado")
	p.WaitText("tbody", "Rita Recepção")
	p.WaitText("tbody", "Recepcionista")
	// The last owner cannot be demoted: the service says so, in pt-BR.
	p.Eval(`document.querySelector("tbody tr:first-child select").value = "admin", true`, nil) // Ana, the owner
	p.Click(`tbody tr:first-child form.settings-inline button[type=submit]`)
	p.WaitText(".card .flash--error", "pelo menos um proprietário")
	settingsOpen(p, clinic+"/settings/users")
	settingsCheck(p, "settings-users")

	// The receptionist, in a browser of their own.
	rec := b.NewPage(t, webtest.BaseURL(in.URL), webtest.AllowConsole("status of 403"))
	settingsLogin(rec, recEmail)
	var settingsLinks int
	rec.Eval(`document.querySelectorAll("nav a[href*='/settings']").length`, &settingsLinks)
	require.Zero(t, settingsLinks, "a receptionist's navigation has no settings at all")
	for _, path := range []string{"", "/professionals", "/professionals/" + pro[strings.LastIndex(pro, "/")+1:], "/procedures", "/rooms", "/users", "/tokens", "/jobs"} {
		require.Equal(t, http.StatusForbidden, rec.NavigateStatus(clinic+"/settings"+path), "GET settings%s as a receptionist", path)
		rec.WaitText("main", "Somente proprietários e administradores")
	}
	rec.Axe()

	// An API token: the secret shown once, then revoked.
	p.Navigate(clinic + "/settings/tokens")
	p.Fill("#f-name", "Site da clínica")
	p.Click("form.card button[type=submit]")
	p.WaitText(".settings-secret", "Token Site da clínica criado")
	secret := settingsValue(p, "#token-secret")
	require.True(t, strings.HasPrefix(secret, "clk_"), "secret %q", secret)
	api := in.Client(t)
	api.Header.Set("Authorization", "Bearer "+secret)
	require.Equal(t, http.StatusOK, api.Do("GET", "/api/v1/clinics/"+clinic[len("/clinics/"):]+"/professionals", nil).Status, "the token works")
	settingsCheck(p, "settings-tokens")
	settingsOpen(p, clinic+"/settings/tokens")
	require.NotContains(t, p.Text("main"), secret, "the secret is shown only once")
	settingsConfirm(p)
	p.Click("tbody button.btn--danger-ghost")
	p.WaitText(".flash--success", "Token revogado")
	p.WaitText("tbody", "Revogado")
	var tokens int
	p.Eval(`document.querySelectorAll("main tbody tr").length`, &tokens)
	require.Equal(t, 1, tokens)
	require.Equal(t, http.StatusUnauthorized, api.Do("GET", "/api/v1/clinics/"+clinic[len("/clinics/"):]+"/professionals", nil).Status, "the token is revoked")

	p.Navigate(clinic + "/settings/jobs")
	p.WaitText("main", "Nenhuma tarefa com falha")
	settingsFailedJob(t, in, clinic[len("/clinics/"):])
	p.Navigate(clinic + "/settings/jobs")
	p.WaitText("tbody", "reminder_whatsapp")
	p.WaitText("tbody", "connection refused")
	settingsCheck(p, "settings-jobs")
	p.Click("tbody button[type=submit]")
	p.WaitText(".flash--success", "A tarefa vai rodar de novo")

	// The same pages in English and on a phone, for a person to look at
	// (the docs show pt-BR at 1366×768).
	en := b.NewPage(t, webtest.BaseURL(in.URL), webtest.Locale("en"), webtest.Phone)
	settingsLogin(en, ownerEmail)
	for _, page := range []struct{ path, shot, heading string }{
		{"", "clinic", "Clinic"}, {"/professionals", "professionals", "Practitioners"}, {pro[strings.Index(pro, "/settings")+len("/settings"):], "hours", "Dra. Beatriz Lima"},
		{"/procedures", "procedures", "Appointment types"}, {"/rooms", "rooms", "Rooms"}, {"/users", "users", "Users"},
		{"/tokens", "tokens", "API tokens"}, {"/jobs", "jobs", "Failed jobs"},
	} {
		en.Navigate(clinic + "/settings" + page.path)
		en.WaitText("h1", page.heading)
		en.Axe()
		en.Screenshot("settings-" + page.shot + "-en-390x844")
	}
}

// settingsOpen loads path afresh after a form's answer: once that page has
// loaded (leaving it while it loads can fail the next navigation), and
// through a blank page, as loading the address a form was posted to would
// post it again.
func settingsOpen(p *webtest.Page, path string) {
	p.Eval(`new Promise(r => document.readyState === "complete" ? r(true) : addEventListener("load", () => r(true)))`, nil)
	p.NavigateStatus("about:blank") // no answer of its own
	p.Navigate(path)
}

// settingsFailedJob records a job of the clinic that failed for good, as
// the queue leaves one (the workers of the instance know no such kind, so
// it is never run by accident).
func settingsFailedJob(t *testing.T, in *apptest.Instance, clinicID string) {
	t.Helper()
	_, err := in.App.DB.ExecContext(t.Context(), `INSERT INTO river_job (kind, state, attempt, max_attempts, attempted_at, finalized_at, errors, metadata)
		VALUES ('reminder_whatsapp', 'discarded', 3, 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,
		jsonb('[{"at":"2026-09-14T12:00:00Z","attempt":3,"error":"whatsapp: dial tcp 10.0.0.5:443: connection refused","trace":""}]'),
		jsonb(?))`, fmt.Sprintf(`{"clinic_id":%q}`, clinicID))
	require.NoError(t, err)
}

// settingsValue returns the value of the input the selector matches,
// waiting for it.
func settingsValue(p *webtest.Page, selector string) string {
	return webtest.Result(p, "Value "+selector, chromedp.Value(chromedp.CSS(selector)))
}
