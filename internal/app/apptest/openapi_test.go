package apptest

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckExchange: the validator accepts exchanges that match the
// document and refuses, with the operation named, those that do not.
func TestCheckExchange(t *testing.T) {
	t.Parallel()
	const (
		clinic = "/api/v1/clinics/0190b6f0-0000-7000-8000-000000000001"
		user   = `{"id":"u1","email":"ana@example.com","name":"Ana","locale":""}`
		signup = `{"clinic_name":"C","name":"Ana","email":"ana@example.com","password":"correct horse battery"}`
	)
	cases := []struct {
		name, method, target, req string
		status                    int
		resp                      string
		wantErr                   string // "" when the exchange matches
	}{
		{"signup", "POST", "/api/v1/signup", signup, 201, `{"clinic":{"id":"c","slug":"c","name":"C"},"user":` + user + `}`, ""},
		{"missing response field", "POST", "/api/v1/signup", signup, 201, `{"clinic":{"id":"c","slug":"c","name":"C"}}`, "postSignup) answered 201: the response body"},
		{"undocumented response field", "POST", "/api/v1/signup", signup, 201, `{"clinic":{"id":"c","slug":"c","name":"C","x":1},"user":` + user + `}`, "answered 201: the response body"},
		{"accepted request body off the document", "POST", "/api/v1/signup", `{"clinic_name":"C"}`, 201, `{"clinic":{"id":"c","slug":"c","name":"C"},"user":` + user + `}`, "the request body it accepted"},
		{"refused request body is not checked", "POST", "/api/v1/signup", `{"nope":1}`, 400, `{"error":{"code":"invalid","message":"m","fields":{"nope":"Unknown field."}}}`, ""},
		{"error shape", "POST", "/api/v1/signup", signup, 409, `{"error":{"message":"m"}}`, "answered 409: the response body"},
		{"undocumented status", "GET", "/api/v1/me", "", 409, `{"error":{"code":"conflict","message":"m"}}`, "does not list status 409"},
		{"5xx takes default", "GET", "/api/v1/me", "", 500, `{"error":{"code":"internal","message":"m"}}`, ""},
		{"no body documented", "DELETE", clinic + "/patients/p1", "", 204, `{"x":1}`, "gives no body"},
		{"nullable response field", "GET", "/api/v1/me", "", 200, `{"user":null,"token":{"id":"t"},"clinics":[]}`, ""},
		{"literal segment wins", "GET", clinic + "/jobs/failed", "", 200, `{"items":[]}`, ""},
		{"query string ignored", "GET", clinic + "/patients?q=ana&limit=5", "", 200, `{"items":[]}`, ""},
		{"patient create requires full_name", "POST", clinic + "/patients", `{"cpf":"1"}`, 201, patientJSON, "the request body it accepted"},
		{"patient patch does not", "PATCH", clinic + "/patients/p1", `{"cpf":null}`, 200, patientJSON, ""},
		{"consents refuse null", "PATCH", clinic + "/patients/p1", `{"consents":null}`, 200, patientJSON, "the request body it accepted"},
		{"not an API route", "GET", "/healthz", "", 200, `anything`, ""},
		{"unknown route", "GET", "/api/v1/nothing", "", 404, `{}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := CheckExchange(tc.method, tc.target, []byte(tc.req), tc.status, http.Header{}, []byte(tc.resp))
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

const patientJSON = `{"id":"p1","full_name":"Ana","social_name":"","cpf":null,"birth_date":null,"sex":"","phone":null,"email":"",
"address":{"street":"","number":"","complement":"","district":"","city":"","state":"","zip":""},
"insurance":{"plan":"","card_number":"","valid_until":null},
"consents":{"whatsapp":{"granted":false,"at":null},"sms":{"granted":false,"at":null},"email":{"granted":false,"at":null}},
"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05.123456789-03:00"}`
