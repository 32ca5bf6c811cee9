package web_test

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/platform/db/dbtest"
)

// The patient file's pages follow the service's roles: the owner gets
// the export and the anonymisation, a receptionist the timeline and the
// search but neither button nor page; another clinic's patient is 404.
func TestPatientFilePagesFollowTheRoles(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, dbURL string) {
		in := apptest.New(t, dbURL, nil)
		owner, dash := signupPage(t, in, "Clínica Bem-Estar", "Dona")
		c := strings.TrimSuffix(dash.URL.Path, "/")
		clinicID := strings.TrimPrefix(c, "/clinics/")
		res := owner.Do("POST", "/api/v1/clinics/"+clinicID+"/patients", map[string]any{"full_name": "Maria Aparecida Souza", "cpf": "529.982.247-25"})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		id := res.JSON(t)["id"].(string)
		reception, _ := in.Member(t, owner, clinicID, "receptionist")
		other, otherDash := signupPage(t, in, "Outra", "Outra")
		oc := strings.TrimSuffix(otherDash.URL.Path, "/")

		p := get(t, owner, c+"/patients/"+id, nil)
		require.Equal(t, http.StatusOK, p.Status)
		require.Contains(t, p.Body, `/patients/`+id+`/export"`)
		require.Contains(t, p.Body, `/patients/`+id+`/anonymise"`)
		require.Contains(t, p.Body, `/patients/`+id+`/timeline"`)
		p = get(t, reception, c+"/patients/"+id, nil)
		require.Equal(t, http.StatusOK, p.Status)
		require.NotContains(t, p.Body, "/export\"")
		require.NotContains(t, p.Body, "/anonymise\"")

		tests := []struct {
			name   string
			client *apptest.Client
			path   string
			status int
		}{
			{"timeline, owner", owner, c + "/patients/" + id + "/timeline", 200},
			{"timeline, receptionist", reception, c + "/patients/" + id + "/timeline", 200},
			{"timeline, another clinic's patient", other, oc + "/patients/" + id + "/timeline", 404},
			{"anonymise page, receptionist", reception, c + "/patients/" + id + "/anonymise", 403},
			{"anonymise page, another clinic's patient", other, oc + "/patients/" + id + "/anonymise", 404},
			{"export, receptionist", reception, c + "/patients/" + id + "/export", 403},
			{"search, receptionist", reception, c + "/search?q=maria", 200},
			{"search, a bad query", owner, c + "/search?q=" + url.QueryEscape(strings.Repeat("a", 300)), 422},
		}
		for _, tt := range tests {
			p := get(t, tt.client, tt.path, nil)
			require.Equal(t, tt.status, p.Status, "%s: %s", tt.name, p.Body)
		}
		require.Contains(t, get(t, reception, c+"/search?q=maria", nil).Body, "Maria Aparecida Souza")

		// The owner's export is a zip download.
		p = get(t, owner, c+"/patients/"+id+"/export", nil)
		require.Equal(t, http.StatusOK, p.Status)
		require.Equal(t, "application/zip", p.Header.Get("Content-Type"))
		zr, err := zip.NewReader(bytes.NewReader([]byte(p.Body)), int64(len(p.Body)))
		require.NoError(t, err)
		require.NotEmpty(t, zr.File)

		// A wrong confirmation comes back with the field's message and
		// changes nothing; the right one anonymises.
		form := url.Values{"confirm": {"Outra Pessoa"}}
		p = postForm(t, owner, c+"/patients/"+id+"/anonymise", form, nil)
		require.Equal(t, http.StatusUnprocessableEntity, p.Status)
		require.Contains(t, p.Body, "Digite o nome atual do paciente para confirmar.")
		p = postForm(t, owner, c+"/patients/"+id+"/anonymise", url.Values{"confirm": {"Maria Aparecida Souza"}}, nil)
		require.Equal(t, http.StatusOK, p.Status, "%s", p.Body)
		require.Equal(t, c+"/patients/"+id, p.URL.Path)
		require.Contains(t, p.Body, "Paciente anonimizado")
		require.NotContains(t, p.Body, "Maria Aparecida")
	})
}
