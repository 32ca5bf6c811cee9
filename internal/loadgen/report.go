package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Report is what a run measured: per endpoint (in the order of Endpoints,
// those drawn at least once) and in total.
type Report struct {
	Mode        Mode    `json:"mode"`
	Rate        int     `json:"rate,omitempty"`
	Concurrency int     `json:"concurrency,omitempty"`
	Duration    Millis  `json:"duration_ms"`
	Elapsed     Millis  `json:"elapsed_ms"`
	Mix         string  `json:"mix"`
	Endpoints   []Stats `json:"endpoints"`
	Total       Stats   `json:"total"`

	// latencies are each endpoint's sorted latencies, for the histogram.
	latencies map[Endpoint]Latencies
}

// recorder collects a run's results.
type recorder struct {
	series map[Endpoint]*series
	total  series
}

func newRecorder() *recorder { return &recorder{series: map[Endpoint]*series{}} }

func (r *recorder) add(e Endpoint, code int, latency time.Duration, timeout bool) {
	s := r.series[e]
	if s == nil {
		s = &series{}
		r.series[e] = s
	}
	s.add(code, latency, timeout)
	r.total.add(code, latency, timeout)
}

func (r *recorder) report(elapsed time.Duration) *Report {
	rep := &Report{Elapsed: Millis(elapsed), latencies: map[Endpoint]Latencies{}}
	for _, e := range Endpoints {
		if s := r.series[e]; s != nil {
			rep.Endpoints = append(rep.Endpoints, s.stats(string(e), elapsed))
			rep.latencies[e] = s.latencies
		}
	}
	rep.Total = r.total.stats("total", elapsed)
	return rep
}

// Get returns the stats of endpoint e (false if it had no request).
func (r *Report) Get(e Endpoint) (Stats, bool) {
	for _, s := range r.Endpoints {
		if s.Endpoint == string(e) {
			return s, true
		}
	}
	return Stats{}, false
}

// WriteTable writes the report as a table, one row per endpoint and a total,
// followed by a hint when the server answered 429.
func (r *Report) WriteTable(w io.Writer) error {
	load := fmt.Sprintf("%d req/s", r.Rate)
	if r.Mode == Closed {
		load = fmt.Sprintf("%d workers", r.Concurrency)
	}
	fmt.Fprintf(w, "%s loop, %s, %s (elapsed %s), mix %s\n\n", r.Mode, load, time.Duration(r.Duration), time.Duration(r.Elapsed).Round(time.Millisecond), r.Mix)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "endpoint\trequests\treq/s\tp50\tp95\tp99\tmax\terrors\ttimeouts\tconflicts\t")
	for _, s := range append(append([]Stats(nil), r.Endpoints...), r.Total) {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t\n", s.Endpoint, s.Requests, s.Rate,
			ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max), s.Errors, s.Timeouts, s.Conflicts)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n := r.Total.Codes[429]; n > 0 {
		fmt.Fprintf(w, "\n%d answers were 429 Too Many Requests: the server's rate limits cut the run short; "+
			"start it with larger ones (e.g. RATE_LIMIT_API_CLINIC=100000000/1m, see README, Load testing).\n", n)
	}
	return nil
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ms writes d in milliseconds with one decimal.
func ms(d Millis) string { return fmt.Sprintf("%.1fms", float64(time.Duration(d))/1e6) }
