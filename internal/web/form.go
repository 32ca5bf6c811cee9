package web

import (
	"errors"
	"net/http"
	"strings"

	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
)

// form is what a page's form shows: the values typed (kept when the
// server refuses them) and the message of each refused field, or of the
// whole form.
type form struct {
	Values map[string]string
	Errors map[string]string
	// Error is the form's message that belongs to no field.
	Error string
}

func newForm() *form { return &form{Values: map[string]string{}, Errors: map[string]string{}} }

// Get returns the value typed in field.
func (f *form) Get(field string) string { return f.Values[field] }

// Err returns the message of field ("" when none).
func (f *form) Err(field string) string { return f.Errors[field] }

// Invalid reports whether field was refused.
func (f *form) Invalid(field string) bool { return f.Errors[field] != "" }

// errBadForm answers a body that is not a form.
var errBadForm = apperr.New(apperr.Invalid, "The form could not be read. Please try again.")

// parseForm reads r's form (urlencoded, within the body limit) into a form
// keeping every value typed. Each value is checked by the same text policy
// as the API's bodies: a refused one answers a validation error with the
// form still returned, for the page to show it again.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) (*form, error) {
	r.Body = http.MaxBytesReader(w, r.Body, s.Config.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, apperr.New(apperr.TooLarge, "The request body is larger than %d bytes.", s.Config.MaxBodyBytes)
		}
		return nil, errBadForm
	}
	f := newForm()
	bad := map[string]string{}
	for k, vs := range r.PostForm {
		if len(vs) == 0 {
			continue
		}
		v := vs[0]
		if msg := kernel.CheckText(v, strings.HasSuffix(k, "notes")); msg != "" {
			bad[k] = msg
		}
		f.Values[k] = v
	}
	if len(bad) > 0 {
		return f, apperr.Validation(bad)
	}
	return f, nil
}

// refuse records err in f: a validation error's field messages under their
// fields, any other error's message on the whole form; both in the user's
// language. It returns false when err is not the user's to fix (the page
// fails instead).
func refuse(l i18n.Locale, f *form, err error) bool {
	e := apperr.As(err)
	switch e.Code {
	case apperr.Invalid, apperr.Conflict, apperr.NotFound, apperr.Unauthorized, apperr.RateLimited, apperr.Forbidden:
	default:
		return false
	}
	msg, fields := i18n.Message(l, e)
	for k, m := range fields {
		f.Errors[k] = m
	}
	if len(fields) == 0 || e.Code != apperr.Invalid {
		f.Error = msg
	}
	return true
}

// formStatus is the status of a refused form: 422 for input to fix (htmx
// swaps it in, see static/app.js), the code's status otherwise.
func formStatus(err error) int {
	e := apperr.As(err)
	if e.Code == apperr.Invalid {
		return http.StatusUnprocessableEntity
	}
	return httpx.Status(e.Code)
}
