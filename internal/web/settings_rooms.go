package web

import (
	"net/http"

	"clinic/internal/httpx"
	"clinic/internal/kernel"
	"clinic/internal/schedule"
)

type settingsRoomsData struct {
	Items []schedule.Room
	// Renaming is the room whose rename the server refused ("" for none):
	// its row shows what was typed and the message.
	Renaming string
	// RenameForm is the form of that row, AddForm the one that adds rooms.
	RenameForm, AddForm *form
}

func (s *Server) settingsRoomsPage(w http.ResponseWriter, r *http.Request, status int, add, rename *form) error {
	v := s.settingsView(w, r, "rooms")
	items, err := s.Schedule.Rooms(r.Context(), httpx.PrincipalOf(r.Context()).ClinicID, schedule.RoomFilter{})
	if err != nil {
		return err
	}
	d := settingsRoomsData{Items: items, AddForm: add, RenameForm: rename}
	if add == nil {
		d.AddForm = newForm()
	}
	if rename == nil {
		d.RenameForm = newForm()
	} else {
		d.Renaming = r.PathValue("id")
	}
	form := d.AddForm
	if rename != nil {
		form = rename
	}
	s.render(w, r, status, "settings-rooms", page{Title: v.L.T("settings.rooms.title"), Form: form, Data: d})
	return nil
}

func (s *Server) settingsRooms(w http.ResponseWriter, r *http.Request) error {
	return s.settingsRoomsPage(w, r, http.StatusOK, nil, nil)
}

func (s *Server) settingsRoomCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	if err == nil {
		_, err = s.Schedule.CreateRoom(r.Context(), httpx.PrincipalOf(r.Context()), schedule.RoomInput{Name: f.Get("name")})
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.settingsRoomsPage(w, r, status, f, nil) })
	}
	return s.settingsDone(w, r, "/rooms", "settings.flash.room_created")
}

// settingsRoomSave renames a room (action "rename"), or takes it out of use
// or back ("deactivate", "activate"), through the service method of the
// API's PATCH.
func (s *Server) settingsRoomSave(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseForm(w, r)
	flash := ""
	if err == nil {
		var in schedule.RoomPatch
		switch f.Get("action") {
		case "deactivate":
			in.Active, flash = kernel.Some(false), "settings.flash.room_deactivated"
		case "activate":
			in.Active, flash = kernel.Some(true), "settings.flash.room_activated"
		default:
			in.Name, flash = kernel.Some(f.Get("name")), "settings.flash.room_renamed"
		}
		_, err = s.Schedule.UpdateRoom(r.Context(), httpx.PrincipalOf(r.Context()), r.PathValue("id"), in)
	}
	if err != nil {
		return s.settingsRefused(w, r, f, err, func(status int) error { return s.settingsRoomsPage(w, r, status, nil, f) })
	}
	return s.settingsDone(w, r, "/rooms", flash)
}
