package i18n

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"text/template/parse"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// forms returns the texts of a message's plural forms that are set.
func forms(m *goi18n.Message) map[string]string {
	out := map[string]string{}
	for name, text := range map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two, "few": m.Few, "many": m.Many, "other": m.Other} {
		if text != "" {
			out[name] = text
		}
	}
	return out
}

// templateArgs returns the sorted names of the arguments ({{.name}}) of
// every plural form of m.
func templateArgs(t *testing.T, m *goi18n.Message) []string {
	t.Helper()
	set := map[string]bool{}
	for form, text := range forms(m) {
		trees, err := parse.Parse(m.ID, text, "{{", "}}")
		require.NoError(t, err, "%s (%s): %q", m.ID, form, text)
		var walk func(n parse.Node)
		walk = func(n parse.Node) {
			switch n := n.(type) {
			case *parse.ListNode:
				if n != nil {
					for _, c := range n.Nodes {
						walk(c)
					}
				}
			case *parse.ActionNode:
				walk(n.Pipe)
			case *parse.PipeNode:
				for _, c := range n.Cmds {
					walk(c)
				}
			case *parse.CommandNode:
				for _, a := range n.Args {
					walk(a)
				}
			case *parse.FieldNode:
				set[n.Ident[0]] = true
			case *parse.IfNode:
				walk(n.Pipe)
				walk(n.List)
				walk(n.ElseList)
			}
		}
		for _, tree := range trees {
			walk(tree.Root)
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func TestLocalesHaveTheSameIDsAndArguments(t *testing.T) {
	t.Parallel()
	c := cat()
	pt, en := c.messages[PtBR], c.messages[En]
	require.NotEmpty(t, pt)
	ptIDs, enIDs := slices.Sorted(maps.Keys(pt)), slices.Sorted(maps.Keys(en))
	var onlyPt, onlyEn []string
	for _, id := range ptIDs {
		if en[id] == nil {
			onlyPt = append(onlyPt, id)
		}
	}
	for _, id := range enIDs {
		if pt[id] == nil {
			onlyEn = append(onlyEn, id)
		}
	}
	assert.Empty(t, onlyPt, "IDs only in pt-BR.toml")
	assert.Empty(t, onlyEn, "IDs only in en.toml")
	for _, id := range ptIDs {
		if en[id] == nil {
			continue
		}
		assert.Equal(t, templateArgs(t, en[id]), templateArgs(t, pt[id]), "template arguments of %s (en, pt-BR)", id)
		assert.Equal(t, slices.Sorted(maps.Keys(forms(en[id]))), slices.Sorted(maps.Keys(forms(pt[id]))), "plural forms of %s (en, pt-BR)", id)
	}
}

func TestIDsAreWellFormed(t *testing.T) {
	t.Parallel()
	for _, id := range IDs() {
		assert.Contains(t, id, ".", "%s: an ID is a group and a name (nav.agenda)", id)
		for seg := range strings.SplitSeq(id, ".") {
			assert.Regexp(t, `^[a-z][a-z0-9_]*$`, seg, "%s: segments are lower_snake_case", id)
		}
		for _, l := range Supported() {
			m := cat().messages[l][id]
			for form, text := range forms(m) {
				assert.Equal(t, strings.TrimSpace(text), text, "%s (%s, %s): spaces around the text", id, l, form)
			}
		}
	}
}

// Every message renders in every locale when given its arguments.
func TestEveryMessageRenders(t *testing.T) {
	t.Parallel()
	for _, id := range IDs() {
		for _, l := range Supported() {
			var kv []any
			for _, arg := range templateArgs(t, cat().messages[l][id]) {
				kv = append(kv, arg, "7")
			}
			got := For(l).T(id, kv...)
			assert.NotEqual(t, id, got, "%s (%s) does not render", id, l)
			assert.NotContains(t, got, "<no value>", "%s (%s)", id, l)
			assert.NotContains(t, got, "{{", "%s (%s)", id, l)
		}
	}
}

func TestT(t *testing.T) {
	t.Parallel()
	pt, en := For(PtBR), For(En)
	tests := []struct {
		name string
		l    *Localizer
		id   string
		kv   []any
		want string
	}{
		{"plain pt-BR", pt, "nav.agenda", nil, "Agenda"},
		{"plain en", en, "nav.agenda", nil, "Schedule"},
		{"status", pt, "status.in_progress", nil, "Em atendimento"},
		{"role", pt, "role.owner", nil, "Proprietário"},
		{"argument", pt, "auth.signup.password_hint", []any{"min", 8}, "Pelo menos 8 caracteres."},
		{"argument en", en, "auth.signup.password_hint", []any{"min", 8}, "At least 8 characters."},
		{"plural one en", en, "page.results", []any{"count", 1}, "1 result"},
		{"plural other en", en, "page.results", []any{"count", 2}, "2 results"},
		{"plural zero en", en, "page.results", []any{"count", 0}, "0 results"},
		// CLDR: in Portuguese 0 and 1 are singular.
		{"plural zero pt-BR", pt, "page.results", []any{"count", 0}, "0 resultado"},
		{"plural one pt-BR", pt, "page.results", []any{"count", 1}, "1 resultado"},
		{"plural other pt-BR", pt, "page.results", []any{"count", int64(1234)}, "1234 resultados"},
		{"plural count as a string", pt, "page.results", []any{"count", "3"}, "3 resultados"},
		{"unknown id is shown as the id", pt, "nav.nowhere", nil, "nav.nowhere"},
		{"missing argument shows the id", pt, "auth.signup.password_hint", nil, "auth.signup.password_hint"},
		{"odd argument list keeps the pairs", en, "auth.signup.password_hint", []any{"min", 8, "dangling"}, "At least 8 characters."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.l.T(tt.id, tt.kv...))
		})
	}
}

func TestFor(t *testing.T) {
	t.Parallel()
	require.Equal(t, PtBR, For(PtBR).Locale())
	require.Equal(t, En, For(En).Locale())
	require.Equal(t, Default, For("fr").Locale(), "an unsupported locale gets the default's")
	require.Same(t, For(En), For(En))
}

func TestMissingAndHas(t *testing.T) {
	t.Parallel()
	require.Nil(t, Missing("nav.agenda", "action.save", "status.no_show"))
	require.Equal(t, []string{"nav.nowhere", "x"}, Missing("x", "nav.agenda", "nav.nowhere", "x"))
	require.True(t, Has("auth.login.title"))
	require.False(t, Has("auth.login"), "a group is not a message")
	require.False(t, Has(""))
}

// The UI strings the first pages need (issue 9) are in the catalogue.
func TestUIStrings(t *testing.T) {
	t.Parallel()
	var ids []string
	for _, s := range []string{"scheduled", "confirmed", "arrived", "in_progress", "completed", "cancelled", "no_show"} {
		ids = append(ids, "status."+s)
	}
	for _, r := range []string{"owner", "admin", "professional", "receptionist", "financial"} {
		ids = append(ids, "role."+r)
	}
	for _, d := range weekdayIDs {
		ids = append(ids, "weekday."+d, "weekday.short."+d)
	}
	for _, m := range monthIDs {
		ids = append(ids, "month."+m, "month.short."+m)
	}
	ids = append(ids, "app.name", "app.language.label", "app.language.pt_br", "app.language.en",
		"nav.dashboard", "nav.agenda", "nav.patients", "nav.settings", "nav.logout",
		"auth.email", "auth.password", "auth.login.title", "auth.login.submit", "auth.login.failed",
		"auth.signup.clinic_name", "auth.signup.your_name", "auth.signup.submit", "auth.logout.submit",
		"action.save", "action.cancel", "action.delete", "action.back", "action.search", "action.new",
		"page.not_found.title", "page.forbidden.title", "page.error.title", "action.retry")
	require.Empty(t, Missing(ids...))

	pt := For(PtBR)
	for id, want := range map[string]string{
		"status.scheduled": "Agendado", "status.confirmed": "Confirmado", "status.arrived": "Chegou",
		"status.in_progress": "Em atendimento", "status.completed": "Atendido", "status.cancelled": "Cancelado",
		"status.no_show": "Faltou", "role.owner": "Proprietário", "role.admin": "Administrador",
		"role.professional": "Profissional", "role.receptionist": "Recepcionista", "role.financial": "Financeiro",
		"nav.dashboard": "Início", "nav.agenda": "Agenda", "nav.patients": "Pacientes",
		"nav.settings": "Configurações", "nav.logout": "Sair", "action.save": "Salvar", "action.delete": "Excluir",
	} {
		assert.Equal(t, want, pt.T(id), id)
	}
}
