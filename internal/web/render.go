package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"clinic/internal/account"
	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
	"clinic/internal/web/static"
)

//go:embed templates
var templateFS embed.FS

// pages holds one template set per page: the layout plus the page's file.
type pages struct {
	sets map[string]*template.Template
}

var funcs = template.FuncMap{
	"asset": static.URL,
	// dict builds a map for a sub-template: dict "k1" v1 "k2" v2.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, errors.New("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	"cpf":   i18n.CPF,
	"phone": i18n.Phone,
	// icon draws one of static/icons.svg's symbols, hidden from screen
	// readers (the text next to it says what it means).
	"icon": func(name string) template.HTML {
		return template.HTML(`<svg class="icon" aria-hidden="true" focusable="false"><use href="` +
			static.URL("icons.svg") + `#i-` + template.HTMLEscapeString(name) + `"></use></svg>`)
	},
	"initials": initials,
}

// initials returns the first letters of a name's first and last words.
func initials(name string) string {
	words := strings.Fields(name)
	if len(words) == 0 {
		return ""
	}
	first := []rune(words[0])[:1]
	if len(words) == 1 {
		return strings.ToUpper(string(first))
	}
	last := []rune(words[len(words)-1])[:1]
	return strings.ToUpper(string(first) + string(last))
}

func parsePages() (*pages, error) {
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout/*.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, f := range files {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(templateFS, f); err != nil {
			return nil, err
		}
		p.sets[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return p, nil
}

// view is what every page's template sees of the request: the language,
// the user, the current clinic, and what the layout needs.
type view struct {
	L       *i18n.Localizer
	Locale  i18n.Locale
	Locales []i18n.Locale
	User    *account.User
	// Clinic is the clinic the page belongs to (nil outside one), with
	// the user's role in it.
	Clinic  *account.Membership
	Clinics []account.Membership
	Role    kernel.Role
	Path    string
	Nav     string // the active item of the navigation
	Now     time.Time
	Flash   string
}

type ctxView struct{}

func viewOf(ctx context.Context) *view {
	v, _ := ctx.Value(ctxView{}).(*view)
	if v == nil {
		v = &view{L: i18n.For(i18n.Default), Locale: i18n.Default, Locales: i18n.Supported()}
	}
	return v
}

// page is the data a page template executes with.
type page struct {
	*view
	Title string
	// Form is the page's form state (values typed, field errors).
	Form *form
	Data any
}

// Can reports whether the user's role in the current clinic is one of
// roles (for showing only what the services would allow).
func (v *view) Can(roles ...string) bool {
	for _, r := range roles {
		if string(v.Role) == r {
			return true
		}
	}
	return false
}

// ClinicPath returns the path of a page of the current clinic.
func (v *view) ClinicPath(p string) string {
	if v.Clinic == nil {
		return "/"
	}
	return "/clinics/" + v.Clinic.ClinicID + p
}

// pageCSP is the content security policy of every page: same-origin
// scripts, styles and connections only, never inline script or eval, and
// forms post only to us.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// render executes the page called name with status. The page is rendered
// to a buffer first, so a template error answers a clean error page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.pages.sets[name]
	if !ok {
		s.renderError(w, r, fmt.Errorf("web: no page %q", name))
		return
	}
	if p.view == nil {
		p.view = viewOf(r.Context())
	}
	if p.Form == nil {
		p.Form = newForm()
	}
	tmpl := "layout"
	if isFragment(r) && t.Lookup("fragment") != nil {
		tmpl = "fragment"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, p); err != nil {
		s.renderError(w, r, fmt.Errorf("web: render %s: %w", name, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Vary", "HX-Request, Accept-Language, Cookie")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// isFragment reports whether r is an htmx request for part of a page.
func isFragment(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Boosted") != "true"
}

var errNoPage = apperr.New(apperr.NotFound, "Page not found.")

// WriteError answers err as a page in the user's language: the message of
// its code from the catalogue; internal details only in the log. It is
// also the error writer of the middleware stack for the UI's paths.
func (s *Server) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	s.renderError(w, r, err)
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	attrs := []any{"method", r.Method, "path", r.URL.Path, "request_id", httpx.RequestID(r.Context())}
	if errors.Is(r.Context().Err(), context.Canceled) {
		s.log.Info("request cancelled by the client", append(attrs, "err", err)...)
		w.WriteHeader(httpx.StatusClientClosed)
		return
	}
	status := httpx.Status(e.Code)
	switch {
	case e.Code == apperr.Unavailable || errors.Is(r.Context().Err(), context.DeadlineExceeded):
		s.log.Warn("page refused: unavailable", append(attrs, "err", err)...)
		status = http.StatusServiceUnavailable
		e = apperr.New(apperr.Unavailable, "The request took too long. Please try again.")
	case status >= 500:
		s.log.Error("page failed", append(attrs, "err", err)...)
	case e.Err != nil:
		s.log.Debug("page refused", append(attrs, "err", err)...)
	}
	v := viewOf(r.Context())
	msg, _ := i18n.Message(v.Locale, e)
	if e.Code == apperr.Internal {
		msg = v.L.T("page.error.text")
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Cache-Control", "no-store")
	t := s.pages.sets["error"]
	var buf bytes.Buffer
	data := page{view: v, Title: v.L.T("page.error.title"), Data: errorPage{Status: status, Message: msg, RequestID: httpx.RequestID(r.Context())}}
	if t == nil || t.ExecuteTemplate(&buf, "layout", data) != nil {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(template.HTMLEscapeString(msg)))
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorPage struct {
	Status    int
	Message   string
	RequestID string
}
