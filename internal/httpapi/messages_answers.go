package httpapi

import (
	"net/http"
	"slices"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/reminder"
)

// The patients' answers to their messages, for a patient app: the signed
// link's token (the last segment of /m/{token}) is the only credential, as
// on the web page. No login, behind the cross-site check, counted against
// RATE_LIMIT_PUBLIC_IP like the public booking page.

// answerActions are the answers a patient can give.
var answerActions = []string{reminder.ActionConfirm, reminder.ActionCancel, reminder.ActionReschedule, reminder.ActionAccept}

// answerJSON is what a link is about, as the patient may see it.
type answerJSON struct {
	// Kind is the message's kind: reminder, booked, rescheduled, cancelled
	// or offer.
	Kind   string           `json:"kind"`
	Clinic answerClinicJSON `json:"clinic"`
	// Locale is the clinic's language (pt-BR or en).
	Locale       string `json:"locale"`
	TimeZone     string `json:"time_zone"`
	Professional string `json:"professional"`
	Procedure    string `json:"procedure"`
	// StartsAt and EndsAt are in the clinic's time zone.
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	// Status is the appointment's status (null for a waitlist offer).
	Status *appointment.Status `json:"status"`
	// Actions are the answers still possible with this link.
	Actions []string `json:"actions"`
	// Answered is the answer already given with this link (null: none).
	Answered *string `json:"answered"`
	// Gone is set for an offer whose slot was taken or closed.
	Gone bool `json:"gone"`
}

type answerClinicJSON struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Phone   string `json:"phone"`
}

func toAnswerJSON(a reminder.Answerable) answerJSON {
	zone := a.Zone
	if zone == nil {
		zone = time.UTC
	}
	out := answerJSON{Kind: a.Kind, Clinic: answerClinicJSON{Name: a.ClinicName, Address: a.Address, Phone: a.ClinicPhone},
		Locale: a.Locale, TimeZone: zone.String(), Professional: a.Professional, Procedure: a.Procedure,
		StartsAt: a.StartsAt.In(zone), EndsAt: a.EndsAt.In(zone), Actions: a.Actions, Answered: orNull(a.Answered), Gone: a.Gone}
	if a.Status != "" {
		st := a.Status
		out.Status = &st
	}
	if out.Actions == nil {
		out.Actions = []string{}
	}
	return out
}

// answerInput is a patient's answer.
type answerInput struct {
	Action string `json:"action"`
}

// getAnswer answers what the link of {token} is about.
func (s *Server) getAnswer(w http.ResponseWriter, r *http.Request) error {
	if err := s.publicLimit(w, r); err != nil {
		return err
	}
	a, err := s.Reminders.Lookup(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAnswerJSON(a))
	return nil
}

// postAnswer carries out the patient's answer through the link of {token}
// and answers the link as it now stands.
func (s *Server) postAnswer(w http.ResponseWriter, r *http.Request) error {
	if err := s.publicLimit(w, r); err != nil {
		return err
	}
	var in answerInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	if !slices.Contains(answerActions, in.Action) {
		return apperr.Validation(map[string]string{"action": "Must be confirm, cancel, reschedule or accept."})
	}
	a, err := s.Reminders.Answer(r.Context(), r.PathValue("token"), in.Action, s.clientIP(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAnswerJSON(a))
	return nil
}
