package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/kernel"
	"clinic/internal/schedule"
)

type settingsProfessionalsData struct {
	Items   []schedule.Professional
	Members []account.Member
	// UserNames names the linked users, by id.
	UserNames map[string]string
}

func (s *Server) settingsProfessionalsPage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := s.settingsView(w, r, "professionals")
	p := httpx.PrincipalOf(r.Context())
	items, err := s.Schedule.Professionals(r.Context(), p.ClinicID, schedule.ProfessionalFilter{})
	if err != nil {
		return err
	}
	members, err := s.Accounts.Members(r.Context(), p)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(members))
	for _, m := range members {
		names[m.ID] = m.Name
	}
	if f == nil {
		f = newForm()
		f.Values["color"] = schedule.DefaultColor
		f.Values["default_duration_minutes"] = strconv.Itoa(schedule.DefaultDurationMinutes)
	}
	s.render(w, r, status, "settings-professionals", page{Title: v.L.T("settings.professionals.title"), Form: f,
		Data: settingsProfessionalsData{Items: items, Members: members, UserNames: names}})
	return nil
}

func (s *Server) settingsProfessionals(w http.ResponseWriter, r *http.Request) error {
	return s.settingsProfessionalsPage(w, r, http.StatusOK, nil)
}

// settingsProfessionalCreate adds a professional and goes on to their page,
// where the working hours are set.
func (s *Server) settingsProfessionalCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	var pr schedule.Professional
	if err == nil {
		in := schedule.ProfessionalInput{Name: f.Get("name"), Specialty: f.Get("specialty"), CouncilRegistration: f.Get("council_registration"),
			Color: f.Get("color"), DefaultDurationMinutes: formInt(f, "default_duration_minutes")}
		if u := f.Get("user_id"); u != "" {
			in.UserID = &u
		}
		pr, err = s.Schedule.CreateProfessional(r.Context(), httpx.PrincipalOf(r.Context()), in)
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.settingsProfessionalsPage(w, r, status, f) })
	}
	return s.settingsDone(w, r, "/professionals/"+pr.ID, "settings.flash.professional_created")
}

// hourRow is one row of the working-hours editor: the values shown (or
// typed) and their messages.
type hourRow struct {
	Index                       int
	Weekday, Start, End, RoomID string
}

// settingsBlankRows is how many empty rows the working-hours editor always
// offers (without JavaScript, the way to add rules; with it, a button adds
// more).
const settingsBlankRows = 2

type settingsProfessionalData struct {
	Pro        schedule.Professional
	Members    []account.Member
	Rooms      []schedule.Room
	RoomNames  map[string]string
	Weekdays   []weekdayOption
	Rows       []hourRow
	NextRow    int
	Exceptions []exceptionRow
	// Kinds and RoomOptions are the choices of the exception form.
	Kinds       []option
	RoomOptions []option
	EditForm    *form
	HoursForm   *form
	ExcForm     *form
}

// exceptionRow is an exception with its date as the user reads dates.
type exceptionRow struct {
	schedule.Exception
	DateText string
}

type weekdayOption struct {
	Value int
	Name  string
}

// professionalForms is the state of the three forms of a professional's
// page; nil ones show what is stored.
type professionalForms struct{ edit, hours, exc *form }

func (s *Server) settingsProfessionalPage(w http.ResponseWriter, r *http.Request, status int, fs professionalForms) error {
	v := s.settingsView(w, r, "professionals")
	p := httpx.PrincipalOf(r.Context())
	ctx := r.Context()
	pr, err := s.Schedule.Professional(ctx, p.ClinicID, r.PathValue("id"))
	if err != nil {
		return err
	}
	members, err := s.Accounts.Members(ctx, p)
	if err != nil {
		return err
	}
	rooms, err := s.Schedule.Rooms(ctx, p.ClinicID, schedule.RoomFilter{})
	if err != nil {
		return err
	}
	loc, err := s.Accounts.ClinicZone(ctx, p.ClinicID)
	if err != nil {
		return err
	}
	exceptions, err := s.Schedule.Exceptions(ctx, p.ClinicID, pr.ID, schedule.ExceptionFilter{From: time.Now().In(loc).Format(schedule.DateLayout)})
	if err != nil {
		return err
	}
	d := settingsProfessionalData{Pro: pr, Members: members, RoomNames: map[string]string{},
		EditForm: fs.edit, HoursForm: fs.hours, ExcForm: fs.exc,
		Kinds: []option{{Value: string(schedule.ExceptionOff), Label: v.L.T("settings.exceptions.off")},
			{Value: string(schedule.ExceptionExtra), Label: v.L.T("settings.exceptions.extra")}}}
	for _, room := range rooms {
		d.RoomNames[room.ID] = room.Name
		if room.Active {
			d.Rooms = append(d.Rooms, room)
			d.RoomOptions = append(d.RoomOptions, option{Value: room.ID, Label: room.Name})
		}
	}
	for _, e := range exceptions {
		row := exceptionRow{Exception: e, DateText: e.Date}
		if day, err := time.Parse(schedule.DateLayout, e.Date); err == nil {
			row.DateText = v.L.Date(day)
		}
		d.Exceptions = append(d.Exceptions, row)
	}
	for _, day := range []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday} {
		d.Weekdays = append(d.Weekdays, weekdayOption{Value: int(day), Name: v.L.Weekday(day)})
	}
	if d.EditForm == nil {
		f := newForm()
		f.Values["name"], f.Values["specialty"], f.Values["council_registration"] = pr.Name, pr.Specialty, pr.CouncilRegistration
		f.Values["color"], f.Values["default_duration_minutes"], f.Values["user_id"] = pr.Color, strconv.Itoa(pr.DefaultDurationMinutes), pr.UserID
		if pr.Active {
			f.Values["active"] = "on"
		}
		d.EditForm = f
	}
	if d.HoursForm == nil {
		rules, err := s.Schedule.WorkingHours(ctx, p.ClinicID, pr.ID)
		if err != nil {
			return err
		}
		for i, rule := range rules {
			d.Rows = append(d.Rows, hourRow{Index: i, Weekday: strconv.Itoa(int(rule.Weekday)), Start: rule.Start.String(), End: rule.End.String(), RoomID: rule.RoomID})
		}
		next := len(d.Rows)
		// Blank rows are the days after the last rule's (Monday and
		// Tuesday for an empty week).
		day := time.Monday
		if len(rules) > 0 {
			day = time.Weekday(min(int(rules[len(rules)-1].Weekday)+1, int(time.Saturday)))
		}
		for i := range settingsBlankRows {
			d.Rows = append(d.Rows, hourRow{Index: next + i, Weekday: strconv.Itoa(min(int(day)+i, int(time.Saturday)))})
		}
		d.HoursForm = newForm()
	} else {
		d.Rows = formRows(d.HoursForm)
	}
	for _, row := range d.Rows {
		d.NextRow = max(d.NextRow, row.Index+1)
	}
	if d.ExcForm == nil {
		d.ExcForm = newForm()
		d.ExcForm.Values["kind"] = string(schedule.ExceptionOff)
	}
	form := d.EditForm
	switch {
	case fs.hours != nil:
		form = fs.hours
	case fs.exc != nil:
		form = fs.exc
	}
	s.render(w, r, status, "settings-professional", page{Title: pr.Name, Form: form, Data: d})
	return nil
}

func (s *Server) settingsProfessional(w http.ResponseWriter, r *http.Request) error {
	return s.settingsProfessionalPage(w, r, http.StatusOK, professionalForms{})
}

func (s *Server) settingsProfessionalSave(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		in := schedule.ProfessionalPatch{Name: kernel.Some(f.Get("name")), Specialty: optText(f, "specialty"),
			CouncilRegistration: optText(f, "council_registration"), Color: kernel.Some(f.Get("color")),
			UserID: optText(f, "user_id"), Active: kernel.Some(checked(f, "active"))}
		if n := formInt(f, "default_duration_minutes"); n != 0 || f.Get("default_duration_minutes") != "" {
			in.DefaultDurationMinutes = kernel.Some(n)
		}
		_, err = s.Schedule.UpdateProfessional(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"), in)
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error {
			return s.settingsProfessionalPage(w, r, status, professionalForms{edit: f})
		})
	}
	return s.settingsDone(w, r, "/professionals/"+r.PathValue("id"), "settings.flash.professional_saved")
}

// maxFormRows bounds the rows of the working-hours editor a form may send.
const maxFormRows = schedule.MaxRules + 20

// formRows returns the rows of the working-hours editor in f, by index
// (rows removed in the browser leave gaps in the indexes).
func formRows(f *form) []hourRow {
	seen := map[int]bool{}
	for k := range f.Values {
		rest, ok := strings.CutPrefix(k, "rules[")
		if !ok {
			continue
		}
		n, _, ok := strings.Cut(rest, "]")
		if i, err := strconv.Atoi(n); ok && err == nil && i >= 0 && i < maxFormRows {
			seen[i] = true
		}
	}
	rows := make([]hourRow, 0, len(seen))
	for i := range maxFormRows {
		if !seen[i] {
			continue
		}
		key := "rules[" + strconv.Itoa(i) + "]."
		rows = append(rows, hourRow{Index: i, Weekday: f.Get(key + "weekday"), Start: strings.TrimSpace(f.Get(key + "start")),
			End: strings.TrimSpace(f.Get(key + "end")), RoomID: f.Get(key + "room_id")})
	}
	return rows
}

// clockText completes a time typed as "8:00" to "08:00"; anything else is
// left for the service to judge.
func clockText(s string) string {
	if h, m, ok := strings.Cut(s, ":"); ok && len(h) == 1 && len(m) == 2 {
		return "0" + s
	}
	return s
}

// settingsHoursSave replaces the professional's week with the editor's
// rows; rows without times are left out (that is how a row is removed
// without JavaScript).
func (s *Server) settingsHoursSave(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	var overlaps []string
	if err == nil {
		rows := formRows(f)
		var in []schedule.RuleInput
		var index []int // the form row of each rule
		for _, row := range rows {
			if row.Start == "" && row.End == "" {
				continue
			}
			rule := schedule.RuleInput{Start: clockText(row.Start), End: clockText(row.End)}
			if day, err := strconv.Atoi(row.Weekday); err == nil {
				rule.Weekday = &day
			}
			if row.RoomID != "" {
				room := row.RoomID
				rule.RoomID = &room
			}
			in = append(in, rule)
			index = append(index, row.Index)
		}
		_, err = s.Schedule.SetWorkingHours(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"), in)
		overlaps, err = renumberRuleErrors(err, index)
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error {
			// The service names the other rule by its place in the list
			// sent; the rows say it better.
			for _, k := range overlaps {
				f.Errors[k] = viewOf(r.Context()).L.T("settings.hours.overlap")
			}
			return s.settingsProfessionalPage(w, r, status, professionalForms{hours: f})
		})
	}
	return s.settingsDone(w, r, "/professionals/"+r.PathValue("id"), "settings.flash.hours_saved")
}

// renumberRuleErrors moves the service's messages about rules[k] to the
// form row rules[index[k]] they came from (blank rows were left out), and
// gives a message about a whole rule (an overlap) to its start field,
// returning those fields too.
func renumberRuleErrors(err error, index []int) ([]string, error) {
	if err == nil || len(apperr.As(err).Fields) == 0 {
		return nil, err
	}
	var overlaps []string
	ae := apperr.As(err)
	fields := make(map[string]string, len(ae.Fields))
	for k, msg := range ae.Fields {
		rest, isRule := strings.CutPrefix(k, "rules[")
		n, sub, _ := strings.Cut(rest, "]")
		i, convErr := strconv.Atoi(n)
		if !isRule || convErr != nil || i < 0 || i >= len(index) {
			fields[k] = msg
			continue
		}
		key := "rules[" + strconv.Itoa(index[i]) + "]"
		if sub == "" {
			key += ".start"
			overlaps = append(overlaps, key)
		} else {
			key += sub
		}
		fields[key] = msg
	}
	out := *ae
	out.Fields = fields
	return overlaps, &out
}

func (s *Server) settingsExceptionAdd(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		in := schedule.ExceptionInput{Date: f.Get("date"), Kind: schedule.ExceptionKind(f.Get("kind")), Reason: f.Get("reason")}
		if v := clockText(strings.TrimSpace(f.Get("start"))); v != "" {
			in.Start = &v
		}
		if v := clockText(strings.TrimSpace(f.Get("end"))); v != "" {
			in.End = &v
		}
		if v := f.Get("room_id"); v != "" {
			in.RoomID = &v
		}
		_, err = s.Schedule.AddException(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"), in)
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error {
			return s.settingsProfessionalPage(w, r, status, professionalForms{exc: f})
		})
	}
	return s.settingsDone(w, r, "/professionals/"+r.PathValue("id"), "settings.flash.exception_added")
}

func (s *Server) settingsExceptionDelete(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.parseForm(w, r); err != nil {
		return err
	}
	if err := s.Schedule.DeleteException(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"), r.PathValue("eid")); err != nil {
		return err
	}
	return s.settingsDone(w, r, "/professionals/"+r.PathValue("id"), "settings.flash.exception_deleted")
}
