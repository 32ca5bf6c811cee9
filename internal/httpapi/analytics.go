package httpapi

import (
	"net/http"
	"strings"

	"clinic/internal/analytics"
	"clinic/internal/apperr"
)

// The clinic's indicators (package analytics): every series of a range as
// JSON, or one chart's numbers as CSV. The service decides who sees what.

// errNoSuchChart answers the CSV of a chart that does not exist (or that
// the caller's report does not have: revenue without billing or the role).
var errNoSuchChart = apperr.New(apperr.NotFound, "No such chart. Charts: appointments, rates, occupancy, patients, revenue-professionals, revenue-procedures.")

// analyticsQuery reads the report's query parameters.
func analyticsQuery(r *http.Request) analytics.Query {
	v := r.URL.Query()
	return analytics.Query{From: v.Get("from"), To: v.Get("to"), ProfessionalID: v.Get("professional_id"), ProcedureID: v.Get("procedure_id")}
}

// getAnalytics answers the report (a chart's CSV is analytics/{chart}.csv).
func (s *Server) getAnalytics(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.Analytics.Report(r.Context(), principalOf(r.Context()), analyticsQuery(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// getAnalyticsCSV answers the CSV of the chart the path names
// (analytics/{chart}.csv).
func (s *Server) getAnalyticsCSV(w http.ResponseWriter, r *http.Request) error {
	name, ok := strings.CutSuffix(r.PathValue("chart"), ".csv")
	if !ok {
		return errNoSuchChart
	}
	if !analytics.ValidChart(name) {
		return errNoSuchChart
	}
	rep, err := s.Analytics.Report(r.Context(), principalOf(r.Context()), analyticsQuery(r))
	if err != nil {
		return err
	}
	return writeReportCSV(w, rep, name)
}

// writeReportCSV writes one chart of rep as a CSV download.
func writeReportCSV(w http.ResponseWriter, rep analytics.Report, chart string) error {
	if analytics.RevenueChart(chart) && rep.Revenue == nil {
		return errNoSuchChart
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+analytics.CSVName(rep, chart)+`"`)
	w.WriteHeader(http.StatusOK)
	return rep.WriteCSV(w, chart)
}
