package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	pathpkg "path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/nicksnyder/go-i18n/v2/i18n/template"
)

//go:embed locales/*.toml
var localeFiles embed.FS

// countArg is the template argument that also chooses the plural form.
const countArg = "count"

// textParser renders the messages; a template argument the caller did not give
// is an error (and so a logged fallback), never "<no value>".
var textParser = &template.TextParser{Option: "missingkey=error"}

// catalogue is the parsed, embedded catalogue.
type catalogue struct {
	bundle *goi18n.Bundle
	// messages holds each locale's messages by ID.
	messages   map[Locale]map[string]*goi18n.Message
	localizers map[Locale]*Localizer
	sentences  *sentenceIndex
}

// cat is loaded once from the embedded files: a malformed file is a bug
// of the build, which every test of this package reveals.
var cat = sync.OnceValue(func() *catalogue {
	c, err := load()
	if err != nil {
		panic("i18n: " + err.Error())
	}
	return c
})

func load() (*catalogue, error) {
	b := goi18n.NewBundle(supported[0].tag)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &catalogue{bundle: b, messages: map[Locale]map[string]*goi18n.Message{}, localizers: map[Locale]*Localizer{}}
	// Each locale's messages may be split over several files:
	// locales/<locale>.toml and locales/<area>.<locale>.toml (one per part
	// of the UI, so that parts are written side by side); an id is defined
	// in one file only.
	for _, sup := range supported {
		byID := map[string]*goi18n.Message{}
		paths, err := fs.Glob(localeFiles, "locales/*.toml")
		if err != nil {
			return nil, err
		}
		for _, path := range paths {
			base := strings.TrimSuffix(pathpkg.Base(path), ".toml")
			if base != string(sup.locale) && !strings.HasSuffix(base, "."+string(sup.locale)) {
				continue
			}
			f, err := b.LoadMessageFileFS(localeFiles, path)
			if err != nil {
				return nil, fmt.Errorf("load %s: %w", path, err)
			}
			if f.Tag != sup.tag {
				return nil, fmt.Errorf("%s: language %s, want %s", path, f.Tag, sup.tag)
			}
			for _, m := range f.Messages {
				if _, dup := byID[m.ID]; dup {
					return nil, fmt.Errorf("%s: message %s is defined in another file too", path, m.ID)
				}
				byID[m.ID] = m
			}
		}
		if len(byID) == 0 {
			return nil, fmt.Errorf("no messages for %s", sup.locale)
		}
		c.messages[sup.locale] = byID
		c.localizers[sup.locale] = &Localizer{locale: sup.locale, loc: goi18n.NewLocalizer(b, string(sup.locale))}
	}
	idx, err := newSentenceIndex(c.messages[En])
	if err != nil {
		return nil, err
	}
	c.sentences = idx
	return c, nil
}

// Localizer renders the catalogue's messages and formats values for one
// locale. It is safe for concurrent use; For returns a shared one per
// locale.
type Localizer struct {
	locale Locale
	loc    *goi18n.Localizer
}

// For returns the Localizer of l; an unsupported l gets Default's.
func For(l Locale) *Localizer {
	c := cat()
	if loc, ok := c.localizers[l]; ok {
		return loc
	}
	return c.localizers[Default]
}

// Locale returns the locale l speaks.
func (l *Localizer) Locale() Locale { return l.locale }

// T returns the message id in l's locale, its template filled with the
// name/value pairs kv ("name", "Ana", "count", 3). A "count" argument (an
// integer, or a string holding a number) also chooses the plural form.
//
// An id the catalogue lacks is returned as it is, so a page shows
// "nav.agenda" rather than nothing, and logged once; so is a message whose
// template needs an argument kv does not give. Tests should catch both
// first (see Missing).
func (l *Localizer) T(id string, kv ...any) string {
	var data map[string]any
	var count any
	if len(kv) > 0 {
		data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			name, ok := kv[i].(string)
			if !ok {
				logOnce("bad_args:"+id, "i18n: message arguments must be name/value pairs", "id", id)
				continue
			}
			data[name] = kv[i+1]
			if name == countArg {
				count = kv[i+1]
			}
		}
		if len(kv)%2 != 0 {
			logOnce("bad_args:"+id, "i18n: message arguments must be name/value pairs", "id", id)
		}
	}
	if _, ok := cat().messages[l.locale][id]; !ok {
		logOnce("missing:"+string(l.locale)+":"+id, "i18n: message not in the catalogue", "id", id, "locale", l.locale)
		return id
	}
	msg, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count, TemplateParser: textParser})
	if err != nil {
		logOnce("render:"+string(l.locale)+":"+id, "i18n: message cannot be rendered", "id", id, "locale", l.locale, "err", err)
		if msg == "" {
			return id
		}
	}
	return msg
}

// Has reports whether id is in the catalogue of every supported locale.
func Has(id string) bool {
	return len(Missing(id)) == 0
}

// Missing returns those of ids that some supported locale lacks, sorted and
// without repeats: nil when all exist. Tests of the packages that show
// messages assert it is empty for every ID they use:
//
//	require.Empty(t, i18n.Missing("nav.agenda", "action.save"))
func Missing(ids ...string) []string {
	c := cat()
	var out []string
	for _, id := range ids {
		for _, sup := range supported {
			if _, ok := c.messages[sup.locale][id]; !ok {
				out = append(out, id)
				break
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// IDs returns every message ID of the catalogue, sorted (the locales have
// the same IDs; a test checks it).
func IDs() []string {
	m := cat().messages[Default]
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// logged remembers the problems already logged, so that a missing message
// on a busy page is one log line, not one per request. It keeps at most
// maxLogged of them (a message the catalogue lacks may hold values, each
// a new key); past that, problems go unlogged: the tests catch them anyway.
var (
	logged      sync.Map
	loggedCount atomic.Int64
)

const maxLogged = 1000

func logOnce(key, msg string, args ...any) {
	if _, dup := logged.Load(key); dup || loggedCount.Load() >= maxLogged {
		return
	}
	if _, dup := logged.LoadOrStore(key, struct{}{}); !dup {
		loggedCount.Add(1)
		slog.Warn(msg, args...)
	}
}
