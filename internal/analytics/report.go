package analytics

import (
	"cmp"
	"context"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/kernel"
	"clinic/internal/schedule"
)

// StatusCounts is a number of appointments per status.
type StatusCounts struct {
	Scheduled  int `json:"scheduled"`
	Confirmed  int `json:"confirmed"`
	Arrived    int `json:"arrived"`
	InProgress int `json:"in_progress"`
	Completed  int `json:"completed"`
	Cancelled  int `json:"cancelled"`
	NoShow     int `json:"no_show"`
}

// add counts n appointments in st.
func (c *StatusCounts) add(st appointment.Status, n int) {
	switch st {
	case appointment.StatusScheduled:
		c.Scheduled += n
	case appointment.StatusConfirmed:
		c.Confirmed += n
	case appointment.StatusArrived:
		c.Arrived += n
	case appointment.StatusInProgress:
		c.InProgress += n
	case appointment.StatusCompleted:
		c.Completed += n
	case appointment.StatusCancelled:
		c.Cancelled += n
	case appointment.StatusNoShow:
		c.NoShow += n
	}
}

// Get returns the count of st.
func (c StatusCounts) Get(st appointment.Status) int {
	switch st {
	case appointment.StatusScheduled:
		return c.Scheduled
	case appointment.StatusConfirmed:
		return c.Confirmed
	case appointment.StatusArrived:
		return c.Arrived
	case appointment.StatusInProgress:
		return c.InProgress
	case appointment.StatusCompleted:
		return c.Completed
	case appointment.StatusCancelled:
		return c.Cancelled
	case appointment.StatusNoShow:
		return c.NoShow
	}
	return 0
}

// Figures are the appointment numbers of a day or of the whole range (see
// the package documentation for the definitions). A rate is a fraction
// from 0 to 1 (occupancy may pass 1), null when its denominator is zero.
type Figures struct {
	Appointments     int          `json:"appointments"`
	ByStatus         StatusCounts `json:"by_status"`
	Due              int          `json:"due"`
	NoShowRate       *float64     `json:"no_show_rate"`
	CancellationRate *float64     `json:"cancellation_rate"`
	BookedMinutes    int64        `json:"booked_minutes"`
	AvailableMinutes int64        `json:"available_minutes"`
	Occupancy        *float64     `json:"occupancy"`
}

// Day is one clinic-local date's figures.
type Day struct {
	Date string `json:"date"`
	Figures
}

// Confirmation is the confirmation after reminders.
type Confirmation struct {
	// Reminded is the number of appointments with a reminder sent while
	// they were not yet confirmed.
	Reminded int `json:"reminded"`
	// Confirmed of them were confirmed after it.
	Confirmed int      `json:"confirmed"`
	Rate      *float64 `json:"rate"`
}

// Patients counts the patients seen in the range.
type Patients struct {
	Seen      int `json:"seen"`
	New       int `json:"new"`
	Returning int `json:"returning"`
}

// RevenueTotal is what was charged and received for one professional or
// procedure (ID "" and Name "" for charges without one), in cents.
type RevenueTotal struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	ChargedCents  int64  `json:"charged_cents"`
	ReceivedCents int64  `json:"received_cents"`
}

// Revenue is the range's revenue, overall and per professional and
// procedure (largest charged first).
type Revenue struct {
	ChargedCents   int64          `json:"charged_cents"`
	ReceivedCents  int64          `json:"received_cents"`
	ByProfessional []RevenueTotal `json:"by_professional"`
	ByProcedure    []RevenueTotal `json:"by_procedure"`
}

// Report is a clinic's indicators over a range.
type Report struct {
	From           string `json:"from"`
	To             string `json:"to"`
	TimeZone       string `json:"time_zone"`
	ProfessionalID string `json:"professional_id,omitempty"`
	ProcedureID    string `json:"procedure_id,omitempty"`
	// Summary is the whole range's figures.
	Summary Figures `json:"summary"`
	// Days lists every date of the range, in order.
	Days     []Day    `json:"days"`
	Patients Patients `json:"patients"`
	// Confirmation is null when reminders are not wired.
	Confirmation *Confirmation `json:"confirmation"`
	// Revenue is null when billing is not wired or the caller's role does
	// not see revenue.
	Revenue *Revenue `json:"revenue"`
	// GeneratedAt is the time the report was computed (Due depends on it).
	GeneratedAt time.Time `json:"generated_at"`
}

func ratio(n, d int64) *float64 {
	if d <= 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

// finish computes f's rates from its counts.
func (f *Figures) finish() {
	f.NoShowRate = ratio(int64(f.ByStatus.NoShow), int64(f.Due))
	f.CancellationRate = ratio(int64(f.ByStatus.Cancelled), int64(f.Appointments))
	f.Occupancy = ratio(f.BookedMinutes, f.AvailableMinutes)
}

// Report computes the indicators q asks for, for p's clinic: a handful of
// grouped queries run side by side, whatever the range. Forbidden for a
// receptionist, for a professional asking for another's figures; Invalid
// for a bad range or ids; NotFound for a professional or procedure of
// another clinic.
func (s *Service) Report(ctx context.Context, p kernel.Principal, q Query) (Report, error) {
	if err := s.authorize(ctx, p, &q); err != nil {
		return Report{}, err
	}
	loc, err := s.schedule.Location(ctx, p.ClinicID)
	if err != nil {
		return Report{}, err
	}
	now := s.now()
	from, to, err := q.resolve(loc, now)
	if err != nil {
		return Report{}, err
	}
	if q.ProcedureID != "" {
		if _, err := s.schedule.Procedure(ctx, p.ClinicID, q.ProcedureID); err != nil {
			return Report{}, err
		}
	}
	f := appointment.StatsFilter{From: from, To: to, Loc: loc, ProfessionalID: q.ProfessionalID, ProcedureID: q.ProcedureID, Now: now}
	var (
		days     []appointment.DayStatus
		capacity map[string]int
		patients appointment.PatientStats
		conf     *Confirmation
		revenue  *Revenue
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		days, err = s.appointments.DailyStats(gctx, p, f)
		return err
	})
	g.Go(func() (err error) {
		capacity, err = s.schedule.Capacity(gctx, p.ClinicID, q.ProfessionalID, from, to)
		return err
	})
	g.Go(func() (err error) {
		patients, err = s.appointments.Patients(gctx, p, f)
		return err
	})
	if s.reminders != nil {
		g.Go(func() error {
			reminded, confirmed, err := s.reminders.Confirmations(gctx, p, from, to, q.ProfessionalID, q.ProcedureID)
			if err != nil {
				return err
			}
			conf = &Confirmation{Reminded: reminded, Confirmed: confirmed, Rate: ratio(int64(confirmed), int64(reminded))}
			return nil
		})
	}
	if s.revenue != nil && SeesRevenue(p.Role) {
		g.Go(func() (err error) {
			revenue, err = s.revenueOf(gctx, p, q, from, to)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return Report{}, err
	}

	r := Report{From: q.From, To: q.To, TimeZone: loc.String(), ProfessionalID: q.ProfessionalID, ProcedureID: q.ProcedureID,
		Patients:     Patients{Seen: patients.Seen, New: patients.New, Returning: patients.Seen - patients.New},
		Confirmation: conf, Revenue: revenue, GeneratedAt: now.UTC()}
	// Every date of the range, in order (calendar arithmetic on UTC dates).
	index := map[string]int{}
	start, _ := time.Parse(time.DateOnly, q.From)
	end, _ := time.Parse(time.DateOnly, q.To)
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		date := d.Format(time.DateOnly)
		index[date] = len(r.Days)
		r.Days = append(r.Days, Day{Date: date, Figures: Figures{AvailableMinutes: int64(capacity[date])}})
	}
	for _, ds := range days {
		i, ok := index[ds.Date]
		if !ok {
			continue
		}
		d := &r.Days[i].Figures
		d.Appointments += ds.Count
		d.ByStatus.add(ds.Status, ds.Count)
		if ds.Status != appointment.StatusCancelled {
			d.Due += ds.Past
			d.BookedMinutes += ds.Minutes
		}
	}
	for i := range r.Days {
		d := &r.Days[i].Figures
		d.finish()
		sm := &r.Summary
		sm.Appointments += d.Appointments
		for _, st := range appointment.Statuses {
			sm.ByStatus.add(st, d.ByStatus.Get(st))
		}
		sm.Due += d.Due
		sm.BookedMinutes += d.BookedMinutes
		sm.AvailableMinutes += d.AvailableMinutes
	}
	r.Summary.finish()
	return r, nil
}

// revenueOf sums billing's rows per professional and procedure, with
// their names, keeping the rows q's filters select.
func (s *Service) revenueOf(ctx context.Context, p kernel.Principal, q Query, from, to time.Time) (*Revenue, error) {
	rows, err := s.revenue(ctx, p, p.ClinicID, from, to)
	if err != nil {
		return nil, err
	}
	profs, err := s.schedule.Professionals(ctx, p.ClinicID, schedule.ProfessionalFilter{})
	if err != nil {
		return nil, err
	}
	procs, err := s.schedule.Procedures(ctx, p.ClinicID, schedule.ProcedureFilter{})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, pr := range profs {
		names[pr.ID] = pr.Name
	}
	for _, pc := range procs {
		names[pc.ID] = pc.Name
	}
	out := &Revenue{ByProfessional: []RevenueTotal{}, ByProcedure: []RevenueTotal{}}
	byProf, byProc := map[string]*RevenueTotal{}, map[string]*RevenueTotal{}
	add := func(m map[string]*RevenueTotal, id string, row RevenueRow) {
		t := m[id]
		if t == nil {
			t = &RevenueTotal{ID: id, Name: names[id]}
			m[id] = t
		}
		t.ChargedCents += row.ChargedCents
		t.ReceivedCents += row.ReceivedCents
	}
	for _, row := range rows {
		if q.ProfessionalID != "" && row.ProfessionalID != q.ProfessionalID || q.ProcedureID != "" && row.ProcedureID != q.ProcedureID {
			continue
		}
		if row.Date < q.From || row.Date > q.To {
			continue
		}
		out.ChargedCents += row.ChargedCents
		out.ReceivedCents += row.ReceivedCents
		add(byProf, row.ProfessionalID, row)
		add(byProc, row.ProcedureID, row)
	}
	sorted := func(m map[string]*RevenueTotal) []RevenueTotal {
		out := make([]RevenueTotal, 0, len(m))
		for _, t := range m {
			out = append(out, *t)
		}
		slices.SortFunc(out, func(a, b RevenueTotal) int {
			return cmp.Or(cmp.Compare(b.ChargedCents, a.ChargedCents), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
		})
		return out
	}
	out.ByProfessional, out.ByProcedure = sorted(byProf), sorted(byProc)
	return out, nil
}

// errUnknownChart answers a CSV of a chart that does not exist.
var errUnknownChart = apperr.New(apperr.NotFound, "No such chart. Charts: appointments, rates, occupancy, patients, revenue-professionals, revenue-procedures.")

// Months rolls r's days up by calendar month: one Day per month the range
// touches, Date "YYYY-MM", with its counts summed and its rates computed
// over the month (for charts of long ranges).
func (r Report) Months() []Day {
	var out []Day
	for _, d := range r.Days {
		month := d.Date[:7]
		if len(out) == 0 || out[len(out)-1].Date != month {
			out = append(out, Day{Date: month})
		}
		m := &out[len(out)-1].Figures
		m.Appointments += d.Appointments
		for _, st := range appointment.Statuses {
			m.ByStatus.add(st, d.ByStatus.Get(st))
		}
		m.Due += d.Due
		m.BookedMinutes += d.BookedMinutes
		m.AvailableMinutes += d.AvailableMinutes
	}
	for i := range out {
		out[i].finish()
	}
	return out
}
