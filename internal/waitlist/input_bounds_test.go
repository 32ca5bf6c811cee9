package waitlist

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCreateInputBounds(t *testing.T) {
	t.Parallel()
	const patient = "0193a1b2-0000-7000-8000-000000000000"
	const rangeMsg = "Must be between 2000-01-01 and 2099-12-31."
	n := func(v int) *int { return &v }
	tests := []struct {
		name       string
		in         CreateInput
		field, msg string
	}{
		{"valid", CreateInput{PatientID: patient, FromDate: "2030-01-01", ToDate: "2030-02-01"}, "", ""},
		{"last dates", CreateInput{PatientID: patient, FromDate: "2000-01-01", ToDate: "2099-12-31"}, "", ""},
		{"from in year 1", CreateInput{PatientID: patient, FromDate: "0001-01-01", ToDate: "2030-02-01"}, "from_date", rangeMsg},
		{"to in year 9999", CreateInput{PatientID: patient, FromDate: "2030-01-01", ToDate: "9999-12-31"}, "to_date", rangeMsg},
		{"duration overflowing", CreateInput{PatientID: patient, FromDate: "2030-01-01", ToDate: "2030-02-01", DurationMinutes: n(307445740)}, "duration_minutes", ""},
		{"negative duration", CreateInput{PatientID: patient, FromDate: "2030-01-01", ToDate: "2030-02-01", DurationMinutes: n(-5)}, "duration_minutes", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, fields := tt.in.validate()
			if tt.field == "" {
				require.Empty(t, fields)
				return
			}
			require.Contains(t, fields, tt.field)
			if tt.msg != "" {
				require.Equal(t, tt.msg, fields[tt.field])
			}
		})
	}
}
