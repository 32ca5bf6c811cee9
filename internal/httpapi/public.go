package httpapi

import (
	"net/http"
	"strings"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/booking"
	"clinic/internal/kernel"
	"clinic/internal/patient"
)

// The public booking page's API: no login, behind the cross-site check,
// every request counted against RATE_LIMIT_PUBLIC_IP and every booking
// against RATE_LIMIT_PUBLIC_PHONE too.

// publicLimit counts a public page request of the caller's IP.
func (s *Server) publicLimit(w http.ResponseWriter, r *http.Request) error {
	return s.limit(w, r, "public:ip", s.clientIP(r), s.Config.RatePublicIP)
}

type publicSlotsJSON struct {
	Slots []booking.Slot `json:"slots"`
}

// publicClinic answers what the public page shows of a clinic.
func (s *Server) publicClinic(w http.ResponseWriter, r *http.Request) error {
	if err := s.publicLimit(w, r); err != nil {
		return err
	}
	c, err := s.Booking.Clinic(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// publicSlots answers the free slots of a procedure.
func (s *Server) publicSlots(w http.ResponseWriter, r *http.Request) error {
	if err := s.publicLimit(w, r); err != nil {
		return err
	}
	q := r.URL.Query()
	in := booking.SlotQuery{ProcedureID: q.Get("procedure_id"), ProfessionalID: q.Get("professional_id"), From: q.Get("from")}
	if v := q.Get("days"); v != "" {
		n, msg := kernel.ParseInt(v, 1, booking.MaxDays)
		if msg != "" {
			return apperr.Validation(map[string]string{"days": msg})
		}
		in.Days = n
	}
	slots, err := s.Booking.Slots(r.Context(), r.PathValue("slug"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, publicSlotsJSON{Slots: slots})
	return nil
}

// publicBook books an appointment from the public page.
func (s *Server) publicBook(w http.ResponseWriter, r *http.Request) error {
	if err := s.publicLimit(w, r); err != nil {
		return err
	}
	var in booking.Input
	if err := decodeJSON(w, r, s.Config.MaxBodyBytes, &in); err != nil {
		return err
	}
	// Per phone, however it is written: its E.164 form when it parses (an
	// unparsable one is refused by the service, counted as written).
	phone := strings.TrimSpace(in.Phone)
	if e, err := patient.ParsePhone(phone); err == nil {
		phone = e
	}
	if phone != "" {
		if err := s.limit(w, r, "public:phone", phone, s.Config.RatePublicPhone); err != nil {
			return err
		}
	}
	in.SourceIP = s.clientIP(r)
	ctx := audit.WithActor(r.Context(), audit.Actor{IP: in.SourceIP, RequestID: requestID(r.Context())})
	c, err := s.Booking.Book(ctx, r.PathValue("slug"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}
