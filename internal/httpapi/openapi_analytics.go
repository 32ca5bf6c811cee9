package httpapi

import (
	"time"

	"clinic/internal/analytics"
)

// analyticsRules documents the report: its range, roles and definitions.
const analyticsRules = "The clinic's indicators over a range of clinic-local dates, from and to inclusive (YYYY-MM-DD in the " +
	"clinic's time_zone, at most 366 days; both absent: the last 30 days up to today), optionally for one professional " +
	"(professional_id) and one procedure (procedure_id). An appointment counts on the local day it starts on. " +
	"Definitions: appointments = every appointment starting in the range, any status; due = those not cancelled that had " +
	"started by generated_at; no_show_rate = no-shows ÷ due; cancellation_rate = cancelled ÷ appointments; " +
	"confirmation.rate = of the appointments with a reminder sent (sent, delivered or read), the share whose status changed " +
	"to confirmed, arrived, in progress or completed at or after the first reminder went out (a patient's answer confirms " +
	"through that change); occupancy = booked_minutes ÷ available_minutes, booked = length of the appointments not " +
	"cancelled (no-shows held their time), available = working hours of the active professionals (or of the one filtered) " +
	"minus time off plus extra hours (squeeze-ins can take it past 1); patients.new = patients seen in the range (an " +
	"appointment not cancelled) whose first-ever appointment at the clinic that was not cancelled falls in it, " +
	"returning = the others seen. Rates are fractions from 0 to 1, null when the denominator is zero. Revenue (cents, " +
	"per professional and procedure, as billing reports it) is null unless billing is set up and the caller is an owner " +
	"or financial user. Roles: owners, admins and financial users see the clinic's figures; a professional only their own " +
	"(their professional_id is implied; another's answers 403) without revenue; receptionists do not see reports (403)."

// analyticsCSVRules documents the CSV of a chart.
const analyticsCSVRules = "One chart's numbers as CSV, the same as the chart's table on the page: appointments (per day: total " +
	"and per status), rates (per day: appointments, due, no-shows, no-show rate, cancelled, cancellation rate), occupancy " +
	"(per day: booked and available minutes, occupancy), patients (seen, new, returning), revenue-professionals and " +
	"revenue-procedures (id, name, charged, received, in reais with two decimals; 404 without revenue). Rates are " +
	"fractions with four decimals; an empty cell is a rate with no denominator. Same parameters and roles as the report."

// Examples of the analytics operations.
var (
	exampleRate = func(f float64) *float64 { return &f }
	exampleDay  = analytics.Day{Date: "2026-03-02", Figures: analytics.Figures{Appointments: 42,
		ByStatus: analytics.StatusCounts{Completed: 33, Cancelled: 4, NoShow: 5}, Due: 38, NoShowRate: exampleRate(5.0 / 38),
		CancellationRate: exampleRate(4.0 / 42), BookedMinutes: 1140, AvailableMinutes: 1800, Occupancy: exampleRate(1140.0 / 1800)}}
	exampleReport = analytics.Report{From: "2026-03-02", To: "2026-03-02", TimeZone: "America/Sao_Paulo",
		Summary: exampleDay.Figures, Days: []analytics.Day{exampleDay},
		Patients:     analytics.Patients{Seen: 36, New: 7, Returning: 29},
		Confirmation: &analytics.Confirmation{Reminded: 40, Confirmed: 31, Rate: exampleRate(31.0 / 40)},
		Revenue: &analytics.Revenue{ChargedCents: 1254000, ReceivedCents: 1108000,
			ByProfessional: []analytics.RevenueTotal{{ID: "0190b6e1-7c1a-7d3e-9f00-3c5a1e2b4d6f", Name: "Dra. Ana Souza", ChargedCents: 1254000, ReceivedCents: 1108000}},
			ByProcedure:    []analytics.RevenueTotal{{ID: "0190b6e2-7c1a-7d3e-9f00-3c5a1e2b4d6f", Name: "Consulta", ChargedCents: 1254000, ReceivedCents: 1108000}}},
		GeneratedAt: time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)}
	exampleRatesCSV = "date,appointments,due,no_show,no_show_rate,cancelled,cancellation_rate\n2026-03-02,42,38,5,0.1316,4,0.0952\n"
)

// analyticsParams are the report's query parameters.
var analyticsParams = []apiParam{
	{Name: "from", Format: "date", Description: "First clinic-local date, YYYY-MM-DD (with to)."},
	{Name: "to", Format: "date", Description: "Last clinic-local date, YYYY-MM-DD, inclusive (with from; at most 366 days)."},
	{Name: "professional_id", Format: "uuid", Description: "Only this professional's appointments and working hours."},
	{Name: "procedure_id", Format: "uuid", Description: "Only appointments of this procedure."},
}

// analyticsOps is the route table of the indicators.
func analyticsOps() []apiOp {
	const c = "/api/v1/clinics/{clinic_id}"
	csv := &apiMedia{Type: "text/csv", Schema: map[string]any{"type": "string"}, Example: exampleRatesCSV}
	return []apiOp{
		{Method: "GET", Path: c + "/analytics", Handler: (*Server).getAnalytics, Tag: "analytics",
			Summary:     "The clinic's indicators over a range: every series (one chart's CSV: analytics/{chart}.csv).",
			Description: analyticsRules, Status: 200, Response: analytics.Report{}, ResponseExample: exampleReport,
			Query: analyticsParams},
		{Method: "GET", Path: c + "/analytics/{chart}", Handler: (*Server).getAnalyticsCSV, Tag: "analytics",
			Summary: "One chart's numbers as CSV: analytics/{chart}.csv, e.g. analytics/rates.csv.", Description: analyticsCSVRules,
			Status: 200, ResponseMedia: csv, Query: analyticsParams},
	}
}
