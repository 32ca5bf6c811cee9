package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Mode is how requests are paced.
type Mode string

// The modes of a run.
const (
	// Open sends requests at a fixed arrival rate, whatever the answers'
	// latency (vegeta starts more workers as needed): latency under overload
	// is not hidden by coordinated omission.
	Open Mode = "open"
	// Closed runs Concurrency workers, each sending its next request when
	// the previous one is answered.
	Closed Mode = "closed"
)

// Options says how Run sends the mix.
type Options struct {
	// BaseURL is the server (or load balancer) the requests go to.
	BaseURL string
	Mode    Mode
	// Rate is the arrival rate of the open loop, requests per second.
	Rate int
	// Concurrency is the number of workers of the closed loop.
	Concurrency int
	Duration    time.Duration
	// Timeout bounds each request (default 10s); a request past it counts
	// as an error and a timeout.
	Timeout time.Duration
	// Mix weighs the endpoints (nil: DefaultMix).
	Mix Mix
	// Seed makes the draws of the mix repeatable (0: 1).
	Seed uint64
}

// WithDefaults fills the zero fields.
func (o Options) WithDefaults() Options {
	if o.Mode == "" {
		o.Mode = Open
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Mix == nil {
		o.Mix = DefaultMix
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Validate checks options filled by WithDefaults, naming the bad field.
func (o Options) Validate() error {
	switch {
	case o.BaseURL == "":
		return fmt.Errorf("load: the base URL is empty")
	case o.Mode != Open && o.Mode != Closed:
		return fmt.Errorf("load: mode %q: want open or closed", o.Mode)
	case o.Mode == Open && o.Rate < 1:
		return fmt.Errorf("load: open loop: rate must be at least 1/s, not %d", o.Rate)
	case o.Mode == Closed && o.Concurrency < 1:
		return fmt.Errorf("load: closed loop: concurrency must be at least 1, not %d", o.Concurrency)
	case o.Duration <= 0:
		return fmt.Errorf("load: duration must be positive, not %s", o.Duration)
	}
	return nil
}

// Run sends the mix to o.BaseURL as the logged-in users of st for
// o.Duration (or until ctx ends) and reports what it measured. It updates st
// with what the run changed (the next free slots, the appointments still
// scheduled), so that st can be saved for the next run.
func Run(ctx context.Context, st *State, o Options) (*Report, error) {
	o = o.WithDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	w, err := newWorkload(o.BaseURL, st, o.Mix, o.Seed)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	opts := []func(*vegeta.Attacker){vegeta.Timeout(o.Timeout), vegeta.KeepAlive(true), vegeta.Redirects(vegeta.NoFollow),
		vegeta.MaxBody(1 << 20)}
	var pacer vegeta.Pacer
	if o.Mode == Open {
		pacer = vegeta.Rate{Freq: o.Rate, Per: time.Second}
	} else {
		// An infinite rate with a fixed set of workers: each sends request
		// after request.
		pacer = vegeta.Rate{}
		n := uint64(o.Concurrency)
		opts = append(opts, vegeta.Workers(n), vegeta.MaxWorkers(n), vegeta.Connections(o.Concurrency))
	}
	atk := vegeta.NewAttacker(opts...)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()

	rec := newRecorder()
	began := time.Now()
	var firstErr error
	for r := range atk.Attack(w.targeter(), pacer, o.Duration, "clinic-load") {
		e, err := w.complete(r)
		if err != nil {
			firstErr = cmpErr(firstErr, err)
			continue
		}
		rec.add(e, int(r.Code), r.Latency, isTimeout(r.Error))
	}
	elapsed := time.Since(began)
	w.save()
	if firstErr != nil {
		return nil, fmt.Errorf("load: %w", firstErr)
	}
	rep := rec.report(elapsed)
	rep.Mode, rep.Rate, rep.Concurrency, rep.Duration, rep.Mix = o.Mode, o.Rate, o.Concurrency, Millis(o.Duration), o.Mix.String()
	if o.Mode == Open {
		rep.Concurrency = 0
	} else {
		rep.Rate = 0
	}
	return rep, nil
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// isTimeout tells a request that got no answer in time by vegeta's error
// text (net/http's client timeout or a deadline).
func isTimeout(msg string) bool {
	return strings.Contains(msg, "Client.Timeout") || strings.Contains(msg, "deadline exceeded") || strings.Contains(msg, "timeout")
}

// HTTPClient is the client Seed and Login use by default.
func HTTPClient() *http.Client { return &http.Client{Timeout: 30 * time.Second} }
