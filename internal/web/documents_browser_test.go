package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/document/documenttest"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
	"clinic/internal/web/webtest"
)

// uploadDoc attaches a file to a patient through the API and returns the
// document's id.
func uploadDoc(t testing.TB, c *apptest.Client, clinicID, patientID, name, kind string, content []byte) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(t, mw.WriteField("kind", kind))
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+name+`"`)
	part, err := mw.CreatePart(h)
	require.NoError(t, err)
	_, err = part.Write(content)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	req, err := http.NewRequest("POST", c.Base+"/api/v1/clinics/"+clinicID+"/patients/"+patientID+"/documents", &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.HTTP.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", b)
	return (&apptest.Response{Status: res.StatusCode, Body: b}).JSON(t)["id"].(string)
}

// waitOCR waits until the document's OCR is over (done, failed or not
// available) and returns its state.
func waitOCR(t testing.TB, c *apptest.Client, clinicID, id string) string {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		st := c.Do("GET", "/api/v1/clinics/"+clinicID+"/documents/"+id+"/ocr", nil).JSON(t)["state"].(string)
		if st != "pending" && st != "running" || time.Now().After(deadline) {
			return st
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// demoDocument attaches a scanned insurance card to the demo's patient and
// waits for its text (when the machine has OCR).
func demoDocument(t testing.TB, s *site) string {
	t.Helper()
	lines := append([]string(nil), documenttest.CardLines...)
	id := uploadDoc(t, s.owner, s.demo.ClinicID, s.patientID, "carteirinha-unimed.png", "insurance_card", documenttest.PNG(t, lines))
	if cfg := s.in.App.Config; cfg.JobWorkers > 0 && cfg.OCRWorkers > 0 {
		waitOCR(t, s.owner, s.demo.ClinicID, id)
	}
	return id
}

// A receptionist attaches a scanned card (an image with a CPF) through the
// Documentos tab's plain form; once its text is read, they accept the
// suggested CPF with one click, and the patient's page shows it.
func TestDocumentsReceptionistAcceptsTheCPFOfAScannedCard(t *testing.T) {
	t.Parallel()
	documenttest.RequireOCR(t)
	b := webtest.Chromium(t)
	in := apptest.New(t, dbtest.SQLiteURL(t), nil)
	owner := in.Client(t)
	clinicID, _ := owner.Signup("Clínica Documentos", testenv.RandomName("owner")+"@example.com")
	recepEmail := testenv.RandomName("recep") + "@example.com"
	res := owner.Do("POST", "/api/v1/clinics/"+clinicID+"/users", map[string]any{"email": recepEmail, "name": "Rita Recepção", "role": "receptionist", "password": ptPassword})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	res = owner.Do("POST", "/api/v1/clinics/"+clinicID+"/patients", map[string]any{"full_name": "Maria José da Silva"})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	patientID := res.JSON(t)["id"].(string)
	scan := filepath.Join(t.TempDir(), "carteirinha.png")
	require.NoError(t, os.WriteFile(scan, documenttest.PNG(t, documenttest.CardLines), 0o600))

	p := b.NewPage(t, webtest.BaseURL(in.URL), webtest.StepTimeout(3*time.Minute))
	p.Navigate("/login")
	p.Fill("#f-email", recepEmail)
	p.Fill("#f-password", ptPassword)
	p.Click(".auth__card button[type=submit]")
	p.WaitVisible("main.main")

	p.Navigate("/clinics/" + clinicID + "/patients/" + patientID)
	p.Click(`.patient-tabs a[href$="/documents"]`)
	p.WaitText("main h2", "Anexar documento")
	p.Run(chromedp.SetValue(chromedp.CSS("#f-kind"), "insurance_card"),
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{scan}))
	p.Click(`form[enctype="multipart/form-data"] button[type=submit]`)
	p.WaitText(".flash", "Documento anexado")
	docURL := p.URL()
	require.Contains(t, docURL, "/documents/")

	// The worker reads the text; the page shows it once read.
	id := docURL[strings.LastIndex(docURL, "/")+1:]
	require.Equal(t, "done", waitOCR(t, owner, clinicID, id))
	p.Navigate(docURL)
	p.WaitText(".document__text", "UNIMED")
	p.WaitText(".document__suggestions", "529.982.247-25")
	p.Click(`.document__suggestions button[aria-label*="529.982.247-25"]`)
	p.WaitText(".flash", "Copiado para o cadastro")
	p.WaitText(".document__suggestions", "No cadastro")

	p.Navigate("/clinics/" + clinicID + "/patients/" + patientID)
	p.WaitText(".patient-record", "529.982.247-25")
	p.Axe()
}
