// Package i18n is clinic's message catalogue and its locale formatting: the
// one place where a user-visible string gets its pt-BR and English words.
//
// # Locales
//
// clinic speaks Brazilian Portuguese (PtBR, the default: the product is for
// Brazilian clinics) and English (En). Parse reads a locale a user chose
// ("pt-BR", "pt_BR", "en-US"…); Negotiate picks one from an Accept-Language
// header.
//
// # The catalogue
//
// The messages live in locales/pt-BR.toml and locales/en.toml, and in one
// pair of files per part of the web UI (locales/web-<part>.pt-BR.toml and
// locales/web-<part>.en.toml; an id is defined in one file only), embedded
// in the binary, both locales with exactly the same IDs and the same
// template arguments per ID (a test checks it). IDs are short dotted keys
// grouped by prefix: app., nav., auth., status., role., weekday., month.,
// action., page., format., and err. for the messages of errors. Messages are
// go-i18n messages (github.com/nicksnyder/go-i18n/v2): text/template with
// named arguments ({{.name}}) and CLDR plural forms chosen by the count
// argument:
//
//	l := i18n.For(i18n.PtBR)
//	l.T("nav.agenda")                      // "Agenda"
//	l.T("page.results", "count", 3)        // "3 resultados"
//
// T on an ID that is not in the catalogue returns the ID itself and logs it
// once; tests catch that earlier: Missing and Has let every package's tests
// check that the IDs it uses exist in every locale.
//
// # Error messages
//
// Errors keep being written in English where they are raised:
// apperr.New(apperr.NotFound, "Patient not found.") and field messages such
// as fields["name"] = "Required.". The English sentence is the source of a
// catalogue entry under err.: its en text is that sentence, with a named
// argument ({{.max}}) where the code formats a value in (%d, + v +). Message
// and (*Localizer).Sentence translate such a sentence back to its entry and
// render it in the asked locale, taking the values out of the English text;
// a message made of several catalogue sentences ("… to scheduled. A
// completed appointment is final.") is translated sentence by sentence.
//
// This keeps apperr free of any catalogue (it imports nothing of clinic's,
// and every layer can raise errors without knowing about locales), keeps the
// call sites and their tests as they are, and still gives every code path
// one sentence per language: a test walks the Go source of internal/ and
// fails when an English message there has no err. entry, so an untranslated
// message cannot land. i18n imports apperr, not the reverse: translation is
// a concern of the edges (httpapi, web) that answer a person.
//
// A sentence the catalogue does not know (which that test should have made
// impossible) is returned as it is, in English, and logged once.
//
// # Formatting
//
// A Localizer formats dates, times, weekday and month names, numbers and
// money (integer cents of BRL) as each market reads them; CPF and Phone
// format documents the same way in every locale.
package i18n
