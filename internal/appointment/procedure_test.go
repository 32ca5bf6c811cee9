package appointment

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/schedule"
)

func TestBookingWithAProcedure(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		sched := b.svc.schedule
		limpeza, err := sched.CreateProcedure(ctx, b.owner, schedule.ProcedureInput{Name: "Limpeza", DefaultDurationMinutes: 40, Color: "#06b6d4"})
		require.NoError(t, err)
		retired, err := sched.CreateProcedure(ctx, b.owner, schedule.ProcedureInput{Name: "Antigo", Active: new(false)})
		require.NoError(t, err)
		other := schedule.NewService(d, nil)
		foreign, err := other.CreateProcedure(ctx, kernel.Principal{ClinicID: b.otherClinicID, Role: kernel.RoleOwner}, schedule.ProcedureInput{Name: "Limpeza"})
		require.NoError(t, err)

		// The procedure's name is copied and its length is the default.
		a, err := b.svc.Create(ctx, b.receptionist, CreateInput{PatientID: b.patientID, ProfessionalID: b.profID, StartsAt: rfc(b.at(0, 9, 0)), ProcedureID: limpeza.ID})
		require.NoError(t, err)
		require.Equal(t, "Limpeza", a.Procedure)
		require.Equal(t, limpeza.ID, a.ProcedureID)
		require.Equal(t, "#06b6d4", a.ProcedureColor)
		require.Equal(t, 40*time.Minute, a.EndsAt.Sub(a.StartsAt), "the procedure's length, not the professional's 45 minutes")
		got, err := b.svc.Get(ctx, b.owner, a.ID)
		require.NoError(t, err)
		require.Equal(t, limpeza.ID, got.ProcedureID)
		require.Equal(t, "#06b6d4", got.ProcedureColor)
		// A given duration wins.
		a2, err := b.svc.Create(ctx, b.receptionist, CreateInput{PatientID: b.patientID, ProfessionalID: b.profID, StartsAt: rfc(b.at(0, 10, 0)),
			ProcedureID: limpeza.ID, DurationMinutes: 20})
		require.NoError(t, err)
		require.Equal(t, 20*time.Minute, a2.EndsAt.Sub(a2.StartsAt))

		// The agenda says the procedure and its colour, in one query.
		page, err := b.svc.List(ctx, b.owner, ListFilter{From: b.at(0, 0, 0), To: b.at(1, 0, 0)})
		require.NoError(t, err)
		require.Len(t, page.Items, 2)
		require.Equal(t, "#06b6d4", page.Items[0].ProcedureColor)
		body, _, err := b.svc.ListJSON(ctx, b.owner, ListFilter{From: b.at(0, 0, 0), To: b.at(1, 0, 0)}, nil)
		require.NoError(t, err)
		var decoded struct {
			Items []struct {
				ProcedureID    string `json:"procedure_id"`
				ProcedureColor string `json:"procedure_color"`
			}
		}
		require.NoError(t, json.Unmarshal(body, &decoded))
		require.Equal(t, limpeza.ID, decoded.Items[0].ProcedureID)

		before := appointmenttest.Count(t, d, b.clinicID)
		tests := []struct {
			name  string
			in    CreateInput
			code  apperr.Code
			field string
		}{
			{"another clinic's procedure", CreateInput{ProcedureID: foreign.ID}, apperr.NotFound, ""},
			{"an unknown procedure", CreateInput{ProcedureID: kernel.NewID()}, apperr.NotFound, ""},
			{"an inactive procedure", CreateInput{ProcedureID: retired.ID}, apperr.Invalid, "procedure_id"},
			{"not an id", CreateInput{ProcedureID: "limpeza"}, apperr.Invalid, "procedure_id"},
			{"both procedure and procedure_id", CreateInput{ProcedureID: limpeza.ID, Procedure: "Outra"}, apperr.Invalid, "procedure"},
		}
		for i, tt := range tests {
			in := tt.in
			in.PatientID, in.ProfessionalID, in.StartsAt = b.patientID, b.profID, rfc(b.at(1, 8+i, 0))
			_, err := b.svc.Create(ctx, b.receptionist, in)
			e := requireCode(t, err, tt.code)
			if tt.field != "" {
				require.Contains(t, e.Fields, tt.field, tt.name)
			}
		}
		require.Equal(t, before, appointmenttest.Count(t, d, b.clinicID), "refused bookings write nothing")

		// Update: a procedure id sets the name; null clears the id and keeps
		// the name; the history says the procedure changed.
		consulta, err := sched.CreateProcedure(ctx, b.owner, schedule.ProcedureInput{Name: "Consulta", Color: "#3b82f6"})
		require.NoError(t, err)
		up, err := b.svc.Update(ctx, b.receptionist, a.ID, UpdateInput{ProcedureID: kernel.Some(consulta.ID)})
		require.NoError(t, err)
		require.Equal(t, "Consulta", up.Procedure)
		require.Equal(t, consulta.ID, up.ProcedureID)
		require.Equal(t, "#3b82f6", up.ProcedureColor)
		require.Equal(t, 40*time.Minute, up.EndsAt.Sub(up.StartsAt), "the length stays")
		up, err = b.svc.Update(ctx, b.receptionist, a.ID, UpdateInput{ProcedureID: kernel.Null[string]()})
		require.NoError(t, err)
		require.Equal(t, "Consulta", up.Procedure)
		require.Empty(t, up.ProcedureID)
		got, err = b.svc.Get(ctx, b.owner, a.ID)
		require.NoError(t, err)
		require.Empty(t, got.ProcedureID)
		require.Equal(t, []string{"procedure"}, got.Events[len(got.Events)-1].Changed)
		_, err = b.svc.Update(ctx, b.receptionist, a.ID, UpdateInput{ProcedureID: kernel.Some(retired.ID)})
		requireCode(t, err, apperr.Invalid)
		_, err = b.svc.Update(ctx, b.professional, a.ID, UpdateInput{ProcedureID: kernel.Some(consulta.ID)})
		requireCode(t, err, apperr.Forbidden)
	})
}

func TestInactiveRoomCannotBeBooked(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		_, err := b.svc.schedule.UpdateRoom(ctx, b.owner, b.roomID, schedule.RoomPatch{Active: kernel.Some(false)})
		require.NoError(t, err)
		_, err = b.svc.Create(ctx, b.receptionist, CreateInput{PatientID: b.patientID, ProfessionalID: b.profID, RoomID: b.roomID, StartsAt: rfc(b.at(0, 9, 0))})
		e := requireCode(t, err, apperr.Invalid)
		require.Contains(t, e.Fields, "room_id")
		a := b.book(t, b.profID, "", b.at(0, 9, 0), 30)
		_, err = b.svc.Update(ctx, b.receptionist, a.ID, UpdateInput{RoomID: kernel.Some(b.roomID)})
		e = requireCode(t, err, apperr.Invalid)
		require.Contains(t, e.Fields, "room_id")

		// Working hours in a room that went out of use book without a room.
		_, err = b.svc.schedule.UpdateRoom(ctx, b.owner, b.roomOfHoursID, schedule.RoomPatch{Active: kernel.Some(false)})
		require.NoError(t, err)
		a = b.book(t, b.roomProfID, "", b.at(0, 9, 0), 30)
		require.Empty(t, a.RoomID)
	})
}
