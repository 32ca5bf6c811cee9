package httpapi_test

import (
	"archive/zip"
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
)

func TestPatientFileAPI(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		owner := in.Client(t)
		clinicID, _ := owner.Signup("Clínica Bem-Estar", email("owner"))
		c := "/api/v1/clinics/" + clinicID
		reception, _ := in.Member(t, owner, clinicID, "receptionist")
		other := in.Client(t)
		otherID, _ := other.Signup("Outra Clínica", email("other"))

		res := owner.Do("POST", c+"/patients", map[string]any{"full_name": "Maria Aparecida Souza", "cpf": "529.982.247-25",
			"phone": "(11) 98765-4321"})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		ana := res.JSON(t)["id"].(string)
		res = owner.Do("POST", c+"/patients", map[string]any{"full_name": "Bianca Torres"})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		bia := res.JSON(t)["id"].(string)

		tests := []struct {
			name   string
			client *apptest.Client
			method string
			path   string
			body   any
			status int
			code   string
		}{
			{"timeline", owner, "GET", c + "/patients/" + ana + "/timeline", nil, 200, ""},
			{"timeline, receptionist", reception, "GET", c + "/patients/" + ana + "/timeline?kinds=appointments,messages", nil, 200, ""},
			{"timeline, unknown kind", owner, "GET", c + "/patients/" + ana + "/timeline?kinds=nope", nil, 400, "invalid"},
			{"timeline, bad limit", owner, "GET", c + "/patients/" + ana + "/timeline?limit=x", nil, 400, "invalid"},
			{"timeline, another clinic's patient", other, "GET", "/api/v1/clinics/" + otherID + "/patients/" + ana + "/timeline", nil, 404, "not_found"},
			{"timeline, not a member", other, "GET", c + "/patients/" + ana + "/timeline", nil, 404, "not_found"},
			{"export, receptionist", reception, "GET", c + "/patients/" + ana + "/export", nil, 403, "forbidden"},
			{"export, another clinic's patient", other, "GET", "/api/v1/clinics/" + otherID + "/patients/" + ana + "/export", nil, 404, "not_found"},
			{"anonymise, receptionist", reception, "POST", c + "/patients/" + ana + "/anonymise", map[string]any{"confirm": "Maria Aparecida Souza"}, 403, "forbidden"},
			{"anonymise, wrong name", owner, "POST", c + "/patients/" + ana + "/anonymise", map[string]any{"confirm": "Bianca Torres"}, 400, "invalid"},
			{"anonymise, another clinic's patient", other, "POST", "/api/v1/clinics/" + otherID + "/patients/" + ana + "/anonymise", map[string]any{"confirm": "Maria Aparecida Souza"}, 404, "not_found"},
			{"search", reception, "GET", c + "/search?q=maria", nil, 200, ""},
			{"search, no q", owner, "GET", c + "/search", nil, 400, "invalid"},
		}
		for _, tt := range tests {
			res := tt.client.Do(tt.method, tt.path, tt.body)
			require.Equal(t, tt.status, res.Status, "%s: %s", tt.name, res.Body)
			require.Equal(t, tt.code, res.ErrorCode(), tt.name)
		}

		// The export: a zip of the patient, nothing of the other one (Raw:
		// the exchange checker reads JSON answers only).
		res, err := owner.Raw("GET", c+"/patients/"+ana+"/export", nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "application/zip", res.Header.Get("Content-Type"))
		require.Contains(t, res.Header.Get("Content-Disposition"), "attachment")
		zr, zerr := zip.NewReader(bytes.NewReader(res.Body), int64(len(res.Body)))
		require.NoError(t, zerr)
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		require.Subset(t, names, []string{"patient.json", "appointments.json", "messages.json", "waitlist.json", "access_log.json", "README.txt", "index.json"})
		require.False(t, bytes.Contains(res.Body, []byte(bia)), "the other patient's id is not in the zip")

		// Search, then anonymise, then search again.
		res = reception.Do("GET", c+"/search?q=529.982.247-25", nil)
		require.Equal(t, http.StatusOK, res.Status)
		require.Contains(t, string(res.Body), ana)
		res = owner.Do("POST", c+"/patients/"+ana+"/anonymise", map[string]any{"confirm": "maria aparecida souza"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		got := res.JSON(t)
		require.True(t, strings.HasPrefix(got["full_name"].(string), "Paciente anonimizado "), "%v", got)
		require.Nil(t, got["cpf"])
		require.NotEmpty(t, got["anonymised_at"])
		for _, q := range []string{"maria", "529.982.247-25", "11987654321"} {
			res = owner.Do("GET", c+"/search?q="+q, nil)
			require.Equal(t, http.StatusOK, res.Status)
			require.NotContains(t, string(res.Body), ana, "searching %q after the anonymisation", q)
		}
		res = owner.Do("GET", c+"/patients/"+ana, nil)
		require.Equal(t, http.StatusOK, res.Status)
		require.Equal(t, got["full_name"], res.JSON(t)["full_name"])
	})
}
