package loadgen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Endpoint is one kind of request of the mix.
type Endpoint string

// The endpoints of the mix.
const (
	// Agenda is a day view: GET …/appointments?from=&to= for one day.
	Agenda Endpoint = "agenda"
	// Availability is a week of one professional's free slots: GET …/availability.
	Availability Endpoint = "availability"
	// Search is a patient search by a name prefix: GET …/patients?q=.
	Search Endpoint = "search"
	// Patient is a patient's detail: GET …/patients/{id}.
	Patient Endpoint = "patient"
	// Book books a distinct free slot: POST …/appointments.
	Book Endpoint = "book"
	// Status confirms a scheduled appointment: POST …/appointments/{id}/status.
	Status Endpoint = "status"
	// Move reschedules an appointment to a free slot (PATCH
	// …/appointments/{id}) or cancels it, in turn.
	Move Endpoint = "move"
)

// Endpoints lists every endpoint in the order reports print them.
var Endpoints = []Endpoint{Agenda, Availability, Search, Patient, Book, Status, Move}

// Mix gives each endpoint a weight; an endpoint is drawn with a probability
// proportional to its weight.
type Mix map[Endpoint]float64

// DefaultMix is the mix of issue 13: agenda day view 40%, availability 15%,
// patient search 15%, patient detail 10%, book 10%, status change 5%,
// reschedule or cancel 5%.
var DefaultMix = Mix{Agenda: 40, Availability: 15, Search: 15, Patient: 10, Book: 10, Status: 5, Move: 5}

// String writes m as ParseMix reads it, in the order of Endpoints.
func (m Mix) String() string {
	var parts []string
	for _, e := range Endpoints {
		if w, ok := m[e]; ok {
			parts = append(parts, string(e)+"="+strconv.FormatFloat(w, 'f', -1, 64))
		}
	}
	return strings.Join(parts, ",")
}

// ParseMix reads weights written as "agenda=40,book=10,…". Endpoints not
// named keep their weight in DefaultMix; a weight of 0 leaves an endpoint
// out. Unknown endpoints, negative weights or an all-zero mix are errors.
func ParseMix(s string) (Mix, error) {
	m := Mix{}
	for k, v := range DefaultMix {
		m[k] = v
	}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("mix: %q: want endpoint=weight", part)
		}
		e := Endpoint(strings.TrimSpace(name))
		if _, known := DefaultMix[e]; !known {
			return nil, fmt.Errorf("mix: unknown endpoint %q (want one of %s)", name, endpointList())
		}
		w, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || w < 0 {
			return nil, fmt.Errorf("mix: %s: weight %q is not a number ≥ 0", e, value)
		}
		m[e] = w
	}
	if _, err := m.picker(); err != nil {
		return nil, err
	}
	return m, nil
}

func endpointList() string {
	names := make([]string, len(Endpoints))
	for i, e := range Endpoints {
		names[i] = string(e)
	}
	return strings.Join(names, ", ")
}

// picker draws endpoints by weight.
type picker struct {
	endpoints  []Endpoint
	cumulative []float64 // running sums of the weights, in the order of endpoints
}

func (m Mix) picker() (picker, error) {
	var p picker
	total := 0.0
	for _, e := range Endpoints {
		w := m[e]
		if w < 0 {
			return picker{}, fmt.Errorf("mix: %s: negative weight", e)
		}
		if w == 0 {
			continue
		}
		total += w
		p.endpoints = append(p.endpoints, e)
		p.cumulative = append(p.cumulative, total)
	}
	if total == 0 {
		return picker{}, fmt.Errorf("mix: every weight is 0")
	}
	return p, nil
}

// pick draws one endpoint with r.
func (p picker) pick(r *rand.Rand) Endpoint {
	x := r.Float64() * p.cumulative[len(p.cumulative)-1]
	for i, c := range p.cumulative {
		if x < c {
			return p.endpoints[i]
		}
	}
	return p.endpoints[len(p.endpoints)-1]
}
