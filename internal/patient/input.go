package patient

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
)

// Input creates a patient (absent and null fields are empty) or changes one
// (PATCH: absent fields keep their value, null clears an optional field,
// nested objects merge the same way).
type Input struct {
	FullName   kernel.Opt[string]         `json:"full_name,omitzero" nullable:"false"`
	SocialName kernel.Opt[string]         `json:"social_name,omitzero"`
	CPF        kernel.Opt[string]         `json:"cpf,omitzero"`
	BirthDate  kernel.Opt[string]         `json:"birth_date,omitzero"`
	Sex        kernel.Opt[string]         `json:"sex,omitzero"`
	Phone      kernel.Opt[string]         `json:"phone,omitzero"`
	Email      kernel.Opt[string]         `json:"email,omitzero"`
	Address    kernel.Opt[AddressInput]   `json:"address,omitzero"`
	Insurance  kernel.Opt[InsuranceInput] `json:"insurance,omitzero"`
	Notes      kernel.Opt[string]         `json:"notes,omitzero" text:"multiline"`
	Consents   kernel.Opt[ConsentsInput]  `json:"consents,omitzero" nullable:"false"`
}

// AddressInput sets fields of an Address.
type AddressInput struct {
	Street     kernel.Opt[string] `json:"street,omitzero"`
	Number     kernel.Opt[string] `json:"number,omitzero"`
	Complement kernel.Opt[string] `json:"complement,omitzero"`
	District   kernel.Opt[string] `json:"district,omitzero"`
	City       kernel.Opt[string] `json:"city,omitzero"`
	State      kernel.Opt[string] `json:"state,omitzero"`
	Zip        kernel.Opt[string] `json:"zip,omitzero"`
}

// InsuranceInput sets fields of an Insurance.
type InsuranceInput struct {
	Plan       kernel.Opt[string] `json:"plan,omitzero"`
	CardNumber kernel.Opt[string] `json:"card_number,omitzero"`
	ValidUntil kernel.Opt[string] `json:"valid_until,omitzero"`
}

// ConsentsInput gives (true) or withdraws (false) consent per channel; the
// server stamps the time whenever a value changes.
type ConsentsInput struct {
	WhatsApp kernel.Opt[bool] `json:"whatsapp,omitzero" nullable:"false"`
	SMS      kernel.Opt[bool] `json:"sms,omitzero" nullable:"false"`
	Email    kernel.Opt[bool] `json:"email,omitzero" nullable:"false"`
}

// Field length limits, in characters.
const (
	maxName  = 200
	maxShort = 60
	maxText  = 200
	maxNotes = 20000
)

// ufs lists Brazil's states (UF).
const ufs = "AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO"

// checker collects field errors.
type checker map[string]string

func (c checker) add(field, msg string) {
	if _, ok := c[field]; !ok {
		c[field] = msg
	}
}

// text applies a free-text field: trimmed, inner whitespace collapsed unless
// multiline, at most max characters, no control characters.
func (c checker) text(dst *string, o kernel.Opt[string], field string, limit int, multiline bool) {
	if !o.Set {
		return
	}
	v := o.V
	if multiline {
		v = strings.TrimSpace(v)
	} else {
		v = strings.Join(strings.Fields(v), " ")
	}
	for _, r := range v {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r')) {
			c.add(field, "Must not contain control characters.")
			return
		}
	}
	if utf8.RuneCountInString(v) > limit {
		c.add(field, "Must be at most "+strconv.Itoa(limit)+" characters.")
		return
	}
	*dst = v
}

// cleared reports whether o clears its field (null or blank).
func cleared(o kernel.Opt[string]) bool { return o.Null || strings.TrimSpace(o.V) == "" }

// apply validates in and applies it to p (the zero Patient for a new one);
// now stamps consent changes. It returns the field errors, if any.
func (in Input) apply(p *Patient, now time.Time) map[string]string {
	c := checker{}
	c.text(&p.FullName, in.FullName, "full_name", maxName, false)
	if p.FullName == "" {
		c.add("full_name", "Required.")
	}
	c.text(&p.SocialName, in.SocialName, "social_name", maxName, false)
	c.text(&p.Sex, in.Sex, "sex", maxShort, false)
	c.text(&p.Notes, in.Notes, "notes", maxNotes, true)

	if o := in.CPF; o.Set {
		if cleared(o) {
			p.CPF = ""
		} else if d, err := ParseCPF(o.V); err != nil {
			c.add("cpf", apperr.As(err).Message)
		} else {
			p.CPF = d
		}
	}
	if o := in.Phone; o.Set {
		if cleared(o) {
			p.Phone = ""
		} else if e, err := ParsePhone(o.V); err != nil {
			c.add("phone", apperr.As(err).Message)
		} else {
			p.Phone = e
		}
	}
	if o := in.Email; o.Set {
		if cleared(o) {
			p.Email = ""
		} else if e, err := kernel.ParseEmail(o.V); err != nil {
			c.add("email", apperr.As(err).Message)
		} else {
			p.Email = e
		}
	}
	if o := in.BirthDate; o.Set {
		if cleared(o) {
			p.BirthDate = ""
		} else if msg := checkBirthDate(o.V, now); msg != "" {
			c.add("birth_date", msg)
		} else {
			p.BirthDate = o.V
		}
	}
	if o := in.Address; o.Set {
		if o.Null {
			p.Address = Address{}
		} else {
			o.V.apply(&p.Address, c)
		}
	}
	if o := in.Insurance; o.Set {
		if o.Null {
			p.Insurance = Insurance{}
		} else {
			o.V.apply(&p.Insurance, c)
		}
	}
	if o := in.Consents; o.Set {
		if o.Null {
			c.add("consents", "Must be an object such as {\"whatsapp\": true}.")
		} else {
			setConsent(&p.Consents.WhatsApp, o.V.WhatsApp, "consents.whatsapp", now, c)
			setConsent(&p.Consents.SMS, o.V.SMS, "consents.sms", now, c)
			setConsent(&p.Consents.Email, o.V.Email, "consents.email", now, c)
		}
	}
	p.searchText = SearchText(p.FullName + " " + p.SocialName)
	if len(c) == 0 {
		return nil
	}
	return c
}

func (in AddressInput) apply(a *Address, c checker) {
	c.text(&a.Street, in.Street, "address.street", maxText, false)
	c.text(&a.Number, in.Number, "address.number", maxShort, false)
	c.text(&a.Complement, in.Complement, "address.complement", maxText, false)
	c.text(&a.District, in.District, "address.district", maxText, false)
	c.text(&a.City, in.City, "address.city", maxText, false)
	if o := in.State; o.Set {
		uf := strings.ToUpper(strings.TrimSpace(o.V))
		switch {
		case cleared(o):
			a.State = ""
		case len(uf) != 2 || !strings.Contains(ufs, uf):
			c.add("address.state", "Must be a state abbreviation (UF) such as SP.")
		default:
			a.State = uf
		}
	}
	if o := in.Zip; o.Set {
		if cleared(o) {
			a.Zip = ""
		} else if z, ok := parseCEP(o.V); !ok {
			c.add("address.zip", "Must be a CEP of 8 digits such as 01310-100.")
		} else {
			a.Zip = z
		}
	}
}

func (in InsuranceInput) apply(ins *Insurance, c checker) {
	c.text(&ins.Plan, in.Plan, "insurance.plan", maxText, false)
	c.text(&ins.CardNumber, in.CardNumber, "insurance.card_number", maxShort, false)
	if o := in.ValidUntil; o.Set {
		if cleared(o) {
			ins.ValidUntil = ""
		} else if _, msg := kernel.ParseDate(o.V, "Must be a date YYYY-MM-DD."); msg != "" {
			c.add("insurance.valid_until", msg)
		} else {
			ins.ValidUntil = o.V
		}
	}
}

func setConsent(dst *Consent, o kernel.Opt[bool], field string, now time.Time, c checker) {
	switch {
	case !o.Set:
	case o.Null:
		c.add(field, "Must be true or false.")
	case dst.At == nil || dst.Granted != o.V:
		at := now
		*dst = Consent{Granted: o.V, At: &at}
	}
}

// checkBirthDate returns why s is not an acceptable birth date, or "".
func checkBirthDate(s string, now time.Time) string {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return "Must be a date YYYY-MM-DD."
	}
	// The latest date that is today anywhere on Earth (UTC+14).
	today := now.UTC().Add(14 * time.Hour).Format(time.DateOnly)
	if s > today {
		return "Must not be in the future."
	}
	if d.Year() < 1900 {
		return "Must be in 1900 or later."
	}
	return ""
}

// parseCEP accepts 01310-100 or 01310100 and returns 01310-100.
func parseCEP(s string) (string, bool) {
	d := strings.NewReplacer("-", "", ".", "", " ", "").Replace(strings.TrimSpace(s))
	if len(d) != 8 {
		return "", false
	}
	for i := range len(d) {
		if d[i] < '0' || d[i] > '9' {
			return "", false
		}
	}
	return d[:5] + "-" + d[5:], true
}
