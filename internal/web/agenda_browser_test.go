package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
	"clinic/internal/web/webtest"
)

const agendaPassword = "correct horse battery"

// agendaClinic is a clinic for the agenda's tests: professionals working
// every day 08:00–12:00 and 13:00–18:00, set up through the API.
type agendaClinic struct {
	in       *apptest.Instance
	api      *apptest.Client // the owner
	clinicID string
	email    string
	pros     []string
	// day is tomorrow in the clinic's zone (America/Sao_Paulo), YYYY-MM-DD:
	// every time booked in the tests is in the future.
	day  string
	zone *time.Location
}

var agendaPros = []struct{ name, specialty, color string }{
	{"Dra. Beatriz Lima", "Clínica geral", "#0d6e66"},
	{"Dr. Carlos Mendes", "Cardiologia", "#3c5fa8"},
	{"Dra. Juliana Rocha", "Fisioterapia", "#7a4fb0"},
}

func newAgendaInstance(t *testing.T) *apptest.Instance {
	t.Helper()
	return apptest.New(t, dbtest.SQLiteURL(t), nil)
}

// setUp gives the clinic signed up by email (the api client logs in as its
// owner) n professionals with working hours.
func setUpAgenda(t *testing.T, in *apptest.Instance, api *apptest.Client, clinicID, email string, n int) *agendaClinic {
	t.Helper()
	zone, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	c := &agendaClinic{in: in, api: api, clinicID: clinicID, email: email, zone: zone,
		day: time.Now().In(zone).AddDate(0, 0, 1).Format(time.DateOnly)}
	var rules []map[string]any
	for wd := range 7 {
		rules = append(rules, map[string]any{"weekday": wd, "start": "08:00", "end": "12:00"}, map[string]any{"weekday": wd, "start": "13:00", "end": "18:00"})
	}
	for _, pr := range agendaPros[:n] {
		res := api.Do("POST", c.path("/professionals"), map[string]any{"name": pr.name, "specialty": pr.specialty, "color": pr.color, "default_duration_minutes": 30})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		id := res.JSON(t)["id"].(string)
		res = api.Do("PUT", c.path("/professionals/"+id+"/working-hours"), map[string]any{"rules": rules})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		c.pros = append(c.pros, id)
	}
	return c
}

// newAgendaClinic signs a clinic up through the API.
func newAgendaClinic(t *testing.T, n int) *agendaClinic {
	t.Helper()
	in := newAgendaInstance(t)
	api := in.Client(t)
	email := testenv.RandomName("agenda") + "@example.com"
	clinicID, _ := api.Signup("Clínica Bem Viver", email)
	return setUpAgenda(t, in, api, clinicID, email, n)
}

func (c *agendaClinic) path(p string) string { return "/api/v1/clinics/" + c.clinicID + p }

func (c *agendaClinic) agenda(query string) string {
	return "/clinics/" + c.clinicID + "/agenda?date=" + c.day + query
}

// at is the clinic-local time hh:mm of c.day, as RFC 3339.
func (c *agendaClinic) at(t *testing.T, hhmm string) string {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04", c.day+" "+hhmm, c.zone)
	require.NoError(t, err)
	return tm.Format(time.RFC3339)
}

func (c *agendaClinic) patient(t *testing.T, name, phone string) string {
	t.Helper()
	res := c.api.Do("POST", c.path("/patients"), map[string]any{"full_name": name, "phone": phone})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	return res.JSON(t)["id"].(string)
}

func (c *agendaClinic) book(t *testing.T, patientID, pro, hhmm string, minutes int, procedure, notes string) string {
	t.Helper()
	res := c.api.Do("POST", c.path("/appointments"), map[string]any{"patient_id": patientID, "professional_id": pro,
		"starts_at": c.at(t, hhmm), "duration_minutes": minutes, "procedure": procedure, "notes": notes})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	return res.JSON(t)["id"].(string)
}

func (c *agendaClinic) status(t *testing.T, id, status string) {
	t.Helper()
	res := c.api.Do("POST", c.path("/appointments/"+id+"/status"), map[string]any{"status": status})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
}

// login opens a page logged in as the clinic's owner.
func (c *agendaClinic) login(t *testing.T, b *webtest.Browser, opts ...webtest.PageOption) *webtest.Page {
	t.Helper()
	p := b.NewPage(t, append([]webtest.PageOption{webtest.BaseURL(c.in.URL)}, opts...)...)
	p.Navigate("/login")
	p.Fill("#f-email", c.email)
	p.Fill("#f-password", agendaPassword)
	p.Click("form button[type=submit]")
	p.WaitVisible("main.main")
	return p
}

// waitCalendar waits until the calendar has drawn its columns and fetched
// its events (the free time shows as the columns' background).
func waitCalendar(p *webtest.Page) {
	p.WaitVisible("#agenda-calendar .ec-body")
	p.WaitVisible("#agenda-calendar .ec-bg-event.agenda-open")
}

// slotPoint scrolls the calendar to the clinic-local time hhmm of the
// column col and returns that point's page coordinates (inside the slot).
func slotPoint(t *testing.T, p *webtest.Page, col int, hhmm string) (float64, float64) {
	t.Helper()
	h, m := 0, 0
	_, err := fmt.Sscanf(hhmm, "%d:%d", &h, &m)
	require.NoError(t, err)
	var xy []float64
	// slotMinTime 06:00, 20 px per 15 minutes (agenda.js)
	p.Eval(fmt.Sprintf(`(function (col, minutes) {
		var day = document.querySelectorAll("#agenda-calendar .ec-body .ec-day")[col];
		var offset = (minutes - 360) / 15 * 20 + 10;
		var s = day.parentElement;
		while (s && !(s.scrollHeight > s.clientHeight && /auto|scroll/.test(getComputedStyle(s).overflowY))) s = s.parentElement;
		if (s) s.scrollTop = Math.max(0, (day.getBoundingClientRect().top - s.getBoundingClientRect().top + s.scrollTop) + offset - s.clientHeight / 2);
		var r = day.getBoundingClientRect();
		return [r.left + r.width / 2, r.top + offset];
	})(%d, %d)`, col, h*60+m), &xy)
	require.Len(t, xy, 2)
	return xy[0], xy[1]
}

// eventPoint returns the page coordinates of a point near the top of the
// calendar's event that shows text.
func eventPoint(t *testing.T, p *webtest.Page, text string) (float64, float64) {
	t.Helper()
	var xy []float64
	p.Eval(fmt.Sprintf(`(function (text) {
		var ev = Array.prototype.find.call(document.querySelectorAll("#agenda-calendar .ec-event"), function (e) { return e.textContent.indexOf(text) >= 0; });
		ev.scrollIntoView({block: "center"});
		var r = ev.getBoundingClientRect();
		return [r.left + r.width / 2, r.top + 8];
	})(%q)`, text), &xy)
	require.Len(t, xy, 2)
	return xy[0], xy[1]
}

// drag moves the mouse with its button down from one point to another.
func drag(p *webtest.Page, x, y, toX, toY float64) {
	down := func(ev *input.DispatchMouseEventParams) {
		ev.Button, ev.Buttons, ev.ClickCount = input.MouseButtonLeft, 1, 1
	}
	actions := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MouseMoved, x, y), chromedp.MouseEvent(chromedp.MousePressed, x, y, down)}
	const steps = 12
	for i := 1; i <= steps; i++ {
		f := float64(i) / steps
		actions = append(actions, chromedp.MouseEvent(chromedp.MouseMoved, x+(toX-x)*f, y+(toY-y)*f, down), chromedp.Sleep(20*time.Millisecond))
	}
	actions = append(actions, chromedp.MouseEvent(chromedp.MouseReleased, toX, toY, down))
	p.Run(actions...)
}

// localTime is the clinic-local time of day of an API time.
func (c *agendaClinic) localTime(t *testing.T, v any) string {
	t.Helper()
	s, _ := v.(string)
	tm, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return tm.In(c.zone).Format("15:04")
}

// appointmentJSON reads an appointment through the API.
func (c *agendaClinic) appointment(t *testing.T, id string) map[string]any {
	t.Helper()
	res := c.api.Do("GET", c.path("/appointments/"+id), nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	return res.JSON(t)
}

// onlyAppointment returns the id of the one appointment of c.day.
func (c *agendaClinic) onlyAppointment(t *testing.T) string {
	t.Helper()
	res := c.api.Do("GET", c.path("/appointments?from="+c.day+"&to="+c.day), nil)
	require.Equal(t, http.StatusOK, res.Status)
	var pg struct{ Items []struct{ ID, Status string } }
	res.Decode(t, &pg)
	require.Len(t, pg.Items, 1, "%s", res.Body)
	return pg.Items[0].ID
}

// waitDialog waits until the dialog is open and its entrance animation
// (0.18 s, app.css) is over, for axe to see its real colours.
func waitDialog(p *webtest.Page, selector string) {
	p.WaitVisible(selector)
	p.Run(chromedp.Sleep(400 * time.Millisecond))
}

// waitTrue waits (a few seconds at most) until the expression is true.
func waitTrue(t *testing.T, p *webtest.Page, expr string) {
	t.Helper()
	for range 50 {
		var ok bool
		p.Eval("!!("+expr+")", &ok)
		if ok {
			return
		}
		p.Run(chromedp.Sleep(100 * time.Millisecond))
	}
	t.Fatalf("never true: %s", expr)
}

// waitFocus waits (a few seconds at most) until selector has the focus.
func waitFocus(t *testing.T, p *webtest.Page, selector string) {
	t.Helper()
	for range 50 {
		var ok bool
		p.Eval(fmt.Sprintf(`!!(document.activeElement && document.activeElement.matches(%q))`, selector), &ok)
		if ok {
			return
		}
		p.Run(chromedp.Sleep(100 * time.Millisecond))
	}
	t.Fatalf("%s never got the focus (focus on %s)", selector, p.Focused())
}

// focusByTab presses Tab until the focused element matches selector (at
// most max times) and fails the test otherwise.
func focusByTab(t *testing.T, p *webtest.Page, selector string, max int) {
	t.Helper()
	for range max {
		var ok bool
		p.Eval(fmt.Sprintf(`!!(document.activeElement && document.activeElement.matches(%q))`, selector), &ok)
		if ok {
			return
		}
		p.Keys(kb.Tab)
	}
	t.Fatalf("%s never got the focus after %d tabs (focus on %s)", selector, max, p.Focused())
}

// Acceptance 1a: sign up, a professional with working hours, a patient;
// click a free time on the agenda and book; the appointment shows; drag it
// to another time; after a reload it is there; cancel it; the time is free
// again. The browser is in Tokyo: the agenda keeps the clinic's time.
func TestAgendaBookMoveAndCancel(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	in := newAgendaInstance(t)
	email := testenv.RandomName("agenda") + "@example.com"
	p := b.NewPage(t, webtest.BaseURL(in.URL), webtest.TimeZone("Asia/Tokyo"))
	p.Navigate("/signup")
	p.Fill("#f-clinic_name", "Clínica Bem Viver")
	p.Fill("#f-name", "Ana Souza")
	p.Fill("#f-email", email)
	p.Fill("#f-password", agendaPassword)
	p.Click("form button[type=submit]")
	p.WaitVisible("main.main")
	clinicID := strings.Split(strings.TrimPrefix(p.URL(), in.URL+"/clinics/"), "/")[0]
	api := in.Client(t)
	require.Equal(t, http.StatusOK, api.Login(email, agendaPassword).Status)
	c := setUpAgenda(t, in, api, clinicID, email, 1)
	c.patient(t, "Joana Ribeiro", "(11) 91234-5678")

	p.Navigate(c.agenda("&view=day"))
	waitCalendar(p)
	x, y := slotPoint(t, p, 0, "09:00")
	p.Run(chromedp.MouseClickXY(x, y))
	p.WaitVisible("#agenda-book-dialog[open] #agenda-book-form")
	var when []string
	p.Eval(`[document.querySelector("#f-professional_id").value, document.querySelector("#f-date").value, document.querySelector("#f-time").value, document.querySelector("#f-duration_minutes").value]`, &when)
	require.Equal(t, []string{c.pros[0], c.day, "09:00", "30"}, when, "the dialog has the time clicked, in the clinic's zone")
	p.Fill("#f-q", "joana rib")
	p.WaitVisible("#agenda-patient-results input[type=radio]")
	p.Click("#agenda-patient-results .agenda-patient")
	p.Fill("#f-procedure", "Primeira consulta")
	p.Click("#agenda-book-submit")
	p.WaitNotVisible("#agenda-book-dialog")
	p.WaitText("#agenda-toasts", "Joana Ribeiro")
	p.WaitText("#agenda-calendar .ec-event", "Joana Ribeiro")
	p.WaitText("#agenda-calendar .ec-event", "09:00–09:30")
	id := c.onlyAppointment(t)
	require.Equal(t, "09:00", c.localTime(t, c.appointment(t, id)["starts_at"]))

	// Drag it two hours later.
	ex, ey := eventPoint(t, p, "Joana Ribeiro")
	drag(p, ex, ey, ex, ey+8*20)
	p.WaitText("#agenda-toasts", "Consulta remarcada")
	p.Navigate(c.agenda("&view=day"))
	waitCalendar(p)
	p.WaitText("#agenda-calendar .ec-event", "11:00–11:30")
	require.Equal(t, "11:00", c.localTime(t, c.appointment(t, id)["starts_at"]), "moved in the clinic's time, not Tokyo's")

	// Cancel it from its dialog.
	ex, ey = eventPoint(t, p, "Joana Ribeiro")
	p.Run(chromedp.MouseClickXY(ex, ey))
	p.WaitVisible("#agenda-detail-dialog[open] .agenda-detail")
	p.Click("#agenda-detail-content details.agenda-fold summary")
	p.Click("#agenda-detail-content form button.btn--danger")
	p.WaitText("#agenda-detail-content .flash--success", "Cancelado")
	require.Equal(t, "cancelled", c.appointment(t, id)["status"])
	require.Contains(t, c.appointment(t, id)["notes"], "Paciente desmarcou")
	p.Click("#agenda-detail-content .dialog__footer [data-dialog-close]")
	p.WaitNotVisible("#agenda-detail-dialog")

	// The time is free again: no event there, and the list offers it.
	waitTrue(t, p, `document.querySelectorAll("#agenda-calendar .ec-event:not(.ec-bg-event)").length === 0`) // a cancelled appointment holds no time
	p.Navigate(c.agenda("&view=list"))
	waitTrue(t, p, `Array.prototype.some.call(document.querySelectorAll(".agenda-free a.slot"), function (a) { return a.textContent.trim() === "11:00" })`)
	p.WaitText(".agenda-item--cancelled", "Joana Ribeiro")
	p.Axe()
	p.Screenshot("agenda-after-cancel")
}

// Acceptance 1b: booking over an existing appointment answers the dialog
// again with the server's message in pt-BR, everything typed kept.
func TestAgendaConflictKeepsTheForm(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	c := newAgendaClinic(t, 1)
	maria := c.patient(t, "Maria da Silva", "(11) 98888-7777")
	c.patient(t, "Joana Ribeiro", "(11) 91234-5678")
	c.book(t, maria, c.pros[0], "10:00", 30, "Consulta", "")

	p := c.login(t, b)
	// the refusals answer 409 and 422, which htmx swaps in and Chromium logs
	p.AllowConsole("status of 409 (Conflict)")
	p.AllowConsole("status of 422 (Unprocessable")
	p.Navigate(c.agenda("&view=day"))
	waitCalendar(p)
	p.Click(`.page-header a[data-agenda-book]`)
	p.WaitVisible("#agenda-book-dialog[open] #agenda-book-form")
	p.Fill("#f-q", "Joana")
	p.WaitVisible("#agenda-patient-results input[type=radio]")
	p.Click("#agenda-patient-results .agenda-patient")
	p.Run(chromedp.SetValue(chromedp.CSS("#f-professional_id"), c.pros[0]))
	p.Eval(`(function(){ var f = document.querySelector("#agenda-book-form"); f.elements.time.value = "10:15"; f.elements.date.value = `+fmt.Sprintf("%q", c.day)+`; return true })()`, nil)
	p.Fill("#f-procedure", "Retorno")
	p.Fill("#f-notes", "Trazer os exames de sangue")
	p.Click("#agenda-book-submit")
	p.WaitText("#agenda-book-content .flash--error", "O profissional já tem um agendamento nesse horário.")
	var kept []string
	p.Eval(`(function(){ var f = document.querySelector("#agenda-book-form"); var r = f.querySelector("input[name=patient_id]:checked");
		return [r ? r.closest("label").textContent.trim().split("\n")[0].trim() : "", f.elements.professional_id.value, f.elements.date.value, f.elements.time.value, f.elements.procedure.value, f.elements.notes.value, f.elements.q.value] })()`, &kept)
	require.Equal(t, []string{"Joana Ribeiro", c.pros[0], c.day, "10:15", "Retorno", "Trazer os exames de sangue", "Joana"}, kept)
	waitDialog(p, "#agenda-book-dialog[open]")
	p.Axe()
	p.Screenshot("agenda-booking-conflict")

	// Outside the working hours says so, and a squeeze-in books it anyway.
	p.Eval(`(function(){ document.querySelector("#agenda-book-form").elements.time.value = "12:15"; return true })()`, nil)
	p.Click("#agenda-book-submit")
	p.WaitText("#agenda-book-content .flash--error", "fora do horário de atendimento")
	p.WaitText("#f-time-error", "Encaixe")
	p.Click(`#agenda-book-form input[name=override_working_hours]`)
	p.Click("#agenda-book-submit")
	p.WaitNotVisible("#agenda-book-dialog")
	p.WaitText("#agenda-calendar", "Joana Ribeiro")

	// Dragged onto Maria's time, the server refuses: the appointment snaps
	// back and the toast says why.
	x, y := eventPoint(t, p, "Joana Ribeiro")
	drag(p, x, y, x, y-9*20)
	p.WaitText("#agenda-toasts [role=alert]", "O profissional já tem um agendamento nesse horário.")
	waitTrue(t, p, `Array.prototype.some.call(document.querySelectorAll("#agenda-calendar .ec-event"), function (e) { return e.textContent.indexOf("Joana Ribeiro") >= 0 && e.textContent.indexOf("12:15") >= 0 })`)
	p.Screenshot("agenda-drag-refused")
}

// Acceptance 1g: an appointment booked with the keyboard alone, from the
// list's free-slot links (the list is what a phone and a browser without
// JavaScript get too).
func TestAgendaBookWithTheKeyboardAlone(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	c := newAgendaClinic(t, 2)
	c.patient(t, "Joana Ribeiro", "(11) 91234-5678")

	p := c.login(t, b)
	p.Navigate(c.agenda("&view=list&professional_id=" + c.pros[1]))
	p.WaitVisible(".agenda-free a.slot")
	p.Eval(`document.activeElement && document.activeElement.blur(), true`, nil)
	focusByTab(t, p, ".agenda-free a.slot", 80)
	var href string
	p.Eval(`document.activeElement.getAttribute("href")`, &href)
	p.Keys(kb.Enter)
	p.WaitVisible("#agenda-book-dialog[open] #agenda-book-form")
	p.WaitVisible("#agenda-book-dialog[open] #f-q")
	waitFocus(t, p, "#f-q") // the dialog starts at the patient search
	p.Keys("joana")
	p.WaitVisible("#agenda-patient-results input[type=radio]")
	p.Keys(kb.ArrowDown)
	require.Equal(t, "input", p.Focused())
	focusByTab(t, p, "#agenda-book-submit", 40)
	p.Keys(kb.Enter)
	p.WaitNotVisible("#agenda-book-dialog")
	p.WaitText("#agenda-list", "Joana Ribeiro")
	id := c.onlyAppointment(t)
	a := c.appointment(t, id)
	require.Equal(t, c.pros[1], a["professional_id"])
	require.Contains(t, href, "starts_at="+c.day+"T")
}

// The day, the week and the list, desktop and phone, pt-BR and English:
// axe finds nothing serious, the console stays clean, and another user's
// booking shows without a reload. The shots go to docs/screenshots.
func TestAgendaViewsAndScreenshots(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	c := newAgendaClinic(t, 3)
	names := []string{"Maria da Silva", "João Pereira", "Ana Costa", "Lucas Almeida", "Fernanda Souza", "Rafael Gomes",
		"Paulo Nunes", "Cláudia Reis", "Pedro Dias", "Marta Luz", "<script>alert(1)</script>"}
	ids := map[string]string{}
	for i, n := range names {
		ids[n] = c.patient(t, n, fmt.Sprintf("(11) 9%04d-%04d", 1000+i, 2000+i))
	}
	type appt struct {
		who, at   string
		pro, mins int
		procedure string
		status    []string
	}
	for _, a := range []appt{
		{"Maria da Silva", "08:00", 0, 30, "Primeira consulta", []string{"confirmed", "arrived", "in_progress", "completed"}},
		{"João Pereira", "08:30", 0, 30, "Retorno", []string{"confirmed", "arrived", "in_progress"}},
		{"Ana Costa", "09:00", 0, 30, "Consulta", []string{"arrived"}},
		{"Lucas Almeida", "10:00", 0, 45, "Avaliação", []string{"confirmed"}},
		{"Fernanda Souza", "08:15", 1, 45, "Eletrocardiograma", []string{"no_show"}},
		{"Rafael Gomes", "09:30", 1, 30, "Consulta", nil},
		{"Paulo Nunes", "10:30", 1, 30, "Retorno", []string{"confirmed"}},
		{"Cláudia Reis", "08:00", 2, 60, "Sessão de fisioterapia", []string{"confirmed", "arrived", "in_progress", "completed"}},
		{"Pedro Dias", "09:00", 2, 60, "Sessão de fisioterapia", []string{"cancelled"}},
		{"Marta Luz", "11:00", 2, 60, "Sessão de fisioterapia", nil},
		{"<script>alert(1)</script>", "14:00", 2, 60, "Avaliação", nil},
	} {
		id := c.book(t, ids[a.who], c.pros[a.pro], a.at, a.mins, a.procedure, "")
		for _, st := range a.status {
			c.status(t, id, st)
		}
	}
	wl := c.api.Do("POST", c.path("/waitlist"), map[string]any{"patient_id": ids["Marta Luz"], "professional_id": c.pros[0],
		"from_date": c.day, "to_date": time.Now().In(c.zone).AddDate(0, 0, 14).Format(time.DateOnly), "duration_minutes": 30, "earliest": "14:00"})
	require.Equal(t, http.StatusCreated, wl.Status, "%s", wl.Body)

	for _, lc := range []struct {
		locale, suffix, late string
		doc                  bool
	}{{"pt-BR", "", "15:00", true}, {"en", "-en", "16:00", false}} {
		shot := func(p *webtest.Page, name string) {
			if lc.doc {
				p.DocScreenshot(name)
			} else {
				p.Screenshot(name + lc.suffix)
			}
		}
		p := c.login(t, b, webtest.Locale(lc.locale))
		p.Navigate(c.agenda("&view=day"))
		waitCalendar(p)
		p.WaitText("#agenda-calendar", "Marta Luz")
		p.WaitText("#agenda-calendar", "<script>alert(1)</script>")
		p.Axe()
		shot(p, "agenda-day")

		// Another user books: the open agenda shows it without a reload.
		late := c.patient(t, "Beatriz Nogueira "+lc.locale, "(11) 97777-1111")
		c.book(t, late, c.pros[1], lc.late, 30, "Consulta", "")
		p.WaitText("#agenda-calendar", "Beatriz Nogueira "+lc.locale)

		p.Click(`.page-header a[data-agenda-book]`)
		p.WaitVisible("#agenda-book-dialog[open] #agenda-book-form")
		p.Fill("#f-q", "ma")
		p.WaitVisible("#agenda-patient-results input[type=radio]")
		waitDialog(p, "#agenda-book-dialog[open]")
		p.Axe()
		shot(p, "agenda-booking")

		p.Navigate(c.agenda("&view=week&professional_id=" + c.pros[0]))
		waitCalendar(p)
		p.WaitText("#agenda-calendar", "Maria da Silva")
		p.Axe()
		shot(p, "agenda-week")

		p.Navigate(c.agenda("&view=list"))
		p.WaitText("#agenda-list", "Pedro Dias")
		p.Axe()
		p.Screenshot("agenda-list" + lc.suffix)

		ph := c.login(t, b, webtest.Locale(lc.locale), webtest.Phone)
		ph.Navigate(c.agenda(""))
		ph.WaitText("#agenda-list", "Maria da Silva")
		ph.Axe()
		shot(ph, "agenda-day-phone")
		ph.Click(`.agenda-item a[data-agenda-open]`)
		waitDialog(ph, "#agenda-detail-dialog[open] .agenda-detail")
		ph.Axe()
		ph.Screenshot("agenda-detail-phone" + lc.suffix)
		// the phone's calendar, asked for
		ph.Navigate(c.agenda("&view=day&professional_id=" + c.pros[0]))
		waitCalendar(ph)
		ph.Axe()
		ph.Screenshot("agenda-day-calendar-phone" + lc.suffix)
	}
}
