package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
)

// TestRecordsAPI walks the records' operations as a professional: open an
// encounter from an appointment (twice), write, sign and amend a note, list
// its versions, add a diagnosis and a prescription; the other roles and
// another clinic are refused.
func TestRecordsAPI(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, in *apptest.Instance) {
		owner := in.Client(t)
		clinicID, _ := owner.Signup("Clínica Prontuário", email("owner"))
		c := "/api/v1/clinics/" + clinicID
		prof, profUser := in.Member(t, owner, clinicID, "professional")
		recep, _ := in.Member(t, owner, clinicID, "receptionist")
		admin, _ := in.Member(t, owner, clinicID, "admin")

		res := owner.Do("POST", c+"/professionals", map[string]any{"name": "Dra. Ana Souza", "council_registration": "CRM 12345/SP", "user_id": profUser})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		profID := res.JSON(t)["id"].(string)
		res = owner.Do("POST", c+"/patients", map[string]any{"full_name": "Maria da Silva"})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		patientID := res.JSON(t)["id"].(string)
		start := time.Now().Add(48 * time.Hour).Truncate(time.Hour).UTC().Format(time.RFC3339)
		res = owner.Do("POST", c+"/appointments", map[string]any{"patient_id": patientID, "professional_id": profID, "starts_at": start,
			"duration_minutes": 30, "procedure": "Consulta", "override_working_hours": true})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		apptID := res.JSON(t)["id"].(string)

		res = prof.Do("POST", c+"/patients/"+patientID+"/encounters", map[string]any{"appointment_id": apptID})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		encID := res.JSON(t)["id"].(string)
		res = prof.Do("POST", c+"/patients/"+patientID+"/encounters", map[string]any{"appointment_id": apptID})
		require.Equal(t, http.StatusCreated, res.Status, "opening again: %s", res.Body)
		require.Equal(t, encID, res.JSON(t)["id"])

		res = prof.Do("GET", c+"/note-templates", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var tpls struct {
			Items []struct{ ID, Builtin string }
		}
		res.Decode(t, &tpls)
		var evolution string
		for _, tp := range tpls.Items {
			if tp.Builtin == "evolution" {
				evolution = tp.ID
			}
		}
		require.NotEmpty(t, evolution)

		res = prof.Do("POST", c+"/encounters/"+encID+"/notes", map[string]any{"template_id": evolution, "values": map[string]string{"pain": "muita"}})
		require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
		require.Contains(t, res.Fields(), "values.pain")
		res = prof.Do("POST", c+"/encounters/"+encID+"/notes", map[string]any{"template_id": evolution,
			"values": map[string]string{"subjective": "Dor lombar há 3 dias.\nPior ao sentar.", "pain": "7"}})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		noteID := res.JSON(t)["id"].(string)
		res = prof.Do("POST", c+"/notes/"+noteID+"/sign", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res = prof.Do("PATCH", c+"/notes/"+noteID, map[string]any{"values": map[string]string{"subjective": "x"}})
		require.Equal(t, http.StatusConflict, res.Status, "%s", res.Body)
		res = prof.Do("DELETE", c+"/notes/"+noteID, nil)
		require.Equal(t, http.StatusConflict, res.Status, "%s", res.Body)
		res = prof.Do("POST", c+"/notes/"+noteID+"/amendments", map[string]any{"values": map[string]string{"subjective": "Dor lombar há 5 dias."}, "reason": "Data corrigida."})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		res = prof.Do("GET", c+"/notes/"+noteID+"/amendments", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var versions struct {
			Items []struct {
				Version int
				Values  map[string]string
				Reason  string
			}
		}
		res.Decode(t, &versions)
		require.Len(t, versions.Items, 2)
		require.Equal(t, "Dor lombar há 3 dias.\nPior ao sentar.", versions.Items[0].Values["subjective"])
		require.Equal(t, "Data corrigida.", versions.Items[1].Reason)

		res = prof.Do("POST", c+"/encounters/"+encID+"/diagnoses", map[string]any{"code": "m545", "description": "Dor lombar baixa"})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		require.Equal(t, "M54.5", res.JSON(t)["code"])
		res = prof.Do("POST", c+"/encounters/"+encID+"/diagnoses", map[string]any{"code": "lombar", "description": ""})
		require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
		res = prof.Do("POST", c+"/encounters/"+encID+"/prescriptions", map[string]any{"items": []map[string]string{{"drug": "Dipirona 500 mg", "dose": "1 comprimido"}}})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		rxID := res.JSON(t)["id"].(string)
		res = prof.Do("GET", c+"/prescriptions/"+rxID, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "CRM 12345/SP", res.JSON(t)["council"])

		res = prof.Do("GET", c+"/encounters/"+encID, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		full := res.JSON(t)
		require.Len(t, full["notes"], 1)
		require.Len(t, full["diagnoses"], 1)
		require.Len(t, full["prescriptions"], 1)
		res = prof.Do("GET", c+"/records/search?q=lombar", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Len(t, res.JSON(t)["items"], 2, "the note and the diagnosis")

		for name, cl := range map[string]*apptest.Client{"receptionist": recep, "admin": admin} {
			for _, path := range []string{"/patients/" + patientID + "/encounters", "/encounters/" + encID, "/notes/" + noteID,
				"/notes/" + noteID + "/amendments", "/prescriptions/" + rxID, "/records/search?q=lombar"} {
				res = cl.Do("GET", c+path, nil)
				require.Equal(t, http.StatusForbidden, res.Status, "%s GET %s: %s", name, path, res.Body)
			}
		}

		other := in.Client(t)
		otherID, _ := other.Signup("Outra Clínica", email("other"))
		o := "/api/v1/clinics/" + otherID
		for _, path := range []string{"/patients/" + patientID + "/encounters", "/encounters/" + encID, "/notes/" + noteID, "/prescriptions/" + rxID} {
			res = other.Do("GET", o+path, nil)
			require.Equal(t, http.StatusNotFound, res.Status, "another clinic GET %s: %s", path, res.Body)
		}

		res = prof.Do("PATCH", c+"/encounters/"+encID, map[string]any{"status": "closed"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "closed", res.JSON(t)["status"])
	})
}
