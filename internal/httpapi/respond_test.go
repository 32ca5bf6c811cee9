package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
)

// Error answers speak the language the request asks for, English when it
// asks for none clinic speaks.
func TestWriteErrorLocalizes(t *testing.T) {
	t.Parallel()
	invalid := apperr.Validation(map[string]string{
		"name":  "Required.",
		"limit": "Must be a whole number from 1 to 200.",
	})
	tests := []struct {
		name     string
		err      error
		header   string
		status   int
		language string
		message  string
		fields   map[string]string
	}{
		{"no header: English", invalid, "", 400, "en",
			"Some fields are invalid.", map[string]string{"name": "Required.", "limit": "Must be a whole number from 1 to 200."}},
		{"pt-BR", invalid, "pt-BR,pt;q=0.9,en;q=0.8", 400, "pt-BR",
			"Alguns campos estão inválidos.", map[string]string{"name": "Obrigatório.", "limit": "Deve ser um número inteiro de 1 a 200."}},
		{"pt", errNoRoute, "pt", 404, "pt-BR", "Esta rota da API não existe.", nil},
		{"en-US", errNoRoute, "en-US", 404, "en", "No such API route.", nil},
		{"a language clinic does not speak: English", errNoRoute, "de-DE,de;q=0.9", 404, "en", "No such API route.", nil},
		{"English preferred over Portuguese", errNoRoute, "pt;q=0.5,en;q=0.9", 404, "en", "No such API route.", nil},
		{"formatted message", apperr.New(apperr.TooLarge, "The request body is larger than %d bytes.", 1024), "pt-BR", 413, "pt-BR",
			"O corpo da requisição tem mais de 1024 bytes.", nil},
		{"internal error: the generic message, translated", errors.New("boom: secret detail"), "pt-BR", 500, "pt-BR",
			"Ocorreu um erro interno. Tente novamente; se persistir, fale com o suporte informando o id da requisição.", nil},
		{"internal error in English", apperr.Wrap(errors.New("boom"), apperr.Internal, "Disk on fire."), "", 500, "en",
			msgInternal, nil},
	}
	s := &Server{log: slog.New(slog.DiscardHandler)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/api/v1/x", nil)
			if tt.header != "" {
				r.Header.Set("Accept-Language", tt.header)
			}
			w := httptest.NewRecorder()
			s.WriteError(w, r, tt.err)
			require.Equal(t, tt.status, w.Code)
			assert.Equal(t, tt.language, w.Header().Get("Content-Language"))
			assert.Contains(t, w.Header().Values("Vary"), "Accept-Language")
			var body errorBody
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body), "%s", w.Body)
			assert.Equal(t, tt.message, body.Error.Message)
			assert.Equal(t, tt.fields, body.Error.Fields)
			assert.Equal(t, apperr.CodeOf(tt.err), body.Error.Code)
		})
	}
}
