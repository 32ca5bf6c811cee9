package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/app/apptest"
	"clinic/internal/appointment"
	"clinic/internal/booking"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/schedule"
	"clinic/internal/web/webtest"
)

const publicPassword = "correct horse battery"

// publicClinic is a clinic seeded through the services: its public page
// on, two professionals working 08:00–12:00 every day, a procedure offered
// online (30 minutes) and one that is not.
type publicClinic struct {
	in                *apptest.Instance
	owner             kernel.Principal
	email, slug       string
	proc, hidden      string
	ana, bruno        string
	loc               *time.Location
	tomorrow          time.Time // 00:00 clinic-local
	closedSlug        string    // a clinic whose page is off
	ownerName, clinic string
}

func newPublicClinic(t *testing.T, in *apptest.Instance) *publicClinic {
	t.Helper()
	ctx := context.Background()
	pc := &publicClinic{in: in, email: "owner-" + kernel.NewID()[:8] + "@example.com", ownerName: "Ana Recepção", clinic: "Clínica Bem Viver"}
	c, u, err := in.Accounts.Signup(ctx, account.SignupInput{ClinicName: pc.clinic, Name: pc.ownerName, Email: pc.email, Password: publicPassword})
	require.NoError(t, err)
	pc.owner = kernel.Principal{UserID: u.ID, ClinicID: c.ID, Role: kernel.RoleOwner}
	c, err = in.Accounts.UpdateClinic(ctx, pc.owner, account.UpdateClinicInput{PublicBooking: kernel.Some(true),
		Address: kernel.Some("Av. Paulista, 1000 · São Paulo"), Phone: kernel.Some("(11) 3000-1234")})
	require.NoError(t, err)
	pc.slug = c.Slug
	proc, err := in.Schedule.CreateProcedure(ctx, pc.owner, schedule.ProcedureInput{Name: "Primeira consulta", DefaultDurationMinutes: 30, BookableOnline: true})
	require.NoError(t, err)
	pc.proc = proc.ID
	hidden, err := in.Schedule.CreateProcedure(ctx, pc.owner, schedule.ProcedureInput{Name: "Cirurgia", DefaultDurationMinutes: 60})
	require.NoError(t, err)
	pc.hidden = hidden.ID
	for _, p := range []struct {
		name, specialty string
		id              *string
	}{{"Dra. Ana Souza", "Clínica geral", &pc.ana}, {"Dr. Bruno Lima", "Cardiologia", &pc.bruno}} {
		pro, err := in.Schedule.CreateProfessional(ctx, pc.owner, schedule.ProfessionalInput{Name: p.name, Specialty: p.specialty})
		require.NoError(t, err)
		*p.id = pro.ID
		var rules []schedule.RuleInput
		for wd := range 7 {
			rules = append(rules, schedule.RuleInput{Weekday: &wd, Start: "08:00", End: "12:00"})
		}
		_, err = in.Schedule.SetWorkingHours(ctx, pc.owner, pro.ID, rules)
		require.NoError(t, err)
	}
	pc.loc, err = time.LoadLocation(c.TimeZone)
	require.NoError(t, err)
	now := time.Now().In(pc.loc)
	pc.tomorrow = time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, pc.loc)

	closed, _, err := in.Accounts.Signup(ctx, account.SignupInput{ClinicName: "Clínica Fechada", Name: "Outra Dona",
		Email: "closed-" + kernel.NewID()[:8] + "@example.com", Password: publicPassword})
	require.NoError(t, err)
	pc.closedSlug = closed.Slug
	return pc
}

// at is hh:mm tomorrow, clinic-local.
func (pc *publicClinic) at(hh, mm int) time.Time {
	return time.Date(pc.tomorrow.Year(), pc.tomorrow.Month(), pc.tomorrow.Day(), hh, mm, 0, 0, pc.loc)
}

// slot is the form value of a slot of professional at start.
func slot(professional string, start time.Time) string {
	return strconv.FormatInt(start.Unix(), 10) + "_" + professional
}

// stepURL is the page of step 2 (no slot) or 3 for the procedure.
func (pc *publicClinic) stepURL(professional, slotValue string) string {
	q := url.Values{"procedure": {pc.proc}}
	if professional != "" {
		q.Set("professional", professional)
	}
	if from := pc.tomorrow.Format(time.DateOnly); slotValue == "" {
		q.Set("from", from)
	} else {
		q.Set("slot", slotValue)
	}
	return "/c/" + pc.slug + "?" + q.Encode()
}

// appointments lists the clinic's appointments of tomorrow.
func (pc *publicClinic) appointments(t *testing.T) []appointment.Appointment {
	t.Helper()
	page, err := pc.in.Appointments.List(context.Background(), pc.owner, appointment.ListFilter{From: pc.tomorrow, To: pc.tomorrow.AddDate(0, 0, 1)})
	require.NoError(t, err)
	return page.Items
}

func (pc *publicClinic) patients(t *testing.T, q string) []patient.Patient {
	t.Helper()
	page, err := pc.in.Patients.List(context.Background(), pc.owner, patient.ListQuery{Q: q})
	require.NoError(t, err)
	return page.Items
}

// offered reports whether the page of step 2 offers the slot.
func offered(p *webtest.Page, slotValue string) bool {
	var ok bool
	p.Eval(`document.querySelector('input[name="slot"][value="`+slotValue+`"]') !== null`, &ok)
	return ok
}

func submit(p *webtest.Page) { p.Click(`main form.card button[type="submit"]`) }

// The public booking page in a real browser (issue 9, acceptance 1c): an
// anonymous visitor books in three steps, the appointment is on the staff's
// agenda and dashboard, the same phone is the same patient, a taken slot is
// no longer offered, and the page refuses what it must.
func TestPublicBookingInTheBrowser(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	in := apptest.New(t, dbtest.SQLiteURL(t), nil)
	pc := newPublicClinic(t, in)
	p := b.NewPage(t, webtest.BaseURL(in.URL))

	// Step 1: procedure and professional.
	p.Navigate("/c/" + pc.slug)
	p.WaitText("h1", "O que você quer agendar?")
	p.WaitText(".public-header", pc.clinic)
	p.WaitText(".public-header", "(11) 3000-1234")
	require.NotContains(t, p.Text("main"), "Cirurgia", "a procedure not offered online is not on the page")
	p.Axe()
	p.DocScreenshot("public-booking")
	p.Click(`input[name="procedure"][value="` + pc.proc + `"] ~ .choice__title`)
	p.Click(`input[name="professional"][value="` + pc.ana + `"] ~ .choice__title`)
	submit(p)

	// Step 2: the week's slots, grouped by day; a later week and back.
	p.WaitText("h1", "Escolha um horário")
	p.WaitText(".summary", "Dra. Ana Souza")
	p.Axe()
	p.Click(`.slot-week__nav a:last-child`)
	p.WaitText(".slot-week__label", pc.tomorrow.AddDate(0, 0, 6).Format("02/01/2006"))
	p.Navigate(pc.stepURL(pc.ana, ""))
	first := slot(pc.ana, pc.at(8, 0))
	require.True(t, offered(p, first), "tomorrow 08:00 is free")
	p.DocScreenshot("public-slots")
	p.Click(`input[name="slot"][value="` + first + `"] + span`)
	submit(p)

	// Step 3: the details; an invalid phone keeps what was typed.
	p.WaitText("h1", "Seus dados")
	p.WaitText(".summary", "08:00")
	p.Fill("#f-name", "Maria Silva")
	p.Fill("#f-phone", "123")
	p.Click(`input[name="consents.whatsapp"] + span`)
	p.AllowConsole("422") // the refused POST answers 422 Unprocessable Content
	submit(p)
	p.WaitText("#f-phone-error", "DDD")
	p.WaitVisible(`#f-name[value="Maria Silva"]`)
	var kept struct {
		Name, Phone string
		WhatsApp    bool
	}
	p.Eval(`({Name: document.querySelector("#f-name").value, Phone: document.querySelector("#f-phone").value,
		WhatsApp: document.querySelector('input[name="consents.whatsapp"]').checked})`, &kept)
	require.Equal(t, "Maria Silva", kept.Name)
	require.Equal(t, "123", kept.Phone)
	require.True(t, kept.WhatsApp)
	p.Axe()
	p.Fill("#f-phone", "(11) 98765-4321")
	submit(p)

	// The confirmation, in the clinic's zone.
	p.WaitText("h1", "Consulta agendada")
	p.WaitText(".public-details", "08:00")
	p.WaitText(".public-details", "Primeira consulta")
	p.WaitText(".public-details", "Dra. Ana Souza")
	p.Axe()
	p.DocScreenshot("public-confirmation")
	appts := pc.appointments(t)
	require.Len(t, appts, 1)
	require.Equal(t, "Maria Silva", appts[0].PatientName)
	require.Equal(t, pc.proc, appts[0].ProcedureID)
	require.True(t, appts[0].StartsAt.Equal(pc.at(8, 0)))

	// The taken slot is no longer offered; the same phone, written another
	// way, is the same patient.
	p.Navigate(pc.stepURL(pc.ana, ""))
	p.WaitText("h1", "Escolha um horário")
	require.False(t, offered(p, first), "the booked slot is not offered again")
	second := slot(pc.ana, pc.at(9, 0))
	require.True(t, offered(p, second))
	p.Navigate(pc.stepURL("", second))
	p.Fill("#f-name", "Maria Silva")
	p.Fill("#f-phone", "11 98765 4321")
	submit(p)
	p.WaitText("h1", "Consulta agendada")
	require.Len(t, pc.appointments(t), 2)
	require.Len(t, pc.patients(t, "11987654321"), 1, "the same phone is matched to the same patient")

	// A slot taken meanwhile: the page says so, offers the slots again and
	// keeps what was typed.
	third := pc.at(10, 0)
	p.Navigate(pc.stepURL(pc.ana, slot(pc.ana, third)))
	p.Fill("#f-name", "Carla Dias")
	p.Fill("#f-phone", "(11) 95555-6666")
	_, err := in.Booking.Book(context.Background(), pc.slug, booking.Input{ProcedureID: pc.proc, ProfessionalID: pc.ana,
		StartsAt: third.Format(time.RFC3339), Name: "Outra Pessoa", Phone: "(11) 94444-3333"})
	require.NoError(t, err)
	p.AllowConsole("409") // the refused POST answers 409 Conflict
	submit(p)
	p.WaitText(".flash--error", "não está mais disponível")
	p.WaitText("h1", "Escolha outro horário")
	p.WaitVisible(`#f-name[value="Carla Dias"]`)
	var name string
	p.Eval(`document.querySelector("#f-name").value`, &name)
	require.Equal(t, "Carla Dias", name)
	require.False(t, offered(p, slot(pc.ana, third)))
	p.Axe()
	p.Click(`input[name="slot"][value="` + slot(pc.ana, pc.at(10, 30)) + `"] + span`)
	submit(p)
	p.WaitText("h1", "Consulta agendada")
	require.Len(t, pc.appointments(t), 4)

	// The honeypot: a filled one answers like a booking and books nothing.
	p.Navigate(pc.stepURL(pc.ana, slot(pc.ana, pc.at(11, 0))))
	p.Fill("#f-name", "Robô")
	p.Fill("#f-phone", "(11) 97777-8888")
	p.Eval(`document.querySelector("#f-website").value = "http://spam.example"`, nil)
	submit(p)
	p.WaitText("h1", "Consulta agendada")
	require.Len(t, pc.appointments(t), 4, "the honeypot books nothing")
	require.Empty(t, pc.patients(t, "11977778888"))

	// On the staff's dashboard: tomorrow's appointments to confirm.
	staff := b.NewPage(t, webtest.BaseURL(in.URL))
	staff.Navigate("/login")
	staff.Fill("#f-email", pc.email)
	staff.Fill("#f-password", publicPassword)
	staff.Click(`main form button[type="submit"]`)
	staff.WaitText("h1", "Olá, "+pc.ownerName)
	staff.WaitText("#attention-heading", "Precisa de atenção")
	staff.WaitText(".dashboard", "Maria Silva")
	staff.WaitText(".dashboard", "Carla Dias")
	staff.Axe()
}

// The public booking page on a phone, in English.
func TestPublicBookingOnAPhone(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	in := apptest.New(t, dbtest.SQLiteURL(t), nil)
	pc := newPublicClinic(t, in)
	p := b.NewPage(t, webtest.BaseURL(in.URL), webtest.Phone)
	p.Navigate("/c/" + pc.slug)
	p.WaitText("h1", "O que você quer agendar?")
	p.Axe()
	p.DocScreenshot("public-booking-phone")
	p.Navigate(pc.stepURL("", ""))
	p.WaitText("h1", "Escolha um horário")
	p.Axe()
	p.Screenshot("public-slots-phone")
	p.Navigate(pc.stepURL("", slot(pc.bruno, pc.at(8, 0))))
	p.WaitText("h1", "Seus dados")
	p.Axe()
	p.Screenshot("public-details-phone")

	// The language switch keeps the step and its choices.
	p.Click(`.public-header__lang button[value="en"]`)
	p.WaitText("h1", "Your details")
	p.WaitText(".summary", "Dr. Bruno Lima")
	p.WaitText(".summary", "8:00 AM")
	p.Axe()
	p.Screenshot("public-details-phone-en")
	p.Fill("#f-name", "John Smith")
	p.Fill("#f-phone", "(11) 91111-2222")
	submit(p)
	p.WaitText("h1", "You're booked")
	p.Axe()
	p.Screenshot("public-confirmation-phone-en")

	en := b.NewPage(t, webtest.BaseURL(in.URL), webtest.Locale("en"))
	en.Navigate(pc.stepURL(pc.bruno, ""))
	en.WaitText("h1", "Choose a time")
	en.Screenshot("public-slots-en")
}

// Unknown slugs and closed pages answer 404 in the visitor's language; a
// cross-site POST is refused; the pages are not stored by caches.
func TestPublicBookingRefusals(t *testing.T) {
	t.Parallel()
	in := apptest.New(t, dbtest.SQLiteURL(t), map[string]string{"RATE_LIMIT_PUBLIC_PHONE": "1/1h"})
	pc := newPublicClinic(t, in)
	get := func(path, lang string) (int, http.Header, string) {
		req, err := http.NewRequest(http.MethodGet, in.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Accept-Language", lang)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, res.Header, string(body)
	}
	for _, tc := range []struct {
		name, path, lang, want string
		status                 int
	}{
		{"the form", "/c/" + pc.slug, "pt-BR", "O que você quer agendar?", http.StatusOK},
		{"the slots", pc.stepURL("", ""), "en", "Choose a time", http.StatusOK},
		{"an unknown slug", "/c/no-such-clinic", "pt-BR", "Clínica não encontrada.", http.StatusNotFound},
		{"an unknown slug in English", "/c/no-such-clinic", "en", "Clinic not found.", http.StatusNotFound},
		{"a closed page", "/c/" + pc.closedSlug, "pt-BR", "Clínica não encontrada.", http.StatusNotFound},
		{"a confirmation without its cookie", "/c/" + pc.slug + "/booked/" + kernel.NewID(), "pt-BR", "Agendamento não encontrado.", http.StatusNotFound},
	} {
		status, h, body := get(tc.path, tc.lang)
		require.Equal(t, tc.status, status, tc.name)
		require.Contains(t, body, tc.want, tc.name)
		require.Equal(t, "no-store", h.Get("Cache-Control"), tc.name)
	}

	form := url.Values{"procedure": {pc.proc}, "slot": {slot(pc.ana, pc.at(8, 0))}, "name": {"Maria Silva"}, "phone": {"(11) 98765-4321"}}
	post := func(form url.Values, header http.Header) (int, string) {
		req, err := http.NewRequest(http.MethodPost, in.URL+"/c/"+pc.slug, strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header[k] = v
		}
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := client.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(body)
	}
	status, _ := post(form, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	require.Equal(t, http.StatusForbidden, status, "a cross-site POST is refused")
	require.Empty(t, pc.appointments(t))
	status, _ = post(form, nil)
	require.Equal(t, http.StatusSeeOther, status)
	require.Len(t, pc.appointments(t), 1)

	// RATE_LIMIT_PUBLIC_PHONE: the same phone, written another way, once
	// an hour here; the page says so in the visitor's language.
	form.Set("slot", slot(pc.ana, pc.at(9, 0)))
	form.Set("phone", "11987654321")
	status, body := post(form, http.Header{"Accept-Language": {"en"}})
	require.Equal(t, http.StatusTooManyRequests, status)
	require.Contains(t, body, "Too many requests")
	require.Len(t, pc.appointments(t), 1)
}
