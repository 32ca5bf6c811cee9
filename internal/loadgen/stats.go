package loadgen

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"
)

// Latencies holds every recorded latency of a series; percentiles are
// computed exactly from them (no histogram error).
type Latencies []time.Duration

// Percentile returns the p-th percentile (0 < p ≤ 100) by the nearest-rank
// method: the smallest recorded latency such that at least p% of the
// latencies are less than or equal to it. It returns 0 for no latencies. The
// receiver must be sorted (see Sort).
func (l Latencies) Percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(l))))
	rank = min(max(rank, 1), len(l))
	return l[rank-1]
}

// Sort sorts the latencies in increasing order.
func (l Latencies) Sort() { slices.Sort(l) }

// Max returns the largest latency of a sorted series (0 for none).
func (l Latencies) Max() time.Duration {
	if len(l) == 0 {
		return 0
	}
	return l[len(l)-1]
}

// Stats is what a run measured for one endpoint (or the total).
type Stats struct {
	Endpoint string `json:"endpoint"`
	Requests int    `json:"requests"`
	// Rate is requests per second over the run's duration.
	Rate float64 `json:"rate"`
	P50  Millis  `json:"p50_ms"`
	P95  Millis  `json:"p95_ms"`
	P99  Millis  `json:"p99_ms"`
	Max  Millis  `json:"max_ms"`
	// Errors counts transport errors, timeouts and answers outside 2xx,
	// except the 409 conflicts (counted in Conflicts).
	Errors int `json:"errors"`
	// Timeouts counts the requests that got no answer in time (also in
	// Errors).
	Timeouts  int `json:"timeouts"`
	Conflicts int `json:"conflicts"`
	// Codes counts the answers by HTTP status (0: no answer).
	Codes map[int]int `json:"codes"`
}

// Millis is a duration written in JSON as milliseconds (a float).
type Millis time.Duration

// MarshalJSON writes d in milliseconds, to the microsecond.
func (d Millis) MarshalJSON() ([]byte, error) {
	ms := math.Round(float64(time.Duration(d))/1e3) / 1e3
	return strconv.AppendFloat(nil, ms, 'f', -1, 64), nil
}

// UnmarshalJSON reads milliseconds.
func (d *Millis) UnmarshalJSON(b []byte) error {
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return err
	}
	*d = Millis(time.Duration(ms * 1e6))
	return nil
}

// series collects one endpoint's results during a run.
type series struct {
	latencies                   Latencies
	errors, timeouts, conflicts int
	codes                       map[int]int
}

func (s *series) add(code int, latency time.Duration, timeout bool) {
	if s.codes == nil {
		s.codes = map[int]int{}
	}
	s.latencies = append(s.latencies, latency)
	s.codes[code]++
	switch {
	case code == 409:
		s.conflicts++
	case code < 200 || code > 299:
		s.errors++
		if timeout {
			s.timeouts++
		}
	}
}

// stats sorts the series' latencies and summarises them over elapsed.
func (s *series) stats(name string, elapsed time.Duration) Stats {
	s.latencies.Sort()
	st := Stats{Endpoint: name, Requests: len(s.latencies), Errors: s.errors, Timeouts: s.timeouts, Conflicts: s.conflicts,
		Codes: s.codes, P50: Millis(s.latencies.Percentile(50)), P95: Millis(s.latencies.Percentile(95)),
		P99: Millis(s.latencies.Percentile(99)), Max: Millis(s.latencies.Max())}
	if st.Codes == nil {
		st.Codes = map[int]int{}
	}
	if elapsed > 0 {
		st.Rate = float64(st.Requests) / elapsed.Seconds()
	}
	return st
}
