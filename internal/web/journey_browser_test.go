package web_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"clinic/internal/web/webtest"
)

// Acceptance 1a of the web application, all of it through the pages a new
// clinic uses, none through the API: sign up → add a professional with
// working hours → add a procedure → add a patient → click a free slot on
// the agenda and book → the appointment shows → drag it to another time →
// after a reload it is at the new time → cancel it → the slot is free
// again. (The API is only read, to check what the pages did.)
func TestANewClinicBooksMovesAndCancelsThroughThePages(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	in := newAgendaInstance(t)
	p := b.NewPage(t, webtest.BaseURL(in.URL))

	clinic, email := settingsSignup(t, p, "Clínica Primeiro Dia")
	settingsAddProfessional(p, clinic, "Dra. Beatriz Lima")

	p.Navigate(clinic + "/settings/procedures")
	p.Fill("#f-name", "Primeira consulta")
	p.Fill("#f-default_duration_minutes", "30")
	p.Click("#new-procedure button[type=submit]")
	p.WaitText(".flash--success", "Procedimento cadastrado")

	p.Navigate(clinic + "/patients/new")
	p.Fill("#f-full_name", "Joana Ribeiro")
	p.Fill("#f-phone", "(11) 91234-5678")
	p.Click(`.patient-form button[type=submit]`)
	p.WaitText("h1", "Joana Ribeiro")

	// Read-only checks through the API, as the owner.
	api := in.Client(t)
	require.Equal(t, http.StatusOK, api.Login(email, agendaPassword).Status)
	clinicID := strings.TrimPrefix(clinic, "/clinics/")
	c := setUpAgenda(t, in, api, clinicID, email, 0)
	pros := api.Do("GET", c.path("/professionals"), nil)
	require.Equal(t, http.StatusOK, pros.Status, "%s", pros.Body)
	var listed struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	pros.Decode(t, &listed)
	require.Len(t, listed.Items, 1)
	c.pros = []string{listed.Items[0].ID}

	// Book at 09:00 tomorrow from the agenda's free slot.
	p.Navigate(c.agenda("&view=day"))
	waitCalendar(p)
	x, y := slotPoint(t, p, 0, "09:00")
	p.Run(chromedp.MouseClickXY(x, y))
	p.WaitVisible("#agenda-book-dialog[open] #agenda-book-form")
	p.Fill("#f-q", "joana")
	p.WaitVisible("#agenda-patient-results input[type=radio]")
	p.Click("#agenda-patient-results .agenda-patient")
	p.Eval(`document.querySelector("#f-procedure_id").value = `+strconv.Quote(procedureID(t, c))+`, true`, nil)
	p.Click("#agenda-book-submit")
	p.WaitNotVisible("#agenda-book-dialog")
	p.WaitText("#agenda-calendar .ec-event", "Joana Ribeiro")
	p.WaitText("#agenda-calendar .ec-event", "09:00–09:30")
	id := c.onlyAppointment(t)
	require.Equal(t, "Primeira consulta", c.appointment(t, id)["procedure"])

	// Drag it two hours later; a reload shows it there.
	ex, ey := eventPoint(t, p, "Joana Ribeiro")
	drag(p, ex, ey, ex, ey+8*20)
	p.WaitText("#agenda-toasts", "Consulta remarcada")
	p.Navigate(c.agenda("&view=day"))
	waitCalendar(p)
	p.WaitText("#agenda-calendar .ec-event", "11:00–11:30")
	require.Equal(t, "11:00", c.localTime(t, c.appointment(t, id)["starts_at"]))

	// Cancel it; the time is free again.
	ex, ey = eventPoint(t, p, "Joana Ribeiro")
	p.Run(chromedp.MouseClickXY(ex, ey))
	p.WaitVisible("#agenda-detail-dialog[open] .agenda-detail")
	p.Click("#agenda-detail-content details.agenda-fold summary")
	p.Click("#agenda-detail-content form button.btn--danger")
	p.WaitText("#agenda-detail-content .flash--success", "Cancelado")
	require.Equal(t, "cancelled", c.appointment(t, id)["status"])
	p.Navigate(c.agenda("&view=list"))
	waitTrue(t, p, `Array.prototype.some.call(document.querySelectorAll(".agenda-free a.slot"), function (a) { return a.textContent.trim() === "11:00" })`)
	p.Axe()
	p.Screenshot("journey-after-cancel")
}

// procedureID returns the id of the clinic's only procedure.
func procedureID(t *testing.T, c *agendaClinic) string {
	t.Helper()
	res := c.api.Do("GET", c.path("/procedures"), nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var listed struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	res.Decode(t, &listed)
	require.Len(t, listed.Items, 1)
	return listed.Items[0].ID
}
