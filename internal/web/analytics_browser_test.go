package web_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/schedule"
	"clinic/internal/web/webtest"
)

// analyticsWeeks adds to the demo clinic four past weeks of known
// appointments (the demo's own start today): 105 over 28 days ending a
// week ago, spread over its professionals at 09:00–12:00: the first 5
// cancelled, and of the other 100 exactly 10 no-shows, the rest
// completed. It returns the range's dates.
func analyticsWeeks(t *testing.T, s *site) (string, string) {
	t.Helper()
	ctx := context.Background()
	d := s.in.App.DB
	loc, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	profs, err := s.in.App.Schedule.Professionals(ctx, s.demo.ClinicID, schedule.ProfessionalFilter{})
	require.NoError(t, err)
	now := time.Now().In(loc)
	first := time.Date(now.Year(), now.Month(), now.Day()-34, 0, 0, 0, 0, loc)
	var patients []string
	for i := range 12 {
		patients = append(patients, appointmenttest.Patient(t, d, s.demo.ClinicID, "Paciente Indicadores "+string(rune('A'+i))))
	}
	for idx := range 105 {
		status := "completed"
		switch {
		case idx < 5:
			status = "cancelled"
		case (idx-5)%10 == 0:
			status = "no_show"
		}
		day := first.AddDate(0, 0, idx%28)
		start := time.Date(day.Year(), day.Month(), day.Day(), 9+idx/28, 0, 0, 0, loc)
		appointmenttest.Appointment(t, d, appointmenttest.Appt{ClinicID: s.demo.ClinicID, PatientID: patients[idx%len(patients)],
			ProfessionalID: profs[idx%len(profs)].ID, StartsAt: start, Status: status})
	}
	return first.Format(time.DateOnly), first.AddDate(0, 0, 27).Format(time.DateOnly)
}

// The indicators page (issue 12, point 5): its SVG charts draw with no
// console error (the page checks it at the end), pass axe, and the table
// views show the numbers: exactly 10 % no-shows over the four weeks, 25 %
// on a day with one no-show in four. Shot for docs/ui.md in pt-BR at a
// desktop's and a phone's size, and in English.
func TestAnalyticsPageDrawsChartsAndTables(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	s := demoSite(t, dbtest.SQLiteURL(t), map[string]string{"RATE_LIMIT_LOGIN_EMAIL": "100000/1m"})
	from, to := analyticsWeeks(t, s)
	path := "/clinics/" + s.demo.ClinicID + "/analytics?" + url.Values{"from": {from}, "to": {to}}.Encode()

	for _, sh := range []struct {
		name string
		size webtest.PageOption
		en   bool
	}{{"analytics", webtest.Desktop, false}, {"analytics-phone", webtest.Phone, false}, {"analytics-en", webtest.Desktop, true}} {
		t.Run(sh.name, func(t *testing.T) {
			p := b.NewPage(t, sh.size)
			s.login(p)
			p.Navigate(s.in.URL + path)
			p.WaitVisible("svg.chart")
			if sh.en {
				p.Eval(`document.querySelector('form[action="/language"] button[value="en"]').click(), true`, nil)
				p.WaitVisible(`html[lang="en"]`)
				defer func() {
					p.Eval(`document.querySelector('form[action="/language"] button[value="pt-BR"]').click(), true`, nil)
					p.WaitVisible(`html[lang="pt-BR"]`)
				}()
				p.WaitText("h1", "Indicators")
				p.WaitText(".analytics-cards", "10.0%")
			} else {
				p.WaitText("h1", "Indicadores")
				p.WaitText(".analytics-cards", "10,0%")
				p.WaitText(".analytics-cards", "105")
			}
			var charts struct {
				SVGs, Rects, Lines, Titles int
			}
			p.Eval(`({SVGs: document.querySelectorAll('svg.chart').length,
				Rects: document.querySelectorAll('svg.chart rect').length,
				Lines: document.querySelectorAll('svg.chart polyline').length,
				Titles: document.querySelectorAll('svg.chart > title').length})`, &charts)
			require.GreaterOrEqual(t, charts.SVGs, 4, "appointments, rates, occupancy, patients")
			require.Equal(t, charts.SVGs, charts.Titles, "every chart has its title")
			require.Greater(t, charts.Rects, 28, "a column per day at least")
			require.Equal(t, 2, charts.Lines, "the no-show and cancellation lines")

			// The tables, opened: the rates table has a day with one
			// no-show in four (25 %) and the four weeks' ten no-shows.
			p.Eval(`document.querySelectorAll('details.analytics-table').forEach(d => d.open = true), true`, nil)
			p.WaitVisible("section[aria-labelledby=h-rates] details table")
			rates := p.Text("section[aria-labelledby=h-rates] table")
			if sh.en {
				require.Contains(t, rates, "25.0%")
			} else {
				require.Contains(t, rates, "25,0%")
			}
			var rows int
			p.Eval(`document.querySelectorAll('section[aria-labelledby=h-appointments] tbody tr').length`, &rows)
			require.Equal(t, 28, rows, "the appointments table has a row per day")
			p.Eval(`document.querySelectorAll('details.analytics-table').forEach(d => d.open = false), true`, nil)
			p.Axe()
			p.DocScreenshot(sh.name)
		})
	}
}
