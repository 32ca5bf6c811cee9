package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/document/documenttest"
	"clinic/internal/i18n"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
	"clinic/internal/web"
)

// The messages the documents pages choose at run time (kinds, OCR states,
// suggestion fields, flashes) are all in the catalogue.
func TestDocumentsMessagesAreInTheCatalogue(t *testing.T) {
	t.Parallel()
	require.Empty(t, i18n.Missing(web.DocumentsMessageIDs()...))
}

// The Documentos tab's plain form: a file that is too large or not a
// PDF, JPEG or PNG comes back to the tab with the message in the user's
// language and nothing attached; a good one opens the document's page.
func TestDocumentsUploadFormRefusesAndAccepts(t *testing.T) {
	t.Parallel()
	in := apptest.New(t, dbtest.SQLiteURL(t), map[string]string{"UPLOAD_MAX_BYTES": "100000", "WORKERS": "0"})
	owner := in.Client(t)
	clinicID, _ := owner.Signup("Clínica Documentos", testenv.RandomName("owner")+"@example.com")
	res := owner.Do("POST", "/api/v1/clinics/"+clinicID+"/patients", map[string]any{"full_name": "Maria José da Silva"})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	patientID := res.JSON(t)["id"].(string)
	form := "/clinics/" + clinicID + "/patients/" + patientID + "/documents"
	png := documenttest.PNG(t, []string{"Carteirinha"})
	owner.HTTP.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	for _, tc := range []struct {
		name    string
		content []byte
		status  int
		text    string
	}{
		{"too large", append(bytes.Clone(png), make([]byte, 100001)...), http.StatusRequestEntityTooLarge, "O arquivo tem mais de 98 KB."},
		{"not an image", []byte("MZ\x90\x00 an executable"), http.StatusUnsupportedMediaType, "Só são aceitos arquivos PDF, JPEG e PNG."},
		{"no file", nil, http.StatusUnprocessableEntity, "Escolha um arquivo."},
	} {
		status, body, _ := postDocumentForm(t, owner, form, tc.content)
		require.Equal(t, tc.status, status, tc.name)
		require.Contains(t, body, tc.text, tc.name)
		require.Contains(t, body, `enctype="multipart/form-data"`, "%s: the form again", tc.name)
	}
	list := owner.Do("GET", "/api/v1/clinics/"+clinicID+"/patients/"+patientID+"/documents", nil)
	require.Empty(t, list.JSON(t)["items"])

	status, _, loc := postDocumentForm(t, owner, form, png)
	require.Equal(t, http.StatusSeeOther, status)
	require.Contains(t, loc, "/clinics/"+clinicID+"/documents/")
}

// postDocumentForm posts the tab's form with content as the file (none when nil)
// and answers the status, the body and the redirect's location.
func postDocumentForm(t *testing.T, c *apptest.Client, path string, content []byte) (int, string, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(t, mw.WriteField("kind", "insurance_card"))
	if content != nil {
		w, err := mw.CreateFormFile("file", "carteirinha.png")
		require.NoError(t, err)
		_, err = w.Write(content)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	req, err := http.NewRequest("POST", c.Base+path, &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.HTTP.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b), res.Header.Get("Location")
}
