package analytics

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"

	"clinic/internal/appointment"
)

// Charts names the charts of a report, each with a CSV of its numbers.
var Charts = []string{"appointments", "rates", "occupancy", "patients", "revenue-professionals", "revenue-procedures"}

// ValidChart reports whether name is one of Charts.
func ValidChart(name string) bool { return slices.Contains(Charts, name) }

// RevenueChart reports whether the chart shows revenue.
func RevenueChart(name string) bool {
	return name == "revenue-professionals" || name == "revenue-procedures"
}

func rate(r *float64) string {
	if r == nil {
		return ""
	}
	return strconv.FormatFloat(*r, 'f', 4, 64)
}

func itoa[T int | int64](n T) string { return strconv.FormatInt(int64(n), 10) }

// cents writes cents as a decimal amount with two places (1234 → 12.34).
func cents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return sign + strconv.FormatInt(c/100, 10) + "." + strconv.FormatInt(c%100/10, 10) + strconv.FormatInt(c%10, 10)
}

// WriteCSV writes the numbers of one chart of r as CSV (a header row,
// then one row per day or per item; rates as fractions with four places,
// amounts in the currency's units with two): the same numbers as the
// chart's table view. NotFound for an unknown chart or a revenue chart of
// a report without revenue.
func (r Report) WriteCSV(w io.Writer, chart string) error {
	var rows [][]string
	switch chart {
	case "appointments":
		head := []string{"date", "appointments"}
		for _, st := range appointment.Statuses {
			head = append(head, string(st))
		}
		rows = append(rows, head)
		for _, d := range r.Days {
			row := []string{d.Date, itoa(d.Appointments)}
			for _, st := range appointment.Statuses {
				row = append(row, itoa(d.ByStatus.Get(st)))
			}
			rows = append(rows, row)
		}
	case "rates":
		rows = append(rows, []string{"date", "appointments", "due", "no_show", "no_show_rate", "cancelled", "cancellation_rate"})
		for _, d := range r.Days {
			rows = append(rows, []string{d.Date, itoa(d.Appointments), itoa(d.Due), itoa(d.ByStatus.NoShow), rate(d.NoShowRate),
				itoa(d.ByStatus.Cancelled), rate(d.CancellationRate)})
		}
	case "occupancy":
		rows = append(rows, []string{"date", "booked_minutes", "available_minutes", "occupancy"})
		for _, d := range r.Days {
			rows = append(rows, []string{d.Date, itoa(d.BookedMinutes), itoa(d.AvailableMinutes), rate(d.Occupancy)})
		}
	case "patients":
		rows = append(rows, []string{"patients", "new", "returning"},
			[]string{itoa(r.Patients.Seen), itoa(r.Patients.New), itoa(r.Patients.Returning)})
	case "revenue-professionals", "revenue-procedures":
		if r.Revenue == nil {
			return errUnknownChart
		}
		items := r.Revenue.ByProfessional
		if chart == "revenue-procedures" {
			items = r.Revenue.ByProcedure
		}
		rows = append(rows, []string{"id", "name", "charged", "received"})
		for _, t := range items {
			rows = append(rows, []string{t.ID, t.Name, cents(t.ChargedCents), cents(t.ReceivedCents)})
		}
	default:
		return errUnknownChart
	}
	cw := csv.NewWriter(w)
	for _, row := range rows {
		for i, v := range row { // no cell starts a formula in a spreadsheet
			if v != "" && (v[0] == '=' || v[0] == '+' || v[0] == '@') {
				row[i] = "'" + v
			}
		}
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// CSVName is the file name of the CSV of chart of r:
// indicadores-{chart}-{from}-{to}.csv.
func CSVName(r Report, chart string) string {
	return "indicadores-" + chart + "-" + r.From + "-" + r.To + ".csv"
}
