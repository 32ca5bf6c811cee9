package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/schedule"
)

// optionalID is an id that answers JSON null when empty.
func optionalID(id string) *string {
	if id == "" {
		return nil
	}
	return &id
}

type professionalJSON struct {
	ID                     string    `json:"id"`
	Name                   string    `json:"name"`
	Specialty              string    `json:"specialty"`
	CouncilRegistration    string    `json:"council_registration"`
	Color                  string    `json:"color"`
	DefaultDurationMinutes int       `json:"default_duration_minutes"`
	UserID                 *string   `json:"user_id"`
	Active                 bool      `json:"active"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

func toProfessionalJSON(p schedule.Professional) professionalJSON {
	return professionalJSON{ID: p.ID, Name: p.Name, Specialty: p.Specialty, CouncilRegistration: p.CouncilRegistration, Color: p.Color,
		DefaultDurationMinutes: p.DefaultDurationMinutes, UserID: optionalID(p.UserID), Active: p.Active, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

type roomJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

func toRoomJSON(r schedule.Room) roomJSON {
	return roomJSON{ID: r.ID, Name: r.Name, Active: r.Active, CreatedAt: r.CreatedAt}
}

// activeParam parses the optional ?active=true|false filter of a list.
func activeParam(r *http.Request) (*bool, error) {
	v := r.URL.Query().Get("active")
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, apperr.Validation(map[string]string{"active": "Must be true or false."})
	}
	return &b, nil
}

type ruleJSON struct {
	ID      string  `json:"id"`
	Weekday int     `json:"weekday"`
	Start   string  `json:"start"`
	End     string  `json:"end"`
	RoomID  *string `json:"room_id"`
}

func toRulesJSON(rules []schedule.Rule) map[string]any {
	out := make([]ruleJSON, len(rules))
	for i, r := range rules {
		out[i] = ruleJSON{ID: r.ID, Weekday: int(r.Weekday), Start: r.Start.String(), End: r.End.String(), RoomID: optionalID(r.RoomID)}
	}
	return map[string]any{"rules": out}
}

type exceptionJSON struct {
	ID             string    `json:"id"`
	ProfessionalID string    `json:"professional_id"`
	Date           string    `json:"date"`
	Kind           string    `json:"kind"`
	Start          *string   `json:"start"`
	End            *string   `json:"end"`
	RoomID         *string   `json:"room_id"`
	Reason         string    `json:"reason"`
	CreatedAt      time.Time `json:"created_at"`
}

func toExceptionJSON(e schedule.Exception) exceptionJSON {
	j := exceptionJSON{ID: e.ID, ProfessionalID: e.ProfessionalID, Date: e.Date, Kind: string(e.Kind),
		RoomID: optionalID(e.RoomID), Reason: e.Reason, CreatedAt: e.CreatedAt}
	if !e.WholeDay {
		start, end := e.Start.String(), e.End.String()
		j.Start, j.End = &start, &end
	}
	return j
}

// listProfessionals lists the clinic's professionals, optionally only the
// active (?active=true) or inactive ones.
func (s *Server) listProfessionals(w http.ResponseWriter, r *http.Request) error {
	active, err := activeParam(r)
	if err != nil {
		return err
	}
	ps, err := s.Schedule.Professionals(r.Context(), principalOf(r.Context()).ClinicID, schedule.ProfessionalFilter{Active: active})
	if err != nil {
		return err
	}
	items := make([]professionalJSON, len(ps))
	for i, p := range ps {
		items[i] = toProfessionalJSON(p)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// createProfessional adds a professional (owners and admins).
func (s *Server) createProfessional(w http.ResponseWriter, r *http.Request) error {
	var in schedule.ProfessionalInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p, err := s.Schedule.CreateProfessional(r.Context(), principalOf(r.Context()), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toProfessionalJSON(p))
	return nil
}

// getProfessional returns one professional.
func (s *Server) getProfessional(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Schedule.Professional(r.Context(), principalOf(r.Context()).ClinicID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toProfessionalJSON(p))
	return nil
}

// updateProfessional changes a professional (owners and admins).
func (s *Server) updateProfessional(w http.ResponseWriter, r *http.Request) error {
	var in schedule.ProfessionalPatch
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p, err := s.Schedule.UpdateProfessional(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toProfessionalJSON(p))
	return nil
}

// getWorkingHours returns a professional's week.
func (s *Server) getWorkingHours(w http.ResponseWriter, r *http.Request) error {
	rules, err := s.Schedule.WorkingHours(r.Context(), principalOf(r.Context()).ClinicID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toRulesJSON(rules))
	return nil
}

// putWorkingHours replaces a professional's week (owners and admins).
func (s *Server) putWorkingHours(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Rules *[]schedule.RuleInput `json:"rules"`
	}
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	if in.Rules == nil {
		return apperr.Validation(map[string]string{"rules": "Required (an empty list clears the week)."})
	}
	rules, err := s.Schedule.SetWorkingHours(r.Context(), principalOf(r.Context()), r.PathValue("id"), *in.Rules)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toRulesJSON(rules))
	return nil
}

// listExceptions lists a professional's exceptions, optionally between the
// dates from and to (inclusive).
func (s *Server) listExceptions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	es, err := s.Schedule.Exceptions(r.Context(), principalOf(r.Context()).ClinicID, r.PathValue("id"),
		schedule.ExceptionFilter{From: q.Get("from"), To: q.Get("to")})
	if err != nil {
		return err
	}
	items := make([]exceptionJSON, len(es))
	for i, e := range es {
		items[i] = toExceptionJSON(e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// createException adds time off or extra hours (owners, admins, and a
// professional for themselves).
func (s *Server) createException(w http.ResponseWriter, r *http.Request) error {
	var in schedule.ExceptionInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	e, err := s.Schedule.AddException(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toExceptionJSON(e))
	return nil
}

// deleteException removes an exception.
func (s *Server) deleteException(w http.ResponseWriter, r *http.Request) error {
	if err := s.Schedule.DeleteException(r.Context(), principalOf(r.Context()), r.PathValue("id"), r.PathValue("eid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listRooms lists the clinic's rooms, optionally only the active
// (?active=true) or inactive ones.
func (s *Server) listRooms(w http.ResponseWriter, r *http.Request) error {
	active, err := activeParam(r)
	if err != nil {
		return err
	}
	rooms, err := s.Schedule.Rooms(r.Context(), principalOf(r.Context()).ClinicID, schedule.RoomFilter{Active: active})
	if err != nil {
		return err
	}
	items := make([]roomJSON, len(rooms))
	for i, room := range rooms {
		items[i] = toRoomJSON(room)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// createRoom adds a room (owners and admins).
func (s *Server) createRoom(w http.ResponseWriter, r *http.Request) error {
	var in schedule.RoomInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	room, err := s.Schedule.CreateRoom(r.Context(), principalOf(r.Context()), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toRoomJSON(room))
	return nil
}

// updateRoom renames or (de)activates a room (owners and admins).
func (s *Server) updateRoom(w http.ResponseWriter, r *http.Request) error {
	var in schedule.RoomPatch
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	room, err := s.Schedule.UpdateRoom(r.Context(), principalOf(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toRoomJSON(room))
	return nil
}

// getRoom returns one room.
func (s *Server) getRoom(w http.ResponseWriter, r *http.Request) error {
	room, err := s.Schedule.Room(r.Context(), principalOf(r.Context()).ClinicID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toRoomJSON(room))
	return nil
}

type slotJSON struct {
	ProfessionalID string  `json:"professional_id"`
	Start          string  `json:"start"`
	End            string  `json:"end"`
	RoomID         *string `json:"room_id"`
}

// availability answers the free slots. from and to are RFC 3339 instants or
// clinic-local dates (from a date: its midnight; to a date: the end of that
// day); duration is in minutes.
func (s *Server) availability(w http.ResponseWriter, r *http.Request) error {
	clinicID := principalOf(r.Context()).ClinicID
	loc, err := s.Schedule.Location(r.Context(), clinicID)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	in := schedule.AvailabilityQuery{ProfessionalID: q.Get("professional_id"), RoomID: q.Get("room_id")}
	fields := map[string]string{}
	in.From = parseInstantOrDate(fields, "from", q.Get("from"), loc, false)
	in.To = parseInstantOrDate(fields, "to", q.Get("to"), loc, true)
	if v := q.Get("duration"); v != "" {
		n, msg := kernel.ParseInt(v, schedule.MinDurationMinutes, schedule.MaxDurationMinutes)
		if msg != "" {
			fields["duration"] = "Must be a number of minutes from 5 to 720."
		}
		in.Duration = time.Duration(n) * time.Minute
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	slots, err := s.Schedule.Availability(r.Context(), clinicID, in)
	if err != nil {
		return err
	}
	out := make([]slotJSON, len(slots))
	for i, sl := range slots {
		out[i] = slotJSON{ProfessionalID: sl.ProfessionalID, Start: sl.Start.Format(time.RFC3339), End: sl.End.Format(time.RFC3339), RoomID: optionalID(sl.RoomID)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"slots": out})
	return nil
}

// parseInstantOrDate parses an RFC 3339 instant or a YYYY-MM-DD date in loc
// (its start, or with endOfDay the start of the next day), in the ranges of
// kernel.ParseInstant and kernel.ParseDate.
func parseInstantOrDate(fields map[string]string, field, v string, loc *time.Location, endOfDay bool) time.Time {
	const badFormat = "Must be an RFC 3339 time or a date YYYY-MM-DD."
	if v == "" {
		fields[field] = "Required."
		return time.Time{}
	}
	if len(v) != len(schedule.DateLayout) {
		t, msg := kernel.ParseInstant(v, badFormat)
		if msg != "" {
			fields[field] = msg
		}
		return t
	}
	d, msg := kernel.ParseDate(v, badFormat)
	if msg != "" {
		fields[field] = msg
		return time.Time{}
	}
	if endOfDay {
		return time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}
