package patientfile

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/patient"
)

// KindPatients is the kind of the patients' hits, always searched first.
const KindPatients = "patients"

// Search bounds.
const (
	DefaultSearchLimit = 10
	MaxSearchLimit     = 50
	MaxSearchLength    = patient.MaxQueryLength
)

// SearchQuery is a clinic-wide search.
type SearchQuery struct {
	// Q is the words to find: a patient's name, CPF or phone (as the
	// patient list finds them), words of documents and notes. Required, at
	// most MaxSearchLength characters.
	Q string
	// Kinds keeps these kinds ("patients" and the Searchers' names); empty:
	// every kind the caller may see. Naming a clinical kind without the
	// right to read clinical content is Forbidden.
	Kinds []string
	// Limit is the number of hits per kind: 0 means DefaultSearchLimit; at
	// most MaxSearchLimit.
	Limit int
}

// SearchGroup is the hits of one kind.
type SearchGroup struct {
	Kind string `json:"kind"`
	Hits []Hit  `json:"hits"`
}

// SearchResult is the answer of a clinic-wide search, grouped by kind in
// the service's order (patients first).
type SearchResult struct {
	Q      string        `json:"q"`
	Groups []SearchGroup `json:"groups"`
}

// Kinds names the kinds of the search, in order.
func (s *Service) Kinds() []string {
	out := []string{KindPatients}
	for _, sr := range s.searchers {
		out = append(out, sr.Name())
	}
	return out
}

// Search searches p's clinic: patients (the patient service's search, so a
// professional finds only their own), then each Searcher. Clinical kinds
// are left out for a caller who may not read clinical content; naming one
// is then Forbidden. A kind whose owner forbids p is left out unless named.
// Invalid for a missing or too long q, a bad limit or an unknown kind.
func (s *Service) Search(ctx context.Context, p kernel.Principal, q SearchQuery) (SearchResult, error) {
	fields := map[string]string{}
	q.Q = strings.TrimSpace(q.Q)
	switch {
	case q.Q == "":
		fields["q"] = "Required."
	case utf8.RuneCountInString(q.Q) > MaxSearchLength:
		fields["q"] = fmt.Sprintf("Must be at most %d characters.", MaxSearchLength)
	default:
		if msg := kernel.CheckText(q.Q, false); msg != "" {
			fields["q"] = msg
		}
	}
	limit, msg := kernel.PageSize(q.Limit, DefaultSearchLimit, MaxSearchLimit)
	if msg != "" {
		fields["limit"] = msg
	}
	clinical := CanReadClinical(p)
	var names []string
	for _, k := range q.Kinds {
		for _, n := range strings.Split(k, ",") {
			if n = strings.TrimSpace(strings.ToLower(n)); n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	for _, n := range names {
		if !slices.Contains(s.Kinds(), n) {
			fields["kinds"] = kindsMessage(s.Kinds())
			break
		}
	}
	if len(fields) > 0 {
		return SearchResult{}, apperr.Validation(fields)
	}
	for _, sr := range s.searchers {
		if sr.Clinical() && !clinical && slices.Contains(names, sr.Name()) {
			return SearchResult{}, errClinical
		}
	}
	wants := func(kind string) bool { return len(names) == 0 || slices.Contains(names, kind) }
	res := SearchResult{Q: q.Q, Groups: []SearchGroup{}}
	if wants(KindPatients) {
		g, err := s.searchPatients(ctx, p, q.Q, limit)
		switch {
		case apperr.Is(err, apperr.Invalid) && len(names) == 0:
			// Words that are no patient query (too many of them): the
			// other kinds may still find them.
		case err != nil:
			return SearchResult{}, err
		default:
			res.Groups = append(res.Groups, g)
		}
	}
	for _, sr := range s.searchers {
		if !wants(sr.Name()) || (sr.Clinical() && !clinical) {
			continue
		}
		hits, err := sr.Search(ctx, p, q.Q, limit)
		if apperr.Is(err, apperr.Forbidden) && len(names) == 0 {
			continue
		}
		if err != nil {
			return SearchResult{}, fmt.Errorf("patientfile: search %s: %w", sr.Name(), err)
		}
		if hits == nil {
			hits = []Hit{}
		}
		for i := range hits {
			hits[i].Kind = sr.Name()
		}
		res.Groups = append(res.Groups, SearchGroup{Kind: sr.Name(), Hits: hits})
	}
	return res, nil
}

// searchPatients finds patients as the patient list does.
func (s *Service) searchPatients(ctx context.Context, p kernel.Principal, q string, limit int) (SearchGroup, error) {
	page, err := s.patients.List(ctx, p, patient.ListQuery{Q: q, Limit: limit})
	if err != nil {
		return SearchGroup{}, err
	}
	g := SearchGroup{Kind: KindPatients, Hits: make([]Hit, 0, len(page.Items))}
	for _, pat := range page.Items {
		name := pat.FullName
		if pat.SocialName != "" {
			name = pat.SocialName
		}
		snippet := ""
		if pat.CPF != "" {
			snippet = "CPF " + patient.FormatCPF(pat.CPF)
		}
		g.Hits = append(g.Hits, Hit{Kind: KindPatients, ID: pat.ID, PatientID: pat.ID, Title: name, Snippet: snippet,
			Path: "/patients/" + pat.ID})
	}
	return g, nil
}
