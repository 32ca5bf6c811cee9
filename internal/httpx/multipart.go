package httpx

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"

	"clinic/internal/apperr"
)

// MultipartSlack is what a multipart upload may carry beyond its file: the
// other fields and the parts' headers.
const MultipartSlack = 64 << 10

// IsMultipart reports whether r's body is multipart/form-data.
func IsMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// Upload is a multipart form read by ReadUpload: its text fields and its
// one file, spooled to a temporary file (not kept in memory).
type Upload struct {
	Fields map[string]string
	// FileName is the name the client gave the file (untrusted).
	FileName string
	// File is the file's content, positioned at its start; nil when the
	// form had no file part.
	File *os.File
	Size int64
}

// Close removes the spooled file.
func (u *Upload) Close() {
	if u.File != nil {
		u.File.Close()
		os.Remove(u.File.Name())
	}
}

// Errors of ReadUpload.
var (
	ErrNotMultipart = apperr.New(apperr.Invalid, "The request must be multipart/form-data with the file in the field file.")
	errFieldTooLong = apperr.New(apperr.Invalid, "A form field is too long.")
)

// ReadUpload reads a multipart form whose file is the part named fileField,
// in any order of parts. A file larger than maxFile answers apperr.TooLarge
// as soon as it is seen (nothing is kept); a text field is at most 4 KiB.
func ReadUpload(r *http.Request, fileField string, maxFile int64) (*Upload, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, ErrNotMultipart
	}
	// The whole body: the file and a little for the other fields.
	r.Body = http.MaxBytesReader(nil, r.Body, maxFile+MultipartSlack)
	u := &Upload{Fields: map[string]string{}}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			u.Close()
			return nil, uploadErr(err, maxFile)
		}
		name := part.FormName()
		if name == fileField {
			if u.File != nil {
				part.Close()
				continue // one file: the first
			}
			f, err := os.CreateTemp("", "clinic-upload-")
			if err != nil {
				u.Close()
				return nil, err
			}
			u.File, u.FileName = f, part.FileName()
			n, err := io.Copy(f, io.LimitReader(part, maxFile+1))
			if err != nil {
				u.Close()
				return nil, uploadErr(err, maxFile)
			}
			if n > maxFile {
				u.Close()
				return nil, apperr.New(apperr.TooLarge, "The file is larger than the limit of %d bytes.", maxFile)
			}
			u.Size = n
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				u.Close()
				return nil, err
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, 4<<10+1))
		part.Close()
		if err != nil {
			u.Close()
			return nil, ErrNotMultipart
		}
		if len(b) > 4<<10 {
			u.Close()
			return nil, errFieldTooLong
		}
		if _, dup := u.Fields[name]; !dup {
			u.Fields[name] = strings.TrimSpace(string(b))
		}
	}
	return u, nil
}

// uploadErr is the answer to a failed read of an upload's body.
func uploadErr(err error, maxFile int64) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return apperr.New(apperr.TooLarge, "The file is larger than the limit of %d bytes.", maxFile)
	}
	return ErrNotMultipart
}
