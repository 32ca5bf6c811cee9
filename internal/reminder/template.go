package reminder

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
	"clinic/internal/notify"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
)

// Kinds of message.
const (
	KindBooked      = "booked"
	KindRescheduled = "rescheduled"
	KindCancelled   = "cancelled"
	KindReminder    = "reminder"
	KindOffer       = "offer"
	KindTest        = "test"
)

// Kinds lists the kinds of message a clinic words, in the settings' order.
var Kinds = []string{KindReminder, KindBooked, KindRescheduled, KindCancelled, KindOffer, KindPix, KindTest}

// Placeholders are the names a template may write between braces
// ({patient}); Render replaces each with its value.
var Placeholders = []string{"patient", "clinic", "professional", "date", "time", "procedure", "address", "clinic_phone", "link"}

// Template is a clinic's wording of one kind of message on one channel in
// one locale. For WhatsApp, WAName and WALanguage name the template the
// provider approved and Body lists its parameters in their order, one
// placeholder per line ({patient}, then {date}…).
type Template struct {
	Kind    string `json:"kind"`
	Channel string `json:"channel"`
	Locale  string `json:"locale"`
	// Subject is the e-mail's subject.
	Subject    string `json:"subject"`
	Body       string `json:"body"`
	WAName     string `json:"wa_name,omitempty"`
	WALanguage string `json:"wa_language,omitempty"`
	// Custom is set for the clinic's own wording (otherwise the built-in).
	Custom    bool      `json:"custom"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Vars are the values of a message's placeholders.
type Vars struct {
	Patient, Clinic, Professional, Date, Time, Procedure, Address, ClinicPhone, Link string
	// Amount, Charge (its description) and PixCode are a pix message's
	// (PixPlaceholders).
	Amount, Charge, PixCode string
}

func (v Vars) value(name string) (string, bool) {
	switch name {
	case "patient":
		return v.Patient, true
	case "clinic":
		return v.Clinic, true
	case "professional":
		return v.Professional, true
	case "date":
		return v.Date, true
	case "time":
		return v.Time, true
	case "procedure":
		return v.Procedure, true
	case "address":
		return v.Address, true
	case "clinic_phone":
		return v.ClinicPhone, true
	case "link":
		return v.Link, true
	case "amount":
		return v.Amount, true
	case "charge":
		return v.Charge, true
	case "pix_code":
		return v.PixCode, true
	}
	return "", false
}

// fill replaces the placeholders of text, each value passed through esc.
func fill(text string, v Vars, esc func(string) string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			b.WriteString(esc(text))
			return b.String()
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			b.WriteString(esc(text))
			return b.String()
		}
		b.WriteString(esc(text[:i]))
		if val, ok := v.value(text[i+1 : i+j]); ok {
			b.WriteString(esc(val))
		} else {
			b.WriteString(esc(text[i : i+j+1]))
		}
		text = text[i+j+1:]
	}
}

func unknownPlaceholders(kind, text string) []string {
	names := PlaceholdersFor(kind)
	var bad []string
	for {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			return bad
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			return bad
		}
		if name := text[i+1 : i+j]; !slices.Contains(names, name) {
			bad = append(bad, name)
		}
		text = text[i+j+1:]
	}
}

// buttons are the quick replies of a kind's WhatsApp template, in order.
func buttons(kind string) []string {
	switch kind {
	case KindReminder, KindBooked, KindRescheduled:
		return []string{ActionConfirm, ActionCancel, ActionReschedule}
	case KindOffer:
		return []string{ActionAccept}
	}
	return nil
}

// Render builds the message of t with v for a recipient.
func (t Template) Render(to string, v Vars, messageID string) notify.Message {
	m := notify.Message{To: to}
	switch t.Channel {
	case notify.KindWhatsApp:
		wt := &notify.WhatsAppTemplate{Name: t.WAName, Language: t.WALanguage}
		for _, line := range strings.Split(t.Body, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				// The provider refuses an empty parameter, and the approved
				// template wants every one in its place: a value the clinic
				// has not given (its address…) shows as a dash.
				p := strings.TrimSpace(fill(line, v, noEscape))
				if p == "" {
					p = "-"
				}
				wt.BodyParams = append(wt.BodyParams, p)
			}
		}
		for i, a := range buttons(t.Kind) {
			wt.Buttons = append(wt.Buttons, notify.QuickReply{Index: i, Payload: a + ":" + messageID})
		}
		m.Template = wt
	case notify.KindEmail:
		m.Subject = fill(t.Subject, v, noEscape)
		m.Text = fill(t.Body, v, noEscape)
		m.HTML = emailHTML(t.Body, v)
	default:
		m.Text = fill(t.Body, v, noEscape)
	}
	return m
}

func noEscape(s string) string { return s }

// emailHTML is the e-mail's HTML part: the body escaped, paragraphs and
// line breaks kept, the link a link.
func emailHTML(body string, v Vars) string {
	link := v.Link
	v.Link = "\x00link\x00"
	text := fill(body, v, html.EscapeString)
	if link != "" {
		text = strings.ReplaceAll(text, html.EscapeString("\x00link\x00"), `<a href="`+html.EscapeString(link)+`">`+html.EscapeString(link)+`</a>`)
	}
	var b strings.Builder
	b.WriteString(`<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:15px;line-height:1.5;color:#1f2937">`)
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		b.WriteString("<p>" + strings.ReplaceAll(p, "\n", "<br>") + "</p>")
	}
	b.WriteString("</body></html>")
	return b.String()
}

// builtin returns the built-in template of kind on channel in locale.
func builtin(kind, channel string, loc i18n.Locale) Template {
	l := i18n.For(loc)
	t := Template{Kind: kind, Channel: channel, Locale: string(loc)}
	t.Subject = l.T("message." + kind + ".subject")
	t.Body = l.T("message." + kind + ".body")
	if channel == notify.KindWhatsApp {
		t.WAName = "clinic_" + kind
		t.WALanguage = strings.ReplaceAll(string(loc), "-", "_")
		if loc == i18n.En {
			t.WALanguage = "en"
		}
		t.Body = strings.Join(waParams(kind), "\n")
	}
	return t
}

// waParams are the built-in WhatsApp templates' parameters in order.
func waParams(kind string) []string {
	switch kind {
	case KindCancelled:
		return []string{"{patient}", "{clinic}", "{date}", "{time}"}
	case KindTest:
		return []string{"{clinic}"}
	case KindPix:
		return []string{"{patient}", "{clinic}", "{charge}", "{amount}", "{pix_code}"}
	}
	return []string{"{patient}", "{clinic}", "{professional}", "{date}", "{time}", "{address}", "{link}"}
}

// template returns the clinic's template of kind on channel in locale, or
// the built-in one.
func (s *Service) template(ctx context.Context, q queryer, clinicID, kind, channel string, loc i18n.Locale) (Template, error) {
	t := Template{Kind: kind, Channel: channel, Locale: string(loc), Custom: true}
	err := q.QueryRowContext(ctx, `SELECT subject, body, wa_name, wa_language, updated_at FROM message_templates
		WHERE clinic_id = $1 AND kind = $2 AND channel = $3 AND locale = $4`, clinicID, kind, channel, string(loc)).Scan(
		&t.Subject, &t.Body, &t.WAName, &t.WALanguage, &t.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return builtin(kind, channel, loc), nil
	}
	if err != nil {
		return Template{}, fmt.Errorf("reminder: read template: %w", err)
	}
	return t, nil
}

const templateTTL = 10 * time.Minute

func templateKey(kind, channel string, loc i18n.Locale) string {
	return "message-template:" + kind + ":" + channel + ":" + string(loc)
}

// cachedTemplate is template through the shared cache (a template holds no
// secret); saving or resetting a template deletes it.
func (s *Service) cachedTemplate(ctx context.Context, clinicID, kind, channel string, loc i18n.Locale) (Template, error) {
	return cache.LoadJSON(ctx, cache.ForTenant(s.cache, clinicID), templateKey(kind, channel, loc), templateTTL, func(ctx context.Context) (Template, error) {
		return s.template(ctx, s.db, clinicID, kind, channel, loc)
	})
}

func (s *Service) forgetTemplate(ctx context.Context, clinicID, kind, channel string, loc i18n.Locale) {
	if err := cache.ForTenant(s.cache, clinicID).Delete(ctx, templateKey(kind, channel, loc)); err != nil {
		s.log.WarnContext(ctx, "reminder: forget cached template", "clinic_id", clinicID, "err", err)
	}
}

// Templates lists the clinic's templates of every kind, channel and locale
// (its own or the built-in ones).
func (s *Service) Templates(ctx context.Context, pr kernel.Principal) ([]Template, error) {
	if !pr.ManagesClinic() {
		return nil, errSettingsRole
	}
	var out []Template
	for _, k := range Kinds {
		for _, c := range Channels {
			for _, l := range i18n.Supported() {
				t, err := s.template(ctx, s.db, pr.ClinicID, k, c, l)
				if err != nil {
					return nil, err
				}
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// Template returns one template (the clinic's or the built-in one).
func (s *Service) Template(ctx context.Context, pr kernel.Principal, kind, channel, locale string) (Template, error) {
	if !pr.ManagesClinic() {
		return Template{}, errSettingsRole
	}
	loc, err := checkTemplateKey(kind, channel, locale)
	if err != nil {
		return Template{}, err
	}
	return s.template(ctx, s.db, pr.ClinicID, kind, channel, loc)
}

var errNoTemplate = apperr.New(apperr.NotFound, "No such template.")

func checkTemplateKey(kind, channel, locale string) (i18n.Locale, error) {
	loc, ok := i18n.Parse(locale)
	if !ok || string(loc) != locale || !slices.Contains(Kinds, kind) || !slices.Contains(Channels, channel) {
		return "", errNoTemplate
	}
	return loc, nil
}

// Limits of a template.
const (
	maxSubject = 200
	maxBody    = 4000
)

// SaveTemplate stores the clinic's wording of one template (owners and
// admins); ResetTemplate goes back to the built-in one.
func (s *Service) SaveTemplate(ctx context.Context, pr kernel.Principal, t Template) (Template, error) {
	if !pr.ManagesClinic() {
		return Template{}, errSettingsRole
	}
	if _, err := checkTemplateKey(t.Kind, t.Channel, t.Locale); err != nil {
		return Template{}, err
	}
	fields := map[string]string{}
	t.Subject, t.Body = strings.TrimSpace(t.Subject), strings.TrimSpace(strings.ReplaceAll(t.Body, "\r\n", "\n"))
	if t.Body == "" {
		fields["body"] = "Required."
	} else if len(t.Body) > maxBody {
		fields["body"] = fmt.Sprintf("At most %d characters.", maxBody)
	}
	if len(t.Subject) > maxSubject || strings.ContainsAny(t.Subject, "\r\n") {
		fields["subject"] = fmt.Sprintf("One line of at most %d characters.", maxSubject)
	}
	if t.Channel == notify.KindEmail && t.Subject == "" {
		fields["subject"] = "Required."
	}
	if bad := unknownPlaceholders(t.Kind, t.Subject+t.Body); len(bad) > 0 {
		fields["body"] = unknownPlaceholder(t.Kind, bad[0])
	}
	if t.Channel == notify.KindWhatsApp {
		t.WAName, t.WALanguage = strings.TrimSpace(t.WAName), strings.TrimSpace(t.WALanguage)
		if !waName(t.WAName) {
			fields["wa_name"] = "Must be the approved template's name: lower-case letters, digits and underscores."
		}
		if t.WALanguage == "" || len(t.WALanguage) > 10 {
			fields["wa_language"] = "Must be the approved template's language code, such as pt_BR or en."
		}
	} else {
		t.WAName, t.WALanguage = "", ""
	}
	if len(fields) > 0 {
		return Template{}, apperr.Validation(fields)
	}
	t.UpdatedAt, t.Custom = db.Time(s.now()), true
	_, err := s.db.ExecContext(ctx, `INSERT INTO message_templates (clinic_id, kind, channel, locale, subject, body, wa_name, wa_language, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (clinic_id, kind, channel, locale) DO UPDATE SET
		subject = excluded.subject, body = excluded.body, wa_name = excluded.wa_name, wa_language = excluded.wa_language,
		updated_at = excluded.updated_at`, pr.ClinicID, t.Kind, t.Channel, t.Locale, t.Subject, t.Body, t.WAName, t.WALanguage, t.UpdatedAt)
	if err != nil {
		return Template{}, fmt.Errorf("reminder: save template: %w", err)
	}
	s.forgetTemplate(ctx, pr.ClinicID, t.Kind, t.Channel, i18n.Locale(t.Locale))
	return t, nil
}

// ResetTemplate drops the clinic's wording of a template.
func (s *Service) ResetTemplate(ctx context.Context, pr kernel.Principal, kind, channel, locale string) (Template, error) {
	if !pr.ManagesClinic() {
		return Template{}, errSettingsRole
	}
	loc, err := checkTemplateKey(kind, channel, locale)
	if err != nil {
		return Template{}, err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM message_templates WHERE clinic_id = $1 AND kind = $2 AND channel = $3 AND locale = $4`,
		pr.ClinicID, kind, channel, locale); err != nil {
		return Template{}, fmt.Errorf("reminder: reset template: %w", err)
	}
	s.forgetTemplate(ctx, pr.ClinicID, kind, channel, loc)
	return builtin(kind, channel, loc), nil
}

func unknownPlaceholder(kind, name string) string {
	return fmt.Sprintf("Unknown placeholder %s (use %s).", name, strings.Join(PlaceholdersFor(kind), ", "))
}

func waName(s string) bool {
	if s == "" || len(s) > 512 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// Preview is a template rendered with example values (or the given
// template text, unsaved), as the patient would get it.
type Preview struct {
	Subject string   `json:"subject,omitempty"`
	Text    string   `json:"text,omitempty"`
	HTML    string   `json:"html,omitempty"`
	WAName  string   `json:"wa_name,omitempty"`
	Params  []string `json:"params,omitempty"`
	Buttons []string `json:"buttons,omitempty"`
}

// Preview renders t (its kind, channel and locale; its subject and body as
// given, unsaved) with the clinic's name and address and example values.
func (s *Service) Preview(ctx context.Context, pr kernel.Principal, t Template) (Preview, error) {
	if !pr.ManagesClinic() {
		return Preview{}, errSettingsRole
	}
	loc, err := checkTemplateKey(t.Kind, t.Channel, t.Locale)
	if err != nil {
		return Preview{}, err
	}
	if bad := unknownPlaceholders(t.Kind, t.Subject+t.Body); len(bad) > 0 {
		return Preview{}, apperr.Validation(map[string]string{"body": unknownPlaceholder(t.Kind, bad[0])})
	}
	c, err := s.clinics.Clinic(ctx, pr.ClinicID)
	if err != nil {
		return Preview{}, err
	}
	zone, err := s.clinics.ClinicZone(ctx, pr.ClinicID)
	if err != nil {
		return Preview{}, err
	}
	l := i18n.For(loc)
	at := time.Date(s.now().In(zone).Year(), s.now().In(zone).Month(), s.now().In(zone).Day()+1, 14, 30, 0, 0, zone)
	v := Vars{Patient: l.T("message.example.patient"), Clinic: c.Name, Professional: l.T("message.example.professional"),
		Date: l.DateLong(at), Time: l.Time(at), Procedure: l.T("message.example.procedure"), Address: c.Address,
		ClinicPhone: c.Phone, Link: strings.TrimRight(s.cfg.BaseURL, "/") + "/m/…"}
	if t.Kind == KindPix {
		pixExample(&v, l)
	}
	m := t.Render("", v, "00000000-0000-0000-0000-000000000000")
	p := Preview{Subject: m.Subject, Text: m.Text, HTML: m.HTML}
	if m.Template != nil {
		p.WAName, p.Params = m.Template.Name, m.Template.BodyParams
		for _, b := range buttons(t.Kind) {
			p.Buttons = append(p.Buttons, l.T("message.button."+b))
		}
	}
	return p, nil
}
