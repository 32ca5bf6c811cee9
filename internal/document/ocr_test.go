package document_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/document"
	"clinic/internal/document/documenttest"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/db/dbtest"
)

// process runs the OCR job of a document, as a worker would.
func (c *clinic) process(id string) document.Document {
	c.t.Helper()
	require.NoError(c.t, c.svc.Process(context.Background(), c.id, id))
	d, err := c.svc.Get(context.Background(), c.owner, id)
	require.NoError(c.t, err)
	return d
}

// TestOCRWithoutTheTools: a server without Tesseract and poppler (hidden
// from its path) takes uploads; its OCR job marks them not_available with
// the reason and does not fail; POST …/ocr queues them again, and a worker
// with the tools reads them.
func TestOCRWithoutTheTools(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.SQLiteURL(t), nil)
	c := e.clinic()
	ctx := context.Background()
	engine := document.DetectEngine(ctx, document.EngineConfig{Path: t.TempDir()})
	require.False(t, engine.Available())
	require.Contains(t, engine.Reason(), "tesseract")
	svc := document.NewService(e.a.DB, e.a.Files, e.a.Patients, e.a.Queue, engine, document.Config{}, document.WithLogger(slog.New(slog.DiscardHandler)))
	d, err := svc.Upload(ctx, c.recep, document.UploadInput{PatientID: c.patient.ID, Kind: document.KindInsuranceCard, FileName: "c.png",
		Body: strings.NewReader(string(documenttest.PNG(t, documenttest.CardLines)))})
	require.NoError(t, err)
	require.Equal(t, document.OCRPending, d.OCR.State, "queued: the OCR workers may be on another machine")
	require.NoError(t, svc.Process(ctx, c.id, d.ID), "a worker without the tools does not fail")
	got, err := svc.Get(ctx, c.recep, d.ID)
	require.NoError(t, err)
	require.Equal(t, document.OCRNotAvailable, got.OCR.State)
	require.Contains(t, got.OCR.Reason, "tesseract")
	require.Empty(t, got.OCR.Text)
	o, err := svc.RunOCR(ctx, c.recep, d.ID)
	require.NoError(t, err)
	require.Equal(t, document.OCRPending, o.State)
	require.NoError(t, svc.Process(ctx, c.id, d.ID))
	got, err = svc.Get(ctx, c.recep, d.ID)
	require.NoError(t, err)
	require.Equal(t, document.OCRNotAvailable, got.OCR.State)
	// The file is there all along.
	_, rc, err := svc.Open(ctx, c.recep, d.ID)
	require.NoError(t, err)
	rc.Close()
	// A worker that has the tools reads it when asked again.
	if c.svc.Engine().Available() {
		_, err = c.svc.RunOCR(ctx, c.recep, d.ID)
		require.NoError(t, err)
		require.NoError(t, c.svc.Process(ctx, c.id, d.ID))
		got, err = c.svc.Get(ctx, c.recep, d.ID)
		require.NoError(t, err)
		require.Equal(t, document.OCRDone, got.OCR.State, got.OCR.Reason)
	}
}

// TestTextLayerSearchAndSuggestions: a PDF with a text layer is read with
// pdftotext; its words find it within the clinic (accents and case aside,
// prefixes), for those who may see it only; its suggestions carry the
// patient's current values, and accepting one changes the patient through
// the patient service (audited).
func TestTextLayerSearchAndSuggestions(t *testing.T) {
	t.Parallel()
	documenttest.RequireOCR(t)
	dbtest.EachURL(t, func(t *testing.T, url string) {
		e := newEnv(t, url, nil)
		c, other := e.clinic(), e.clinic()
		ctx := context.Background()
		pdf := documenttest.TextPDF(t, append([]string{"Encaminhamento ortopedia"}, documenttest.CardLines...))
		d, err := c.upload(c.recep, document.KindReferral, false, "guia.pdf", pdf)
		require.NoError(t, err)
		require.Equal(t, document.TypePDF, d.ContentType)
		exam := c.mustUpload(document.KindExam, false, documenttest.TextPDF(t, []string{"Hemograma completo ortopedia"}))
		d = c.process(d.ID)
		require.Equal(t, document.OCRDone, d.OCR.State, d.OCR.Reason)
		require.Contains(t, d.OCR.Text, "Encaminhamento")
		require.Equal(t, 1, d.OCR.Pages)
		require.Equal(t, document.OCRDone, c.process(exam.ID).OCR.State)

		ids := func(hits []document.SearchHit) []string {
			var out []string
			for _, h := range hits {
				out = append(out, h.DocumentID)
			}
			slices.Sort(out)
			return out
		}
		both := []string{d.ID, exam.ID}
		slices.Sort(both)
		for _, tc := range []struct {
			p    kernel.Principal
			q    string
			want []string
		}{
			{c.owner, "ORTOPÉDIA", both},
			{c.owner, "ortop", both},
			{c.owner, "encaminhamento ortopedia", []string{d.ID}},
			{c.owner, "hemograma encaminhamento", nil},
			{c.recep, "ortopedia", []string{d.ID}},
			{c.prof, "ortopedia", both},
			{c.other, "ortopedia", nil},
			{other.owner, "ortopedia", nil},
			{c.owner, "x", nil},
		} {
			hits, err := c.svc.Search(ctx, tc.p, tc.q, 10)
			if tc.p.ClinicID == other.id {
				hits, err = other.svc.Search(ctx, tc.p, tc.q, 10)
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, ids(hits), "%s searches %q", tc.p.Role, tc.q)
		}
		hits, err := c.svc.Search(ctx, c.owner, "encaminhamento", 10)
		require.NoError(t, err)
		require.Contains(t, hits[0].Snippet, "Encaminhamento")
		require.Equal(t, "Maria José da Silva", hits[0].PatientName)
		_, err = c.svc.Search(ctx, c.fin, "ortopedia", 10)
		require.Equal(t, apperr.Forbidden, apperr.CodeOf(err))

		sgs, err := c.svc.Suggestions(ctx, c.recep, d.ID)
		require.NoError(t, err)
		byField := map[string]document.Suggestion{}
		for _, s := range sgs {
			byField[s.Field] = s
		}
		require.Equal(t, documenttest.ValidCPFDigits, byField["cpf"].Value)
		require.Equal(t, "1985-05-14", byField["birth_date"].Value)
		require.Equal(t, "0 123 456789 0123", byField["insurance_card"].Value)
		require.Contains(t, byField, "name")
		require.Empty(t, byField["cpf"].Current)

		acc, err := c.svc.Accept(ctx, c.recep, d.ID, byField["cpf"].ID)
		require.NoError(t, err)
		require.True(t, acc.Same)
		require.NotNil(t, acc.AcceptedAt)
		_, err = c.svc.Accept(ctx, c.recep, d.ID, byField["birth_date"].ID)
		require.NoError(t, err)
		_, err = c.svc.Accept(ctx, c.recep, d.ID, byField["insurance_card"].ID)
		require.NoError(t, err)
		_, err = c.svc.Accept(ctx, c.recep, d.ID, byField["name"].ID)
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
		pt, err := e.a.Patients.Get(ctx, c.owner, c.patient.ID)
		require.NoError(t, err)
		require.Equal(t, documenttest.ValidCPFDigits, pt.CPF)
		require.Equal(t, "1985-05-14", pt.BirthDate)
		require.Equal(t, "0 123 456789 0123", pt.Insurance.CardNumber)
		updates := 0
		for _, a := range c.audits(c.patient.ID) {
			if a.Entity == patient.Entity && a.Action == "update" {
				updates++
			}
		}
		require.Equal(t, 3, updates, "each accepted suggestion is the patient service's audited update")

		// The same CPF suggested for another patient is the patient
		// service's conflict.
		p2, err := e.a.Patients.Create(ctx, c.owner, patient.Input{FullName: kernel.Some("Outra Pessoa")})
		require.NoError(t, err)
		d2, err := c.svc.Upload(ctx, c.owner, document.UploadInput{PatientID: p2.ID, Kind: document.KindID, FileName: "rg.pdf",
			Body: strings.NewReader(string(pdf))})
		require.NoError(t, err)
		c.process(d2.ID)
		sgs, err = c.svc.Suggestions(ctx, c.owner, d2.ID)
		require.NoError(t, err)
		for _, s := range sgs {
			if s.Field == "cpf" {
				_, err = c.svc.Accept(ctx, c.owner, d2.ID, s.ID)
				require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
			}
		}
	})
}

// TestAnonymisePatient: administrative documents lose file, text, words
// and suggestions (a tombstone stays); clinical ones keep file and text
// with the CPF, phone and name redacted; export streams every file left.
func TestAnonymisePatient(t *testing.T) {
	t.Parallel()
	documenttest.RequireOCR(t)
	e := newEnv(t, dbtest.SQLiteURL(t), nil)
	c := e.clinic()
	ctx := context.Background()
	lines := []string{"Paciente: Maria José da Silva", "CPF 529.982.247-25", "Tel (11) 98765-4321", "Laudo radiologico"}
	card := c.mustUpload(document.KindInsuranceCard, false, documenttest.TextPDF(t, lines))
	exam := c.mustUpload(document.KindExam, false, documenttest.TextPDF(t, lines))
	c.process(card.ID)
	c.process(exam.ID)

	files := map[string]int{}
	_, err := c.svc.ExportPatient(ctx, c.recep, c.patient.ID, nil)
	require.Equal(t, apperr.Forbidden, apperr.CodeOf(err))
	exp, err := c.svc.ExportPatient(ctx, c.owner, c.patient.ID, func(name string, r io.Reader) error {
		b, err := io.ReadAll(r)
		files[name] = len(b)
		return err
	})
	require.NoError(t, err)
	require.Len(t, exp, 2)
	require.Len(t, files, 2)

	require.Equal(t, apperr.Forbidden, apperr.CodeOf(c.svc.AnonymisePatient(ctx, c.admin, c.patient.ID)))
	require.NoError(t, c.svc.AnonymisePatient(ctx, c.owner, c.patient.ID))
	require.NoError(t, c.svc.AnonymisePatient(ctx, c.owner, c.patient.ID), "again")

	gotCard, err := c.svc.Get(ctx, c.owner, card.ID)
	require.NoError(t, err)
	require.True(t, gotCard.Removed)
	require.NotNil(t, gotCard.AnonymisedAt)
	require.Empty(t, gotCard.OCR.Text)
	_, _, err = c.svc.Open(ctx, c.owner, card.ID)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	require.Len(t, e.objects(), 1, "the card's object is deleted")

	gotExam, err := c.svc.Get(ctx, c.owner, exam.ID)
	require.NoError(t, err)
	require.False(t, gotExam.Removed)
	require.NotNil(t, gotExam.AnonymisedAt)
	require.Contains(t, gotExam.OCR.Text, "Laudo")
	for _, gone := range []string{"529.982.247-25", "98765", "Maria", "Silva"} {
		require.NotContains(t, gotExam.OCR.Text, gone)
	}
	hits, err := c.svc.Search(ctx, c.owner, "maria", 10)
	require.NoError(t, err)
	require.Empty(t, hits)
	hits, err = c.svc.Search(ctx, c.owner, "laudo", 10)
	require.NoError(t, err)
	require.Len(t, hits, 1)
	sgs, err := c.svc.Suggestions(ctx, c.owner, exam.ID)
	require.NoError(t, err)
	require.Empty(t, sgs)
}
