package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// UserInterval is how often one simultaneous user is taken to send a
// request (a receptionist's click every 10 s on average): a capacity of R
// requests per second serves R × 10 users.
const UserInterval = 10 * time.Second

// Capacity is a search for the highest open-loop arrival rate a server
// takes within a p99 bound and without errors: a run per rate, from the
// lowest up, stopping after the first rate that fails.
type Capacity struct {
	// Bound is the p99 latency a rate must stay under.
	Bound Millis `json:"p99_bound_ms"`
	// Steps are the rates tried, in order.
	Steps []Step `json:"steps"`
	// Best is the highest rate that passed (0: none did), and Users the
	// simultaneous users it serves at one request per UserInterval.
	Best  int `json:"best_rate"`
	Users int `json:"users"`
}

// Step is one rate of a capacity search.
type Step struct {
	Rate   int     `json:"rate"`
	Pass   bool    `json:"pass"`
	Report *Report `json:"report"`
}

// Passes reports whether a run stayed within bound: no errors (a 409 on a
// slot taken meanwhile is a correct answer, not an error) and a total p99
// of at most bound; an open-loop run must also have sent at least 90% of the
// requests its rate asks for, or the generator itself was the limit.
func (r *Report) Passes(bound time.Duration) bool {
	if r.Total.Errors > 0 || time.Duration(r.Total.P99) > bound {
		return false
	}
	if r.Mode == Open && r.Rate > 0 && r.Total.Rate < 0.9*float64(r.Rate) {
		return false
	}
	return true
}

// FindCapacity runs the mix at each of rates (sorted, increasing) for
// o.Duration, each after a pause of settle (the previous step's backlog
// drains), and stops after the first rate that does not pass.
func FindCapacity(ctx context.Context, st *State, o Options, rates []int, bound, settle time.Duration, progress io.Writer) (*Capacity, error) {
	rates = slices.Sorted(slices.Values(rates))
	c := &Capacity{Bound: Millis(bound)}
	for i, rate := range rates {
		if rate < 1 {
			return nil, fmt.Errorf("load: rate %d: rates must be at least 1/s", rate)
		}
		if i > 0 && settle > 0 {
			select {
			case <-ctx.Done():
				return c, ctx.Err()
			case <-time.After(settle):
			}
		}
		o.Mode, o.Rate = Open, rate
		rep, err := Run(ctx, st, o)
		if err != nil {
			return c, err
		}
		s := Step{Rate: rate, Pass: rep.Passes(bound), Report: rep}
		c.Steps = append(c.Steps, s)
		if progress != nil {
			fmt.Fprintf(progress, "load: %d req/s: p99 %s, %d errors: %s\n", rate, ms(rep.Total.P99), rep.Total.Errors, passWord(s.Pass))
		}
		if !s.Pass {
			break
		}
		c.Best = rate
	}
	c.Users = c.Best * int(UserInterval/time.Second)
	return c, nil
}

func passWord(ok bool) string {
	if ok {
		return "within the bound"
	}
	return "beyond the bound"
}

// WriteTable writes one row per rate tried and the capacity found.
func (c *Capacity) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "capacity search: open loop, p99 bound %s, no errors\n\n", time.Duration(c.Bound))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rate\tsent/s\tp50\tp95\tp99\tmax\terrors\tconflicts\tresult\t")
	for _, s := range c.Steps {
		t := s.Report.Total
		fmt.Fprintf(tw, "%d\t%.1f\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t\n", s.Rate, t.Rate, ms(t.P50), ms(t.P95), ms(t.P99), ms(t.Max),
			t.Errors, t.Conflicts, map[bool]string{true: "pass", false: "FAIL"}[s.Pass])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if c.Best == 0 {
		_, err := fmt.Fprintf(w, "\nno rate tried stayed within the bound\n")
		return err
	}
	_, err := fmt.Fprintf(w, "\ncapacity: %d req/s, %d simultaneous users at one request every %s\n", c.Best, c.Users, UserInterval)
	return err
}

// WriteJSON writes the search as indented JSON.
func (c *Capacity) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}
