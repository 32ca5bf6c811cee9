package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"clinic/internal/analytics"
	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
	"clinic/internal/schedule"
)

// Indicadores (owners, admins, financial users; a professional their own):
// the analytics service's report of a range, as summary numbers and
// server-rendered SVG charts, each with its table and its CSV (the API's
// numbers, the same service method).

func (s *Server) analyticsRoutes(m *http.ServeMux) {
	m.Handle("GET /clinics/{clinic_id}/analytics", s.clinic(s.analyticsPage))
	m.Handle("GET /clinics/{clinic_id}/analytics/{chart}", s.clinic(s.analyticsCSV))
}

// analyticsPreset is a range button.
type analyticsPreset struct {
	Label, URL string
	Current    bool
}

// analyticsCard is one summary number.
type analyticsCard struct {
	Label, Value, Note string
}

// analyticsPeriod is one row of the tables: a day or a month.
type analyticsPeriod struct {
	Label string
	analytics.Figures
	Total                           string
	NoShow, Cancellation, Occupancy string
	Booked, Available               string
	Statuses                        []int
}

// analyticsRevenueRow is one row of a revenue table.
type analyticsRevenueRow struct {
	Name, Charged, Received string
}

type analyticsData struct {
	R         analytics.Report
	Presets   []analyticsPreset
	Own       bool // a professional's own figures: no professional filter
	Profs     []option
	Procs     []option
	ByMonth   bool
	Cards     []analyticsCard
	Statuses  []statusLabel
	Periods   []analyticsPeriod
	Charts    analyticsCharts
	CSV       map[string]string
	RevProfs  []analyticsRevenueRow
	RevProcs  []analyticsRevenueRow
	Confirmed string
	// RangeText says the range in words.
	RangeText string
	// Invalid is set when the range could not be read: the form shows the
	// fields at fault and no figures.
	Invalid bool
}

// statusLabel is an appointment status with its name.
type statusLabel struct {
	Status appointment.Status
	Label  string
}

type analyticsCharts struct {
	Appointments, Rates, Occupancy *chart
	Patients, RevProfs, RevProcs   *hbarChart
}

// analyticsQueryOf reads the page's query: a preset (month,
// last_30_days, year)
// or from and to, and the filters.
func analyticsQueryOf(r *http.Request, today time.Time) (analytics.Query, string) {
	v := r.URL.Query()
	q := analytics.Query{From: strings.TrimSpace(v.Get("from")), To: strings.TrimSpace(v.Get("to")),
		ProfessionalID: v.Get("professional_id"), ProcedureID: v.Get("procedure_id")}
	preset := v.Get("preset")
	if q.From == "" && q.To == "" && preset == "" {
		preset = "month"
	}
	if from, to, ok := presetRange(preset, today); ok {
		q.From, q.To = from, to
	} else {
		preset = ""
	}
	return q, preset
}

// presetRange returns the dates of a preset ending today.
func presetRange(preset string, today time.Time) (string, string, bool) {
	var from time.Time
	switch preset {
	case "month":
		from = time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	case "last_30_days":
		from = today.AddDate(0, 0, -29)
	case "year":
		from = time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	default:
		return "", "", false
	}
	return from.Format(time.DateOnly), today.Format(time.DateOnly), true
}

// analyticsPage shows the indicators.
func (s *Server) analyticsPage(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	p := httpx.PrincipalOf(r.Context())
	v.Nav = "analytics"
	v.Path = r.URL.RequestURI() // the language switch comes back to the same range
	today, _, err := s.clinicToday(r, p.ClinicID)
	if err != nil {
		return err
	}
	q, preset := analyticsQueryOf(r, today)
	f := newForm()
	f.Values["from"], f.Values["to"] = q.From, q.To
	f.Values["professional_id"], f.Values["procedure_id"] = q.ProfessionalID, q.ProcedureID
	rep, err := s.Analytics.Report(r.Context(), p, q)
	d := analyticsData{Own: p.Role == kernel.RoleProfessional}
	switch {
	case apperr.Is(err, apperr.Invalid):
		f.Errors = apperr.As(err).Fields
		for k, msg := range f.Errors {
			f.Errors[k] = v.L.Sentence(msg)
		}
		d.Invalid = true
	case err != nil:
		return err
	default:
		d.R = rep
	}
	base := v.ClinicPath("/analytics")
	for _, pr := range []string{"month", "last_30_days", "year"} {
		u := url.Values{"preset": {pr}}
		if q.ProfessionalID != "" && !d.Own {
			u.Set("professional_id", q.ProfessionalID)
		}
		if q.ProcedureID != "" {
			u.Set("procedure_id", q.ProcedureID)
		}
		d.Presets = append(d.Presets, analyticsPreset{Label: v.L.T(msgID("analytics.preset", pr)), URL: base + "?" + u.Encode(), Current: pr == preset})
	}
	if err := s.analyticsFilters(r, p, &d); err != nil {
		return err
	}
	if !d.Invalid {
		d.build(v.L, base, q)
	}
	s.render(w, r, http.StatusOK, "analytics", page{Title: v.L.T("analytics.title"), Form: f, Data: d})
	return nil
}

// analyticsFilters lists the professionals and procedures to filter by.
func (s *Server) analyticsFilters(r *http.Request, p kernel.Principal, d *analyticsData) error {
	if !d.Own {
		profs, err := s.Schedule.Professionals(r.Context(), p.ClinicID, schedule.ProfessionalFilter{})
		if err != nil {
			return err
		}
		for _, pr := range profs {
			d.Profs = append(d.Profs, option{Value: pr.ID, Label: pr.Name})
		}
	}
	procs, err := s.Schedule.Procedures(r.Context(), p.ClinicID, schedule.ProcedureFilter{})
	if err != nil {
		return err
	}
	for _, pc := range procs {
		d.Procs = append(d.Procs, option{Value: pc.ID, Label: pc.Name})
	}
	return nil
}

// build lays out the cards, tables and charts of d.R.
func (d *analyticsData) build(l *i18n.Localizer, base string, q analytics.Query) {
	r := d.R
	sm := r.Summary
	d.Cards = []analyticsCard{
		{Label: l.T("analytics.card.appointments"), Value: l.Number(int64(sm.Appointments)), Note: l.T("analytics.card.due", "n", l.Number(int64(sm.Due)))},
		{Label: l.T("analytics.card.no_show"), Value: percent(l, sm.NoShowRate), Note: l.T("analytics.card.no_show_note", "n", l.Number(int64(sm.ByStatus.NoShow)))},
		{Label: l.T("analytics.card.cancellation"), Value: percent(l, sm.CancellationRate), Note: l.T("analytics.card.cancellation_note", "n", l.Number(int64(sm.ByStatus.Cancelled)))},
		{Label: l.T("analytics.card.occupancy"), Value: percent(l, sm.Occupancy), Note: l.T("analytics.card.occupancy_note", "booked", hours(l, sm.BookedMinutes), "available", hours(l, sm.AvailableMinutes))},
	}
	if c := r.Confirmation; c != nil {
		d.Cards = append(d.Cards, analyticsCard{Label: l.T("analytics.card.confirmation"), Value: percent(l, c.Rate),
			Note: l.T("analytics.card.confirmation_note", "confirmed", l.Number(int64(c.Confirmed)), "reminded", l.Number(int64(c.Reminded)))})
	}
	d.Cards = append(d.Cards, analyticsCard{Label: l.T("analytics.card.new_patients"), Value: l.Number(int64(r.Patients.New)),
		Note: l.T("analytics.card.new_patients_note", "returning", l.Number(int64(r.Patients.Returning)), "seen", l.Number(int64(r.Patients.Seen)))})
	if rv := r.Revenue; rv != nil {
		d.Cards = append(d.Cards, analyticsCard{Label: l.T("analytics.card.revenue"), Value: l.Money(rv.ReceivedCents),
			Note: l.T("analytics.card.revenue_note", "charged", l.Money(rv.ChargedCents))})
	}

	for _, st := range appointment.Statuses {
		d.Statuses = append(d.Statuses, statusLabel{Status: st, Label: l.T(msgID("status", string(st)))})
	}
	periods := r.Days
	d.ByMonth = len(r.Days) > 62
	if d.ByMonth {
		periods = r.Months()
	}
	labels := make([]string, len(periods))
	for i, p := range periods {
		ap := analyticsPeriod{Figures: p.Figures, Total: l.Number(int64(p.Appointments)), NoShow: percent(l, p.NoShowRate), Cancellation: percent(l, p.CancellationRate),
			Occupancy: percent(l, p.Occupancy), Booked: hours(l, p.BookedMinutes), Available: hours(l, p.AvailableMinutes)}
		for _, st := range appointment.Statuses {
			ap.Statuses = append(ap.Statuses, p.ByStatus.Get(st))
		}
		if d.ByMonth {
			t, _ := time.Parse("2006-01", p.Date)
			ap.Label = l.Month(t.Month()) + " " + t.Format("2006")
			labels[i] = l.MonthShort(t.Month())
		} else {
			t, _ := time.Parse(time.DateOnly, p.Date)
			ap.Label = l.Date(t)
			labels[i] = t.Format("02")
		}
		d.Periods = append(d.Periods, ap)
	}
	rangeText := l.T("analytics.range", "from", dateText(l, r.From), "to", dateText(l, r.To))
	d.RangeText = rangeText

	// Appointments by status, stacked.
	var series []chartSeries
	for k, st := range appointment.Statuses {
		vals := make([]float64, len(periods))
		for i, p := range d.Periods {
			vals[i] = float64(p.Statuses[k])
		}
		series = append(series, chartSeries{Class: "chart-status-" + string(st), Label: l.T(msgID("status", string(st))), Values: vals,
			Format: func(f float64) string { return count(l, f) }})
	}
	d.Charts.Appointments = columnChart("chart-appointments", l.T("analytics.chart.appointments"),
		l.T("analytics.chart.appointments_desc", "range", rangeText, "n", l.Number(int64(r.Summary.Appointments))), labels, series, 1,
		func(f float64) string { return count(l, f) })

	noShow, canc, occ := make([]*float64, len(periods)), make([]*float64, len(periods)), make([]float64, len(periods))
	for i, p := range periods {
		noShow[i], canc[i] = p.NoShowRate, p.CancellationRate
		if p.Occupancy != nil {
			occ[i] = *p.Occupancy
		}
	}
	d.Charts.Rates = lineChart("chart-rates", l.T("analytics.chart.rates"),
		l.T("analytics.chart.rates_desc", "range", rangeText, "no_show", percent(l, sm.NoShowRate), "cancellation", percent(l, sm.CancellationRate)),
		labels, []struct {
			Class, Label string
			Values       []*float64
		}{{Class: "chart-line-no_show", Label: l.T("analytics.series.no_show"), Values: noShow},
			{Class: "chart-line-cancelled", Label: l.T("analytics.series.cancellation"), Values: canc}},
		0.01, func(f float64) string { return percentOf(l, f) }, percentAxis)
	d.Charts.Occupancy = columnChart("chart-occupancy", l.T("analytics.chart.occupancy"),
		l.T("analytics.chart.occupancy_desc", "range", rangeText, "occupancy", percent(l, sm.Occupancy)), labels,
		[]chartSeries{{Class: "chart-occupancy", Label: l.T("analytics.series.occupancy"), Values: occ, Format: func(f float64) string { return percentOf(l, f) }}},
		0.01, percentAxis)

	d.Charts.Patients = horizontalChart("chart-patients", l.T("analytics.chart.patients"),
		l.T("analytics.chart.patients_desc", "range", rangeText, "new", l.Number(int64(r.Patients.New)), "returning", l.Number(int64(r.Patients.Returning))),
		[]string{l.T("analytics.series.new"), l.T("analytics.series.returning")},
		[]chartSeries{{Class: "chart-patients", Label: l.T("analytics.series.patients"), Values: []float64{float64(r.Patients.New), float64(r.Patients.Returning)},
			Format: func(f float64) string { return count(l, f) }}})
	if c := r.Confirmation; c != nil {
		d.Confirmed = l.T("analytics.confirmation_text", "confirmed", l.Number(int64(c.Confirmed)), "reminded", l.Number(int64(c.Reminded)), "rate", percent(l, c.Rate))
	}

	if rv := r.Revenue; rv != nil {
		revenue := func(id, title string, items []analytics.RevenueTotal, none string) (*hbarChart, []analyticsRevenueRow) {
			var names []string
			charged, received := make([]float64, len(items)), make([]float64, len(items))
			var rows []analyticsRevenueRow
			for i, t := range items {
				name := t.Name
				if name == "" {
					name = none
				}
				names = append(names, name)
				charged[i], received[i] = float64(t.ChargedCents), float64(t.ReceivedCents)
				rows = append(rows, analyticsRevenueRow{Name: name, Charged: l.Money(t.ChargedCents), Received: l.Money(t.ReceivedCents)})
			}
			money := func(f float64) string { return l.Money(int64(f)) }
			return horizontalChart(id, title, l.T("analytics.chart.revenue_desc", "range", rangeText, "charged", l.Money(rv.ChargedCents), "received", l.Money(rv.ReceivedCents)),
				names, []chartSeries{{Class: "chart-charged", Label: l.T("analytics.series.charged"), Values: charged, Format: money},
					{Class: "chart-received", Label: l.T("analytics.series.received"), Values: received, Format: money}}), rows
		}
		d.Charts.RevProfs, d.RevProfs = revenue("chart-revenue-professionals", l.T("analytics.chart.revenue_professionals"), rv.ByProfessional, l.T("analytics.no_professional"))
		d.Charts.RevProcs, d.RevProcs = revenue("chart-revenue-procedures", l.T("analytics.chart.revenue_procedures"), rv.ByProcedure, l.T("analytics.no_procedure"))
	}

	d.CSV = map[string]string{}
	u := url.Values{"from": {r.From}, "to": {r.To}}
	if q.ProfessionalID != "" && !d.Own {
		u.Set("professional_id", q.ProfessionalID)
	}
	if q.ProcedureID != "" {
		u.Set("procedure_id", q.ProcedureID)
	}
	for _, c := range analytics.Charts {
		d.CSV[c] = base + "/" + c + ".csv?" + u.Encode()
	}
}

// dateText writes a YYYY-MM-DD date in the locale's way.
func dateText(l *i18n.Localizer, date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return l.Date(t)
}

// analyticsCSV downloads one chart's numbers (the API's CSV).
func (s *Server) analyticsCSV(w http.ResponseWriter, r *http.Request) error {
	name, ok := strings.CutSuffix(r.PathValue("chart"), ".csv")
	if !ok || !analytics.ValidChart(name) {
		return errNoPage
	}
	p := httpx.PrincipalOf(r.Context())
	v := r.URL.Query()
	rep, err := s.Analytics.Report(r.Context(), p, analytics.Query{From: v.Get("from"), To: v.Get("to"),
		ProfessionalID: v.Get("professional_id"), ProcedureID: v.Get("procedure_id")})
	if err != nil {
		return err
	}
	if analytics.RevenueChart(name) && rep.Revenue == nil {
		return errNoPage
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+analytics.CSVName(rep, name)+`"`)
	return rep.WriteCSV(w, name)
}
