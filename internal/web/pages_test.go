package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/appointment"
	"clinic/internal/demo"
	"clinic/internal/kernel"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/reminder"
	"clinic/internal/web/webtest"
)

// site is a running instance with the demo clinic, as `clinic demo` makes
// it, and its owner logged in.
type site struct {
	in    *apptest.Instance
	demo  demo.Result
	owner *apptest.Client
	// patientID is one of the demo's patients, procedureID one of its
	// procedures, professionalID one of its professionals.
	patientID, procedureID, professionalID, appointmentID string
	// messageID is one of the messages the demo clinic planned (its
	// messages are on), answerToken its patient's link.
	messageID, answerToken string
	// documentID is a scanned card attached to patientID, its text read.
	documentID string
	// chargeID is the demo's half-paid charge; paymentID its payment.
	chargeID, paymentID string
}

func demoSite(t testing.TB, dbURL string, env map[string]string) *site {
	t.Helper()
	in := apptest.New(t, dbURL, env)
	a := in.App
	res, err := demo.Seed(context.Background(), demo.Services{Accounts: a.Accounts, Patients: a.Patients, Schedule: a.Schedule, Appointments: a.Appointments,
		Records: a.Records, Billing: a.Billing}, demo.Options{})
	require.NoError(t, err)
	owner := in.Client(t)
	res2, err := owner.HTTP.PostForm(owner.Base+"/login", url.Values{"email": {res.Email}, "password": {res.Password}})
	require.NoError(t, err)
	require.NoError(t, res2.Body.Close())
	require.Equal(t, http.StatusOK, res2.StatusCode)
	list := owner.Do("GET", "/api/v1/clinics/"+res.ClinicID+"/patients?limit=1", nil)
	require.Equal(t, http.StatusOK, list.Status, "%s", list.Body)
	var patients struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	list.Decode(t, &patients)
	require.NotEmpty(t, patients.Items)
	pub := in.Client(t).Do("GET", "/api/v1/public/clinics/"+res.Slug, nil)
	require.Equal(t, http.StatusOK, pub.Status, "%s", pub.Body)
	var clinic struct {
		Procedures []struct {
			ID string `json:"id"`
		} `json:"procedures"`
	}
	pub.Decode(t, &clinic)
	require.NotEmpty(t, clinic.Procedures)
	pros := owner.Do("GET", "/api/v1/clinics/"+res.ClinicID+"/professionals", nil)
	require.Equal(t, http.StatusOK, pros.Status, "%s", pros.Body)
	var professionals struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	pros.Decode(t, &professionals)
	require.NotEmpty(t, professionals.Items)
	from := time.Now().UTC().Format(time.RFC3339)
	to := time.Now().UTC().AddDate(0, 0, 14).Format(time.RFC3339)
	appts := owner.Do("GET", "/api/v1/clinics/"+res.ClinicID+"/appointments?limit=1&from="+url.QueryEscape(from)+"&to="+url.QueryEscape(to), nil)
	require.Equal(t, http.StatusOK, appts.Status, "%s", appts.Body)
	var appointments struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	appts.Decode(t, &appointments)
	require.NotEmpty(t, appointments.Items)
	st := &site{in: in, demo: res, owner: owner, patientID: patients.Items[0].ID, procedureID: clinic.Procedures[0].ID,
		professionalID: professionals.Items[0].ID, appointmentID: appointments.Items[0].ID}
	st.messagesOn(t)
	st.documentID = demoDocument(t, st)
	st.billingIDs(t)
	return st
}

// messagesOn turns the demo clinic's messages on (the default policy: a
// day and two hours before, by WhatsApp, SMS or e-mail), which plans the
// reminders of its appointments, and keeps one of them and its link.
func (s *site) messagesOn(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	owner := kernel.Principal{ClinicID: s.demo.ClinicID, Role: kernel.RoleOwner}
	p := reminder.DefaultPolicy()
	p.Enabled = true
	_, err := s.in.App.Reminders.SavePolicy(ctx, owner, p)
	require.NoError(t, err)
	// A reminder of an appointment still to be confirmed, for its
	// patient's link to offer every answer.
	list, err := s.in.App.Reminders.List(ctx, owner, reminder.Filter{Limit: 200})
	require.NoError(t, err)
	for _, m := range list {
		if m.AppointmentID == "" || m.Kind != reminder.KindReminder {
			continue
		}
		a, err := s.in.App.Appointments.Get(ctx, owner, m.AppointmentID)
		require.NoError(t, err)
		if a.Status == appointment.StatusScheduled && a.StartsAt.After(time.Now().Add(3*time.Hour)) {
			s.messageID, s.appointmentID = m.ID, m.AppointmentID
			break
		}
	}
	require.NotEmpty(t, s.messageID, "turning messages on plans the reminders of the booked appointments")
	s.answerToken, err = s.in.App.Secrets.Sign("message.answer", []byte(s.messageID), time.Now().Add(30*24*time.Hour))
	require.NoError(t, err)
}

// noteTemplateID is one of the demo clinic's note templates.
func (s *site) noteTemplateID() string {
	list, err := s.in.App.Records.Templates(context.Background(), kernel.Principal{ClinicID: s.demo.ClinicID, Role: kernel.RoleOwner})
	if err != nil || len(list) == 0 {
		return "none"
	}
	return list[0].ID
}

// uiPage is one page of the UI, as a user reaches it.
type uiPage struct {
	// name is also the screenshot's (docs/screenshots/<name>.png).
	name string
	path string
	// anonymous: seen without logging in.
	anonymous bool
	// phone: also shot at a phone's size (<name>-phone.png).
	phone bool
	// en: also shot in English (<name>-en.png, and <name>-en-phone.png
	// with phone).
	en bool
}

// pagesOf lists every page of the UI on the demo clinic: the browser test
// checks each (no console error, axe) and shoots it for docs/ui.md, and the
// benchmark times each.
func pagesOf(s *site) []uiPage {
	c := "/clinics/" + s.demo.ClinicID
	return []uiPage{
		{name: "login", path: "/login", anonymous: true},
		{name: "signup", path: "/signup", anonymous: true},
		{name: "forgot", path: "/forgot", anonymous: true},
		{name: "dashboard", path: c + "/"},
		{name: "agenda", path: c + "/agenda"},
		{name: "agenda-list", path: c + "/agenda?view=list", phone: true},
		{name: "agenda-week-demo", path: c + "/agenda?view=week&professional_id=" + s.professionalID},
		{name: "agenda-new", path: c + "/agenda/new?professional_id=" + s.professionalID},
		{name: "appointment", path: c + "/appointments/" + s.appointmentID, phone: true},
		{name: "patients-list", path: c + "/patients", phone: true},
		{name: "patient-detail", path: c + "/patients/" + s.patientID},
		{name: "patient-form", path: c + "/patients/" + s.patientID + "/edit"},
		{name: "patient-new", path: c + "/patients/new"},
		{name: "settings-clinic", path: c + "/settings"},
		{name: "settings-professionals", path: c + "/settings/professionals"},
		{name: "settings-hours", path: c + "/settings/professionals/" + s.professionalID},
		{name: "settings-procedures", path: c + "/settings/procedures"},
		{name: "settings-procedure", path: c + "/settings/procedures/" + s.procedureID},
		{name: "settings-rooms", path: c + "/settings/rooms"},
		{name: "settings-users", path: c + "/settings/users"},
		{name: "settings-tokens", path: c + "/settings/tokens"},
		{name: "settings-jobs", path: c + "/settings/jobs"},
		{name: "settings-messages", path: c + "/settings/messages", phone: true, en: true},
		{name: "settings-messages-channels", path: c + "/settings/messages/channels", phone: true, en: true},
		{name: "settings-messages-templates", path: c + "/settings/messages/templates", en: true},
		{name: "settings-messages-template", path: c + "/settings/messages/templates/reminder/email/pt-BR", phone: true, en: true},
		{name: "settings-messages-template-whatsapp", path: c + "/settings/messages/templates/reminder/whatsapp/pt-BR"},
		{name: "settings-messages-template-pix", path: c + "/settings/messages/templates/pix/email/pt-BR", phone: true, en: true},
		{name: "message-history", path: c + "/messages/" + s.messageID},
		{name: "public-booking", path: "/c/" + s.demo.Slug, anonymous: true, phone: true},
		{name: "answer", path: "/m/" + s.answerToken, anonymous: true, phone: true, en: true},
		{name: "patient-documents", path: c + "/patients/" + s.patientID + "/documents", phone: true, en: true},
		{name: "document", path: c + "/documents/" + s.documentID, phone: true, en: true},
		{name: "public-slots", path: "/c/" + s.demo.Slug + "?procedure=" + s.procedureID, anonymous: true, phone: true},
		{name: "records-patient", path: c + "/patients/" + s.demo.Encounter.PatientID + "/records"},
		{name: "records-encounter", path: c + "/encounters/" + s.demo.Encounter.ID, phone: true, en: true},
		{name: "records-print", path: c + "/prescriptions/" + s.demo.Encounter.PrescriptionID + "/print", phone: true},
		{name: "records-templates", path: c + "/settings/note-templates"},
		{name: "records-template", path: c + "/settings/note-templates/" + s.noteTemplateID(), phone: true},
		{name: "patient-timeline", path: c + "/patients/" + s.patientID + "/timeline", phone: true, en: true},
		{name: "patient-anonymise", path: c + "/patients/" + s.patientID + "/anonymise", phone: true},
		{name: "search", path: c + "/search?q=ana", phone: true, en: true},
		{name: "analytics-demo", path: c + "/analytics?" + url.Values{"from": {time.Now().Format(time.DateOnly)},
			"to": {time.Now().AddDate(0, 0, 20).Format(time.DateOnly)}}.Encode()},
		{name: "billing-charges", path: c + "/billing", phone: true},
		{name: "billing-charge", path: c + "/billing/charges/" + s.chargeID, phone: true, en: true},
		{name: "billing-receipt", path: c + "/billing/charges/" + s.chargeID + "/payments/" + s.paymentID + "/receipt", phone: true},
		{name: "billing-cashflow", path: c + "/billing/cash-flow", phone: true},
		{name: "billing-payouts", path: c + "/billing/payouts"},
		{name: "billing-settings", path: c + "/billing/settings", phone: true},
		{name: "billing-prices", path: c + "/billing/procedures/" + s.procedureID + "/prices"},
		{name: "billing-patient", path: c + "/patients/" + s.patientID + "/billing", phone: true},
	}
}

// login logs p in as the demo clinic's owner through the login form.
func (s *site) login(p *webtest.Page) {
	p.Navigate(s.in.URL + "/login")
	p.Fill("#f-email", s.demo.Email)
	p.Fill("#f-password", s.demo.Password)
	p.Click(`form[action="/login"] button[type=submit]`)
	p.WaitVisible("body.app main")
}

// Every page, in pt-BR at a desktop's size (and the phone's where it
// matters): no console error or uncaught exception (the page checks it when
// the test ends), no serious or critical axe violation; its screenshot goes
// to docs/screenshots with UPDATE_SCREENSHOTS=1.
func TestEveryPageIsAccessibleAndQuiet(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	// Each page logs the owner in afresh: lift the per-e-mail login limit.
	s := demoSite(t, dbtest.SQLiteURL(t), map[string]string{"RATE_LIMIT_LOGIN_EMAIL": "100000/1m"})
	for _, pg := range pagesOf(s) {
		type shot struct {
			name string
			size webtest.PageOption
			en   bool
		}
		shots := []shot{{pg.name, webtest.Desktop, false}}
		if pg.phone {
			shots = append(shots, shot{pg.name + "-phone", webtest.Phone, false})
		}
		if pg.en {
			shots = append(shots, shot{pg.name + "-en", webtest.Desktop, true})
			if pg.phone {
				shots = append(shots, shot{pg.name + "-en-phone", webtest.Phone, true})
			}
		}
		for _, sh := range shots {
			t.Run(sh.name, func(t *testing.T) {
				p := b.NewPage(t, sh.size)
				if !pg.anonymous {
					s.login(p)
				}
				p.Navigate(s.in.URL + pg.path)
				if sh.en {
					// The language switch: the user's profile (set back
					// after), a visitor's cookie.
					p.Eval(`document.querySelector('form[action="/language"] button[value="en"]').click(), true`, nil)
					p.WaitVisible(`html[lang="en"]`)
					if !pg.anonymous {
						defer func() {
							p.Eval(`document.querySelector('form[action="/language"] button[value="pt-BR"]').click(), true`, nil)
							p.WaitVisible(`html[lang="pt-BR"]`)
						}()
					}
				}
				p.Axe()
				p.DocScreenshot(sh.name)
			})
		}
	}
}

// pt-BR is the default; the language switch changes the labels, and the
// choice is remembered: for a visitor by a cookie, for a user in their
// profile (so it follows them to another browser).
func TestSwitchingLanguageChangesTheLabels(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	s := demoSite(t, dbtest.SQLiteURL(t), nil)

	p := b.NewPage(t, webtest.Locale("pt-BR"))
	p.Navigate(s.in.URL + "/login")
	p.WaitText("h1", "Entrar")
	p.Click(`form[action="/language"] button[value="en"]`)
	p.WaitText("h1", "Log in")
	p.Navigate(s.in.URL + "/signup")
	p.WaitText("h1", "Sign up")

	s.login(p)
	p.WaitText("nav.sidebar", "Schedule")
	p.Click(`nav.sidebar form[action="/language"] button[value="pt-BR"]`)
	p.WaitText("nav.sidebar", "Agenda")
	p.WaitText("nav.sidebar", "Pacientes")

	// Another browser, asking for English: the user's own choice wins.
	other := b.NewPage(t, webtest.Locale("en-US"))
	s.login(other)
	other.WaitText("nav.sidebar", "Pacientes")
	var lang string
	other.Eval(`document.documentElement.lang`, &lang)
	require.Equal(t, "pt-BR", lang)
}

// BenchmarkPages renders each page of the UI on the demo data, as its
// user asks for it (session cookie, over loopback), and reports the p50
// and p99 of the time to the last byte. The target is p99 under 50 ms.
//
//	go test ./internal/web/ -run '^$' -bench Pages -benchtime 200x
func BenchmarkPages(b *testing.B) {
	urls := map[string]string{"sqlite": dbtest.SQLiteURL(b)}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		urls["postgres"] = dbtest.PostgresURL(b)
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		dbURL, ok := urls[engine]
		if !ok {
			continue
		}
		// One client asks for every page: lift the per-IP limit of the
		// public page, which a visitor never reaches at this rate.
		s := demoSite(b, dbURL, map[string]string{"RATE_LIMIT_PUBLIC_IP": "1000000/1m"})
		anon := s.in.Client(b)
		for _, pg := range pagesOf(s) {
			c := s.owner
			if pg.anonymous {
				c = anon
			}
			b.Run(engine+"/"+pg.name, func(b *testing.B) {
				times := make([]time.Duration, 0, b.N)
				for b.Loop() {
					start := time.Now()
					p := get(b, c, pg.path, nil)
					times = append(times, time.Since(start))
					if p.Status != http.StatusOK {
						b.Fatalf("%s: %d", pg.path, p.Status)
					}
				}
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}
