package appointment

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// The agenda is the busiest answer of the API: Page and Appointment encode
// themselves by appending bytes, without reflection, in exactly the shape
// their struct tags describe.

// AppendJSON appends p encoded as JSON to b.
func (p Page) AppendJSON(b []byte) []byte {
	b = append(b, `{"items":[`...)
	for i := range p.Items {
		if i > 0 {
			b = append(b, ',')
		}
		b = p.Items[i].AppendJSON(b)
	}
	b = append(b, ']')
	if p.NextCursor != "" {
		b = append(b, `,"next_cursor":`...)
		b = appendString(b, p.NextCursor)
	}
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler.
func (p Page) MarshalJSON() ([]byte, error) {
	return p.AppendJSON(make([]byte, 0, 512*len(p.Items)+32)), nil
}

// AppendJSON appends a encoded as JSON to b.
func (a *Appointment) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, a.ID)
	b = append(b, `,"patient_id":`...)
	b = appendString(b, a.PatientID)
	b = append(b, `,"patient_name":`...)
	b = appendString(b, a.PatientName)
	b = append(b, `,"professional_id":`...)
	b = appendString(b, a.ProfessionalID)
	b = append(b, `,"professional_name":`...)
	b = appendString(b, a.ProfessionalName)
	if a.RoomID != "" {
		b = append(b, `,"room_id":`...)
		b = appendString(b, a.RoomID)
	}
	if a.RoomName != "" {
		b = append(b, `,"room_name":`...)
		b = appendString(b, a.RoomName)
	}
	b = append(b, `,"starts_at":`...)
	b = appendTime(b, a.StartsAt)
	b = append(b, `,"ends_at":`...)
	b = appendTime(b, a.EndsAt)
	b = append(b, `,"procedure":`...)
	b = appendString(b, a.Procedure)
	if a.ProcedureID != "" {
		b = append(b, `,"procedure_id":`...)
		b = appendString(b, a.ProcedureID)
	}
	if a.ProcedureColor != "" {
		b = append(b, `,"procedure_color":`...)
		b = appendString(b, a.ProcedureColor)
	}
	if a.Notes != nil {
		b = append(b, `,"notes":`...)
		b = appendString(b, *a.Notes)
	}
	b = append(b, `,"status":`...)
	b = appendString(b, string(a.Status))
	if a.SeriesID != "" {
		b = append(b, `,"series_id":`...)
		b = appendString(b, a.SeriesID)
	}
	if a.CreatedBy != "" {
		b = append(b, `,"created_by":`...)
		b = appendString(b, a.CreatedBy)
	}
	b = append(b, `,"created_at":`...)
	b = appendTime(b, a.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, a.UpdatedAt)
	if len(a.Events) > 0 {
		ev, err := json.Marshal(a.Events)
		if err == nil { // a slice of plain structs always marshals
			b = append(b, `,"events":`...)
			b = append(b, ev...)
		}
	}
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler.
func (a Appointment) MarshalJSON() ([]byte, error) { return a.AppendJSON(make([]byte, 0, 512)), nil }

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hex = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json does
// (control characters, quotes, backslashes, <, >, &, U+2028, U+2029; invalid
// UTF-8 becomes U+FFFD).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
