package patient

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// List page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = kernel.MaxLimit
)

// Bounds of a search query, checked before any database work.
const (
	MaxQueryLength = 200 // characters
	MaxQueryWords  = 12
)

// ListQuery selects a page of patients.
type ListQuery struct {
	// Q searches. A name matches when each of its words starts a word of the
	// full or social name, whatever the case and accents ("joa sil" finds
	// "João da Silva"). A query made of digits and punctuation is a CPF
	// (formatted or not; a partial CPF matches as a prefix) or a phone number
	// in any format ParsePhone accepts. Empty lists every patient. At most
	// MaxQueryLength characters and MaxQueryWords words, under
	// kernel.CheckText.
	Q string
	// Cursor is the NextCursor of the previous page ("" for the first).
	Cursor string
	// Limit is the page size: 0 means DefaultLimit; at most MaxLimit.
	Limit int
}

// Page is one page of patients, by name then id.
type Page struct {
	Items []Patient
	// NextCursor fetches the next page; "" on the last one.
	NextCursor string
}

// cursor is where a page ends, in list order.
type cursor struct {
	Name string // search text: letters, digits and spaces
	ID   string
}

func (c cursor) encode() string { return kernel.EncodeCursor(c.ID, c.Name) }

func decodeCursor(s string) (cursor, bool) {
	parts, ok := kernel.DecodeCursor(s, 2)
	if !ok || !kernel.IsID(parts[0]) {
		return cursor{}, false
	}
	return cursor{ID: parts[0], Name: parts[1]}, true
}

// checkQuery returns why search query q is refused, or "".
func checkQuery(q string) string {
	if msg := kernel.CheckText(q, false); msg != "" {
		return msg
	}
	if utf8.RuneCountInString(q) > MaxQueryLength {
		return "Must be at most " + strconv.Itoa(MaxQueryLength) + " characters."
	}
	if len(strings.Fields(SearchText(q))) > MaxQueryWords {
		return "Must have at most " + strconv.Itoa(MaxQueryWords) + " words."
	}
	return ""
}

// List returns a page of the active patients of pr's clinic that match q,
// ordered by name then id (professionals: only their own patients;
// financial users: without notes). Reading a list is not audited row by row.
// Invalid for a bad limit, cursor or query (checked before any database
// work).
func (s *Service) List(ctx context.Context, pr kernel.Principal, q ListQuery) (Page, error) {
	if !canRead(pr.Role) {
		return Page{}, errNoRead
	}
	fields := map[string]string{}
	if msg := checkQuery(q.Q); msg != "" {
		fields["q"] = msg
	}
	limit, msg := kernel.PageSize(q.Limit, DefaultLimit, MaxLimit)
	if msg != "" {
		fields["limit"] = msg
	}
	var after cursor
	if q.Cursor != "" {
		var ok bool
		if after, ok = decodeCursor(q.Cursor); !ok {
			fields["cursor"] = kernel.MsgCursor
		}
	}
	if len(fields) > 0 {
		return Page{}, apperr.Validation(fields)
	}

	var a args
	from, cond, order, none := s.match(&a, pr.ClinicID, q.Q)
	if none {
		return Page{Items: []Patient{}}, nil
	}
	where := scopeOf(pr).where(&a) + cond
	if q.Cursor != "" {
		where += ` AND (p.search_text, p.id) > (` + a.add(after.Name) + `, ` + a.add(after.ID) + `)`
	}
	query := `SELECT ` + columns + ` FROM ` + from + ` WHERE ` + where + ` ORDER BY ` + order + ` LIMIT ` + a.add(limit+1)
	qargs := []any(a)
	if s.db.Dialect == db.Postgres && cond != "" {
		// Plan each search with its own values (unnamed statement): a
		// cached generic plan cannot know that LIKE 'zul%' is selective and
		// scans the table instead of using the trigram index.
		qargs = append([]any{pgx.QueryExecModeExec}, a...)
	}
	rows, err := s.db.Reader(ctx).QueryContext(ctx, query, qargs...)
	if err != nil {
		return Page{}, fmt.Errorf("patient store: list: %w", err)
	}
	defer rows.Close()
	page := Page{Items: make([]Patient, 0, min(limit, 64))}
	for rows.Next() {
		p, err := scan(rows)
		if err != nil {
			return Page{}, fmt.Errorf("patient store: list: %w", err)
		}
		page.Items = append(page.Items, view(p, pr))
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("patient store: list: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.NextCursor = cursor{Name: last.searchText, ID: last.ID}.encode()
	}
	return page, nil
}

// match returns the FROM clause (patients p, maybe joined), the condition
// (" AND …") and the ORDER BY clause (always by name then id) that find the
// patients matching search query q; none reports a query that can match
// nobody.
func (s *Service) match(a *args, clinicID, q string) (from, cond, order string, none bool) {
	from, order = `patients p`, `p.search_text, p.id`
	sqlite := s.db.Dialect == db.SQLite
	if digits, plus, ok := numeric(q); ok {
		if sqlite {
			// Few rows match: find them by the cpf or phone index, then sort,
			// rather than walk the whole clinic in name order.
			order = `+p.search_text, p.id`
		}
		var or []string
		if !plus {
			if cpf, err := ParseCPF(q); err == nil {
				or = append(or, `p.cpf = `+a.add(cpf))
			}
		}
		if phone, err := ParsePhone(q); err == nil {
			or = append(or, `p.phone = `+a.add(phone))
		}
		switch {
		case len(or) > 0:
			return from, ` AND (` + strings.Join(or, ` OR `) + `)`, order, false
		case !plus && len(digits) < 11:
			// The start of a CPF.
			cond = ` AND p.cpf >= ` + a.add(digits)
			if hi := nextPrefix(digits); hi != "" {
				cond += ` AND p.cpf < ` + a.add(hi)
			}
			return from, cond, order, false
		}
		return from, "", order, true
	}
	words := strings.Fields(SearchText(q))
	if len(words) == 0 {
		return from, "", order, false
	}
	if sqlite {
		// FTS5 over the clinic's postings only, each word as a prefix (words
		// hold only letters and digits: nothing to escape).
		var b strings.Builder
		b.WriteString(`clinic : "` + strings.ReplaceAll(clinicID, "-", "") + `"`)
		selective := false
		for _, w := range words {
			b.WriteString(` AND search_text : "` + w + `"*`)
			selective = selective || utf8.RuneCountInString(w) >= selectivePrefix
		}
		match := a.add(b.String())
		if selective {
			// Few matches expected: start from them (CROSS JOIN fixes the
			// join order), then sort.
			return `patients_fts f CROSS JOIN patients p ON p.seq = f.rowid`, ` AND patients_fts MATCH ` + match, order, false
		}
		// A short prefix matches many: walk the clinic in name order and
		// stop at the page's end.
		return from, ` AND p.seq IN (SELECT rowid FROM patients_fts WHERE patients_fts MATCH ` + match + `)`, order, false
	}
	// PostgreSQL: each word starts the name or follows a space; the trigram
	// index serves both patterns (no LIKE escaping needed either).
	for _, w := range words {
		cond += ` AND (p.search_text LIKE ` + a.add(w+"%") + ` OR p.search_text LIKE ` + a.add("% "+w+"%") + `)`
	}
	return from, cond, order, false
}

// selectivePrefix is the length from which a word prefix is expected to
// match few patients.
const selectivePrefix = 3

// numeric reports whether q is made of digits and phone or CPF punctuation
// only, and returns its digits and whether it starts with +.
func numeric(q string) (digits string, plus, ok bool) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(q) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && b.Len() == 0:
			plus = true
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')' || r == '/' || r == '\u00a0':
		default:
			return "", false, false
		}
	}
	return b.String(), plus, b.Len() > 0
}

// nextPrefix returns the smallest digit string greater than every string
// starting with digits ("129" → "13"), or "" when there is none ("99").
func nextPrefix(digits string) string {
	d := strings.TrimRight(digits, "9")
	if d == "" {
		return ""
	}
	return d[:len(d)-1] + string(d[len(d)-1]+1)
}
