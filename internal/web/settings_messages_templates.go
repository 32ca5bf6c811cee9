package web

import (
	"fmt"
	"net/http"
	"strings"

	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/notify"
	"clinic/internal/reminder"
)

// The templates pages: every kind of message on every channel in every
// language (the clinic's wording or the built-in one), and the editor of
// one with a live preview (htmx posts the text as typed; without
// JavaScript the preview button posts the form and the page comes back
// with it).

type templateCell struct {
	Locale, Language, URL string
	Custom                bool
}

type templateRow struct {
	Channel string
	Cells   []templateCell
}

type templateGroup struct {
	Kind, Title, Help string
	Rows              []templateRow
}

type settingsTemplatesData struct {
	messagesTab
	Groups    []templateGroup
	Languages []string
}

func languageName(l *i18n.Localizer, loc string) string {
	if loc == string(i18n.En) {
		return l.T("app.language.en")
	}
	return l.T("app.language.pt_br")
}

func templatePath(clinicID string, t reminder.Template) string {
	return "/clinics/" + clinicID + "/settings/messages/templates/" + t.Kind + "/" + t.Channel + "/" + t.Locale
}

func (s *Server) settingsTemplates(w http.ResponseWriter, r *http.Request) error {
	if s.Reminders == nil {
		return errNoPage
	}
	v := s.settingsView(w, r, "messages")
	p := httpx.PrincipalOf(r.Context())
	list, err := s.Reminders.Templates(r.Context(), p)
	if err != nil {
		return err
	}
	d := settingsTemplatesData{messagesTab: messagesTab{"templates"}}
	for _, l := range i18n.Supported() {
		d.Languages = append(d.Languages, languageName(v.L, string(l)))
	}
	for _, k := range reminder.Kinds {
		g := templateGroup{Kind: k, Title: v.L.T(msgID("messages.kind", k)), Help: v.L.T(msgID("settings.messages.kind_help", k))}
		for _, c := range reminder.Channels {
			row := templateRow{Channel: v.L.T(msgID("messages.channel", c))}
			for _, t := range list {
				if t.Kind == k && t.Channel == c {
					row.Cells = append(row.Cells, templateCell{Locale: t.Locale, Language: languageName(v.L, t.Locale),
						URL: templatePath(p.ClinicID, t), Custom: t.Custom})
				}
			}
			g.Rows = append(g.Rows, row)
		}
		d.Groups = append(d.Groups, g)
	}
	s.render(w, r, http.StatusOK, "settings-messages-templates", page{Title: v.L.T("settings.messages.templates_title"), Data: d})
	return nil
}

type settingsTemplateData struct {
	messagesTab
	T            reminder.Template
	Kind         string
	Channel      string
	Language     string
	URL          string
	Placeholders []string
	Preview      *reminder.Preview
	// PreviewError says why the text cannot be previewed.
	PreviewError string
	// Paragraphs are the preview's plain text, by paragraph.
	Paragraphs []string
	// Params are the WhatsApp template's parameters as the provider
	// numbers them.
	Params     []waParam
	IsEmail    bool
	IsWhatsApp bool
}

type waParam struct{ Label, Value string }

func templateForm(t reminder.Template) *form {
	f := newForm()
	f.Values["subject"], f.Values["body"], f.Values["wa_name"], f.Values["wa_language"] = t.Subject, t.Body, t.WAName, t.WALanguage
	return f
}

// templateOf reads the editor's form as the template of the page's path.
func templateOf(r *http.Request, f *form) reminder.Template {
	return reminder.Template{Kind: r.PathValue("kind"), Channel: r.PathValue("channel"), Locale: r.PathValue("locale"),
		Subject: f.Get("subject"), Body: strings.ReplaceAll(f.Get("body"), "\r\n", "\n"), WAName: f.Get("wa_name"), WALanguage: f.Get("wa_language")}
}

// templateData builds the editor's data for t; preview asks for the
// preview of the form's text as well.
func (s *Server) templateData(r *http.Request, t reminder.Template, f *form, preview bool) (settingsTemplateData, error) {
	v := viewOf(r.Context())
	p := httpx.PrincipalOf(r.Context())
	d := settingsTemplateData{messagesTab: messagesTab{"templates"}, T: t, Kind: v.L.T(msgID("messages.kind", t.Kind)),
		Channel: v.L.T(msgID("messages.channel", t.Channel)), Language: languageName(v.L, t.Locale), URL: templatePath(p.ClinicID, t),
		Placeholders: reminder.PlaceholdersFor(t.Kind), IsEmail: t.Channel == notify.KindEmail, IsWhatsApp: t.Channel == notify.KindWhatsApp}
	if !preview {
		return d, nil
	}
	pv, err := s.Reminders.Preview(r.Context(), p, templateOf(r, f))
	if err != nil {
		if !apperr.Is(err, apperr.Invalid) {
			return d, err
		}
		msg, fields := i18n.Message(v.Locale, apperr.As(err))
		if m, ok := fields["body"]; ok {
			msg = m
		}
		d.PreviewError = msg
		return d, nil
	}
	d.Preview = &pv
	for i, v := range pv.Params {
		d.Params = append(d.Params, waParam{Label: fmt.Sprintf("{{%d}}", i+1), Value: v})
	}
	d.Paragraphs = strings.Split(strings.ReplaceAll(pv.Text, "\r\n", "\n"), "\n\n")
	return d, nil
}

func (s *Server) renderTemplate(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := s.settingsView(w, r, "messages")
	p := httpx.PrincipalOf(r.Context())
	t, err := s.Reminders.Template(r.Context(), p, r.PathValue("kind"), r.PathValue("channel"), r.PathValue("locale"))
	if err != nil {
		return err
	}
	if f == nil {
		f = templateForm(t)
	}
	d, err := s.templateData(r, t, f, true)
	if err != nil {
		return err
	}
	s.render(w, r, status, "settings-messages-template", page{Title: v.L.T("settings.messages.template_title", "kind", d.Kind, "channel", d.Channel), Form: f, Data: d})
	return nil
}

func (s *Server) settingsTemplate(w http.ResponseWriter, r *http.Request) error {
	if s.Reminders == nil {
		return errNoPage
	}
	return s.renderTemplate(w, r, http.StatusOK, nil)
}

func (s *Server) settingsTemplateSave(w http.ResponseWriter, r *http.Request) error {
	if s.Reminders == nil {
		return errNoPage
	}
	f, err := s.parseFormLines(w, r, "body")
	if err == nil {
		_, err = s.Reminders.SaveTemplate(r.Context(), httpx.PrincipalOf(r.Context()), templateOf(r, f))
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.renderTemplate(w, r, status, f) })
	}
	return s.settingsDone(w, r, strings.TrimPrefix(r.URL.Path, viewOf(r.Context()).ClinicPath("/settings")), "settings.flash.template_saved")
}

func (s *Server) settingsTemplateReset(w http.ResponseWriter, r *http.Request) error {
	if s.Reminders == nil {
		return errNoPage
	}
	if _, err := s.Reminders.ResetTemplate(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("kind"), r.PathValue("channel"), r.PathValue("locale")); err != nil {
		return err
	}
	path := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, viewOf(r.Context()).ClinicPath("/settings")), "/reset")
	return s.settingsDone(w, r, path, "settings.flash.template_reset")
}

// settingsTemplatePreview renders the form's text, unsaved: the preview's
// fragment for htmx, the editor with it otherwise.
func (s *Server) settingsTemplatePreview(w http.ResponseWriter, r *http.Request) error {
	if s.Reminders == nil {
		return errNoPage
	}
	f, err := s.parseFormLines(w, r, "body")
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.renderTemplate(w, r, status, f) })
	}
	if !isFragment(r) {
		return s.renderTemplate(w, r, http.StatusOK, f)
	}
	t, err := s.Reminders.Template(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("kind"), r.PathValue("channel"), r.PathValue("locale"))
	if err != nil {
		return err
	}
	d, err := s.templateData(r, t, f, true)
	if err != nil {
		return err
	}
	s.renderAgendaPart(w, r, http.StatusOK, "settings-messages-template", "template-preview", page{Form: f, Data: d})
	return nil
}
