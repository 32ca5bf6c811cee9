package web

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/appointment"
	"clinic/internal/i18n"
)

// The ids the agenda builds from a value (an action per status, a reason
// per cancellation) are all in the catalogue: the catalogue test sees only
// literal ids.
func TestAgendaBuiltIDsAreInTheCatalogue(t *testing.T) {
	t.Parallel()
	var ids []string
	for _, st := range appointment.Statuses {
		for _, next := range st.Next() {
			ids = append(ids, "agenda.action."+string(next))
		}
	}
	for _, r := range agendaCancelReasons {
		ids = append(ids, agendaReasonPrefix+r)
	}
	for _, id := range agendaFieldIDs {
		ids = append(ids, id)
	}
	require.Empty(t, i18n.Missing(ids...))
}

func TestAgendaASCIIJSONIsJSONAndASCII(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", `quo"te\back`, "Agendado: João, 09:30 — Dra. Lúcia", "<b>&</b>", "emoji 🦷", "tab\tnew\nline"} {
		q := agendaASCIIJSON(s)
		for _, r := range q {
			require.Less(t, r, rune(0x7f), "%q", q)
		}
		var back string
		require.NoError(t, json.Unmarshal([]byte(q), &back), q)
		require.Equal(t, s, back)
	}
}

func TestAgendaWeekStartsOnSunday(t *testing.T) {
	t.Parallel()
	loc := mustZone(t, "America/Sao_Paulo")
	for day, want := range map[string]string{"2026-09-13": "2026-09-13", "2026-09-16": "2026-09-13", "2026-09-19": "2026-09-13", "2026-09-20": "2026-09-20"} {
		d := parseDay(t, day, loc)
		require.Equal(t, want, agendaWeekStart(d).Format("2006-01-02"), day)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	require.NoError(t, err)
	return l
}

func parseDay(t *testing.T, s string, loc *time.Location) time.Time {
	t.Helper()
	d, err := time.ParseInLocation("2006-01-02", s, loc)
	require.NoError(t, err)
	return d
}
