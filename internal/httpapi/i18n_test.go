package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/app/apptest"
)

// Through the whole stack: the service's English messages answer in the
// language of Accept-Language, English without it.
func TestErrorMessagesFollowAcceptLanguage(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		minChars := strconv.Itoa(account.MinPasswordLength)
		signup := map[string]string{"clinic_name": "C", "name": "N", "email": "not-an-email", "password": "short"}
		tests := []struct {
			header   string
			language string
			message  string
			fields   map[string]string
		}{
			{"", "en", "Some fields are invalid.", map[string]string{
				"email":    "Must be an e-mail address such as ana@example.com.",
				"password": "Must have at least " + minChars + " characters.",
			}},
			{"pt-BR", "pt-BR", "Alguns campos estão inválidos.", map[string]string{
				"email":    "Deve ser um endereço de e-mail, como ana@exemplo.com.br.",
				"password": "Deve ter pelo menos " + minChars + " caracteres.",
			}},
			{"en-GB,en;q=0.9", "en", "Some fields are invalid.", map[string]string{
				"email":    "Must be an e-mail address such as ana@example.com.",
				"password": "Must have at least " + minChars + " characters.",
			}},
		}
		for _, tt := range tests {
			t.Run(tt.language+"/"+tt.header, func(t *testing.T) {
				t.Parallel()
				h := http.Header{}
				if tt.header != "" {
					h.Set("Accept-Language", tt.header)
				}
				res := in.Client(t).Do("POST", "/api/v1/signup", signup, h)
				require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
				require.Equal(t, tt.language, res.Header.Get("Content-Language"))
				var body struct {
					Error struct {
						Message string
						Fields  map[string]string
					}
				}
				res.Decode(t, &body)
				require.Equal(t, tt.message, body.Error.Message)
				require.Equal(t, tt.fields, body.Error.Fields)
			})
		}

		res := in.Client(t).Do("GET", "/api/v1/me", nil, http.Header{"Accept-Language": {"pt-BR"}})
		require.Equal(t, http.StatusUnauthorized, res.Status)
		require.Contains(t, string(res.Body), "Entre na sua conta para continuar.")
	})
}
