package i18n

import (
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// layout is how a locale writes dates, times and numbers.
type layout struct {
	date, time, dateTime string // time.Format layouts
	group, decimal       byte   // digit group and decimal separators
	money                string // what comes before the amount
}

// layouts holds each locale's formats: pt-BR as Brazilians write them
// (31/12/2026, 14:30, R$ 1.234,56), English as in the US (Dec 31, 2026,
// 2:30 PM, R$1,234.56): the month spelt out, so that a date never reads as
// the other market's day/month order.
var layouts = map[Locale]layout{
	PtBR: {date: "02/01/2006", time: "15:04", dateTime: "02/01/2006 15:04", group: '.', decimal: ',', money: "R$ "},
	En:   {date: "Jan 2, 2006", time: "3:04 PM", dateTime: "Jan 2, 2006, 3:04 PM", group: ',', decimal: '.', money: "R$"},
}

func (l *Localizer) layout() layout { return layouts[l.locale] }

// Date formats the calendar date of t in t's location (convert it to the
// clinic's time zone first): 01/12/2026 in pt-BR, Dec 1, 2026 in English.
func (l *Localizer) Date(t time.Time) string { return t.Format(l.layout().date) }

// Time formats the time of day of t in t's location: 14:30 in pt-BR,
// 2:30 PM in English.
func (l *Localizer) Time(t time.Time) string { return t.Format(l.layout().time) }

// DateTime formats the date and time of t in t's location:
// 01/12/2026 14:30 in pt-BR, Dec 1, 2026, 2:30 PM in English.
func (l *Localizer) DateTime(t time.Time) string { return t.Format(l.layout().dateTime) }

// DateLong spells out the date of t in t's location, with its weekday:
// "terça-feira, 1 de dezembro de 2026", "Tuesday, December 1, 2026".
func (l *Localizer) DateLong(t time.Time) string {
	return l.T("format.date_long", "weekday", l.Weekday(t.Weekday()), "day", t.Day(),
		"month", l.Month(t.Month()), "year", t.Year())
}

var weekdayIDs = [...]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

var monthIDs = [...]string{"january", "february", "march", "april", "may", "june",
	"july", "august", "september", "october", "november", "december"}

// Weekday names d as running text does: "terça-feira", "Tuesday".
func (l *Localizer) Weekday(d time.Weekday) string {
	if d < time.Sunday || d > time.Saturday {
		return d.String()
	}
	return l.T("weekday." + weekdayIDs[d])
}

// WeekdayShort abbreviates d as calendars do: "ter", "Tue".
func (l *Localizer) WeekdayShort(d time.Weekday) string {
	if d < time.Sunday || d > time.Saturday {
		return d.String()
	}
	return l.T("weekday.short." + weekdayIDs[d])
}

// Month names m as running text does: "dezembro", "December".
func (l *Localizer) Month(m time.Month) string {
	if m < time.January || m > time.December {
		return m.String()
	}
	return l.T("month." + monthIDs[m-1])
}

// MonthShort abbreviates m: "dez", "Dec".
func (l *Localizer) MonthShort(m time.Month) string {
	if m < time.January || m > time.December {
		return m.String()
	}
	return l.T("month.short." + monthIDs[m-1])
}

// Number formats a whole number with the locale's digit groups:
// 1.234.567 in pt-BR, 1,234,567 in English.
func (l *Localizer) Number(n int64) string {
	sign, digits := splitSign(n)
	return sign + group(digits, l.layout().group)
}

// Money formats an amount of Brazilian reais given in cents (money is never
// a float in clinic): R$ 1.234,56 and -R$ 1.234,56 in pt-BR, R$1,234.56
// and -R$1,234.56 in English.
func (l *Localizer) Money(cents int64) string {
	lay := l.layout()
	sign, digits := splitSign(cents)
	if len(digits) < 3 {
		digits = strings.Repeat("0", 3-len(digits)) + digits
	}
	whole, frac := digits[:len(digits)-2], digits[len(digits)-2:]
	return sign + lay.money + group(whole, lay.group) + string(lay.decimal) + frac
}

// splitSign returns "-" or "" and the decimal digits of |n| (for every
// int64, math.MinInt64 included).
func splitSign(n int64) (string, string) {
	if n < 0 {
		return "-", strconv.FormatUint(uint64(-n), 10) // -MinInt64 wraps to itself, whose uint64 is 2^63
	}
	return "", strconv.FormatUint(uint64(n), 10)
}

// group inserts sep between groups of three digits.
func group(digits string, sep byte) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	head := len(digits) % 3
	if head > 0 {
		b.WriteString(digits[:head])
	}
	for i := head; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(sep)
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// CPF formats the 11 digits of a CPF as 123.456.789-09. Anything else (a
// CPF already formatted, another length, other characters) is returned
// unchanged: CPF formats, it does not validate.
func CPF(digits string) string {
	if len(digits) != 11 {
		return digits
	}
	for i := range len(digits) {
		if digits[i] < '0' || digits[i] > '9' {
			return digits
		}
	}
	return digits[:3] + "." + digits[3:6] + "." + digits[6:9] + "-" + digits[9:]
}

// brazil is Brazil's country calling code.
const brazil = 55

// Phone formats a phone number stored in E.164 (+5511987654321) as people
// write it: a Brazilian number in the national format, "(11) 98765-4321",
// any other in the international one, "+351 912 345 678". Anything that is
// not a number in E.164 is returned unchanged.
func Phone(e164 string) string {
	if len(e164) < 2 || e164[0] != '+' {
		return e164
	}
	for i := 1; i < len(e164); i++ {
		if e164[i] < '0' || e164[i] > '9' {
			return e164
		}
	}
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	if n.GetCountryCode() == brazil {
		return phonenumbers.Format(n, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}
