package account

import (
	"slices"
	"strings"
	"time"
)

// DefaultTimeZone is a new clinic's time zone.
const DefaultTimeZone = "America/Sao_Paulo"

// timeZoneAreas are the areas of the IANA time zone database's canonical
// locations (Area/Location), as its zone1970.tab lists them.
var timeZoneAreas = []string{"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}

// maxTimeZone bounds a zone name (the longest in the database has 30
// characters).
const maxTimeZone = 64

// ValidTimeZone reports whether name may be a clinic's time zone: exactly
// "UTC", or a location of the IANA database named Area/Location (maybe
// Area/Region/Location) under one of the geographic areas (Africa, America,
// Antarctica, Arctic, Asia, Atlantic, Australia, Europe, Indian, Pacific)
// that time.LoadLocation finds, spelt exactly (case included):
// "America/Sao_Paulo", "Europe/Lisbon", "America/Argentina/Salta".
//
// Refused: "Local" and "" (the server's zone), POSIX-style and fixed-offset
// zones ("EST5EDT", "Etc/GMT+3", whose sign is the reverse of what people
// expect), "Factory", "posixrules", the legacy country aliases kept for
// compatibility ("Brazil/East", "US/Eastern", "GB") and the other spellings
// of UTC ("Etc/UTC", "GMT", "Zulu"). Links inside a geographic area (the
// backward-compatible "America/Buenos_Aires" for
// "America/Argentina/Buenos_Aires") cannot be told from canonical names
// without the database's tables and are accepted: they keep the same rules.
func ValidTimeZone(name string) bool {
	if name == "UTC" {
		return true
	}
	if len(name) > maxTimeZone {
		return false
	}
	parts := strings.Split(name, "/")
	if len(parts) < 2 || !slices.Contains(timeZoneAreas, parts[0]) {
		return false
	}
	for _, p := range parts[1:] {
		if p == "" {
			return false
		}
		for i := range len(p) {
			if c := p[i]; !isLetter(c) && !isDigit(c) && c != '_' && c != '-' && c != '+' {
				return false
			}
		}
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
