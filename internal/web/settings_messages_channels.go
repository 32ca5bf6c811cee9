package web

import (
	"net/http"
	"slices"
	"strings"

	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/notify"
	"clinic/internal/patient"
	"clinic/internal/reminder"
)

// The channels page: one card per provider account (WhatsApp Cloud API,
// the Twilio-compatible SMS gateway, SMTP), its plain settings and its
// write-only credentials, and a test send to a patient searched by name.

// Webhook paths the providers are given (served by internal/httpapi).
const (
	webhookWhatsApp = "/webhooks/whatsapp/"
	webhookSMS      = "/webhooks/sms/"
)

// channelField is one input of a channel's card.
type channelField struct {
	// Name is the form's field (the kind, a dot and the setting).
	Name, Key, Label, Help, Type, Placeholder string
	Secret, Set                               bool
	Options                                   []option
}

// channelTest is a test send's outcome.
type channelTest struct {
	Row messageRow
	OK  bool
}

type channelCard struct {
	Kind, Title string
	Settings    reminder.ChannelSettings
	Form        *form
	Fields      []channelField
	// Webhook is the address to give the provider for its callbacks.
	Webhook string
	// Test is the outcome of the test just sent ("" when none); Patients
	// the search's results for the test's patient.
	Test     *channelTest
	Patients []patient.Patient
	Searched bool
	Query    string
	// TestForm holds the test form's values and refusal.
	TestForm *form
}

type settingsChannelsData struct {
	messagesTab
	Cards []*channelCard
}

// channelInputTypes are the input types of the settings that are not
// text (each setting's label is settings.messages.field.<kind>_<key>).
var channelInputTypes = map[string]string{"port": "number", "from": "text"}

func (s *Server) channelCards(r *http.Request) ([]*channelCard, error) {
	v := viewOf(r.Context())
	p := httpx.PrincipalOf(r.Context())
	list, err := s.Reminders.ChannelList(r.Context(), p)
	if err != nil {
		return nil, err
	}
	base := strings.TrimRight(s.Config.BaseURL, "/")
	cards := make([]*channelCard, 0, len(list))
	for _, c := range list {
		card := &channelCard{Kind: c.Kind, Title: v.L.T(msgID("messages.channel", c.Kind)), Settings: c, Form: newForm(), TestForm: newForm()}
		if c.Enabled {
			card.Form.Values[c.Kind+".enabled"] = "on"
		}
		fields := reminder.ChannelFields[c.Kind]
		for _, k := range fields.Config {
			name := c.Kind + "." + k
			card.Form.Values[name] = c.Config[k]
			fd := channelField{Name: name, Key: k, Label: v.L.T(msgID("settings.messages.field", c.Kind+"_"+k)), Type: channelInputTypes[k]}
			if fd.Type == "" {
				fd.Type = "text"
			}
			switch {
			case c.Kind == notify.KindEmail && k == "tls":
				fd.Type = "select"
				fd.Options = []option{{Value: string(notify.TLSStartTLS), Label: v.L.T("settings.messages.tls.starttls")},
					{Value: string(notify.TLSImplicit), Label: v.L.T("settings.messages.tls.implicit")},
					{Value: string(notify.TLSNone), Label: v.L.T("settings.messages.tls.none")}}
			case c.Kind == notify.KindEmail && k == "host":
				fd.Help = v.L.T("settings.messages.email_host_help")
			case c.Kind == notify.KindEmail && k == "from":
				fd.Type, fd.Placeholder = "email", "contato@clinica.com.br"
			case c.Kind == notify.KindSMS && k == "from":
				fd.Placeholder, fd.Help = "+5511999990000", v.L.T("settings.messages.sms_from_help")
			case c.Kind == notify.KindEmail && k == "port":
				fd.Placeholder = "587"
			}
			card.Fields = append(card.Fields, fd)
		}
		for _, k := range fields.Secrets {
			name := c.Kind + "." + k
			card.Fields = append(card.Fields, channelField{Name: name, Key: k, Label: v.L.T(msgID("settings.messages.field", c.Kind+"_"+k)),
				Type: "password", Secret: true, Set: slices.Contains(c.SecretsSet, k)})
		}
		switch c.Kind {
		case notify.KindWhatsApp:
			card.Webhook = base + webhookWhatsApp + p.ClinicID
		case notify.KindSMS:
			card.Webhook = base + webhookSMS + p.ClinicID
		}
		cards = append(cards, card)
	}
	return cards, nil
}

func cardOf(cards []*channelCard, kind string) *channelCard {
	for _, c := range cards {
		if c.Kind == kind {
			return c
		}
	}
	return nil
}

func (s *Server) renderChannels(w http.ResponseWriter, r *http.Request, status int, cards []*channelCard) {
	v := s.settingsView(w, r, "messages")
	s.render(w, r, status, "settings-messages-channels", page{Title: v.L.T("settings.messages.channels_title"),
		Data: settingsChannelsData{messagesTab: messagesTab{"channels"}, Cards: cards}})
}

// settingsChannels shows the cards; ?channel=…&q=… is a test's patient
// search without JavaScript.
func (s *Server) settingsChannels(w http.ResponseWriter, r *http.Request) error {
	if s.Reminders == nil {
		return errNoPage
	}
	cards, err := s.channelCards(r)
	if err != nil {
		return err
	}
	if c := cardOf(cards, r.URL.Query().Get("channel")); c != nil {
		if err := s.channelSearch(r, c, r.URL.Query().Get("q"), ""); err != nil {
			return err
		}
	}
	s.renderChannels(w, r, http.StatusOK, cards)
	return nil
}

func (s *Server) channelSearch(r *http.Request, c *channelCard, q, chosen string) error {
	list, searched, err := s.agendaSearchPatients(r, httpx.PrincipalOf(r.Context()), q)
	if err != nil {
		return err
	}
	c.Patients, c.Searched, c.Query = list, searched, strings.TrimSpace(q)
	c.TestForm.Values["q"], c.TestForm.Values["patient_id"] = q, chosen
	return nil
}

// settingsChannelPatients answers the test's patient search (htmx).
func (s *Server) settingsChannelPatients(w http.ResponseWriter, r *http.Request) error {
	if s.Reminders == nil {
		return errNoPage
	}
	kind := r.URL.Query().Get("channel")
	if _, ok := reminder.ChannelFields[kind]; !ok {
		return errNoPage
	}
	c := &channelCard{Kind: kind, TestForm: newForm()}
	if err := s.channelSearch(r, c, r.URL.Query().Get("q"), ""); err != nil {
		return err
	}
	s.renderAgendaPart(w, r, http.StatusOK, "settings-messages-channels", "channel-patients", page{Data: c})
	return nil
}

// channelInput reads a card's form into the service's input.
func channelInput(kind string, f *form) reminder.ChannelSettings {
	in := reminder.ChannelSettings{Kind: kind, Enabled: checked(f, kind+".enabled"), Config: map[string]string{}, Secrets: map[string]string{}}
	fields := reminder.ChannelFields[kind]
	for _, k := range fields.Config {
		in.Config[k] = f.Get(kind + "." + k)
	}
	for _, k := range fields.Secrets {
		if v := f.Get(kind + "." + k); v != "" {
			in.Secrets[k] = v
		}
	}
	return in
}

// settingsChannelSave stores one card.
func (s *Server) settingsChannelSave(w http.ResponseWriter, r *http.Request) error {
	if s.Reminders == nil {
		return errNoPage
	}
	kind := r.PathValue("kind")
	if _, ok := reminder.ChannelFields[kind]; !ok {
		return errNoPage
	}
	f, err := s.parseForm(w, r)
	if err == nil {
		_, err = s.Reminders.SaveChannel(r.Context(), httpx.PrincipalOf(r.Context()), channelInput(kind, f))
	}
	if err != nil {
		if f == nil || !refuse(viewOf(r.Context()).Locale, f, err) {
			return err
		}
		// The service names the fields config.<key> and secrets.<key>:
		// the card's are <kind>.<key>.
		for k, msg := range f.Errors {
			if _, key, ok := strings.Cut(k, "."); ok && (strings.HasPrefix(k, "config.") || strings.HasPrefix(k, "secrets.")) {
				delete(f.Errors, k)
				f.Errors[kind+"."+key] = msg
			}
		}
		for _, k := range reminder.ChannelFields[kind].Secrets {
			f.Values[kind+"."+k] = "" // never sent back
		}
		cards, cerr := s.channelCards(r)
		if cerr != nil {
			return cerr
		}
		if c := cardOf(cards, kind); c != nil {
			c.Form = f
		}
		s.renderChannels(w, r, formStatus(err), cards)
		return nil
	}
	return s.settingsDone(w, r, "/messages/channels#channel-"+kind, "settings.flash.channel_saved")
}

// settingsChannelTest sends the clinic's test message through one channel
// to the patient chosen and shows how it went: in its card (htmx), or on
// the page again.
func (s *Server) settingsChannelTest(w http.ResponseWriter, r *http.Request) error {
	if s.Reminders == nil {
		return errNoPage
	}
	v := viewOf(r.Context())
	p := httpx.PrincipalOf(r.Context())
	kind := r.PathValue("kind")
	if _, ok := reminder.ChannelFields[kind]; !ok {
		return errNoPage
	}
	f, err := s.parseForm(w, r)
	var m reminder.Message
	if err == nil {
		if f.Get("patient_id") == "" {
			err = apperr.Validation(map[string]string{"patient_id": "Required."})
		} else {
			m, err = s.Reminders.SendTest(r.Context(), p, reminder.TestInput{Channel: kind, PatientID: f.Get("patient_id")})
		}
	}
	card := &channelCard{Kind: kind, TestForm: newForm()}
	status := http.StatusOK
	if err != nil {
		if f == nil || !refuse(v.Locale, f, err) {
			return err
		}
		card.TestForm, status = f, formStatus(err)
	} else {
		loc, err := s.Accounts.ClinicZone(r.Context(), p.ClinicID)
		if err != nil {
			return err
		}
		row := newMessageRow(v, loc, m)
		card.Test = &channelTest{Row: row, OK: m.Status == reminder.StatusSent || m.Status == reminder.StatusDelivered || m.Status == reminder.StatusRead}
		card.TestForm.Values["q"], card.TestForm.Values["patient_id"] = f.Get("q"), f.Get("patient_id")
	}
	if isFragment(r) {
		s.renderAgendaPart(w, r, status, "settings-messages-channels", "channel-test-result", page{Data: card})
		return nil
	}
	cards, err := s.channelCards(r)
	if err != nil {
		return err
	}
	if c := cardOf(cards, kind); c != nil {
		c.Test, c.TestForm = card.Test, card.TestForm
		if q := card.TestForm.Get("q"); q != "" {
			if err := s.channelSearch(r, c, q, card.TestForm.Get("patient_id")); err != nil {
				return err
			}
			c.TestForm.Errors, c.TestForm.Error = card.TestForm.Errors, card.TestForm.Error
		}
	}
	s.renderChannels(w, r, status, cards)
	return nil
}
