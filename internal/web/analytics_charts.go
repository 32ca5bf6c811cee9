package web

import (
	"math"
	"strconv"
	"strings"

	"clinic/internal/i18n"
)

// Server-rendered SVG charts of the indicators page: no script, so they
// draw under the strict CSP, and each is an image with a <title> and a
// <desc> (its table view beside it says every number). Sizes are in the
// viewBox's units; the SVG scales to the card's width, and the viewBox is
// narrow enough that its text stays readable on a 390 px phone.

const (
	chartW      = 400
	chartH      = 220
	chartLeft   = 46 // room for the y axis labels
	chartRight  = 8
	chartTop    = 12
	chartBottom = 28 // room for the x axis labels
)

// chartTick is an axis label at a position.
type chartTick struct {
	Pos   float64
	Label string
}

// chartSeg is one coloured piece of a column (a status, a series).
type chartSeg struct {
	Y, H  float64
	Class string
	Title string
}

// chartCol is one period's column.
type chartCol struct {
	X, W float64
	Segs []chartSeg
}

// chartLine is one series of a line chart.
type chartLine struct {
	Class  string
	Points string
	Dots   []chartDot
}

// chartDot is a point of a line with its value.
type chartDot struct {
	X, Y  float64
	Title string
}

// legendItem names a colour of a chart.
type legendItem struct {
	Class, Label string
}

// chart is an SVG column or line chart over periods.
type chart struct {
	ID, Title, Desc string
	W, H            int
	// PlotLeft, PlotRight, PlotTop and PlotBottom bound the plot area.
	PlotLeft, PlotRight, PlotTop, PlotBottom float64
	// YLabelX and XLabelY place the axes' labels; MidX and MidY the mark
	// of an empty chart.
	YLabelX, XLabelY, MidX, MidY float64
	YTicks                       []chartTick
	XTicks                       []chartTick
	Cols                         []chartCol
	Lines                        []chartLine
	Legend                       []legendItem
	Empty                        bool
}

// chartSeries is one stacked series of a column chart.
type chartSeries struct {
	Class, Label string
	Values       []float64
	// Format writes a value for the tooltip.
	Format func(float64) string
}

// niceStep returns a round step (1, 2, 3, 4, 5, 6 or 8 × 10^n, at least
// min) such that four steps reach v: the y axis has five labels, all round.
func niceStep(v, min float64) float64 {
	if v <= 0 {
		return min
	}
	q := v / 4
	exp := math.Pow(10, math.Floor(math.Log10(q)))
	for _, m := range []float64{1, 2, 3, 4, 5, 6, 8, 10} {
		if m*exp >= q-1e-12 {
			return math.Max(m*exp, min)
		}
	}
	return math.Max(10*exp, min)
}

// newChart lays out the frame of a chart over labels (one per period),
// with y from 0 to max, and the y labels written by yFormat.
func newChart(id, title, desc string, labels []string, max float64, yFormat func(float64) string) *chart {
	c := &chart{ID: id, Title: title, Desc: desc, W: chartW, H: chartH,
		PlotLeft: chartLeft, PlotRight: chartW - chartRight, PlotTop: chartTop, PlotBottom: chartH - chartBottom,
		YLabelX: chartLeft - 6, XLabelY: chartH - chartBottom + 18, MidX: chartW / 2, MidY: chartH / 2}
	for i := 0; i <= 4; i++ {
		v := max * float64(i) / 4
		c.YTicks = append(c.YTicks, chartTick{Pos: c.y(v, max), Label: yFormat(v)})
	}
	n := len(labels)
	step := max1((n + 6) / 7) // at most 7 x labels
	for i, l := range labels {
		if i%step == 0 {
			c.XTicks = append(c.XTicks, chartTick{Pos: c.xCenter(i, n), Label: l})
		}
	}
	return c
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

func (c *chart) y(v, max float64) float64 {
	return round1(c.PlotBottom - (c.PlotBottom-c.PlotTop)*v/max)
}

func (c *chart) slot(n int) float64 { return (c.PlotRight - c.PlotLeft) / float64(max1(n)) }

func (c *chart) xCenter(i, n int) float64 {
	return round1(c.PlotLeft + c.slot(n)*(float64(i)+0.5))
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// columnChart stacks series in one column per period.
func columnChart(id, title, desc string, labels []string, series []chartSeries, minStep float64, yFormat func(float64) string) *chart {
	top := 0.0
	for i := range labels {
		sum := 0.0
		for _, s := range series {
			sum += s.Values[i]
		}
		top = math.Max(top, sum)
	}
	max := 4 * niceStep(top, minStep)
	c := newChart(id, title, desc, labels, max, yFormat)
	c.Empty = top == 0
	n := len(labels)
	w := c.slot(n)
	for i, l := range labels {
		col := chartCol{X: round1(c.PlotLeft + w*float64(i) + w*0.12), W: round1(math.Max(w*0.76, 0.6))}
		base := 0.0
		for _, s := range series {
			v := s.Values[i]
			if v <= 0 {
				continue
			}
			y0, y1 := c.y(base, max), c.y(base+v, max)
			col.Segs = append(col.Segs, chartSeg{Y: y1, H: round1(y0 - y1), Class: s.Class, Title: l + " · " + s.Label + ": " + s.Format(v)})
			base += v
		}
		c.Cols = append(c.Cols, col)
	}
	for _, s := range series {
		c.Legend = append(c.Legend, legendItem{Class: s.Class, Label: s.Label})
	}
	return c
}

// lineChart draws each series as a line over the periods; a nil value
// (no denominator) breaks nothing: the line skips the period.
func lineChart(id, title, desc string, labels []string, series []struct {
	Class, Label string
	Values       []*float64
}, minStep float64, format, yFormat func(float64) string) *chart {
	top := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			if v != nil {
				top = math.Max(top, *v)
			}
		}
	}
	max := 4 * niceStep(top, minStep)
	c := newChart(id, title, desc, labels, max, yFormat)
	c.Empty = true
	n := len(labels)
	for _, s := range series {
		ln := chartLine{Class: s.Class}
		var pts []string
		for i, v := range s.Values {
			if v == nil {
				continue
			}
			c.Empty = false
			x, y := c.xCenter(i, n), c.y(*v, max)
			pts = append(pts, strconv.FormatFloat(x, 'f', 1, 64)+","+strconv.FormatFloat(y, 'f', 1, 64))
			if n <= 62 {
				ln.Dots = append(ln.Dots, chartDot{X: x, Y: y, Title: labels[i] + " · " + s.Label + ": " + format(*v)})
			}
		}
		ln.Points = strings.Join(pts, " ")
		c.Lines = append(c.Lines, ln)
		c.Legend = append(c.Legend, legendItem{Class: s.Class, Label: s.Label})
	}
	return c
}

// hbar is one row of a horizontal bar chart: a label and its bars.
type hbar struct {
	Label string
	Y     float64
	Bars  []hbarPart
}

// hbarPart is one series' bar of a row.
type hbarPart struct {
	Y, W, H float64
	Class   string
	Value   string
	// ValueX and ValueY place the value written after the bar.
	ValueX, ValueY float64
}

// hbarChart is an SVG chart of horizontal bars, one group per item.
type hbarChart struct {
	ID, Title, Desc string
	W, H            int
	LabelW          float64
	Rows            []hbar
	Legend          []legendItem
	Empty           bool
}

// horizontalChart draws, for each label, one bar per series.
func horizontalChart(id, title, desc string, labels []string, series []chartSeries) *hbarChart {
	const rowGap, barH, labelH = 14.0, 16.0, 18.0
	perRow := labelH + barH*float64(len(series)) + rowGap
	c := &hbarChart{ID: id, Title: title, Desc: desc, W: chartW, H: int(perRow*float64(max1(len(labels)))) + 4}
	top := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			top = math.Max(top, v)
		}
	}
	c.Empty = top == 0
	plot := float64(chartW) - 110 // room for the value at the bar's end
	for i, l := range labels {
		row := hbar{Label: l, Y: round1(perRow*float64(i) + 13)}
		for k, s := range series {
			w := 0.0
			if top > 0 {
				w = plot * s.Values[i] / top
			}
			row.Bars = append(row.Bars, hbarPart{Y: round1(perRow*float64(i) + labelH + barH*float64(k)), W: round1(math.Max(w, 1)), H: barH - 3,
				Class: s.Class, Value: s.Format(s.Values[i])})
			b := &row.Bars[len(row.Bars)-1]
			b.ValueX, b.ValueY = b.W+6, b.Y+11
		}
		c.Rows = append(c.Rows, row)
	}
	for _, s := range series {
		c.Legend = append(c.Legend, legendItem{Class: s.Class, Label: s.Label})
	}
	return c
}

// percent writes a fraction as a percentage with one decimal in the
// locale's way (10,0% in pt-BR, 10.0% in English); "—" for none.
func percent(l *i18n.Localizer, f *float64) string {
	if f == nil {
		return "—"
	}
	return percentOf(l, *f)
}

// percentAxis writes a fraction as a whole percentage (an axis label).
func percentAxis(f float64) string { return strconv.FormatFloat(math.Round(f*100), 'f', 0, 64) + "%" }

func percentOf(l *i18n.Localizer, f float64) string {
	s := strconv.FormatFloat(f*100, 'f', 1, 64)
	if l.Locale() == i18n.PtBR {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "%"
}

// hours writes minutes as whole hours with the locale's digit groups.
func hours(l *i18n.Localizer, minutes int64) string {
	return l.T("analytics.hours", "hours", l.Number((minutes+30)/60))
}

// count writes a whole number with the locale's digit groups.
func count(l *i18n.Localizer, f float64) string { return l.Number(int64(math.Round(f))) }
