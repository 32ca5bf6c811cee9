package loadgen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// workload makes the requests of a run by the mix (its targeter) and
// follows what they changed (complete): the appointments booked, confirmed,
// moved or cancelled, so that later requests act on appointments in the
// right status and bookings take slots never handed out.
//
// Each request is tagged with an operation id in its URL's fragment, which
// is never sent to the server but comes back in vegeta's Result.URL: it
// names the endpoint for the report and finds what the answer must update.
type workload struct {
	base   string
	picker picker

	mu      sync.Mutex // guards everything below
	rng     *rand.Rand
	clinics []*liveClinic
	ops     map[uint64]*op
	nextOp  uint64
}

// liveClinic is a clinic during a run.
type liveClinic struct {
	*Clinic
	first time.Time // slot 0's day, clinic-local midnight
	base  string    // /api/v1/clinics/{id}
	// scheduled and confirmed are appointments in these statuses, which
	// status changes and moves take (and give back when done).
	scheduled, confirmed []Appointment
	moves                int // moves drawn so far: odd ones reschedule, even ones cancel
}

// op is one request in flight.
type op struct {
	endpoint Endpoint
	// done, if set, updates the workload with the answer (under mu).
	done func(code int, body []byte)
}

func newWorkload(base string, st *State, m Mix, seed uint64) (*workload, error) {
	p, err := m.picker()
	if err != nil {
		return nil, err
	}
	w := &workload{base: strings.TrimSuffix(base, "/"), picker: p, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		ops: map[uint64]*op{}}
	now := time.Now()
	for i := range st.Clinics {
		c := &st.Clinics[i]
		first, _, err := c.firstDay()
		if err != nil {
			return nil, err
		}
		if len(c.Users) == 0 || len(c.Professionals) == 0 || len(c.Patients) == 0 {
			return nil, fmt.Errorf("clinic %s: the state needs users, professionals and patients", c.ID)
		}
		for _, u := range c.Users {
			if u.Cookie == "" {
				return nil, fmt.Errorf("clinic %s: user %s is not logged in", c.ID, u.Email)
			}
		}
		// Slots already past (a state reused days later) are skipped: a
		// booking starts at least an hour from now.
		for j := range c.Professionals {
			p := &c.Professionals[j]
			for slotStart(first, p.NextSlot).Before(now.Add(time.Hour)) {
				p.NextSlot += SlotsPerDay
			}
		}
		w.clinics = append(w.clinics, &liveClinic{Clinic: c, first: first, base: w.base + "/api/v1/clinics/" + c.ID,
			scheduled: append([]Appointment(nil), c.Appointments...)})
	}
	if len(w.clinics) == 0 {
		return nil, fmt.Errorf("the state has no clinics")
	}
	return w, nil
}

// targeter returns the vegeta.Targeter of the run; it is safe for
// concurrent use (vegeta calls it from every worker).
func (w *workload) targeter() vegeta.Targeter {
	return func(t *vegeta.Target) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.next(t)
		return nil
	}
}

// next fills t with the next request (under mu).
func (w *workload) next(t *vegeta.Target) {
	e := w.picker.pick(w.rng)
	c := w.clinics[w.rng.IntN(len(w.clinics))]
	u := c.Users[w.rng.IntN(len(c.Users))]
	// Status changes and moves need an appointment to act on; with none
	// left they book one instead.
	if (e == Status && len(c.scheduled) == 0) || (e == Move && len(c.scheduled)+len(c.confirmed) == 0) {
		e = Book
	}
	o := &op{endpoint: e}
	var method, path string
	var body any
	switch e {
	case Agenda:
		day := c.first.AddDate(0, 0, w.rng.IntN(c.Days))
		method, path = http.MethodGet, c.base+"/appointments?from="+url.QueryEscape(day.Format(time.RFC3339))+
			"&to="+url.QueryEscape(day.AddDate(0, 0, 1).Format(time.RFC3339))
	case Availability:
		day := c.first.AddDate(0, 0, w.rng.IntN(c.Days))
		pro := c.Professionals[w.rng.IntN(len(c.Professionals))]
		method, path = http.MethodGet, c.base+"/availability?professional_id="+pro.ID+"&from="+day.Format(time.DateOnly)+
			"&to="+day.AddDate(0, 0, 6).Format(time.DateOnly)+"&duration="+strconv.Itoa(int(slotLength/time.Minute))
	case Search:
		p := c.Patients[w.rng.IntN(len(c.Patients))]
		words := strings.Fields(p.Name)
		q := []rune(words[len(words)-1])
		method, path = http.MethodGet, c.base+"/patients?limit=20&q="+url.QueryEscape(string(q[:min(3, len(q))]))
	case Patient:
		p := c.Patients[w.rng.IntN(len(c.Patients))]
		method, path = http.MethodGet, c.base+"/patients/"+p.ID
	case Book:
		k := w.rng.IntN(len(c.Professionals))
		pro := &c.Professionals[k]
		start := slotStart(c.first, pro.NextSlot)
		pro.NextSlot++
		method, path = http.MethodPost, c.base+"/appointments"
		body = map[string]any{"patient_id": c.Patients[w.rng.IntN(len(c.Patients))].ID, "professional_id": pro.ID,
			"starts_at": start.Format(time.RFC3339), "duration_minutes": int(slotLength / time.Minute)}
		o.done = func(code int, b []byte) {
			var a struct {
				ID string `json:"id"`
			}
			if code == http.StatusCreated && json.Unmarshal(b, &a) == nil && a.ID != "" {
				c.scheduled = append(c.scheduled, Appointment{ID: a.ID, Professional: k})
			}
		}
	case Status:
		a := take(w.rng, &c.scheduled)
		method, path, body = http.MethodPost, c.base+"/appointments/"+a.ID+"/status", map[string]string{"status": "confirmed"}
		o.done = func(code int, _ []byte) {
			if code == http.StatusOK {
				c.confirmed = append(c.confirmed, a)
			}
		}
	case Move:
		from := &c.confirmed
		if len(c.confirmed) == 0 || (len(c.scheduled) > 0 && w.rng.IntN(2) == 0) {
			from = &c.scheduled
		}
		a := take(w.rng, from)
		if c.moves++; c.moves%2 == 1 {
			// Reschedule to the professional's next slot never handed out.
			pro := &c.Professionals[a.Professional]
			start := slotStart(c.first, pro.NextSlot)
			pro.NextSlot++
			method, path, body = http.MethodPatch, c.base+"/appointments/"+a.ID, map[string]string{"starts_at": start.Format(time.RFC3339)}
			o.done = func(code int, _ []byte) {
				if code == http.StatusOK {
					*from = append(*from, a)
				}
			}
		} else {
			method, path, body = http.MethodPost, c.base+"/appointments/"+a.ID+"/status", map[string]string{"status": "cancelled"}
		}
	}
	w.nextOp++
	w.ops[w.nextOp] = o
	t.Method, t.URL, t.Body = method, path+"#"+strconv.FormatUint(w.nextOp, 10), nil
	t.Header = http.Header{"Cookie": {sessionCookie + "=" + u.Cookie}}
	if body != nil {
		t.Body, _ = json.Marshal(body)
		t.Header.Set("Content-Type", "application/json")
	}
}

// complete takes the answer of a request made by next: it returns the
// request's endpoint and applies what the answer changed.
func (w *workload) complete(r *vegeta.Result) (Endpoint, error) {
	_, frag, _ := strings.Cut(r.URL, "#")
	id, err := strconv.ParseUint(frag, 10, 64)
	if err != nil {
		return "", fmt.Errorf("result for %s %s: no operation id", r.Method, r.URL)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	o, ok := w.ops[id]
	if !ok {
		return "", fmt.Errorf("result for %s %s: unknown operation", r.Method, r.URL)
	}
	delete(w.ops, id)
	if o.done != nil {
		o.done(int(r.Code), r.Body)
	}
	return o.endpoint, nil
}

// save writes the run's changes back into the clinics of the state: the
// next free slots (already there) and the appointments still scheduled.
func (w *workload) save() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.clinics {
		c.Appointments = append([]Appointment(nil), c.scheduled...)
	}
}

// take removes and returns a random element of *as (not empty).
func take(r *rand.Rand, as *[]Appointment) Appointment {
	s := *as
	i := r.IntN(len(s))
	a := s[i]
	s[i] = s[len(s)-1]
	*as = s[:len(s)-1]
	return a
}
