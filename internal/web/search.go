package web

import (
	"net/http"

	"clinic/internal/apperr"
	"clinic/internal/httpx"
	"clinic/internal/i18n"
	"clinic/internal/patientfile"
)

// The clinic-wide search (the layout's search box and its results page).

// searchKinds are the kinds the catalogue names (search.kind.<kind>);
// others show as they are.
var searchKinds = []string{"patients", "documents", "notes"}

// searchGroup is one kind of hits as the page shows it.
type searchGroup struct {
	Kind, Label string
	Hits        []searchHit
}

type searchHit struct {
	patientfile.Hit
	Link string
}

// searchData is what search.html shows.
type searchData struct {
	Q      string
	Groups []searchGroup
	// Total counts the hits of every kind.
	Total int
	// Error is the message of a refused query ("" when none).
	Error string
}

// searchPage searches the clinic for ?q= and shows the hits by kind; an
// empty q shows the box alone.
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	pr := httpx.PrincipalOf(r.Context())
	d := searchData{Q: r.URL.Query().Get("q")}
	status := http.StatusOK
	if d.Q != "" {
		res, err := s.Files.Search(r.Context(), pr, patientfile.SearchQuery{Q: d.Q})
		switch {
		case apperr.Is(err, apperr.Invalid):
			msg, fields := i18n.Message(v.Locale, apperr.As(err))
			if m, ok := fields["q"]; ok {
				msg = m
			}
			d.Error, status = msg, http.StatusUnprocessableEntity
		case err != nil:
			return err
		}
		for _, g := range res.Groups {
			sg := searchGroup{Kind: g.Kind, Label: g.Kind}
			if t, ok := known(v, "search.kind.", g.Kind); ok {
				sg.Label = t
			}
			for _, h := range g.Hits {
				sh := searchHit{Hit: h}
				// A note's hit is titled by what it is (note, diagnosis,
				// prescription), in the catalogue's words.
				if t, ok := known(v, "search.hit.", h.Title); ok && g.Kind == "notes" {
					sh.Title = t
				}
				if h.Path != "" {
					sh.Link = v.ClinicPath(h.Path)
				}
				sg.Hits = append(sg.Hits, sh)
			}
			d.Total += len(g.Hits)
			d.Groups = append(d.Groups, sg)
		}
	}
	title := v.L.T("search.title")
	if d.Q != "" {
		title = v.L.T("search.title_q", "q", d.Q)
	}
	s.render(w, r, status, "search", page{Title: title, Data: d})
	return nil
}
