package appointment

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
)

// Option configures a Service.
type Option func(*Service)

// WithCache makes ListJSON serve agenda pages from c. Pages are cached per
// clinic under the clinic's agenda generation, which every change the
// service makes ends once committed (on every server sharing c), so a
// booking, move or status change shows at once. Changes made by other
// services that the agenda shows (patient and professional names, the
// clinic's time zone) call InvalidateAgenda.
func WithCache(c cache.Cache) Option { return func(s *Service) { s.cache = c } }

// Agenda cache lifetimes.
const (
	// AgendaTTL bounds how long a cached agenda page lives.
	AgendaTTL = time.Minute
	// agendaGenTTL outlives the pages so that they are not orphaned early.
	agendaGenTTL = 10 * time.Minute
	agendaGenKey = "appointment:gen"
)

func (s *Service) tenantCache(clinicID string) cache.Cache {
	return cache.ForTenant(s.cache, clinicID)
}

// agendaGen returns the clinic's agenda generation, starting a new one when
// there is none, or "" when the cache cannot answer (nothing is cached then).
func agendaGen(ctx context.Context, c cache.Cache) string {
	b, err := c.Get(ctx, agendaGenKey)
	if err == nil {
		return string(b)
	}
	if !errors.Is(err, cache.ErrMiss) {
		return ""
	}
	gen := kernel.NewID()
	if err := c.Set(ctx, agendaGenKey, []byte(gen), agendaGenTTL); err != nil {
		return ""
	}
	return gen
}

// InvalidateAgenda drops the clinic's cached agenda pages, on every server
// sharing the cache: call it after committing a change the agenda shows
// (a patient's or professional's name, the clinic's time zone).
func (s *Service) InvalidateAgenda(ctx context.Context, clinicID string) {
	s.invalidateAgenda(ctx, clinicID)
}

// invalidateAgenda ends the clinic's agenda generation after a committed
// change. A failure is logged: the change itself succeeded, and the cached
// pages expire within AgendaTTL.
func (s *Service) invalidateAgenda(ctx context.Context, clinicID string) {
	if s.cache == nil {
		return
	}
	if err := s.tenantCache(clinicID).Delete(ctx, agendaGenKey); err != nil {
		s.log.WarnContext(ctx, "appointment: invalidate agenda cache", "clinic_id", clinicID, "err", err)
	}
}

// agendaKey names a page of the agenda as seen by p: what p's role shows
// (everything, everything but notes, or one professional's own) and the
// filter.
func agendaKey(gen string, p kernel.Principal, f listQuery) string {
	var b strings.Builder
	b.Grow(160)
	b.WriteString("appointment:agenda:")
	b.WriteString(gen)
	switch p.Role {
	case kernel.RoleFinancial:
		b.WriteString(":fin")
	case kernel.RoleProfessional:
		b.WriteString(":pro:")
		b.WriteString(p.UserID)
	default:
		b.WriteString(":all")
	}
	b.WriteByte(':')
	b.WriteString(strconv.FormatInt(f.From.UnixMicro(), 36))
	b.WriteByte(':')
	b.WriteString(strconv.FormatInt(f.To.UnixMicro(), 36))
	b.WriteByte(':')
	b.WriteString(f.ProfessionalID)
	b.WriteByte(':')
	b.WriteString(f.PatientID)
	b.WriteByte(':')
	for _, st := range f.Statuses {
		b.WriteString(string(st))
		b.WriteByte(',')
	}
	b.WriteByte(':')
	b.WriteString(f.Cursor)
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(f.Limit))
	return b.String()
}

// ListJSON is List encoded as JSON, served from the cache when the service
// has one (see WithCache): a hit costs neither the query nor the encoding.
// version names the page's content while it is cached: it is made of the
// clinic, its agenda generation and the query, so that the same version is
// the same page and a caller may keep a derived form (the HTTP layer keeps
// the compressed page) under it; "" when the page is not cached. When
// known is not nil and reports true for the version of a cached page, the
// page is not even read: body is nil (the caller has its own form of it).
// The caller must not modify the returned bytes.
func (s *Service) ListJSON(ctx context.Context, p kernel.Principal, f ListFilter, known func(version string) bool) (body []byte, version string, err error) {
	q, err := checkFilter(f)
	if err != nil {
		return nil, "", err
	}
	var c cache.Cache
	var key string
	if s.cache != nil {
		c = s.tenantCache(p.ClinicID)
		// The generation is read before the query: a page read before a
		// change can only be stored under the generation that change ends.
		if gen := agendaGen(ctx, c); gen != "" {
			key = agendaKey(gen, p, q)
			version = p.ClinicID + ":" + key
			if known != nil && known(version) {
				return nil, version, nil
			}
			if body, err := c.Get(ctx, key); err == nil {
				return body, version, nil
			}
		}
	}
	lctx := ctx
	if key != "" {
		// Cached for everyone: read from a replica only once it holds
		// every write committed before (the one that ended the previous
		// generation included).
		lctx = s.db.Fresh(ctx)
	}
	page, err := s.list(lctx, p, q)
	if err != nil {
		return nil, "", err
	}
	body = page.AppendJSON(make([]byte, 0, 512*len(page.Items)+32))
	if key == "" {
		return body, "", nil
	}
	_ = c.Set(ctx, key, body, AgendaTTL) // a page that is not stored is read again next time
	return body, version, nil
}
