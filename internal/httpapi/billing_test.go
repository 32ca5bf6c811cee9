package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/platform/db/dbtest"
)

func TestBillingAPI(t *testing.T) {
	t.Parallel()
	in := apptest.New(t, dbtest.SQLiteURL(t), nil)
	owner := in.Client(t)
	clinicID, _ := owner.Signup("Clínica Bem-Estar", email("owner"))
	c := "/api/v1/clinics/" + clinicID
	recep, _ := in.Member(t, owner, clinicID, "receptionist")
	fin, _ := in.Member(t, owner, clinicID, "financial")

	res := owner.Do("POST", c+"/procedures", map[string]any{"name": "Consulta", "default_duration_minutes": 30})
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	procID := res.JSON(t)["id"].(string)
	res = owner.Do("POST", c+"/insurance-plans", map[string]any{"name": "Unimed", "ans_code": "12345"})
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Contains(t, res.Fields(), "ans_code")
	res = owner.Do("POST", c+"/insurance-plans", map[string]any{"name": "Unimed", "ans_code": "123456"})
	require.Equal(t, http.StatusCreated, res.Status)
	planID := res.JSON(t)["id"].(string)
	res = fin.Do("PUT", c+"/procedures/"+procID+"/prices", map[string]any{"private_cents": 25000, "plans": []any{map[string]any{"plan_id": planID, "amount_cents": 12000}}})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res = recep.Do("GET", c+"/procedures/"+procID+"/prices", nil)
	require.Equal(t, http.StatusOK, res.Status)
	require.EqualValues(t, 25000, res.JSON(t)["private_cents"])

	res = owner.Do("POST", c+"/patients", map[string]any{"full_name": "Maria da Silva"})
	require.Equal(t, http.StatusCreated, res.Status)
	patientID := res.JSON(t)["id"].(string)
	res = recep.Do("PUT", c+"/patients/"+patientID+"/insurance-plan", map[string]any{"insurance_plan_id": planID})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))

	res = recep.Do("POST", c+"/charges", map[string]any{"patient_id": patientID, "description": "Relatório", "amount_cents": 15000})
	require.Equal(t, http.StatusForbidden, res.Status)
	res = fin.Do("POST", c+"/charges", map[string]any{"patient_id": patientID, "description": "Relatório", "amount_cents": 15000})
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	chargeID := res.JSON(t)["id"].(string)

	res = recep.Do("POST", c+"/charges/"+chargeID+"/payments", map[string]any{"method": "cash", "amount_cents": 15001})
	require.Equal(t, http.StatusBadRequest, res.Status, "overpayment")
	res = recep.Do("POST", c+"/charges/"+chargeID+"/payments", map[string]any{"method": "credit_card", "amount_cents": 5000, "installments": 2})
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	payID := res.JSON(t)["id"].(string)
	res = fin.Do("POST", c+"/charges/"+chargeID+"/payments/"+payID+"/refund", map[string]any{"amount_cents": 1000})
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	res = recep.Do("GET", c+"/patients/"+patientID+"/balance", nil)
	require.Equal(t, http.StatusOK, res.Status)
	require.EqualValues(t, 11000, res.JSON(t)["balance_cents"])

	// Pix: no key yet, then the code and its images.
	res = recep.Do("GET", c+"/charges/"+chargeID+"/pix", nil)
	require.Equal(t, http.StatusConflict, res.Status)
	res = fin.Do("PUT", c+"/billing/settings", map[string]any{"pix_key_type": "email", "pix_key": "Pix@Clinica.com.br", "merchant_name": "Clínica Bem-Estar",
		"merchant_city": "São Paulo", "document": ""})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	require.Equal(t, "pix@clinica.com.br", res.JSON(t)["pix_key"])
	res = recep.Do("GET", c+"/charges/"+chargeID+"/pix", nil)
	require.Equal(t, http.StatusOK, res.Status)
	require.Contains(t, res.JSON(t)["payload"], "5406110.00")
	res, err := recep.Raw("GET", c+"/charges/"+chargeID+"/pix.png?size=200", nil) // an image: not checked against the JSON schemas
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.Status)
	require.Equal(t, "image/png", res.Header.Get("Content-Type"))
	res = recep.Do("POST", c+"/charges/"+chargeID+"/pix/send", nil)
	require.Equal(t, http.StatusAccepted, res.Status, "sent through the reminder service: %s", res.Body)

	// Reports: the receptionist may not; the CSV opens in Excel.
	today := time.Now().Format(time.DateOnly)
	res = recep.Do("GET", c+"/reports/cash-flow?from="+today+"&to="+today, nil)
	require.Equal(t, http.StatusForbidden, res.Status)
	res, err = fin.Raw("GET", c+"/reports/cash-flow.csv?from="+time.Now().AddDate(0, 0, -1).Format(time.DateOnly)+"&to="+today, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.Status)
	require.True(t, strings.HasPrefix(string(res.Body), "\ufeff"), "BOM")
	require.Contains(t, string(res.Body), ";Credit card;40,00\r\n", "the card payment less its refund, that day")

	// Another clinic's charge is not found.
	other := in.Client(t)
	otherID, _ := other.Signup("Outra", email("other"))
	res = other.Do("GET", "/api/v1/clinics/"+otherID+"/charges/"+chargeID, nil)
	require.Equal(t, http.StatusNotFound, res.Status)
	res = other.Do("POST", "/api/v1/clinics/"+otherID+"/charges/"+chargeID+"/payments", map[string]any{"method": "cash", "amount_cents": 1})
	require.Equal(t, http.StatusNotFound, res.Status)
}
