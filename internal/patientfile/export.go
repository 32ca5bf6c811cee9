package patientfile

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/patient"
)

// ActionExport is the audit action of an LGPD export (entity
// patient.Entity).
const ActionExport = "export"

// Export is the zip of an LGPD export being written: sources add their
// JSON and files to it. Names are made safe and unique; the index lists
// every file with what it is.
type Export struct {
	zw      *zip.Writer
	at      time.Time
	names   map[string]bool
	entries []IndexEntry
}

// IndexEntry describes one file of an export (index.json).
type IndexEntry struct {
	Path string `json:"path"`
	// Source is the Name of the source that wrote it ("patient" for
	// patient.json).
	Source      string `json:"source"`
	Description string `json:"description"`
}

// Index is index.json: what the export is and holds.
type Index struct {
	PatientID   string       `json:"patient_id"`
	ClinicID    string       `json:"clinic_id"`
	GeneratedAt time.Time    `json:"generated_at"`
	Files       []IndexEntry `json:"files"`
}

// create starts a file of the zip at name (already safe), made at x.at.
func (x *Export) create(name, source, description string) (io.Writer, error) {
	x.names[name] = true
	x.entries = append(x.entries, IndexEntry{Path: name, Source: source, Description: description})
	return x.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: x.at})
}

// JSON writes v, indented, as <source>.json (or <source>-2.json when the
// source writes a second one), described in the index.
func (x *Export) JSON(source, description string, v any) error {
	name := x.unique(SafeName(source) + ".json")
	w, err := x.create(name, source, description)
	if err != nil {
		return fmt.Errorf("patientfile: export %s: %w", name, err)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("patientfile: export %s: %w", name, err)
	}
	return nil
}

// File copies r into files/<source>/<name made safe and unique>, described
// in the index, and returns the path it has in the zip (for the source's
// JSON to point at).
func (x *Export) File(source, name, description string, r io.Reader) (string, error) {
	p := x.unique("files/" + SafeName(source) + "/" + SafeName(name))
	w, err := x.create(p, source, description)
	if err != nil {
		return "", fmt.Errorf("patientfile: export %s: %w", p, err)
	}
	if _, err := io.Copy(w, r); err != nil {
		return "", fmt.Errorf("patientfile: export %s: %w", p, err)
	}
	return p, nil
}

// unique returns p, or p with -2, -3… before its extension when the zip
// has it already.
func (x *Export) unique(p string) string {
	if !x.names[p] {
		return p
	}
	ext := path.Ext(p)
	base := strings.TrimSuffix(p, ext)
	for i := 2; ; i++ {
		c := base + "-" + strconv.Itoa(i) + ext
		if !x.names[c] {
			return c
		}
	}
}

// maxNameLength bounds a SafeName, in bytes.
const maxNameLength = 100

// SafeName turns a file name from a user into one safe in any zip tool and
// file system: accents dropped, letters, digits, dots, hyphens and
// underscores kept, anything else (slashes, spaces, control characters)
// an underscore, no leading dot, at most 100 bytes keeping the extension;
// "file" when nothing is left.
func SafeName(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_'):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), "._")
	s = strings.ReplaceAll(s, "..", "_")
	if len(s) > maxNameLength {
		ext := path.Ext(s)
		if len(ext) > 10 {
			ext = ""
		}
		s = s[:maxNameLength-len(ext)] + ext
	}
	if strings.Trim(s, "_.") == "" {
		return "file"
	}
	return s
}

// patientExport is patient.json: every field of the patient, consents with
// their time and source.
type patientExport struct {
	ID           string            `json:"id"`
	FullName     string            `json:"full_name"`
	SocialName   string            `json:"social_name"`
	CPF          string            `json:"cpf"`
	BirthDate    string            `json:"birth_date"`
	Sex          string            `json:"sex"`
	Phone        string            `json:"phone"`
	Email        string            `json:"email"`
	Address      patient.Address   `json:"address"`
	Insurance    patient.Insurance `json:"insurance"`
	Notes        string            `json:"notes"`
	Consents     patient.Consents  `json:"consents"`
	AnonymisedAt *time.Time        `json:"anonymised_at"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// readme is README.txt, in Portuguese and English.
const readme = `Exportação de dados do paciente (LGPD, art. 18)
================================================

Este arquivo zip reúne todos os dados que a clínica guarda sobre um(a)
paciente, e somente sobre ele(a). Gerado em %[1]s.

- index.json: a lista de cada arquivo, de onde vem e o que contém.
- patient.json: o cadastro (todos os campos, consentimentos com data e origem).
- <fonte>.json: cada parte do prontuário e do atendimento (consultas,
  mensagens, lista de espera, acessos ao cadastro…), uma por arquivo.
- files/<fonte>/…: o conteúdo dos documentos, com nomes tornados seguros.

Patient data export (LGPD, art. 18)
===================================

This zip holds every piece of data the clinic keeps on one patient, and on
nobody else. Made at %[1]s.

- index.json: every file, where it comes from and what it holds.
- patient.json: the registration (every field, consents with time and source).
- <source>.json: each part of the record (appointments, messages, waitlist,
  accesses to the record…), one per file.
- files/<source>/…: the documents' contents, with names made safe.
`

// Export writes the LGPD export of a patient of p's clinic to w as a zip,
// streaming: patient.json, one JSON per source, the sources' files under
// files/, README.txt and index.json. Only owners (Forbidden otherwise,
// before anything is written); NotFound as for the patient service's Get,
// before anything is written. The export is audited (ActionExport) before
// the first byte. An error after that leaves the zip incomplete (the
// caller can only break the connection).
func (s *Service) Export(ctx context.Context, p kernel.Principal, patientID string, w io.Writer) error {
	if p.Role != kernel.RoleOwner {
		return errOwnerOnly
	}
	pat, err := s.patients.Get(ctx, p, patientID)
	if err != nil {
		return err
	}
	if err := audit.Record(ctx, s.audit, p.ClinicID, ActionExport, patient.Entity, pat.ID, pat.ID); err != nil {
		return err
	}
	at := s.now().UTC().Truncate(time.Second)
	x := &Export{zw: zip.NewWriter(w), at: at, names: map[string]bool{}}
	if err := x.JSON("patient", "The patient's registration: every field, consents with time and source", patientExport{
		ID: pat.ID, FullName: pat.FullName, SocialName: pat.SocialName, CPF: pat.CPF, BirthDate: pat.BirthDate, Sex: pat.Sex,
		Phone: pat.Phone, Email: pat.Email, Address: pat.Address, Insurance: pat.Insurance, Notes: pat.Notes,
		Consents: pat.Consents, AnonymisedAt: pat.AnonymisedAt, CreatedAt: pat.CreatedAt, UpdatedAt: pat.UpdatedAt,
	}); err != nil {
		return err
	}
	for _, src := range s.sources {
		if err := src.Export(ctx, p, pat.ID, x); err != nil {
			return fmt.Errorf("patientfile: export of %s: %w", src.Name(), err)
		}
	}
	rw, err := x.create("README.txt", "patientfile", "What this export is, in Portuguese and English")
	if err != nil {
		return fmt.Errorf("patientfile: export README.txt: %w", err)
	}
	if _, err := fmt.Fprintf(rw, readme, at.Format(time.RFC3339)); err != nil {
		return fmt.Errorf("patientfile: export README.txt: %w", err)
	}
	x.entries = append(x.entries, IndexEntry{Path: "index.json", Source: "patientfile", Description: "This list"})
	iw, err := x.zw.CreateHeader(&zip.FileHeader{Name: "index.json", Method: zip.Deflate, Modified: at})
	if err != nil {
		return fmt.Errorf("patientfile: export index.json: %w", err)
	}
	enc := json.NewEncoder(iw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(Index{PatientID: pat.ID, ClinicID: p.ClinicID, GeneratedAt: at, Files: x.entries}); err != nil {
		return fmt.Errorf("patientfile: export index.json: %w", err)
	}
	if err := x.zw.Close(); err != nil {
		return fmt.Errorf("patientfile: export: %w", err)
	}
	return nil
}
