package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/app/apptest"
	"clinic/internal/appointment"
	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/schedule"
	"clinic/internal/web/webtest"
)

// dashboardDay is pc's clinic with a day of appointments: today (inserted
// as they are, whatever the time now) for both professionals, in every
// status, and tomorrow's, one confirmed and one not.
type dashboardDay struct {
	*publicClinic
	today             time.Time
	anaUser, anaEmail string
}

func seedDashboard(t *testing.T, in *apptest.Instance) *dashboardDay {
	t.Helper()
	ctx := context.Background()
	dd := &dashboardDay{publicClinic: newPublicClinic(t, in)}
	dd.today = dd.tomorrow.AddDate(0, 0, -1)
	pat := func(name, phone string) string {
		p, err := in.Patients.Create(ctx, dd.owner, patient.Input{FullName: kernel.Some(name), Phone: kernel.Some(phone)})
		require.NoError(t, err)
		return p.ID
	}
	maria, joao, xss := pat("Maria da Silva", "(11) 91234-5678"), pat("João Pereira", "(11) 92345-6789"), pat("<script>alert(1)</script>", "(11) 93456-7890")
	at := func(hh, mm int) time.Time {
		return time.Date(dd.today.Year(), dd.today.Month(), dd.today.Day(), hh, mm, 0, 0, dd.loc)
	}
	for _, a := range []appointmenttest.Appt{
		{PatientID: maria, ProfessionalID: dd.ana, StartsAt: at(8, 0), Status: "completed"},
		{PatientID: joao, ProfessionalID: dd.ana, StartsAt: at(9, 0), Status: "confirmed"},
		{PatientID: xss, ProfessionalID: dd.bruno, StartsAt: at(9, 30)},
		{PatientID: joao, ProfessionalID: dd.bruno, StartsAt: at(10, 0), Status: "no_show"},
		{PatientID: maria, ProfessionalID: dd.bruno, StartsAt: at(11, 0), Status: "cancelled"},
	} {
		a.ClinicID = dd.owner.ClinicID
		appointmenttest.Appointment(t, in.DB, a)
	}
	book := func(patientID, professionalID string, hh int) appointment.Appointment {
		a, err := in.Appointments.Create(ctx, dd.owner, appointment.CreateInput{PatientID: patientID, ProfessionalID: professionalID,
			ProcedureID: dd.proc, StartsAt: dd.at(hh, 0).Format(time.RFC3339)})
		require.NoError(t, err)
		return a
	}
	book(maria, dd.bruno, 9)
	confirmed := book(joao, dd.ana, 10)
	_, err := in.Appointments.SetStatus(ctx, dd.owner, confirmed.ID, appointment.StatusInput{Status: appointment.StatusConfirmed})
	require.NoError(t, err)

	// Ana logs in too, as a professional linked to her agenda.
	dd.anaEmail = "ana-" + kernel.NewID()[:8] + "@example.com"
	pw := publicPassword
	u, _, err := in.Accounts.AddUser(ctx, dd.owner, account.AddUserInput{Email: dd.anaEmail, Name: "Ana Souza", Role: kernel.RoleProfessional, Password: &pw})
	require.NoError(t, err)
	dd.anaUser = u.ID
	_, err = in.Schedule.UpdateProfessional(ctx, dd.owner, dd.ana, schedule.ProfessionalPatch{UserID: kernel.Some(u.ID)})
	require.NoError(t, err)
	return dd
}

// login returns a client with the session of email.
func login(t *testing.T, in *apptest.Instance, email string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	res, err := c.PostForm(in.URL+"/login", url.Values{"email": {email}, "password": {publicPassword}})
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Request.URL.Path, "/clinics/", "logged in and sent to the clinic")
	return c
}

var statValue = regexp.MustCompile(`<p class="stat__value">(\d+)</p>`)

func TestDashboard(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, dbURL string) {
		in := apptest.New(t, dbURL, nil)
		dd := seedDashboard(t, in)
		path := "/clinics/" + dd.owner.ClinicID + "/"
		get := func(c *http.Client) (*http.Response, string) {
			req, err := http.NewRequest(http.MethodGet, in.URL+path, nil)
			require.NoError(t, err)
			req.Header.Set("Accept-Language", "pt-BR")
			res, err := c.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, res.StatusCode, "%s", b)
			return res, string(b)
		}
		// Tomorrow counts in this week unless today is Saturday.
		tomorrowThisWeek := 0
		if dd.today.Weekday() != time.Saturday {
			tomorrowThisWeek = 2
		}
		for _, tc := range []struct {
			name, email string
			// today (not cancelled), this week, no-shows this week, to confirm tomorrow
			stats          []string
			shows, hides   []string
			tomorrowToShow string
		}{
			{name: "owner", email: dd.email,
				stats: []string{"4", strconv.Itoa(4 + tomorrowThisWeek), "1", "1"},
				shows: []string{"Maria da Silva", "João Pereira", "&lt;script&gt;alert(1)&lt;/script&gt;", "status-completed", "status-no_show",
					"status-cancelled", "Atendido", "08:00", "1 já atendida", "1 consulta de amanhã a confirmar", "Dr. Bruno Lima"},
				hides: []string{"<script>alert(1)</script>"}},
			{name: "a professional sees their own", email: dd.anaEmail,
				stats: []string{"2", strconv.Itoa(2 + tomorrowThisWeek/2), "0", "0"},
				shows: []string{"Maria da Silva", "João Pereira", "Todas as consultas de amanhã estão confirmadas."},
				hides: []string{"alert(1)", "Dr. Bruno Lima", "status-no_show"}},
		} {
			res, body := get(login(t, in, tc.email))
			require.Equal(t, "no-store", res.Header.Get("Cache-Control"), tc.name)
			var stats []string
			for _, m := range statValue.FindAllStringSubmatch(body, -1) {
				stats = append(stats, m[1])
			}
			require.Equal(t, tc.stats, stats, "%s: today, this week, no-shows, to confirm", tc.name)
			for _, s := range tc.shows {
				require.Contains(t, body, s, tc.name)
			}
			for _, s := range tc.hides {
				require.NotContains(t, body, s, tc.name)
			}
			require.Contains(t, body, `href="/clinics/`+dd.owner.ClinicID+`/agenda?date=`+dd.today.Format(time.DateOnly)+`"`, "%s: a link to the day's agenda", tc.name)
		}

		// Without a session: to the login page.
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.Get(in.URL + path)
		require.NoError(t, err)
		_ = res.Body.Close()
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.True(t, strings.HasPrefix(res.Header.Get("Location"), "/login"))
	})
}

// The dashboard in a real browser: axe-clean, no console errors, in pt-BR
// and English, on a desktop and a phone.
func TestDashboardInTheBrowser(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	in := apptest.New(t, dbtest.SQLiteURL(t), nil)
	dd := seedDashboard(t, in)
	for _, tc := range []struct {
		name  string
		opts  []webtest.PageOption
		title string
		doc   bool
	}{
		{"dashboard", []webtest.PageOption{webtest.Desktop}, "Precisa de atenção", true},
		{"dashboard-phone", []webtest.PageOption{webtest.Phone}, "Precisa de atenção", false},
		{"dashboard-en", []webtest.PageOption{webtest.Desktop, webtest.Locale("en")}, "Needs attention", false},
	} {
		p := b.NewPage(t, append(tc.opts, webtest.BaseURL(in.URL))...)
		p.Navigate("/login")
		p.Fill("#f-email", dd.email)
		p.Fill("#f-password", publicPassword)
		p.Click(`main form button[type="submit"]`)
		p.WaitText("#attention-heading", tc.title)
		p.WaitText(".dashboard", "<script>alert(1)</script>")
		p.Axe()
		if tc.doc {
			p.DocScreenshot(tc.name)
		} else {
			p.Screenshot(tc.name)
		}
	}
}
