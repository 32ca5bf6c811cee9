package document

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/blob"
	"clinic/internal/platform/db"
)

// UploadInput is a file to attach to a patient.
type UploadInput struct {
	PatientID   string
	EncounterID string
	// Kind is one of Kinds (default other).
	Kind string
	// Clinical marks the document clinical content.
	Clinical bool
	// FileName is the name the client gave; kept, sanitised, for display.
	FileName string
	// Body is the file's content, read once (streamed to the store).
	Body io.Reader
}

// errType answers content that is not a PDF, JPEG or PNG.
var errType = apperr.New(apperr.Unsupported, "Only PDF, JPEG and PNG files are accepted.")

// allowedType reports whether a sniffed content type is accepted, and its
// bare form.
func allowedType(sniffed string) (string, bool) {
	t, _, _ := strings.Cut(sniffed, ";")
	switch t = strings.TrimSpace(t); t {
	case TypePDF, TypeJPEG, TypePNG:
		return t, true
	}
	return "", false
}

// Upload stores a file for a patient and queues its OCR in the same
// transaction as its row. The type is sniffed from the content (PDF, JPEG,
// PNG; anything else: apperr.Unsupported, HTTP 415); a file over the limit
// is an apperr.TooLarge (413). Either way nothing is stored. Receptionists
// and admins attach administrative documents only; financial users none;
// professionals only to their own patients. The OCR state starts pending:
// the job (on queue ocr, perhaps on another machine) reads the text, or
// marks it not_available where the tools are missing.
func (s *Service) Upload(ctx context.Context, p kernel.Principal, in UploadInput) (Document, error) {
	if !readsAny(p.Role) {
		return Document{}, errForbidden
	}
	if in.Kind == "" {
		in.Kind = KindOther
	}
	if !validKind(in.Kind) {
		return Document{}, apperr.Validation(map[string]string{"kind": fmt.Sprintf("Must be one of %s.", strings.Join(Kinds, ", "))})
	}
	if in.Body == nil {
		return Document{}, apperr.Validation(map[string]string{"file": "Choose a file."})
	}
	if err := patientVisible(ctx, s.db, p, in.PatientID); err != nil {
		return Document{}, err
	}
	if in.EncounterID != "" {
		if s.encounters == nil {
			return Document{}, errNoEncounters
		}
		pid, err := s.encounters(ctx, p, p.ClinicID, in.EncounterID)
		if err != nil {
			return Document{}, err
		}
		if pid != in.PatientID {
			return Document{}, apperr.Validation(map[string]string{"encounter_id": "The encounter is of another patient."})
		}
	}
	clinical := isClinical(in.Kind, in.Clinical, in.EncounterID)
	if clinical && !readsClinical(p.Role) {
		return Document{}, errClinical
	}
	br := bufio.NewReaderSize(in.Body, 512)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return Document{}, fmt.Errorf("document: read upload: %w", err)
	}
	if len(head) == 0 {
		return Document{}, apperr.Validation(map[string]string{"file": "The file is empty."})
	}
	ctype, ok := allowedType(http.DetectContentType(head))
	if !ok {
		return Document{}, errType
	}
	now := db.Time(s.now())
	d := Document{ID: kernel.NewID(), clinicID: p.ClinicID, PatientID: in.PatientID, EncounterID: in.EncounterID, Kind: in.Kind,
		Clinical: clinical, FileName: SafeName(in.FileName, ctype), ContentType: ctype, UploadedBy: p.UserID,
		CreatedAt: now, UpdatedAt: now, OCR: OCR{State: OCRPending}}
	d.storageKey = blob.NewKey("clinics/" + p.ClinicID + "/documents")
	h := sha256.New()
	info, err := s.files.Put(ctx, d.storageKey, io.TeeReader(br, hashWriter{h}), blob.PutOptions{MaxSize: s.cfg.MaxBytes})
	if err != nil {
		return Document{}, err
	}
	d.SizeBytes, d.SHA256 = info.Size, hex.EncodeToString(h.Sum(nil))
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := insert(ctx, tx, d); err != nil {
			return err
		}
		// Queued even when this server has no OCR: the workers of queue
		// ocr may run on other machines; one without the tools marks the
		// document not_available.
		if err := s.enqueue(ctx, tx, d); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, Entity, d.ID, d.PatientID)
	})
	if err != nil {
		// The row is not there: neither may the file be.
		if derr := s.files.Delete(context.WithoutCancel(ctx), d.storageKey); derr != nil {
			s.log.Error("document: remove the file of a failed upload", "key", d.storageKey, "err", derr)
		}
		return Document{}, err
	}
	return d, nil
}

type hashWriter struct{ h hash.Hash }

func (w hashWriter) Write(p []byte) (int, error) { return w.h.Write(p) }

// maxName is the longest file name kept, in characters.
const maxName = 120

// SafeName is a file name fit for display and for Content-Disposition: the
// last element of the name (no directories, so "../../etc/passwd" is
// "passwd"), without control characters, quotes, backslashes or
// semicolons, at most 120 characters, and never empty (document.pdf,
// document.jpg, document.png by type).
func SafeName(name, contentType string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(strings.TrimRight(name, "/"))
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "")
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r == '"', r == ';', r == '/', r == '\\', r == '<', r == '>', r == '\u2028', r == '\u2029':
			return -1
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if r := []rune(name); len(r) > maxName {
		name = string(r[len(r)-maxName:])
	}
	if name == "" {
		switch contentType {
		case TypePDF:
			return "document.pdf"
		case TypeJPEG:
			return "document.jpg"
		default:
			return "document.png"
		}
	}
	return name
}
