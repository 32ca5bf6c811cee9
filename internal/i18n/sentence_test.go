package i18n

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
)

func TestSentence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"exact", "Patient not found.", "Paciente não encontrado."},
		{"field message", "Required.", "Obrigatório."},
		{"a number", "Must be at most 80 characters.", "Deve ter no máximo 80 caracteres."},
		{"the exact entry wins over the pattern", "Must be at most 200 characters.", "Deve ter no máximo 200 caracteres."},
		{"two numbers", "Must be a whole number from 1 to 200.", "Deve ser um número inteiro de 1 a 200."},
		{"the most specific pattern wins", "Must be from 5 to 720 minutes.", "Deve ser de 5 a 720 minutos."},
		{"the less specific pattern", "Must be from 1 to 52.", "Deve ser de 1 a 52."},
		{"a word", "Must be a whole number.", "Deve ser um número inteiro."},
		{"the catch-all type", "Must be a widget.", "Deve ser a widget."},
		{"values with dots and spaces", "Must be one of scheduled, confirmed or no_show.", "Deve ser um destes valores: scheduled, confirmed or no_show."},
		{"constants in the text", "Must be between 2000-01-01 and 2099-12-31.", "Deve estar entre 2000-01-01 e 2099-12-31."},
		{"argument first", "3 of the 5 dates are taken or outside working hours; nothing was booked.", "3 das 5 datas estão ocupadas ou fora do horário de atendimento; nada foi agendado."},
		{"symbols", "Overlaps rules[0] on Monday (08:00–12:00).", "Sobrepõe-se a rules[0] em Monday (08:00–12:00)."},
		{"two sentences", "An appointment cannot go from completed to scheduled. A completed appointment is final.",
			"Um agendamento não pode passar de completed para scheduled. Um agendamento com status completed é definitivo."},
		{"two sentences with a list", "An appointment cannot go from scheduled to completed. It can go to confirmed, arrived or cancelled.",
			"Um agendamento não pode passar de scheduled para completed. Ele pode passar para confirmed, arrived or cancelled."},
		{"one sentence with a full stop inside", "The request took too long. Please try again.", "A requisição demorou demais. Tente novamente."},
		{"unknown", "Something nobody wrote.", "Something nobody wrote."},
		{"unknown second sentence", "Patient not found. Something nobody wrote.", "Patient not found. Something nobody wrote."},
		{"empty", "", ""},
	}
	pt := For(PtBR)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, pt.Sentence(tt.in))
			assert.Equal(t, tt.in, For(En).Sentence(tt.in), "English is the code's own text")
		})
	}
}

// Every err. entry is found again from its own English text, whatever
// values fill it: no pattern hides another.
func TestSentencesFindTheirOwnEntry(t *testing.T) {
	t.Parallel()
	c := cat()
	samples := []string{"7", "a b", "x.y", "2099-12-31T22:00:00-03:00"}
	for _, id := range slices.Sorted(maps.Keys(c.messages[En])) {
		if !strings.HasPrefix(id, sentencePrefix) {
			continue
		}
		en := c.messages[En][id].Other
		for _, sample := range samples {
			var kv []any
			text := argRef.ReplaceAllStringFunc(en, func(string) string { return sample })
			for _, m := range argRef.FindAllStringSubmatch(en, -1) {
				kv = append(kv, m[1], sample)
			}
			got, gotKV, ok := c.sentences.lookup(text)
			if assert.True(t, ok, "%s: %q not found", id, text) {
				assert.Equal(t, id, got, "%q", text)
				assert.Equal(t, kv, gotKV, "%q", text)
			}
		}
		// The pt-BR text renders with the values taken from the English.
		text := argRef.ReplaceAllString(en, "7")
		assert.NotContains(t, For(PtBR).Sentence(text), "<no value>", id)
	}
}

func TestSentenceIndexRefusesAmbiguity(t *testing.T) {
	t.Parallel()
	en := func(kv ...string) map[string]*goi18n.Message {
		out := map[string]*goi18n.Message{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = &goi18n.Message{ID: kv[i], Other: kv[i+1]}
		}
		return out
	}
	_, err := newSentenceIndex(en("err.a", "Must be {{.x}}.", "err.b", "Must be {{.y}}."))
	require.ErrorContains(t, err, "err.a and err.b have the same English text")
	_, err = newSentenceIndex(en("err.a", "Must be {{.x | printf}}."))
	require.ErrorContains(t, err, "only {{.name}} arguments")
	idx, err := newSentenceIndex(en("err.a", "Must be {{.x}}.", "nav.b", "Must be {{.y}}."))
	require.NoError(t, err, "only err. entries are sentences")
	require.Len(t, idx.patterns, 1)
}

func TestMessage(t *testing.T) {
	t.Parallel()
	e := apperr.Validation(map[string]string{
		"name":  "Required.",
		"limit": "Must be a whole number from 1 to 200.",
		"odd":   "Something nobody wrote.",
	})
	msg, fields := Message(PtBR, e)
	require.Equal(t, "Alguns campos estão inválidos.", msg)
	require.Equal(t, map[string]string{
		"name":  "Obrigatório.",
		"limit": "Deve ser um número inteiro de 1 a 200.",
		"odd":   "Something nobody wrote.",
	}, fields)
	require.Equal(t, "Required.", e.Fields["name"], "the error itself is left as it is")

	msg, fields = Message(En, e)
	require.Equal(t, "Some fields are invalid.", msg)
	require.Equal(t, e.Fields, fields)

	msg, fields = Message(PtBR, apperr.New(apperr.Conflict, "Job %d is %s; only a failed or cancelled job can be retried.", 42, "running"))
	require.Equal(t, "A tarefa 42 está running; só uma tarefa com falha ou cancelada pode ser reexecutada.", msg)
	require.Nil(t, fields)

	msg, _ = Message(PtBR, apperr.As(strconv.ErrRange))
	require.Equal(t, "Ocorreu um erro interno.", msg)
}
