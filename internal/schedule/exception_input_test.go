package schedule

import (
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
)

func TestParseExceptionBounds(t *testing.T) {
	t.Parallel()
	s := func(v string) *string { return &v }
	tests := []struct {
		name   string
		in     ExceptionInput
		fields map[string]string // nil: accepted
	}{
		{"whole day off", ExceptionInput{Date: "2030-01-01", Kind: ExceptionOff}, nil},
		{"extra hours", ExceptionInput{Date: "2030-01-01", Kind: ExceptionExtra, Start: s("18:00"), End: s("20:00")}, nil},
		{"first and last dates", ExceptionInput{Date: "2000-01-01", Kind: ExceptionOff}, nil},
		{"last date", ExceptionInput{Date: "2099-12-31", Kind: ExceptionOff}, nil},
		{"extra without start and end", ExceptionInput{Date: "2030-01-01", Kind: ExceptionExtra},
			map[string]string{"start": "Required for extra hours (HH:MM).", "end": "Required for extra hours (HH:MM)."}},
		{"extra without end", ExceptionInput{Date: "2030-01-01", Kind: ExceptionExtra, Start: s("18:00")},
			map[string]string{"end": "Required for extra hours (HH:MM)."}},
		{"extra without start", ExceptionInput{Date: "2030-01-01", Kind: ExceptionExtra, End: s("20:00")},
			map[string]string{"start": "Required for extra hours (HH:MM)."}},
		{"year 1", ExceptionInput{Date: "0001-01-01", Kind: ExceptionOff}, map[string]string{"date": "Must be between 2000-01-01 and 2099-12-31."}},
		{"year 9999", ExceptionInput{Date: "9999-12-31", Kind: ExceptionOff}, map[string]string{"date": "Must be between 2000-01-01 and 2099-12-31."}},
		{"not a date", ExceptionInput{Date: "31/12/2030", Kind: ExceptionOff}, map[string]string{"date": "Must be a date YYYY-MM-DD."}},
		{"a time with a sign", ExceptionInput{Date: "2030-01-01", Kind: ExceptionExtra, Start: s("+8:00"), End: s("20:00")}, map[string]string{"start": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseException(tt.in)
			if tt.fields == nil {
				require.NoError(t, err)
				return
			}
			e := apperr.As(err)
			require.Equal(t, apperr.Invalid, e.Code, "%v", err)
			for f, msg := range tt.fields {
				require.Contains(t, e.Fields, f)
				if msg != "" {
					require.Equal(t, msg, e.Fields[f])
				}
			}
		})
	}
}

func TestParseClockTakesDigitsOnly(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"+8:00", "-0:00", "08:+5", " 8:00", "8:00", "24:01", "25:00"} {
		_, err := ParseClock(v)
		require.Error(t, err, v)
	}
	c, err := ParseClock("24:00")
	require.NoError(t, err)
	require.Equal(t, EndOfDay, c)
}
