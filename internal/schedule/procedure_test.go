package schedule

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

func TestProcedures(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "America/Sao_Paulo")
		other := setup(t, d, "America/Sao_Paulo")
		var changes []ProcedureChange
		b.svc.onProcedure = append(b.svc.onProcedure, func(_ context.Context, c ProcedureChange) { changes = append(changes, c) })

		p, err := b.svc.CreateProcedure(b.ctx, b.owner, ProcedureInput{Name: "  Avaliação   inicial ", Color: "#AABBCC", BookableOnline: true})
		require.NoError(t, err)
		require.Equal(t, "Avaliação inicial", p.Name)
		require.Equal(t, "#aabbcc", p.Color)
		require.Equal(t, DefaultDurationMinutes, p.DefaultDurationMinutes)
		require.True(t, p.Active)
		require.True(t, p.BookableOnline)
		require.Equal(t, []ProcedureChange{{ClinicID: b.clinicID, ProcedureID: p.ID, Created: true}}, changes)
		consulta, err := b.svc.CreateProcedure(b.ctx, b.owner, ProcedureInput{Name: "Consulta", DefaultDurationMinutes: 20})
		require.NoError(t, err)
		require.Equal(t, DefaultProcedureColor, consulta.Color)
		require.False(t, consulta.BookableOnline)

		// Names are unique among active procedures, without case, accents or
		// punctuation; another clinic may use the name.
		for _, name := range []string{"avaliacao inicial", "AVALIAÇÃO-INICIAL", "Avaliação, inicial"} {
			_, err = b.svc.CreateProcedure(b.ctx, b.owner, ProcedureInput{Name: name})
			require.Equal(t, apperr.Conflict, apperr.CodeOf(err), name)
			require.Contains(t, apperr.As(err).Fields, "name")
		}
		_, err = other.svc.CreateProcedure(other.ctx, other.owner, ProcedureInput{Name: "Avaliação inicial"})
		require.NoError(t, err)

		// Another clinic's procedure is not found, and is left alone.
		_, err = other.svc.Procedure(other.ctx, other.clinicID, p.ID)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
		_, err = other.svc.UpdateProcedure(other.ctx, other.owner, p.ID, ProcedurePatch{Name: kernel.Some("Mine")})
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))

		// A rename and a recolour tell the listeners; absent and null keep.
		changes = nil
		p, err = b.svc.UpdateProcedure(b.ctx, b.owner, p.ID, ProcedurePatch{Name: kernel.Some("Avaliação"), Color: kernel.Some("#112233"),
			DefaultDurationMinutes: kernel.Null[int]()})
		require.NoError(t, err)
		require.Equal(t, "Avaliação", p.Name)
		require.Equal(t, "#112233", p.Color)
		require.Equal(t, DefaultDurationMinutes, p.DefaultDurationMinutes)
		require.Equal(t, []ProcedureChange{{ClinicID: b.clinicID, ProcedureID: p.ID}}, changes)
		changes = nil
		_, err = b.svc.UpdateProcedure(b.ctx, b.owner, p.ID, ProcedurePatch{Name: kernel.Some("Avaliação")})
		require.NoError(t, err)
		require.Empty(t, changes, "nothing changed, nothing told")

		// Deactivated, the name is free again; reactivating it then conflicts.
		_, err = b.svc.UpdateProcedure(b.ctx, b.owner, p.ID, ProcedurePatch{Active: kernel.Some(false)})
		require.NoError(t, err)
		again, err := b.svc.CreateProcedure(b.ctx, b.owner, ProcedureInput{Name: "avaliacao"})
		require.NoError(t, err)
		_, err = b.svc.UpdateProcedure(b.ctx, b.owner, p.ID, ProcedurePatch{Active: kernel.Some(true)})
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err))

		yes, no := true, false
		all, err := b.svc.Procedures(b.ctx, b.clinicID, ProcedureFilter{})
		require.NoError(t, err)
		require.Equal(t, []string{p.ID, again.ID, consulta.ID}, procedureIDs(all), "by folded name, then id")
		active, err := b.svc.Procedures(b.ctx, b.clinicID, ProcedureFilter{Active: &yes})
		require.NoError(t, err)
		require.Equal(t, []string{again.ID, consulta.ID}, procedureIDs(active))
		inactive, err := b.svc.Procedures(b.ctx, b.clinicID, ProcedureFilter{Active: &no})
		require.NoError(t, err)
		require.Equal(t, []string{p.ID}, procedureIDs(inactive))
		online, err := b.svc.Procedures(b.ctx, b.clinicID, ProcedureFilter{Active: &yes, BookableOnline: &yes})
		require.NoError(t, err)
		require.Empty(t, online)
	})
}

func procedureIDs(ps []Procedure) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestProcedureBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "America/Sao_Paulo")
		p, err := b.svc.CreateProcedure(b.ctx, b.owner, ProcedureInput{Name: "Consulta"})
		require.NoError(t, err)
		tests := []struct {
			name  string
			in    ProcedureInput
			patch ProcedurePatch
			field string
		}{
			{"no name", ProcedureInput{Name: "  "}, ProcedurePatch{Name: kernel.Some(" ")}, "name"},
			{"punctuation only", ProcedureInput{Name: "--"}, ProcedurePatch{Name: kernel.Some("..")}, "name"},
			{"long name", ProcedureInput{Name: stringOf('a', 101)}, ProcedurePatch{Name: kernel.Some(stringOf('a', 101))}, "name"},
			{"short", ProcedureInput{Name: "A", DefaultDurationMinutes: 4}, ProcedurePatch{DefaultDurationMinutes: kernel.Some(4)}, "default_duration_minutes"},
			{"long", ProcedureInput{Name: "A", DefaultDurationMinutes: 721}, ProcedurePatch{DefaultDurationMinutes: kernel.Some(721)}, "default_duration_minutes"},
			{"colour", ProcedureInput{Name: "A", Color: "red"}, ProcedurePatch{Color: kernel.Some("#12345")}, "color"},
		}
		for _, tt := range tests {
			_, err := b.svc.CreateProcedure(b.ctx, b.owner, tt.in)
			require.Equal(t, apperr.Invalid, apperr.CodeOf(err), tt.name)
			require.Contains(t, apperr.As(err).Fields, tt.field, tt.name)
			_, err = b.svc.UpdateProcedure(b.ctx, b.owner, p.ID, tt.patch)
			require.Equal(t, apperr.Invalid, apperr.CodeOf(err), tt.name)
			require.Contains(t, apperr.As(err).Fields, tt.field, tt.name)
		}
		all, err := b.svc.Procedures(b.ctx, b.clinicID, ProcedureFilter{})
		require.NoError(t, err)
		require.Len(t, all, 1)
		require.Equal(t, p, all[0])
	})
}

func stringOf(r rune, n int) string {
	b := make([]rune, n)
	for i := range b {
		b[i] = r
	}
	return string(b)
}

func TestRoomsRenameAndDeactivate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "America/Sao_Paulo")
		var changes []RoomChange
		b.svc.onRoom = append(b.svc.onRoom, func(_ context.Context, c RoomChange) { changes = append(changes, c) })
		r1, err := b.svc.CreateRoom(b.ctx, b.owner, RoomInput{Name: "Sala 1"})
		require.NoError(t, err)
		require.True(t, r1.Active)
		r2, err := b.svc.CreateRoom(b.ctx, b.owner, RoomInput{Name: "Sala 2"})
		require.NoError(t, err)

		_, err = b.svc.UpdateRoom(b.ctx, b.owner, r2.ID, RoomPatch{Name: kernel.Some("Sala 1")})
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
		_, err = b.svc.UpdateRoom(b.ctx, b.owner, r2.ID, RoomPatch{Name: kernel.Some("  ")})
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
		require.Empty(t, changes)

		r2, err = b.svc.UpdateRoom(b.ctx, b.owner, r2.ID, RoomPatch{Name: kernel.Some("Consultório 2"), Active: kernel.Some(false)})
		require.NoError(t, err)
		require.Equal(t, "Consultório 2", r2.Name)
		require.False(t, r2.Active)
		require.Equal(t, []RoomChange{{ClinicID: b.clinicID, RoomID: r2.ID}}, changes)

		yes, no := true, false
		active, err := b.svc.Rooms(b.ctx, b.clinicID, RoomFilter{Active: &yes})
		require.NoError(t, err)
		require.Equal(t, []Room{r1}, active)
		inactive, err := b.svc.Rooms(b.ctx, b.clinicID, RoomFilter{Active: &no})
		require.NoError(t, err)
		require.Equal(t, []Room{r2}, inactive)

		// An inactive room is refused for new hours and for availability;
		// hours that already name it count as hours without a room.
		pro, err := b.svc.CreateProfessional(b.ctx, b.owner, ProfessionalInput{Name: "Dra. Ana"})
		require.NoError(t, err)
		mon := int(time.Monday)
		_, err = b.svc.SetWorkingHours(b.ctx, b.owner, pro.ID, []RuleInput{{Weekday: &mon, Start: "08:00", End: "09:00", RoomID: &r2.ID}})
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
		require.Contains(t, apperr.As(err).Fields, "rules")
		_, err = b.svc.SetWorkingHours(b.ctx, b.owner, pro.ID, []RuleInput{{Weekday: &mon, Start: "08:00", End: "09:00", RoomID: &r1.ID}})
		require.NoError(t, err)
		_, err = b.svc.UpdateRoom(b.ctx, b.owner, r1.ID, RoomPatch{Active: kernel.Some(false)})
		require.NoError(t, err)
		from := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday
		ivs, err := b.svc.WorkingIntervals(b.ctx, b.clinicID, pro.ID, from, from.AddDate(0, 0, 1))
		require.NoError(t, err)
		require.Len(t, ivs, 1)
		require.Empty(t, ivs[0].RoomID, "the inactive room is no room")
		slots, err := b.svc.Availability(b.ctx, b.clinicID, AvailabilityQuery{From: from, To: from.AddDate(0, 0, 1), Duration: 30 * time.Minute})
		require.NoError(t, err)
		require.Len(t, slots, 2)
		require.Empty(t, slots[0].RoomID)
		_, err = b.svc.Availability(b.ctx, b.clinicID, AvailabilityQuery{From: from, To: from.AddDate(0, 0, 1), RoomID: r1.ID})
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
	})
}
