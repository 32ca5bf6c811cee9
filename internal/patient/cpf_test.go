package patient_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/patient"
)

func TestParseCPF(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
		err  error
	}{
		{"formatted", "123.456.789-09", "12345678909", nil},
		{"digits only", "52998224725", "52998224725", nil},
		{"surrounding spaces", "  111.444.777-35 ", "11144477735", nil},
		{"spaces between groups", "935 411 347 80", "93541134780", nil},
		{"leading zeros kept", "000.000.001-91", "00000000191", nil},
		{"check digit zero", "987.654.321-00", "98765432100", nil},
		{"wrong first check digit", "123.456.789-19", "", patient.ErrCPFCheckDigits},
		{"wrong second check digit", "123.456.789-08", "", patient.ErrCPFCheckDigits},
		{"too short", "123.456.789-0", "", patient.ErrCPFLength},
		{"too long", "123.456.789-091", "", patient.ErrCPFLength},
		{"leading zero dropped", "191", "", patient.ErrCPFLength},
		{"empty", "", "", patient.ErrCPFLength},
		{"all zeros", "000.000.000-00", "", patient.ErrCPFRepeated},
		{"all ones (check digits would match)", "11111111111", "", patient.ErrCPFRepeated},
		{"all nines", "999.999.999-99", "", patient.ErrCPFRepeated},
		{"letters", "123.456.789-0X", "", patient.ErrCPFCharacters},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := patient.ParseCPF(tt.in)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				require.Empty(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestFormatCPF(t *testing.T) {
	t.Parallel()
	require.Equal(t, "123.456.789-09", patient.FormatCPF("12345678909"))
	require.Equal(t, "000.000.001-91", patient.FormatCPF("00000000191"))
	require.Equal(t, "", patient.FormatCPF(""))
}
