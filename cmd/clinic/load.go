package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"clinic/internal/loadgen"
)

// loadUsage introduces `clinic load`'s flags.
const loadUsage = `Usage: clinic load [flags]

Seeds clinics through the API of -url (or reuses a -state file), then sends the
mix for -duration and prints per endpoint requests, req/s, p50, p95, p99, max,
errors, timeouts and 409 conflicts. The target server must run with large rate
limits (RATE_LIMIT_SIGNUP_IP, RATE_LIMIT_LOGIN_IP, RATE_LIMIT_LOGIN_EMAIL,
RATE_LIMIT_API_CLINIC): see README, Load testing.

Flags:
`

// runLoad is `clinic load`: the load generator (internal/loadgen). It is a
// client of the API only: it needs no configuration of its own.
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("clinic load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, loadUsage); fs.PrintDefaults() }
	var (
		baseURL       = fs.String("url", "http://localhost:8080", "base URL of the server or load balancer")
		clinics       = fs.Int("clinics", 1, "clinics to seed (K)")
		professionals = fs.Int("professionals", 5, "professionals per clinic (P), with working hours every day 08:00–18:00")
		patients      = fs.Int("patients", 200, "patients per clinic (N)")
		appointments  = fs.Int("appointments", 20, "appointments per professional (A)")
		users         = fs.Int("users", 5, "staff users per clinic (U): the owner and U-1 receptionists, each a virtual user with its own session")
		seedConc      = fs.Int("seed-concurrency", 8, "requests in flight while seeding")
		statePath     = fs.String("state", "", "seed file: written after seeding and after the run; with -reuse, read instead of seeding")
		reuse         = fs.Bool("reuse", false, "skip seeding: read -state and log its users in")
		mode          = fs.String("mode", "open", "open (fixed arrival rate, -rate) or closed (-concurrency workers)")
		rate          = fs.Int("rate", 20, "open loop: requests per second")
		concurrency   = fs.Int("concurrency", 10, "closed loop: workers, each sending request after request")
		duration      = fs.Duration("duration", 30*time.Second, "how long the mix runs")
		timeout       = fs.Duration("timeout", 10*time.Second, "longest wait for one answer (past it: an error and a timeout)")
		mixFlag       = fs.String("mix", loadgen.DefaultMix.String(), "weights of the endpoints (those not named keep their default; 0 leaves one out)")
		seed          = fs.Uint64("rand-seed", 1, "seed of the random draws (endpoints, clinics, users, patients): the same seed draws the same sequence")
		asJSON        = fs.Bool("json", false, "print the report as JSON")
		histogram     = fs.String("histogram", "", "write a latency histogram of the run to this .svg file")
		ratesFlag     = fs.String("rates", "", "capacity search: comma-separated open-loop rates (req/s), each run for -duration from the lowest up, stopping after the first beyond -p99 or with errors; prints the highest that passed")
		p99Bound      = fs.Duration("p99", 200*time.Millisecond, "capacity search: the p99 latency a rate must stay under")
		settle        = fs.Duration("settle", 5*time.Second, "capacity search: pause between two rates")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("load: unexpected arguments %q", fs.Args())
	}
	mix, err := loadgen.ParseMix(*mixFlag)
	if err != nil {
		return err
	}
	if *histogram != "" && !strings.EqualFold(filepath.Ext(*histogram), ".svg") {
		return fmt.Errorf("load: -histogram %s: only .svg pictures are written", *histogram)
	}
	if *reuse && *statePath == "" {
		return fmt.Errorf("load: -reuse needs -state")
	}
	rates, err := parseRates(*ratesFlag)
	if err != nil {
		return err
	}
	if rates != nil && *mode != string(loadgen.Open) {
		return fmt.Errorf("load: -rates searches the open loop's capacity: it cannot go with -mode %s", *mode)
	}
	opts := loadgen.Options{BaseURL: strings.TrimSuffix(*baseURL, "/"), Mode: loadgen.Mode(*mode), Rate: *rate, Concurrency: *concurrency,
		Duration: *duration, Timeout: *timeout, Mix: mix, Seed: *seed}.WithDefaults()
	if err := opts.Validate(); err != nil {
		return err
	}

	hc := loadgen.HTTPClient()
	var st *loadgen.State
	if *reuse {
		if st, err = loadgen.LoadState(*statePath); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "load: logging in the %s's users…\n", *statePath)
		if err := loadgen.Login(ctx, opts.BaseURL, hc, st, *seedConc); err != nil {
			return fmt.Errorf("load: %w", err)
		}
	} else {
		fmt.Fprintf(stderr, "load: seeding %d clinic(s) on %s…\n", *clinics, opts.BaseURL)
		st, err = loadgen.Seed(ctx, opts.BaseURL, hc, loadgen.SeedOptions{Clinics: *clinics, Professionals: *professionals,
			Patients: *patients, Appointments: *appointments, Users: *users, Concurrency: *seedConc, Log: stderr})
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		if *statePath != "" {
			if err := loadgen.SaveState(*statePath, st); err != nil {
				return err
			}
		}
	}

	if rates != nil {
		return searchCapacity(ctx, st, opts, rates, *p99Bound, *settle, *statePath, *histogram, *asJSON, stdout, stderr)
	}
	fmt.Fprintf(stderr, "load: running the mix for %s…\n", opts.Duration)
	rep, err := loadgen.Run(ctx, st, opts)
	if err != nil {
		return err
	}
	if *statePath != "" {
		if err := loadgen.SaveState(*statePath, st); err != nil {
			return err
		}
	}
	if *histogram != "" {
		if err := writeHistogram(*histogram, rep); err != nil {
			return err
		}
	}
	if *asJSON {
		return rep.WriteJSON(stdout)
	}
	return rep.WriteTable(stdout)
}

func writeHistogram(path string, rep *loadgen.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("load: histogram: %w", err)
	}
	if err := rep.WriteHistogram(f); err != nil {
		f.Close()
		return fmt.Errorf("load: histogram: %w", err)
	}
	return f.Close()
}

// searchCapacity is `clinic load -rates`: a run per rate, the table of the
// steps and the capacity found; the histogram is of the highest rate that
// passed (else of the first).
func searchCapacity(ctx context.Context, st *loadgen.State, opts loadgen.Options, rates []int, bound, settle time.Duration,
	statePath, histogram string, asJSON bool, stdout, stderr io.Writer) error {
	fmt.Fprintf(stderr, "load: capacity search over %v req/s, %s each, p99 bound %s…\n", rates, opts.Duration, bound)
	c, err := loadgen.FindCapacity(ctx, st, opts, rates, bound, settle, stderr)
	if err != nil {
		return err
	}
	if statePath != "" {
		if err := loadgen.SaveState(statePath, st); err != nil {
			return err
		}
	}
	if histogram != "" && len(c.Steps) > 0 {
		shown := c.Steps[0]
		for _, s := range c.Steps {
			if s.Pass {
				shown = s
			}
		}
		if err := writeHistogram(histogram, shown.Report); err != nil {
			return err
		}
	}
	if asJSON {
		return c.WriteJSON(stdout)
	}
	return c.WriteTable(stdout)
}

// parseRates reads -rates: nil when empty.
func parseRates(v string) ([]int, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var rates []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("load: -rates %q: want comma-separated whole numbers of requests per second, each at least 1", v)
		}
		rates = append(rates, n)
	}
	return rates, nil
}
