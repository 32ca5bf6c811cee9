package patientfile

import (
	"context"
	"io"
	"strings"

	"clinic/internal/document"
	"clinic/internal/kernel"
)

// DocumentsService is what Documents asks of the document service.
type DocumentsService interface {
	PatientDocuments(ctx context.Context, p kernel.Principal, patientID string) ([]document.Document, error)
	ExportPatient(ctx context.Context, p kernel.Principal, patientID string, add func(name string, r io.Reader) error) (any, error)
	AnonymisePatient(ctx context.Context, p kernel.Principal, patientID string) error
	Search(ctx context.Context, p kernel.Principal, q string, limit int) ([]document.SearchHit, error)
}

// Documents is the patient's documents: on the timeline at their upload
// (clinical ones only for those who may read clinical content), in the
// export with their files (files/documents/…) and OCR text
// (documents.json), anonymised by the document service (administrative
// files removed, clinical ones kept with the identifying words of their
// text redacted).
type Documents struct{ S DocumentsService }

var _ Source = Documents{}

// Name implements Source.
func (Documents) Name() string { return "documents" }

// Clinical implements Source: some documents are, and say so.
func (Documents) Clinical() bool { return false }

// Timeline implements Source.
func (d Documents) Timeline(ctx context.Context, p kernel.Principal, patientID string) ([]Entry, error) {
	list, err := d.S.PatientDocuments(ctx, p, patientID)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(list))
	for _, doc := range list {
		out = append(out, Entry{At: doc.CreatedAt, Kind: "document", ID: doc.ID, Title: doc.FileName, Detail: doc.Kind,
			Status: doc.OCR.State, Path: "/documents/" + doc.ID, Clinical: doc.Clinical})
	}
	return out, nil
}

// Export implements Source: each file under files/documents/, then the
// metadata naming each file by its place in the zip.
func (d Documents) Export(ctx context.Context, p kernel.Principal, patientID string, x *Export) error {
	paths := map[string]string{}
	v, err := d.S.ExportPatient(ctx, p, patientID, func(name string, r io.Reader) error {
		path, err := x.File(d.Name(), strings.TrimPrefix(name, "documents/"), "A document's file as uploaded", r)
		paths[name] = path
		return err
	})
	if err != nil {
		return err
	}
	if docs, ok := v.([]document.ExportDocument); ok {
		for i := range docs {
			if p, ok := paths[docs[i].File]; ok {
				docs[i].File = p
			}
		}
	}
	return x.JSON(d.Name(), "Documents: kind, file name, type, size, checksum, OCR text and suggestions; file is the document's file in this zip", v)
}

// Anonymise implements Source.
func (d Documents) Anonymise(ctx context.Context, p kernel.Principal, patientID string) error {
	return d.S.AnonymisePatient(ctx, p, patientID)
}

// DocumentSearch finds documents by words of their text (each caller only
// the documents they may see).
type DocumentSearch struct{ S DocumentsService }

var _ Searcher = DocumentSearch{}

// Name implements Searcher.
func (DocumentSearch) Name() string { return "documents" }

// Clinical implements Searcher: administrative documents are not.
func (DocumentSearch) Clinical() bool { return false }

// Search implements Searcher.
func (d DocumentSearch) Search(ctx context.Context, p kernel.Principal, q string, limit int) ([]Hit, error) {
	hits, err := d.S.Search(ctx, p, q, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Hit, 0, len(hits))
	for _, h := range hits {
		at := h.CreatedAt
		title := h.FileName
		if h.PatientName != "" {
			title = h.PatientName + " · " + h.FileName
		}
		out = append(out, Hit{ID: h.DocumentID, PatientID: h.PatientID, Title: title, Snippet: h.Snippet, At: &at,
			Path: "/documents/" + h.DocumentID})
	}
	return out, nil
}
