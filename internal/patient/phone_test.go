package patient_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/patient"
)

func TestParsePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
		err  error
	}{
		{"mobile formatted", "(11) 98765-4321", "+5511987654321", nil},
		{"mobile digits", "11987654321", "+5511987654321", nil},
		{"mobile with +55", "+55 11 98765-4321", "+5511987654321", nil},
		{"mobile E.164", "+5511987654321", "+5511987654321", nil},
		{"mobile with 55 and no plus", "5511987654321", "+5511987654321", nil},
		{"mobile with 0055", "0055 11 98765 4321", "+5511987654321", nil},
		{"mobile with trunk prefix", "(011) 98765-4321", "+5511987654321", nil},
		{"mobile with carrier code", "0 21 11 98765-4321", "+5511987654321", nil},
		{"mobile with dots", "11.98765.4321", "+5511987654321", nil},
		{"landline formatted", "(21) 3333-4444", "+552133334444", nil},
		{"landline digits", "2133334444", "+552133334444", nil},
		{"landline with +55", "+55 (21) 3333-4444", "+552133334444", nil},
		{"landline with 55 and no plus", "552133334444", "+552133334444", nil},
		{"landline with trunk and carrier", "0 15 21 3333 4444", "+552133334444", nil},
		{"area code 55 mobile", "(55) 99876-5432", "+5555998765432", nil},
		{"foreign E.164", "+1 415 555 2671", "+14155552671", nil},
		{"foreign with 00", "00351 912 345 678", "+351912345678", nil},
		{"foreign E.164 compact", "+447911123456", "+447911123456", nil},
		{"mobile without area code", "98765-4321", "", patient.ErrPhoneNoDDD},
		{"landline without area code", "3333-4444", "", patient.ErrPhoneNoDDD},
		{"+55 without area code", "+55 98765-4321", "", patient.ErrPhoneNoDDD},
		{"unknown area code", "(20) 98765-4321", "", patient.ErrPhoneDDD},
		{"area code with zero", "(10) 3333-4444", "", patient.ErrPhoneDDD},
		{"old 8-digit mobile", "(11) 8765-4321", "", patient.ErrPhoneMobile},
		{"9 digits not starting with 9", "(11) 88765-4321", "", patient.ErrPhoneNumber},
		{"landline starting with 1", "(11) 1333-4444", "", patient.ErrPhoneNumber},
		{"too long", "119876543210", "", patient.ErrPhoneInvalid},
		{"too short", "12345", "", patient.ErrPhoneInvalid},
		{"letters", "11 9876-ABCD", "", patient.ErrPhoneInvalid},
		{"plus in the middle", "11+987654321", "", patient.ErrPhoneInvalid},
		{"foreign too short", "+1 234", "", patient.ErrPhoneInvalid},
		{"foreign too long", "+1 2345 6789 0123 456", "", patient.ErrPhoneInvalid},
		{"country code zero", "+0 123 456 789", "", patient.ErrPhoneInvalid},
		{"empty", "", "", patient.ErrPhoneInvalid},
		{"punctuation only", "() -", "", patient.ErrPhoneInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := patient.ParsePhone(tt.in)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err, "got %q", got)
				require.Empty(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}
