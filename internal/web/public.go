package web

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/booking"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/patient"
)

// The public booking page, /c/{slug}: no login, in three steps that are
// plain GET forms (the query carries the choices) and one POST that books:
//
//	/c/{slug}                                  1. procedure and professional (or any)
//	/c/{slug}?procedure=…&professional=…&from=… 2. the free slots of a week
//	/c/{slug}?…&slot=…                         3. the visitor's details → POST /c/{slug}
//	/c/{slug}/booked/{id}                      the confirmation (Post/Redirect/Get)
//
// Everything the page decides is the booking service's (internal/booking):
// the clinic shown, the slots, matching the patient, the honeypot. This
// file counts requests against RATE_LIMIT_PUBLIC_IP and bookings against
// RATE_LIMIT_PUBLIC_PHONE (the same limits as the public API, under the
// same names) and renders.

func (s *Server) publicRoutes(m *http.ServeMux) {
	m.Handle("GET /c/{slug}", s.anyone(s.publicPage))
	m.Handle("POST /c/{slug}", s.anyone(s.publicBook))
	m.Handle("GET /c/{slug}/booked/{id}", s.anyone(s.publicBooked))
}

// publicWeek is the number of days of slots one step-2 page shows.
const publicWeek = 7

// bookedCookie carries a confirmation from the booking's POST to the page
// that shows it, for that page only and for an hour: the confirmation page
// reads no database and shows nothing to anyone else.
const bookedCookie = "booked"

// The steps of the page.
const (
	stepChoose  = 1
	stepSlot    = 2
	stepDetails = 3
	stepBooked  = 4
	stepError   = 5
)

// publicPage is what the public template shows, at every step.
type publicPage struct {
	Clinic booking.Clinic
	Step   int
	// The choices so far: ids ("" for none; ProfessionalID "" is any
	// professional), the first day of the week shown, the slot chosen.
	ProcedureID, ProfessionalID, From, SlotValue string
	Procedure                                    *booking.Procedure
	Professional                                 *booking.Professional // nil for any
	// ChooseURL and SlotsURL go back to steps 1 and 2 with the choices kept.
	ChooseURL, SlotsURL string

	// Step 2 (and step 3 again when the time was taken meanwhile): the
	// week's slots and the links to the weeks around it (PrevURL "" for
	// none before today).
	Days             []slotDay
	WeekLabel        string
	PrevURL, NextURL string
	// ShowSlots asks step 3 to offer the slots again.
	ShowSlots bool

	// Step 3: the slot chosen, its professional and its date spelt out.
	ChoiceSlot             *slotOption
	ChoiceSlotProfessional *booking.Professional
	ChoiceSlotDate         string

	// The confirmation (stepBooked), in the clinic's zone.
	Confirmation                       *booking.Confirmation
	ConfirmationDate, ConfirmationTime string
	// AnotherURL starts a new booking.
	AnotherURL string

	// ErrorTitle and Message say why there is no page (stepError).
	ErrorTitle, Message string
}

// slotDay is one day's free slots, by professional.
type slotDay struct {
	ID     string
	Title  string
	Groups []slotGroup
}

type slotGroup struct {
	ID           string
	Professional booking.Professional
	Slots        []slotOption
}

// slotOption is one free slot: its form value names the professional and
// the start (unix seconds).
type slotOption struct {
	Value   string
	Start   time.Time
	Label   string
	Checked bool
}

func slotValue(professionalID string, start time.Time) string {
	return strconv.FormatInt(start.Unix(), 10) + "_" + professionalID
}

// parseSlot reads a slot value back.
func parseSlot(v string) (professionalID string, start time.Time, ok bool) {
	secs, pro, found := strings.Cut(v, "_")
	if !found || pro == "" {
		return "", time.Time{}, false
	}
	n, err := strconv.ParseInt(secs, 10, 64)
	if err != nil || n <= 0 {
		return "", time.Time{}, false
	}
	return pro, time.Unix(n, 0), true
}

// publicLimit counts a request of the caller's IP.
func (s *Server) publicLimit(w http.ResponseWriter, r *http.Request) error {
	return s.Auth.Limit(w, r, "public:ip", s.Auth.ClientIP(r), s.Config.RatePublicIP)
}

// publicClinic returns the clinic of the page, after the IP limit, and sets
// the page's language: the visitor's choice (the language switch, or their
// profile when logged in), then Accept-Language, then the clinic's own.
func (s *Server) publicClinic(w http.ResponseWriter, r *http.Request) (booking.Clinic, *view, error) {
	v := viewOf(r.Context())
	w.Header().Set("Cache-Control", "no-store")
	if err := s.publicLimit(w, r); err != nil {
		return booking.Clinic{}, v, err
	}
	c, err := s.Booking.Clinic(r.Context(), r.PathValue("slug"))
	if err != nil {
		return booking.Clinic{}, v, err
	}
	if _, cookieErr := r.Cookie(langCookie); cookieErr != nil && (v.User == nil || v.User.Locale == "") {
		fallback, ok := i18n.Parse(c.Locale)
		if !ok {
			fallback = i18n.Default
		}
		v.Locale = i18n.NegotiateOr(r.Header.Get("Accept-Language"), fallback)
		v.L = i18n.For(v.Locale)
	}
	if r.Method == http.MethodGet {
		v.Path = r.URL.RequestURI() // the language switch comes back to this step
	}
	return c, v, nil
}

// publicFail renders err as the public page's error page (404 for a clinic
// that is not there or closed its page, 429 when over a limit) in the
// visitor's language; other errors go to the usual error page.
func (s *Server) publicFail(w http.ResponseWriter, r *http.Request, c *booking.Clinic, err error) error {
	e := apperr.As(err)
	switch e.Code {
	case apperr.NotFound, apperr.RateLimited, apperr.Invalid:
	default:
		return err
	}
	v := viewOf(r.Context())
	msg, _ := i18n.Message(v.Locale, e)
	title := v.L.T("public.error.not_found")
	if e.Code == apperr.RateLimited {
		title = v.L.T("public.error.rate_limited")
	} else if e.Code == apperr.Invalid {
		title = v.L.T("page.error.title")
	}
	d := publicPage{}
	if c != nil {
		d.Clinic = *c
		d.AnotherURL = "/c/" + url.PathEscape(c.Slug)
	}
	w.Header().Set("Cache-Control", "no-store")
	d.Step, d.ErrorTitle, d.Message = stepError, title, msg
	s.render(w, r, httpx.Status(e.Code), "public", page{Title: title, Data: d})
	return nil
}

// publicPage serves the steps before the booking.
func (s *Server) publicPage(w http.ResponseWriter, r *http.Request) error {
	c, v, err := s.publicClinic(w, r)
	if err != nil {
		return s.publicFail(w, r, nil, err)
	}
	q := r.URL.Query()
	d := s.publicChoices(c, q.Get("procedure"), q.Get("professional"), q.Get("from"), q.Get("slot"))
	f := newForm()
	switch {
	case q.Get("step") == "choose":
		d.Step = stepChoose
	case d.Step == stepSlot:
		if err := s.publicSlots(r, v, &d); err != nil {
			return s.publicFail(w, r, &c, err)
		}
	case d.Step == stepDetails:
		s.publicSlotChoice(v, &d)
	}
	s.render(w, r, http.StatusOK, "public", page{Title: publicTitle(v, d), Form: f, Data: d})
	return nil
}

// publicChoices reads the choices of the query: an unknown procedure goes
// back to step 1, an unknown professional is any, an unreadable slot is no
// slot.
func (s *Server) publicChoices(c booking.Clinic, procedure, professional, from, slot string) publicPage {
	d := publicPage{Clinic: c, Step: stepChoose}
	for i := range c.Procedures {
		if c.Procedures[i].ID == procedure {
			d.Procedure = &c.Procedures[i]
		}
	}
	if d.Procedure == nil && len(c.Procedures) == 1 {
		d.ProcedureID = c.Procedures[0].ID // preselected on step 1
	}
	if p := findProfessional(c, professional); p != nil {
		d.Professional, d.ProfessionalID = p, p.ID
	}
	if _, err := time.Parse(time.DateOnly, from); err == nil {
		d.From = from
	}
	if d.Procedure == nil {
		return d
	}
	d.ProcedureID = d.Procedure.ID
	d.ChooseURL = publicURL(c.Slug, url.Values{"procedure": {d.ProcedureID}, "professional": {d.ProfessionalID}, "from": {d.From}}, "choose")
	d.SlotsURL = publicURL(c.Slug, url.Values{"procedure": {d.ProcedureID}, "professional": {d.ProfessionalID}, "from": {d.From}}, "")
	d.Step = stepSlot
	if pro, start, ok := parseSlot(slot); ok {
		if p := findProfessional(c, pro); p != nil && (d.Professional == nil || d.Professional.ID == p.ID) {
			d.Step, d.SlotValue = stepDetails, slot
			d.ChoiceSlot = &slotOption{Value: slot, Start: start}
			d.ChoiceSlotProfessional = p
		}
	}
	return d
}

func findProfessional(c booking.Clinic, id string) *booking.Professional {
	if id == "" {
		return nil
	}
	for i := range c.Professionals {
		if c.Professionals[i].ID == id {
			return &c.Professionals[i]
		}
	}
	return nil
}

// publicURL is the page of slug with the non-empty values of q; "choose"
// as step asks for step 1 with the choices kept.
func publicURL(slug string, q url.Values, step string) string {
	out := url.Values{}
	for k, vs := range q {
		if len(vs) > 0 && vs[0] != "" {
			out.Set(k, vs[0])
		}
	}
	if step != "" {
		out.Set("step", step)
	}
	u := "/c/" + url.PathEscape(slug)
	if len(out) > 0 {
		u += "?" + out.Encode()
	}
	return u
}

func publicTitle(v *view, d publicPage) string {
	switch d.Step {
	case stepSlot:
		return v.L.T("public.slots.title") + " · " + d.Clinic.Name
	case stepDetails:
		return v.L.T("public.details.title") + " · " + d.Clinic.Name
	}
	return v.L.T("public.title") + " · " + d.Clinic.Name
}

// publicSlotChoice spells out the chosen slot in the clinic's zone.
func (s *Server) publicSlotChoice(v *view, d *publicPage) {
	start := d.ChoiceSlot.Start.In(clinicZone(d.Clinic.TimeZone))
	d.ChoiceSlot.Start, d.ChoiceSlot.Label = start, v.L.Time(start)
	d.ChoiceSlotDate = v.L.DateLong(start)
}

// clinicZone is the clinic's time zone (UTC when it cannot be loaded, which
// the account service does not let happen).
func clinicZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// publicSlots fills in the week of free slots that d.From starts (today
// when none), grouped by clinic-local day and professional.
func (s *Server) publicSlots(r *http.Request, v *view, d *publicPage) error {
	loc := clinicZone(d.Clinic.TimeZone)
	now := time.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	from := today
	if d.From != "" {
		if t, err := time.ParseInLocation(time.DateOnly, d.From, loc); err == nil && t.After(today) {
			from = t
		}
	}
	if max := today.AddDate(0, 0, booking.MaxAhead-publicWeek); from.After(max) {
		from = max
	}
	slots, err := s.Booking.Slots(r.Context(), d.Clinic.Slug, booking.SlotQuery{ProcedureID: d.ProcedureID,
		ProfessionalID: d.ProfessionalID, From: from.Format(time.DateOnly), Days: publicWeek})
	if err != nil {
		return err
	}
	last := from.AddDate(0, 0, publicWeek-1)
	d.WeekLabel = v.L.T("public.slots.week", "from", v.L.Date(from), "to", v.L.Date(last))
	base := url.Values{"procedure": {d.ProcedureID}, "professional": {d.ProfessionalID}}
	if from.After(today) {
		prev := from.AddDate(0, 0, -publicWeek)
		q := url.Values{"procedure": base["procedure"], "professional": base["professional"]}
		if prev.After(today) {
			q.Set("from", prev.Format(time.DateOnly))
		}
		d.PrevURL = publicURL(d.Clinic.Slug, q, "")
	}
	next := url.Values{"procedure": base["procedure"], "professional": base["professional"], "from": {from.AddDate(0, 0, publicWeek).Format(time.DateOnly)}}
	d.NextURL = publicURL(d.Clinic.Slug, next, "")
	d.From = ""
	if from.After(today) {
		d.From = from.Format(time.DateOnly)
	}
	d.Days = groupSlots(v, d.Clinic, loc, slots, d.SlotValue)
	return nil
}

// groupSlots groups slots (by start) by local day, then by professional in
// the clinic's order (by name).
func groupSlots(v *view, c booking.Clinic, loc *time.Location, slots []booking.Slot, checked string) []slotDay {
	order := map[string]int{}
	for i, p := range c.Professionals {
		order[p.ID] = i
	}
	var days []slotDay
	byDay := map[string]int{}
	for _, sl := range slots {
		i, ok := order[sl.ProfessionalID]
		if !ok {
			continue
		}
		start := sl.StartsAt.In(loc)
		key := start.Format(time.DateOnly)
		di, ok := byDay[key]
		if !ok {
			di = len(days)
			byDay[key] = di
			days = append(days, slotDay{ID: "day-" + key,
				Title: v.L.T("public.slots.day", "weekday", v.L.Weekday(start.Weekday()), "day", start.Day(), "month", v.L.Month(start.Month()))})
		}
		day := &days[di]
		gi := -1
		for j := range day.Groups {
			if day.Groups[j].Professional.ID == sl.ProfessionalID {
				gi = j
			}
		}
		if gi < 0 {
			day.Groups = append(day.Groups, slotGroup{ID: day.ID + "-" + strconv.Itoa(i), Professional: c.Professionals[i]})
			gi = len(day.Groups) - 1
		}
		val := slotValue(sl.ProfessionalID, sl.StartsAt)
		day.Groups[gi].Slots = append(day.Groups[gi].Slots, slotOption{Value: val, Start: start, Label: v.L.Time(start), Checked: val == checked})
	}
	for di := range days {
		groups := days[di].Groups
		// In the clinic's order of professionals (insertion sort: a handful).
		for a := 1; a < len(groups); a++ {
			for b := a; b > 0 && order[groups[b].Professional.ID] < order[groups[b-1].Professional.ID]; b-- {
				groups[b], groups[b-1] = groups[b-1], groups[b]
			}
		}
	}
	return days
}

// publicBook books: the details step's POST.
func (s *Server) publicBook(w http.ResponseWriter, r *http.Request) error {
	c, v, err := s.publicClinic(w, r)
	if err != nil {
		return s.publicFail(w, r, nil, err)
	}
	f, err := s.parseForm(w, r)
	if f == nil {
		return s.publicFail(w, r, &c, err)
	}
	d := s.publicChoices(c, f.Get("procedure"), f.Get("professional"), f.Get("from"), f.Get("slot"))
	if d.Step == stepDetails {
		s.publicSlotChoice(v, &d)
	}
	if d.Procedure == nil {
		// The procedure is no longer offered: start again.
		d.Step = stepChoose
		f.Error = v.L.T("public.error.procedure_gone")
		s.render(w, r, http.StatusUnprocessableEntity, "public", page{Title: publicTitle(v, d), Form: f, Data: d})
		return nil
	}
	if err == nil && d.Step != stepDetails {
		err = apperr.Validation(map[string]string{"slot": "Required."})
	}
	if err == nil {
		err = s.publicSubmit(w, r, c, f, d)
		if err == nil {
			return nil
		}
	}
	if apperr.Is(err, apperr.RateLimited) || errors.Is(err, booking.ErrNotFound) {
		return s.publicFail(w, r, &c, err)
	}
	if !refuse(v.Locale, f, err) {
		return err
	}
	// A time taken meanwhile (or none chosen): the same form, with the
	// week's slots to choose again and everything typed kept.
	if apperr.Is(err, apperr.Conflict) || f.Invalid("starts_at") || f.Invalid("slot") {
		if f.Error == "" {
			f.Error = v.L.T("public.error.choose_slot")
		}
		d.Step = stepDetails
		d.ShowSlots = true
		d.SlotValue = ""
		if serr := s.publicSlots(r, v, &d); serr != nil {
			return s.publicFail(w, r, &c, serr)
		}
	}
	s.render(w, r, formStatus(err), "public", page{Title: publicTitle(v, d), Form: f, Data: d})
	return nil
}

// publicSubmit books what f says, after the per-phone limit, and redirects
// to the confirmation.
func (s *Server) publicSubmit(w http.ResponseWriter, r *http.Request, c booking.Clinic, f *form, d publicPage) error {
	pro, start, _ := parseSlot(d.SlotValue)
	// Per phone, however it is written: its E.164 form when it parses (an
	// unparsable one is refused by the service, counted as written).
	phone := strings.TrimSpace(f.Get("phone"))
	if e, err := patient.ParsePhone(phone); err == nil {
		phone = e
	}
	if phone != "" {
		if err := s.Auth.Limit(w, r, "public:phone", phone, s.Config.RatePublicPhone); err != nil {
			return err
		}
	}
	ip := s.Auth.ClientIP(r)
	in := booking.Input{ProcedureID: d.ProcedureID, ProfessionalID: pro, StartsAt: start.In(clinicZone(c.TimeZone)).Format(time.RFC3339),
		Name: f.Get("name"), Phone: f.Get("phone"), CPF: f.Get("cpf"), Email: f.Get("email"), BirthDate: f.Get("birth_date"),
		Consents: booking.Consents{WhatsApp: f.Get("consents.whatsapp") != "", SMS: f.Get("consents.sms") != "", Email: f.Get("consents.email") != ""},
		Website:  f.Get("website"), SourceIP: ip}
	ctx := audit.WithActor(r.Context(), audit.Actor{IP: ip, RequestID: httpx.RequestID(r.Context())})
	conf, err := s.Booking.Book(ctx, c.Slug, in)
	if err != nil {
		return err
	}
	b, err := json.Marshal(conf)
	if err != nil {
		return err
	}
	at := "/c/" + url.PathEscape(c.Slug) + "/booked/" + url.PathEscape(conf.AppointmentID)
	http.SetCookie(w, &http.Cookie{Name: bookedCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: at, MaxAge: 3600,
		HttpOnly: true, Secure: s.Config.SecureCookies(), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, at, http.StatusSeeOther)
	return nil
}

// publicBooked shows the confirmation the booking left in its cookie.
func (s *Server) publicBooked(w http.ResponseWriter, r *http.Request) error {
	c, v, err := s.publicClinic(w, r)
	if err != nil {
		return s.publicFail(w, r, nil, err)
	}
	var conf booking.Confirmation
	ck, err := r.Cookie(bookedCookie)
	if err == nil {
		var b []byte
		if b, err = base64.RawURLEncoding.DecodeString(ck.Value); err == nil {
			err = json.Unmarshal(b, &conf)
		}
	}
	if err != nil || conf.AppointmentID != r.PathValue("id") || conf.Clinic.Slug != c.Slug {
		return s.publicFail(w, r, &c, apperr.New(apperr.NotFound, "Booking not found."))
	}
	start := conf.StartsAt.In(clinicZone(conf.TimeZone))
	d := publicPage{Clinic: c, Step: stepBooked, Confirmation: &conf, ConfirmationDate: v.L.DateLong(start), ConfirmationTime: v.L.Time(start),
		AnotherURL: "/c/" + url.PathEscape(c.Slug)}
	s.render(w, r, http.StatusOK, "public", page{Title: v.L.T("public.confirmation.title") + " · " + c.Name, Data: d})
	return nil
}
