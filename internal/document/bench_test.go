package document_test

import (
	"bytes"
	"context"
	"testing"

	"clinic/internal/document"
	"clinic/internal/document/documenttest"
	"clinic/internal/platform/db/dbtest"
)

// BenchmarkOCRPage reads one page per op with one worker (one process at a
// time, OMP_THREAD_LIMIT=1): a scanned card as PNG, and the same page as a
// PDF without a text layer (rendered at 300 dpi first). pages/min is one
// worker's throughput.
func BenchmarkOCRPage(b *testing.B) {
	documenttest.RequireOCR(b)
	engine := document.DetectEngine(context.Background(), document.EngineConfig{})
	if !engine.Available() {
		b.Fatal(engine.Reason())
	}
	png := documenttest.PNG(b, documenttest.CardLines)
	for _, f := range []struct {
		name, ctype string
		data        []byte
	}{
		{"png", document.TypePNG, png},
		{"scanned-pdf", document.TypePDF, documenttest.ImagePDF(b, png)},
		{"text-pdf", document.TypePDF, documenttest.TextPDF(b, documenttest.CardLines)},
	} {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := engine.Text(context.Background(), f.ctype, bytes.NewReader(f.data)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Minutes(), "pages/min")
		})
	}
}

// BenchmarkUploadToSearchable times one document from its upload to its
// text being found by search: the upload (file store, row, OCR job queued
// in the same transaction), the job's run (Tesseract on a PNG card) and
// the search, on SQLite. The queue's pick-up delay is left out: the op
// works its own job (svc.Process) as soon as the upload returns.
func BenchmarkUploadToSearchable(b *testing.B) {
	documenttest.RequireOCR(b)
	e := newEnv(b, dbtest.SQLiteURL(b), nil)
	c := e.clinic()
	ctx := context.Background()
	png := documenttest.PNG(b, documenttest.CardLines)
	for b.Loop() {
		d, err := c.upload(c.recep, document.KindInsuranceCard, false, "c.png", png)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.svc.Process(ctx, c.id, d.ID); err != nil {
			b.Fatal(err)
		}
		// The newest first: this op's document.
		hits, err := c.svc.Search(ctx, c.recep, "unimed", 1)
		if err != nil || len(hits) != 1 || hits[0].DocumentID != d.ID {
			b.Fatalf("search: %v %v", hits, err)
		}
	}
}
