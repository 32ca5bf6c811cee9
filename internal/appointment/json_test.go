package appointment

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// plainAppointment and plainPage encode with reflection, by their struct
// tags: the hand-written encoders must produce the same bytes.
type (
	plainAppointment Appointment
	plainPage        struct {
		Items      []plainAppointment `json:"items"`
		NextCursor string             `json:"next_cursor,omitempty"`
	}
)

func TestAppendJSONMatchesTheStructTags(t *testing.T) {
	t.Parallel()
	at := time.Date(2031, 3, 13, 12, 30, 0, 123456000, time.UTC)
	notes := "Alergia a \"dipirona\" <b>&</b>\n\ttab \u2028 \x01 \xff fim"
	empty := ""
	tests := []struct {
		name string
		a    Appointment
	}{
		{"minimal", Appointment{ID: "a", PatientID: "p", PatientName: "Ana", ProfessionalID: "x", ProfessionalName: "Dr.",
			StartsAt: at, EndsAt: at.Add(time.Hour), Status: StatusScheduled, CreatedAt: at, UpdatedAt: at}},
		{"everything", Appointment{ID: "a", PatientID: "p", PatientName: "José d'Ávila", ProfessionalID: "x", ProfessionalName: "Dra. Ana",
			RoomID: "r", RoomName: "Sala 1", StartsAt: at, EndsAt: at.Add(time.Hour), Procedure: "Retorno", ProcedureID: "pc", ProcedureColor: "#16a34a", Notes: &notes,
			Status: StatusNoShow, SeriesID: "s", CreatedBy: "u", CreatedAt: at, UpdatedAt: at.Add(time.Second),
			Events: []Event{{ID: "e", Kind: EventStatus, OldStatus: StatusScheduled, NewStatus: StatusNoShow, At: at, Changed: []string{"notes"}}}}},
		{"empty notes", Appointment{ID: "a", Notes: &empty, StartsAt: at.In(time.FixedZone("", -3*3600)), Status: StatusCompleted}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(plainAppointment(tt.a))
			require.NoError(t, err)
			require.Equal(t, string(want), string(tt.a.AppendJSON(nil)))
			got, err := json.Marshal(tt.a)
			require.NoError(t, err)
			require.Equal(t, string(want), string(got), "MarshalJSON")
		})
	}
	page := Page{Items: []Appointment{tests[0].a, tests[1].a}, NextCursor: "abc"}
	want, err := json.Marshal(plainPage{Items: []plainAppointment{plainAppointment(tests[0].a), plainAppointment(tests[1].a)}, NextCursor: "abc"})
	require.NoError(t, err)
	require.Equal(t, string(want), string(page.AppendJSON(nil)))
	require.Equal(t, `{"items":[]}`, string(Page{Items: []Appointment{}}.AppendJSON(nil)))
}
