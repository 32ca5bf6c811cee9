package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/reminder"
)

// The clinic's messages to its patients (package reminder): the messaging
// policy, the providers' accounts, the templates, and the delivery ledger.
// The service decides who may do what; these handlers parse and answer.

// policyInput is what a client writes of the policy (PUT replaces it).
type policyInput struct {
	Enabled       bool     `json:"enabled"`
	Reminders     []int    `json:"reminders"`
	Channels      []string `json:"channels"`
	QuietStart    int      `json:"quiet_start"`
	QuietEnd      int      `json:"quiet_end"`
	OnBooked      bool     `json:"on_booked"`
	OnRescheduled bool     `json:"on_rescheduled"`
	OnCancelled   bool     `json:"on_cancelled"`
	OfferMinutes  int      `json:"offer_minutes"`
}

// getMessagingPolicy answers the clinic's policy (the defaults, off, until
// it saves one).
func (s *Server) getMessagingPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Reminders.Policy(r.Context(), principalOf(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// putMessagingPolicy replaces the clinic's policy.
func (s *Server) putMessagingPolicy(w http.ResponseWriter, r *http.Request) error {
	var in policyInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p, err := s.Reminders.SavePolicy(r.Context(), principalOf(r.Context()), reminder.Policy{
		Enabled: in.Enabled, Reminders: in.Reminders, Channels: in.Channels, QuietStart: in.QuietStart, QuietEnd: in.QuietEnd,
		OnBooked: in.OnBooked, OnRescheduled: in.OnRescheduled, OnCancelled: in.OnCancelled, OfferMinutes: in.OfferMinutes,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// channelJSON is the API shape of a channel: its plain settings and the
// names of the credentials stored, never their values.
type channelJSON struct {
	Kind    string            `json:"kind"`
	Enabled bool              `json:"enabled"`
	Config  map[string]string `json:"config"`
	// SecretsSet names the credentials stored.
	SecretsSet []string `json:"secrets_set"`
	Configured bool     `json:"configured"`
	// UpdatedAt is null for a channel never saved.
	UpdatedAt *time.Time `json:"updated_at"`
}

func toChannelJSON(c reminder.ChannelSettings) channelJSON {
	out := channelJSON{Kind: c.Kind, Enabled: c.Enabled, Config: c.Config, SecretsSet: c.SecretsSet, Configured: c.Configured}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	if out.SecretsSet == nil {
		out.SecretsSet = []string{}
	}
	if !c.UpdatedAt.IsZero() {
		t := c.UpdatedAt
		out.UpdatedAt = &t
	}
	return out
}

// channelInput is what a client writes of a channel. Secrets are
// write-only: a credential left out or empty keeps its stored value.
type channelInput struct {
	Enabled bool              `json:"enabled"`
	Config  map[string]string `json:"config"`
	Secrets map[string]string `json:"secrets,omitempty"`
}

// listMessagingChannels answers the clinic's channels, one per kind.
func (s *Server) listMessagingChannels(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Reminders.ChannelList(r.Context(), principalOf(r.Context()))
	if err != nil {
		return err
	}
	items := make([]channelJSON, len(list))
	for i, c := range list {
		items[i] = toChannelJSON(c)
	}
	writeJSON(w, http.StatusOK, listOf[channelJSON]{Items: items})
	return nil
}

// putMessagingChannel stores the clinic's account at one provider.
func (s *Server) putMessagingChannel(w http.ResponseWriter, r *http.Request) error {
	var in channelInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	c, err := s.Reminders.SaveChannel(r.Context(), principalOf(r.Context()), reminder.ChannelSettings{
		Kind: r.PathValue("kind"), Enabled: in.Enabled, Config: in.Config, Secrets: in.Secrets,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toChannelJSON(c))
	return nil
}

// testSendInput names the patient a test message goes to.
type testSendInput struct {
	PatientID string `json:"patient_id"`
}

// testMessagingChannel sends the clinic's test message through one channel
// now and answers it as the ledger records it (sent, or failed with the
// provider's reason).
func (s *Server) testMessagingChannel(w http.ResponseWriter, r *http.Request) error {
	var in testSendInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	kind := r.PathValue("kind")
	if _, ok := reminder.ChannelFields[kind]; !ok {
		return apperr.New(apperr.NotFound, "No such channel.")
	}
	m, err := s.Reminders.SendTest(r.Context(), principalOf(r.Context()), reminder.TestInput{Channel: kind, PatientID: in.PatientID})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

// templateInput is a template's wording as a client writes it (the key is
// in the path).
type templateInput struct {
	// Subject is the e-mail's subject.
	Subject string `json:"subject,omitempty"`
	// Body is the text; for WhatsApp, the approved template's parameters,
	// one placeholder per line.
	Body       string `json:"body" text:"multiline"`
	WAName     string `json:"wa_name,omitempty"`
	WALanguage string `json:"wa_language,omitempty"`
}

func (in templateInput) template(r *http.Request) reminder.Template {
	return reminder.Template{Kind: r.PathValue("kind"), Channel: r.PathValue("channel"), Locale: r.PathValue("locale"),
		Subject: in.Subject, Body: in.Body, WAName: in.WAName, WALanguage: in.WALanguage}
}

// listMessageTemplates answers every template of the clinic, its own or
// the built-in one, by kind, channel and locale.
func (s *Server) listMessageTemplates(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Reminders.Templates(r.Context(), principalOf(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf[reminder.Template]{Items: list})
	return nil
}

// getMessageTemplate answers one template.
func (s *Server) getMessageTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := s.Reminders.Template(r.Context(), principalOf(r.Context()), r.PathValue("kind"), r.PathValue("channel"), r.PathValue("locale"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// putMessageTemplate stores the clinic's wording of one template.
func (s *Server) putMessageTemplate(w http.ResponseWriter, r *http.Request) error {
	var in templateInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	t, err := s.Reminders.SaveTemplate(r.Context(), principalOf(r.Context()), in.template(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// deleteMessageTemplate drops the clinic's wording of a template and
// answers the built-in one it goes back to.
func (s *Server) deleteMessageTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := s.Reminders.ResetTemplate(r.Context(), principalOf(r.Context()), r.PathValue("kind"), r.PathValue("channel"), r.PathValue("locale"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// previewMessageTemplate renders the wording given (unsaved) as a patient
// would get it, with example values.
func (s *Server) previewMessageTemplate(w http.ResponseWriter, r *http.Request) error {
	var in templateInput
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	p, err := s.Reminders.Preview(r.Context(), principalOf(r.Context()), in.template(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// messageStatuses are the statuses of a ledger entry, in the order a
// message goes through them.
var messageStatuses = []string{reminder.StatusPending, reminder.StatusQueued, reminder.StatusSending, reminder.StatusSent,
	reminder.StatusDelivered, reminder.StatusRead, reminder.StatusFailed, reminder.StatusSkipped}

// listMessages answers the clinic's ledger, newest first
// (?appointment_id=, ?patient_id=, ?status=, ?limit=).
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := reminder.Filter{AppointmentID: q.Get("appointment_id"), PatientID: q.Get("patient_id"), Status: q.Get("status")}
	fields := map[string]string{}
	for name, v := range map[string]string{"appointment_id": f.AppointmentID, "patient_id": f.PatientID} {
		if v != "" && !kernel.IsID(v) {
			fields[name] = "Must be an id."
		}
	}
	if f.Status != "" && !slices.Contains(messageStatuses, f.Status) {
		fields["status"] = "Must be one of " + strings.Join(messageStatuses, ", ") + "."
	}
	var msg string
	if f.Limit, msg = kernel.ParseLimit(q.Get("limit"), kernel.MaxLimit); msg != "" {
		fields["limit"] = msg
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	list, err := s.Reminders.List(r.Context(), principalOf(r.Context()), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf[reminder.Message]{Items: list})
	return nil
}

// getMessage answers one ledger entry with its history.
func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) error {
	m, err := s.Reminders.Get(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// sendMessageAgain queues a failed or skipped message once more.
func (s *Server) sendMessageAgain(w http.ResponseWriter, r *http.Request) error {
	m, err := s.Reminders.SendAgain(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}
