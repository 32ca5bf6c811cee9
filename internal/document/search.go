package document

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"clinic/internal/audit"
	"clinic/internal/kernel"
)

// Word limits of the search index.
const (
	minWord      = 2
	maxWord      = 64
	maxDocWords  = 5000
	maxQueryWord = 8
	wordsPerStmt = 200
)

// words returns the distinct folded words of text that the index keeps.
func words(text string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.Fields(kernel.FoldText(text)) {
		if len(w) < minWord || len(w) > maxWord || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, w)
		if len(out) == maxDocWords {
			break
		}
	}
	return out
}

// writeWords replaces the document's words in the index.
func writeWords(ctx context.Context, tx *sql.Tx, clinicID, id, text string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM document_words WHERE document_id = $1`, id); err != nil {
		return fmt.Errorf("document store: words: %w", err)
	}
	for chunk := range slices.Chunk(words(text), wordsPerStmt) {
		var a args
		var b strings.Builder
		b.WriteString(`INSERT INTO document_words (document_id, clinic_id, word) VALUES `)
		for i, w := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + a.add(id) + ", " + a.add(clinicID) + ", " + a.add(w) + ")")
		}
		if _, err := tx.ExecContext(ctx, b.String(), a...); err != nil {
			return fmt.Errorf("document store: words: %w", err)
		}
	}
	return nil
}

// SearchHit is a document found by words of its text.
type SearchHit struct {
	DocumentID  string    `json:"document_id"`
	PatientID   string    `json:"patient_id"`
	PatientName string    `json:"patient_name"`
	Kind        string    `json:"kind"`
	Clinical    bool      `json:"clinical"`
	FileName    string    `json:"file_name"`
	Snippet     string    `json:"snippet"`
	CreatedAt   time.Time `json:"created_at"`
}

// DefaultSearchLimit and MaxSearchLimit bound Search's answer.
const (
	DefaultSearchLimit = 20
	MaxSearchLimit     = 100
)

// Search finds the clinic's documents whose text holds every word of q
// (accents and case aside; the words of q are prefixes), newest first,
// only those p may see. Each clinical hit is an audited read. Financial
// users are forbidden; a query without words finds nothing.
func (s *Service) Search(ctx context.Context, p kernel.Principal, q string, limit int) ([]SearchHit, error) {
	if !readsAny(p.Role) {
		return nil, errForbidden
	}
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	limit = min(limit, MaxSearchLimit)
	var terms []string
	for _, w := range strings.Fields(kernel.FoldText(q)) {
		if len(w) >= minWord && !slices.Contains(terms, w) && len(terms) < maxQueryWord {
			terms = append(terms, w[:min(len(w), maxWord)])
		}
	}
	if len(terms) == 0 {
		return []SearchHit{}, nil
	}
	var a args
	w := visible(p, &a, false)
	for _, t := range terms {
		w += ` AND d.id IN (SELECT dw.document_id FROM document_words dw WHERE dw.clinic_id = d.clinic_id AND dw.word >= ` + a.add(t) +
			` AND dw.word < ` + a.add(t+"\U0010FFFF") + `)`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, d.patient_id, pr.name, d.kind, d.clinical, d.file_name, d.ocr_text, d.created_at
		FROM documents d JOIN patient_refs pr ON pr.clinic_id = d.clinic_id AND pr.id = d.patient_id
		WHERE `+w+` ORDER BY d.created_at DESC, d.id DESC LIMIT `+a.add(limit), a...)
	if err != nil {
		return nil, fmt.Errorf("document store: search: %w", err)
	}
	defer rows.Close()
	out := []SearchHit{}
	for rows.Next() {
		var h SearchHit
		var text string
		if err := rows.Scan(&h.DocumentID, &h.PatientID, &h.PatientName, &h.Kind, &h.Clinical, &h.FileName, &text, &h.CreatedAt); err != nil {
			return nil, fmt.Errorf("document store: search: %w", err)
		}
		h.CreatedAt = h.CreatedAt.UTC()
		h.Snippet = snippet(text, terms[0])
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("document store: search: %w", err)
	}
	for _, h := range out {
		if h.Clinical {
			if err := audit.Record(ctx, s.db, p.ClinicID, audit.ActionRead, Entity, h.DocumentID, h.PatientID); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// snippet is a few words of text around the first word starting with term.
func snippet(text, term string) string {
	f := strings.Fields(text)
	for i, w := range f {
		for _, part := range strings.Fields(kernel.FoldText(w)) {
			if strings.HasPrefix(part, term) {
				lo, hi := max(i-6, 0), min(i+7, len(f))
				s := strings.Join(f[lo:hi], " ")
				if lo > 0 {
					s = "… " + s
				}
				if hi < len(f) {
					s += " …"
				}
				return s
			}
		}
	}
	return ""
}
