package account_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
)

func TestValidTimeZone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want bool
	}{
		// Accepted: UTC and locations under a geographic area.
		{account.DefaultTimeZone, true},
		{"America/Sao_Paulo", true},
		{"America/Manaus", true},
		{"America/Noronha", true},
		{"America/Argentina/Buenos_Aires", true},
		{"America/Port-au-Prince", true},
		{"Europe/Lisbon", true},
		{"Africa/Luanda", true},
		{"Asia/Tokyo", true},
		{"Atlantic/Azores", true},
		{"Australia/Sydney", true},
		{"Antarctica/Troll", true},
		{"Arctic/Longyearbyen", true},
		{"Indian/Maldives", true},
		{"Pacific/Auckland", true},
		{"UTC", true},
		{"America/Buenos_Aires", true}, // a link inside an area: documented as accepted

		// Refused: not a location.
		{"", false},
		{"Local", false},
		{"Factory", false},
		{"posixrules", false},
		{"EST5EDT", false},
		{"EST", false},
		{"Etc/GMT+3", false},
		{"Etc/GMT-3", false},
		{"Etc/UTC", false},
		{"GMT", false},
		{"UCT", false},
		{"Zulu", false},
		{"utc", false},
		// Refused: legacy aliases outside the areas.
		{"Brazil/East", false},
		{"US/Eastern", false},
		{"GB", false},
		{"Portugal", false},
		// Refused: misspelt or not in the database.
		{"america/sao_paulo", false},
		{"America/São_Paulo", false},
		{"America/Sao Paulo", false},
		{"America/Atlantis", false},
		{"America", false},
		{"America/", false},
		{"America/Argentina", false},
		{"America//Sao_Paulo", false},
		{"America/Sao_Paulo/", false},
		{" America/Sao_Paulo", false},
		{"America/../Europe/Lisbon", false},
		{"America/Sao_Paulo\x00", false},
		{"/usr/share/zoneinfo/America/Sao_Paulo", false},
		{"posix/America/Sao_Paulo", false},
		{"right/America/Sao_Paulo", false},
		{"-03:00", false},
		{"+0300", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, account.ValidTimeZone(tt.name), "ValidTimeZone(%q)", tt.name)
		})
	}
}
