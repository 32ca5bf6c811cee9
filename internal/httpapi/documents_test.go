package httpapi_test

import (
	"archive/zip"
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/document/documenttest"
)

// upload posts a multipart form with the file (its declared type and name)
// and fields, as a browser form sends it, and checks the exchange against
// the OpenAPI document.
func upload(t *testing.T, c *apptest.Client, path, name, declared string, content []byte, fields map[string]string) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+name+`"`)
	h.Set("Content-Type", declared)
	part, err := mw.CreatePart(h)
	require.NoError(t, err)
	_, err = part.Write(content)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	req, err := http.NewRequest("POST", c.Base+path, &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.HTTP.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NoError(t, apptest.CheckExchange("POST", path, nil, res.StatusCode, res.Header, b))
	return &apptest.Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// docClinic is a clinic with a receptionist, a financial user, a patient,
// and the owner of another clinic.
type docClinic struct {
	id, otherID                 string
	owner, recep, fin, outsider *apptest.Client
	patientID                   string
}

func newDocClinic(t *testing.T, in *apptest.Instance) *docClinic {
	t.Helper()
	c := &docClinic{owner: in.Client(t), outsider: in.Client(t)}
	c.id, _ = c.owner.Signup("Clínica Documentos", email("owner"))
	c.otherID, _ = c.outsider.Signup("Outra Clínica", email("other"))
	c.recep, _ = in.Member(t, c.owner, c.id, "receptionist")
	c.fin, _ = in.Member(t, c.owner, c.id, "financial")
	c.patientID = appointmenttest.Patient(t, in.DB, c.id, "Maria José da Silva")
	return c
}

func (c *docClinic) path(p string) string { return "/api/v1/clinics/" + c.id + p }

// TestDocumentUploadsThroughTheAPI: 413 over UPLOAD_MAX_BYTES and 415 for
// content that is no PDF, JPEG or PNG (whatever its name and declared
// type), nothing stored either way; a path-like name is only a name; the
// download has the sniffed type, a safe disposition and nosniff; roles and
// tenancy answer 403 and 404.
func TestDocumentUploadsThroughTheAPI(t *testing.T) {
	t.Parallel()
	// MAX_BODY_BYTES bounds JSON bodies only: an upload may be larger.
	each(t, map[string]string{"UPLOAD_MAX_BYTES": "200000", "MAX_BODY_BYTES": "50000", "WORKERS": "0"}, func(t *testing.T, in *apptest.Instance) {
		c := newDocClinic(t, in)
		docs := c.path("/patients/" + c.patientID + "/documents")
		png := documenttest.PNG(t, []string{"Carteirinha 123456"})

		res := upload(t, c.recep, docs, "big.png", "image/png", append(bytes.Clone(png), make([]byte, 200001)...), nil)
		require.Equal(t, http.StatusRequestEntityTooLarge, res.Status, "%s", res.Body)
		require.Equal(t, "too_large", res.ErrorCode())
		res = upload(t, c.recep, docs, "exame.pdf", "application/pdf", []byte("#!/bin/sh\nrm -rf /\n"), map[string]string{"kind": "referral"})
		require.Equal(t, http.StatusUnsupportedMediaType, res.Status, "%s", res.Body)
		require.Equal(t, "unsupported_media_type", res.ErrorCode())
		res = upload(t, c.recep, docs, "x.png", "image/png", png, map[string]string{"kind": "passport"})
		require.Equal(t, http.StatusBadRequest, res.Status)
		list := c.recep.Do("GET", docs, nil)
		require.Equal(t, http.StatusOK, list.Status)
		require.Empty(t, list.JSON(t)["items"], "nothing stored for a refused upload")
		var objects int
		require.NoError(t, in.DB.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM documents`).Scan(&objects))
		require.Zero(t, objects)

		padded := append(bytes.Clone(png), make([]byte, 150000)...) // over MAX_BODY_BYTES, within UPLOAD_MAX_BYTES
		res = upload(t, c.recep, docs, "grande.png", "image/png", padded, nil)
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		require.EqualValues(t, len(padded), res.JSON(t)["size_bytes"])
		res = upload(t, c.recep, docs, "../../etc/passwd", "application/pdf", png, map[string]string{"kind": "insurance_card"})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		doc := res.JSON(t)
		require.Equal(t, "passwd", doc["file_name"])
		require.Equal(t, "image/png", doc["content_type"])
		require.Equal(t, "pending", doc["ocr"].(map[string]any)["state"])
		id := doc["id"].(string)

		content := c.recep.Do("GET", c.path("/documents/"+id+"/content"), nil)
		require.Equal(t, http.StatusOK, content.Status)
		require.Equal(t, png, content.Body)
		require.Equal(t, "image/png", content.Header.Get("Content-Type"))
		require.Equal(t, "nosniff", content.Header.Get("X-Content-Type-Options"))
		require.Equal(t, `inline; filename=passwd`, content.Header.Get("Content-Disposition"))

		exam := upload(t, c.owner, docs, "laudo.png", "image/png", png, map[string]string{"kind": "exam"})
		require.Equal(t, http.StatusCreated, exam.Status, "%s", exam.Body)
		examID := exam.JSON(t)["id"].(string)
		for _, tc := range []struct {
			who    string
			c      *apptest.Client
			path   string
			status int
		}{
			{"receptionist reads the card", c.recep, "/documents/" + id, 200},
			{"receptionist reads the exam", c.recep, "/documents/" + examID, 403},
			{"receptionist downloads the exam", c.recep, "/documents/" + examID + "/content", 403},
			{"financial lists", c.fin, "/patients/" + c.patientID + "/documents", 403},
			{"financial reads the card", c.fin, "/documents/" + id, 403},
			{"another clinic's owner", c.outsider, "/documents/" + id, 404},
			{"another clinic's owner downloads", c.outsider, "/documents/" + id + "/content", 404},
			{"owner reads the exam", c.owner, "/documents/" + examID, 200},
		} {
			clinic := c.id
			if tc.c == c.outsider {
				clinic = c.otherID // its own clinic, our document's id
			}
			res := tc.c.Do("GET", "/api/v1/clinics/"+clinic+tc.path, nil)
			require.Equal(t, tc.status, res.Status, "%s: %s", tc.who, res.Body)
		}
	})
}

// TestDocumentOCRThroughTheAPI: an image of known text and a PDF of that
// image without a text layer, uploaded through the API, are read by
// Tesseract in the OCR job; their suggestions hold the CPF and the birth
// date; search finds them by a word of their text. Under CI=true a
// missing Tesseract fails the test.
func TestDocumentOCRThroughTheAPI(t *testing.T) {
	t.Parallel()
	documenttest.RequireOCR(t)
	each(t, map[string]string{"OCR_WORKERS": "2"}, func(t *testing.T, in *apptest.Instance) {
		c := newDocClinic(t, in)
		docs := c.path("/patients/" + c.patientID + "/documents")
		png := documenttest.PNG(t, documenttest.CardLines)
		var ids []string
		for _, f := range []struct {
			name, ctype string
			content     []byte
		}{{"carteirinha.png", "image/png", png}, {"digitalizado.pdf", "application/pdf", documenttest.ImagePDF(t, png)}} {
			res := upload(t, c.recep, docs, f.name, f.ctype, f.content, map[string]string{"kind": "insurance_card"})
			require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
			ids = append(ids, res.JSON(t)["id"].(string))
		}
		for _, id := range ids {
			var state map[string]any
			deadline := time.Now().Add(3 * time.Minute)
			for {
				state = c.recep.Do("GET", c.path("/documents/"+id+"/ocr"), nil).JSON(t)
				if s := state["state"]; s == "done" || s == "failed" || time.Now().After(deadline) {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			require.Equal(t, "done", state["state"], "%v", state)
			require.Contains(t, strings.ToUpper(state["text"].(string)), "UNIMED")

			res := c.recep.Do("GET", c.path("/documents/"+id+"/suggestions"), nil)
			require.Equal(t, http.StatusOK, res.Status)
			found := map[string]string{}
			for _, s := range res.JSON(t)["items"].([]any) {
				s := s.(map[string]any)
				found[s["field"].(string)] = s["value"].(string)
			}
			require.Equal(t, documenttest.ValidCPFDigits, found["cpf"], "%s: %v\n%s", id, found, state["text"])
			require.Equal(t, "1985-05-14", found["birth_date"], "%v", found)
		}
		// Accepting the CPF of the first document sets it on the patient.
		res := c.recep.Do("GET", c.path("/documents/"+ids[0]+"/suggestions"), nil)
		for _, s := range res.JSON(t)["items"].([]any) {
			if s := s.(map[string]any); s["field"] == "cpf" {
				acc := c.recep.Do("POST", c.path("/documents/"+ids[0]+"/suggestions/"+s["id"].(string)+"/accept"), nil)
				require.Equal(t, http.StatusOK, acc.Status, "%s", acc.Body)
				require.Equal(t, true, acc.JSON(t)["same"])
			}
		}
		pt := c.recep.Do("GET", c.path("/patients/"+c.patientID), nil)
		require.Equal(t, documenttest.ValidCPF, pt.JSON(t)["cpf"], "the API writes the CPF formatted")
		res = c.recep.Do("GET", c.path("/documents?q=unimed"), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var hits []string
		for _, h := range res.JSON(t)["items"].([]any) {
			hits = append(hits, h.(map[string]any)["document_id"].(string))
		}
		require.ElementsMatch(t, ids, hits)
		res = c.outsider.Do("GET", "/api/v1/clinics/"+c.otherID+"/documents?q=unimed", nil)
		require.Equal(t, http.StatusOK, res.Status)
		require.Empty(t, res.JSON(t)["items"], "another clinic finds nothing")

		// The clinic's one search box finds them by the same word: the
		// receptionist reads administrative documents, and gets no notes.
		res = c.recep.Do("GET", c.path("/search?q=unimed"), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		groups := map[string][]string{}
		for _, g := range res.JSON(t)["groups"].([]any) {
			g := g.(map[string]any)
			for _, h := range g["hits"].([]any) {
				groups[g["kind"].(string)] = append(groups[g["kind"].(string)], h.(map[string]any)["id"].(string))
			}
		}
		require.ElementsMatch(t, ids, groups["documents"], "%v", groups)
		require.NotContains(t, groups, "notes")

		// The owner's LGPD export carries both files, named in documents.json.
		zres, err := c.owner.Raw("GET", c.path("/patients/"+c.patientID+"/export"), nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, zres.Status, "%s", zres.Body)
		zr, err := zip.NewReader(bytes.NewReader(zres.Body), int64(len(zres.Body)))
		require.NoError(t, err)
		var files []string
		var meta []byte
		for _, f := range zr.File {
			if strings.HasPrefix(f.Name, "files/documents/") {
				files = append(files, f.Name)
			}
			if f.Name == "documents.json" {
				rc, err := f.Open()
				require.NoError(t, err)
				meta, err = io.ReadAll(rc)
				require.NoError(t, err)
				require.NoError(t, rc.Close())
			}
		}
		require.Len(t, files, 2, "%v", files)
		for _, f := range files {
			require.Contains(t, string(meta), `"file": "`+f+`"`, "documents.json names each file by its place in the zip")
		}

		// Anonymised: the administrative documents lose their files and
		// words, so neither the name nor a word of the card finds anything.
		res = c.owner.Do("POST", c.path("/patients/"+c.patientID+"/anonymise"), map[string]any{"confirm": "Maria José da Silva"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		for _, q := range []string{"unimed", "Maria", "52998224725"} {
			res = c.owner.Do("GET", c.path("/search?q="+q), nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			for _, g := range res.JSON(t)["groups"].([]any) {
				require.Empty(t, g.(map[string]any)["hits"], "q=%s finds nothing after anonymisation: %v", q, g)
			}
		}
		res = c.recep.Do("GET", c.path("/documents/"+ids[0]), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, true, res.JSON(t)["removed"], "the tombstone stays")
	})
}
