package patient_test

import (
	"strings"
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
		// Accepted: Brazilian mobiles and landlines in the forms people write.
		{"mobile formatted", "(11) 98765-4321", "+5511987654321", nil},
		{"mobile with spaces", "11 98765 4321", "+5511987654321", nil},
		{"mobile digits", "11987654321", "+5511987654321", nil},
		{"mobile with +55", "+55 11 98765-4321", "+5511987654321", nil},
		{"mobile with +55 and parentheses", "+55 (11) 98765-4321", "+5511987654321", nil},
		{"mobile E.164", "+5511987654321", "+5511987654321", nil},
		{"mobile with 55 and no plus", "5511987654321", "+5511987654321", nil},
		{"mobile with trunk prefix", "011987654321", "+5511987654321", nil},
		{"mobile with trunk prefix in parentheses", "(011) 98765-4321", "+5511987654321", nil},
		{"mobile with carrier code", "0 21 11 98765-4321", "+5511987654321", nil},
		{"mobile with dots", "11.98765.4321", "+5511987654321", nil},
		{"mobile with a slash", "11/98765-4321", "+5511987654321", nil},
		{"mobile with no-break spaces", "(11)\u00a098765\u00a04321", "+5511987654321", nil},
		{"mobile with surrounding blanks", "  (11) 98765-4321 ", "+5511987654321", nil},
		{"mobile with second digit 0", "(11) 90123-4567", "+5511901234567", nil},
		{"area code 55 mobile", "(55) 99876-5432", "+5555998765432", nil},
		{"landline formatted", "(11) 3456-7890", "+551134567890", nil},
		{"landline in Rio", "(21) 3333-4444", "+552133334444", nil},
		{"landline digits", "2133334444", "+552133334444", nil},
		{"landline with +55", "+55 (21) 3333-4444", "+552133334444", nil},
		{"landline with 55 and no plus", "552133334444", "+552133334444", nil},
		{"landline with trunk and carrier", "0 15 21 3333 4444", "+552133334444", nil},
		{"toll-free", "0800 729 0722", "+558007290722", nil},
		// Accepted: numbers abroad with + and a valid country code.
		{"United States", "+1 415 555 2671", "+14155552671", nil},
		{"United Kingdom mobile", "+447911123456", "+447911123456", nil},
		{"Portugal mobile", "+351 912 345 678", "+351912345678", nil},
		{"Argentina mobile", "+54 9 11 2345-6789", "+5491123456789", nil},
		{"abroad through a carrier", "0021 351 912 345 678", "+351912345678", nil},

		// Refused: Brazilian numbers not in the numbering plan.
		{"mobile without area code", "98765-4321", "", patient.ErrPhoneNoDDD},
		{"landline without area code", "3333-4444", "", patient.ErrPhoneNoDDD},
		{"+55 without area code", "+55 98765-4321", "", patient.ErrPhoneNoDDD},
		{"unknown area code", "(20) 98765-4321", "", patient.ErrPhoneNumber},
		{"area code with zero", "(10) 3333-4444", "", patient.ErrPhoneNumber},
		{"old 8-digit mobile", "(11) 8765-4321", "", patient.ErrPhoneNumber},
		{"9 digits not starting with 9", "(11) 88765-4321", "", patient.ErrPhoneNumber},
		{"landline starting with 1", "(11) 1333-4444", "", patient.ErrPhoneNumber},
		{"+55 with an unknown area code", "+55 20 98765-4321", "", patient.ErrPhoneNumber},
		{"too long", "119876543210", "", patient.ErrPhoneInvalid},
		{"too short", "12345", "", patient.ErrPhoneInvalid},
		{"emergency short code", "190", "", patient.ErrPhoneInvalid},
		// Refused: numbers abroad that do not exist.
		{"country code 999", "+999999999999999", "", patient.ErrPhoneInvalid},
		{"country code zero", "+0 123 456 789", "", patient.ErrPhoneInvalid},
		{"foreign too short", "+1 234", "", patient.ErrPhoneInvalid},
		{"foreign too long", "+1 2345 6789 0123 456", "", patient.ErrPhoneInvalid},
		{"United States number out of plan", "+1 115 555 2671", "", patient.ErrPhoneInvalid},
		{"00 and country code without carrier", "00351 912 345 678", "", patient.ErrPhoneInvalid},
		// Refused: what is not a plain number.
		{"letters", "11 9876-ABCD", "", patient.ErrPhoneInvalid},
		{"vanity number", "+1 800 FLOWERS", "", patient.ErrPhoneInvalid},
		{"extension", "(11) 3456-7890 ext. 12", "", patient.ErrPhoneInvalid},
		{"extension after #", "(11) 3456-7890#12", "", patient.ErrPhoneInvalid},
		{"tel URI", "tel:+5511987654321", "", patient.ErrPhoneInvalid},
		{"plus in the middle", "11+987654321", "", patient.ErrPhoneInvalid},
		{"two pluses", "++5511987654321", "", patient.ErrPhoneInvalid},
		{"full-width digits", "\uff11\uff11987654321", "", patient.ErrPhoneInvalid},
		{"control character", "11\x00987654321", "", patient.ErrPhoneInvalid},
		{"very long", "(11) " + strings.Repeat("-", 64) + "98765-4321", "", patient.ErrPhoneInvalid},
		{"empty", "", "", patient.ErrPhoneInvalid},
		{"blank", "   ", "", patient.ErrPhoneInvalid},
		{"punctuation only", "() -", "", patient.ErrPhoneInvalid},
		{"plus only", "+", "", patient.ErrPhoneInvalid},
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
