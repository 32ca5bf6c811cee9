package i18n

import (
	"strings"

	"golang.org/x/text/language"
)

// Locale names a language of clinic's interface by its BCP 47 tag.
type Locale string

// The locales clinic speaks.
const (
	// PtBR is Brazilian Portuguese.
	PtBR Locale = "pt-BR"
	// En is English.
	En Locale = "en"
)

// Default is the locale of a user who has not chosen one and whose browser
// asks for no supported language.
const Default = PtBR

// supported lists the locales in the order of preference when nothing
// matches (Default first), with their language tags.
var supported = []struct {
	locale Locale
	tag    language.Tag
}{
	{PtBR, language.BrazilianPortuguese},
	{En, language.English},
}

var matcher = language.NewMatcher([]language.Tag{language.BrazilianPortuguese, language.English})

// Supported returns the locales clinic speaks, Default first.
func Supported() []Locale {
	out := make([]Locale, len(supported))
	for i, s := range supported {
		out[i] = s.locale
	}
	return out
}

// String returns the locale's tag, e.g. "pt-BR".
func (l Locale) String() string { return string(l) }

// Parse reads a locale as a user or a setting names it: a language tag in
// any usual spelling ("pt-BR", "pt_br", "pt", "en", "en-US", "EN_gb"). Any
// Portuguese is PtBR and any English is En. It reports false, with Default,
// for anything else (another language, an empty or malformed tag).
func Parse(s string) (Locale, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "_", "-")
	if s == "" {
		return Default, false
	}
	tag, err := language.Parse(s)
	if err != nil {
		return Default, false
	}
	base, conf := tag.Base()
	if conf != language.Exact { // "und" guesses English

		return Default, false
	}
	for _, sup := range supported {
		if b, _ := sup.tag.Base(); b == base {
			return sup.locale, true
		}
	}
	return Default, false
}

// Negotiate picks the supported locale that best matches an Accept-Language
// header ("en-US,en;q=0.9,pt;q=0.8"), honouring the q weights; it returns
// Default (pt-BR) when the header is empty, malformed or names no language
// clinic speaks.
func Negotiate(acceptLanguage string) Locale {
	return NegotiateOr(acceptLanguage, Default)
}

// NegotiateOr is Negotiate with another fallback: it returns fallback when
// the header is empty, malformed or names no language clinic speaks. The
// API uses it with En, so that clients that send no Accept-Language keep
// the English messages they always had.
func NegotiateOr(acceptLanguage string, fallback Locale) Locale {
	if strings.TrimSpace(acceptLanguage) == "" {
		return fallback
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return fallback
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return fallback
	}
	return supported[i].locale
}
