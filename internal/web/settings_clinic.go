package web

import (
	"net/http"

	"clinic/internal/account"
	"clinic/internal/httpx"
	"clinic/internal/kernel"
)

// settingsTimeZones are offered as suggestions for the clinic's time zone
// (Brazil's, then a few others); any zone account.ValidTimeZone takes can
// be typed.
var settingsTimeZones = []string{
	"America/Sao_Paulo", "America/Bahia", "America/Fortaleza", "America/Recife", "America/Maceio", "America/Belem",
	"America/Araguaina", "America/Santarem", "America/Manaus", "America/Cuiaba", "America/Campo_Grande",
	"America/Porto_Velho", "America/Boa_Vista", "America/Rio_Branco", "America/Eirunepe", "America/Noronha",
	"Europe/Lisbon", "UTC",
}

type settingsClinicData struct {
	Clinic    account.Clinic
	TimeZones []string
	Locales   []string
	// PublicURL is the address of the public booking page.
	PublicURL string
}

func (s *Server) settingsClinicPage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := s.settingsView(w, r, "settings")
	c, err := s.Accounts.Clinic(r.Context(), httpx.PrincipalOf(r.Context()).ClinicID)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm()
		f.Values["name"], f.Values["time_zone"], f.Values["locale"] = c.Name, c.TimeZone, c.Locale
		f.Values["address"], f.Values["phone"] = c.Address, c.Phone
		if c.PublicBooking {
			f.Values["public_booking"] = "on"
		}
	}
	s.render(w, r, status, "settings-clinic", page{Title: v.L.T("settings.clinic.title"), Form: f, Data: settingsClinicData{
		Clinic: c, TimeZones: settingsTimeZones, Locales: account.Locales, PublicURL: s.Config.BaseURL + "/c/" + c.Slug,
	}})
	return nil
}

func (s *Server) settingsClinic(w http.ResponseWriter, r *http.Request) error {
	return s.settingsClinicPage(w, r, http.StatusOK, nil)
}

func (s *Server) settingsClinicSave(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		_, err = s.Accounts.UpdateClinic(r.Context(), httpx.PrincipalOf(r.Context()), account.UpdateClinicInput{
			Name: kernel.Some(f.Get("name")), TimeZone: kernel.Some(f.Get("time_zone")), Locale: kernel.Some(f.Get("locale")),
			PublicBooking: kernel.Some(checked(f, "public_booking")), Address: optText(f, "address"), Phone: optText(f, "phone"),
		})
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.settingsClinicPage(w, r, status, f) })
	}
	return s.settingsDone(w, r, "", "settings.flash.clinic_saved")
}
