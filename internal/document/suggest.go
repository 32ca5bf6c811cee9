package document

import (
	"regexp"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"clinic/internal/kernel"
	"clinic/internal/patient"
)

// The fields a suggestion fills.
const (
	FieldCPF           = "cpf"
	FieldBirthDate     = "birth_date"
	FieldDate          = "date"
	FieldInsuranceCard = "insurance_card"
	FieldName          = "name"
	FieldPhone         = "phone"
)

// Found is a value read in a document's text.
type Found struct {
	Field string
	// Value is normalised: CPF 11 digits, dates YYYY-MM-DD, phone E.164,
	// card number as printed (digits and separators), name as printed.
	Value string
}

var (
	reCPF   = regexp.MustCompile(`(?:^|[^0-9])(\d{3}[. ]?\d{3}[. ]?\d{3}[- .]?\d{2})(?:[^0-9]|$)`)
	reDate  = regexp.MustCompile(`(?:^|[^0-9])(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:[^0-9]|$)`)
	reBirth = regexp.MustCompile(`(nasc|nascimento|birth|d\.?\s?n\.?\s*:|dn\s*:)`)
	reCard  = regexp.MustCompile(`(?:carteirinha|cartao|matricula|n[o°º]?\.?\s*da\s*carteira|card\s*number|numero\s*da\s*carteira)[^0-9\n]{0,20}([0-9][0-9 .\-/]{3,30}[0-9])`)
	rePhone = regexp.MustCompile(`(?:^|[^0-9+])((?:\+?55[\s.]*)?\(?\d{2}\)?[\s.]*9?\d{4}[\s.\-]?\d{4})(?:[^0-9]|$)`)
)

// fold lower-cases s and drops its accents, keeping every other character
// (and so the offsets of ASCII text).
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Suggest reads what the text suggests for the patient's record: valid
// CPFs, dates (a birth date when labelled so), insurance card numbers
// after their labels, Brazilian phone numbers, and the patient's name
// when it is there (accents and case aside). now bounds the dates (none
// in the future is a birth date). Each value once, in the order found.
func Suggest(text, patientName string, now time.Time) []Found {
	var out []Found
	seen := map[Found]bool{}
	add := func(f Found) {
		if f.Value != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		fl := fold(line)
		for _, m := range reCPF.FindAllStringSubmatch(line, -1) {
			if cpf, err := patient.ParseCPF(m[1]); err == nil {
				add(Found{FieldCPF, cpf})
			}
		}
		for _, m := range reDate.FindAllStringSubmatchIndex(fl, -1) {
			d, ok := parseDate(fl[m[2]:m[3]], fl[m[4]:m[5]], fl[m[6]:m[7]], now)
			if !ok {
				continue
			}
			if reBirth.MatchString(fl[:m[2]]) && d <= now.Format(time.DateOnly) {
				add(Found{FieldBirthDate, d})
			} else {
				add(Found{FieldDate, d})
			}
		}
		cards := reCard.FindAllStringSubmatch(fl, -1)
		for _, m := range cards {
			v := strings.TrimSpace(m[1])
			if _, err := patient.ParseCPF(v); err == nil {
				continue // a CPF after "cartão": suggested as a CPF
			}
			if digits(v) >= 6 {
				add(Found{FieldInsuranceCard, v})
			}
		}
		// A number on a CPF's or a card's line is not a phone.
		if !strings.Contains(fl, "cpf") && len(cards) == 0 {
			for _, m := range rePhone.FindAllStringSubmatch(line, -1) {
				if digits(m[1]) < 10 {
					continue
				}
				if ph, err := patient.ParsePhone(m[1]); err == nil && strings.HasPrefix(ph, "+55") {
					add(Found{FieldPhone, ph})
				}
			}
		}
	}
	if name := kernel.FoldText(patientName); name != "" {
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(" "+kernel.FoldText(line)+" ", " "+name+" ") {
				add(Found{FieldName, patientName})
				break
			}
		}
	}
	return out
}

func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// parseDate reads day, month and year (two digits: 19xx or 20xx, whichever
// is not in the future) as YYYY-MM-DD.
func parseDate(d, m, y string, now time.Time) (string, bool) {
	if len(y) == 2 {
		century := "20"
		if "20"+y > now.Format("2006") {
			century = "19"
		}
		y = century + y
	}
	if len(d) == 1 {
		d = "0" + d
	}
	if len(m) == 1 {
		m = "0" + m
	}
	s := y + "-" + m + "-" + d
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 1900 || t.Year() > now.Year()+30 {
		return "", false
	}
	return s, true
}
