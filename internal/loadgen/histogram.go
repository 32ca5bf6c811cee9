package loadgen

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"
)

// bucketEdges are the histogram's bucket bounds, 1-2-5 steps from 100 µs to
// 10 s: a log scale. Latencies below the first edge count in the first
// bucket, those from the last edge on in the last.
var bucketEdges = func() []time.Duration {
	var edges []time.Duration
	for d := 100 * time.Microsecond; d <= 10*time.Second; d *= 10 {
		edges = append(edges, d, 2*d, 5*d)
	}
	return edges[:len(edges)-2] // …, 5 s, 10 s
}()

// bucketCounts counts sorted latencies into the len(bucketEdges)-1 buckets
// [edge i, edge i+1).
func bucketCounts(l Latencies) []int {
	counts := make([]int, len(bucketEdges)-1)
	for _, d := range l {
		i := 0
		for i < len(counts)-1 && d >= bucketEdges[i+1] {
			i++
		}
		counts[i]++
	}
	return counts
}

// palette colours the endpoints' bars in the order of Endpoints.
var palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"}

// WriteHistogram draws the latency histogram of the run as SVG: a log-scale
// latency axis (1-2-5 buckets from 100 µs to 10 s), the request count on the
// vertical axis, one stacked bar series per endpoint with a legend.
func (r *Report) WriteHistogram(w io.Writer) error {
	const (
		width, height             = 900, 480
		left, right, top, bottom  = 70, 170, 40, 60
		plotW, plotH              = width - left - right, height - top - bottom
		legendX, legendY, legendH = width - right + 20, top + 10, 20
	)
	type bar struct {
		e      Endpoint
		counts []int
	}
	var bars []bar
	stack := make([]int, len(bucketEdges)-1)
	for _, e := range Endpoints {
		l, ok := r.latencies[e]
		if !ok {
			continue
		}
		c := bucketCounts(l)
		bars = append(bars, bar{e, c})
		for i, n := range c {
			stack[i] += n
		}
	}
	top1 := 0
	for _, n := range stack {
		top1 = max(top1, n)
	}
	ymax := niceCeil(top1)
	lo, hi := math.Log10(bucketEdges[0].Seconds()), math.Log10(bucketEdges[len(bucketEdges)-1].Seconds())
	x := func(d time.Duration) float64 { return left + (math.Log10(d.Seconds())-lo)/(hi-lo)*plotW }
	y := func(n int) float64 { return top + plotH - float64(n)/float64(ymax)*plotH }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	load := fmt.Sprintf("%d req/s", r.Rate)
	if r.Mode == Closed {
		load = fmt.Sprintf("%d workers", r.Concurrency)
	}
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="15">%s</text>`+"\n", left, html.EscapeString(fmt.Sprintf(
		"clinic load: latency histogram, %s loop, %s, %s, %d requests", r.Mode, load, time.Duration(r.Duration), r.Total.Requests)))
	// Horizontal grid and the count axis.
	for i := 0; i <= 4; i++ {
		n := ymax * i / 4
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, left+plotW, y(n), y(n))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%d</text>`+"\n", left-6, y(n)+4, n)
	}
	// The bars, stacked bucket by bucket in the order of the legend.
	base := make([]int, len(stack))
	for k, br := range bars {
		for i, n := range br.counts {
			if n == 0 {
				continue
			}
			x0, x1 := x(bucketEdges[i]), x(bucketEdges[i+1])
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s–%s: %d</title></rect>`+"\n",
				x0+1, y(base[i]+n), x1-x0-2, y(base[i])-y(base[i]+n), palette[k%len(palette)], br.e, bucketEdges[i], bucketEdges[i+1], n)
			base[i] += n
		}
	}
	// The latency axis: every edge ticked, labelled in ms or s.
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="black"/>`+"\n", left, left+plotW, top+plotH, top+plotH)
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="black"/>`+"\n", left, left, top, top+plotH)
	for _, d := range bucketEdges {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="black"/>`+"\n", x(d), x(d), top+plotH, top+plotH+5)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="10">%s</text>`+"\n", x(d), top+plotH+18, edgeLabel(d))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">latency (log scale)</text>`+"\n", left+plotW/2, height-15)
	fmt.Fprintf(&b, `<text x="18" y="%d" text-anchor="middle" transform="rotate(-90 18 %d)">requests</text>`+"\n", top+plotH/2, top+plotH/2)
	for k, br := range bars {
		yy := legendY + k*legendH
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
			legendX, yy, palette[k%len(palette)], legendX+18, yy+11, br.e)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// niceCeil returns the smallest 1, 2 or 5 × 10^k at least n (and at least 1).
func niceCeil(n int) int {
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

// edgeLabel writes a bucket edge: 0.1ms … 500ms, 1s … 10s.
func edgeLabel(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%gs", d.Seconds())
	}
	return fmt.Sprintf("%gms", float64(d)/1e6)
}
