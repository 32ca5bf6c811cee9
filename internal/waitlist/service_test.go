package waitlist_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/waitlist"
)

func ptr[T any](v T) *T { return &v }

// june2030 is a valid entry for patient and professional (nil: any).
func june2030(patient string, professional *string) waitlist.CreateInput {
	return waitlist.CreateInput{PatientID: patient, ProfessionalID: professional, FromDate: "2030-06-01", ToDate: "2030-06-30"}
}

func TestListShowsOpenEntriesOldestFirstWithNames(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, "America/Sao_Paulo")
		s := waitlist.NewService(d)
		owner := f.principal(kernel.RoleOwner, "")
		ana := f.professional("Dra. Ana", "")
		bruno := f.professional("Dr. Bruno", "")
		carla := f.patient("Carla Dias", "")
		joao := f.patient("Maria João Silva", "João Silva")

		in := june2030(carla, &ana)
		in.Earliest, in.Latest, in.DurationMinutes, in.Notes = ptr("08:00"), ptr("12:00"), ptr(45), " prefers mornings "
		first, err := s.Create(ctx, owner, in)
		require.NoError(t, err)
		require.Equal(t, "Carla Dias", first.PatientName)
		require.Equal(t, "Dra. Ana", *first.ProfessionalName)
		require.Equal(t, "08:00", first.Earliest.String())
		require.Equal(t, "12:00", first.Latest.String())
		require.Equal(t, 45, first.DurationMinutes)
		require.Equal(t, "prefers mornings", first.Notes)
		require.Equal(t, waitlist.StatusWaiting, first.Status)

		anyone, err := s.Create(ctx, owner, june2030(joao, nil))
		require.NoError(t, err)
		require.Nil(t, anyone.ProfessionalID)
		require.Equal(t, 30, anyone.DurationMinutes, "default duration")
		forBruno, err := s.Create(ctx, owner, june2030(carla, &bruno))
		require.NoError(t, err)
		removed, err := s.Create(ctx, owner, june2030(joao, &ana))
		require.NoError(t, err)
		require.NoError(t, s.Remove(ctx, owner, removed.ID))

		page, err := s.List(ctx, owner, waitlist.ListFilter{})
		require.NoError(t, err)
		require.Equal(t, []string{first.ID, anyone.ID, forBruno.ID}, ids(page.Items))
		require.Empty(t, page.NextCursor)
		require.Equal(t, "João Silva", page.Items[1].PatientName, "the social name when there is one")
		require.Nil(t, page.Items[1].ProfessionalName)
		require.Equal(t, first, page.Items[0], "listed as created")

		page, err = s.List(ctx, owner, waitlist.ListFilter{ProfessionalID: ana})
		require.NoError(t, err)
		require.Equal(t, []string{first.ID, anyone.ID}, ids(page.Items), "Ana's entries and those for any professional")

		// Pages of one, following the cursor, give the same order.
		var all []string
		cursor := ""
		for range 5 {
			page, err = s.List(ctx, owner, waitlist.ListFilter{Limit: 1, Cursor: cursor})
			require.NoError(t, err)
			all = append(all, ids(page.Items)...)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		require.Equal(t, []string{first.ID, anyone.ID, forBruno.ID}, all)

		// Another clinic sees none of them.
		other := newFixture(t, d, "America/Sao_Paulo")
		page, err = s.List(ctx, other.principal(kernel.RoleOwner, ""), waitlist.ListFilter{})
		require.NoError(t, err)
		require.Empty(t, page.Items)
	})
}

func ids(es []waitlist.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func TestRolesOnTheWaitlist(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, "America/Sao_Paulo")
		s := waitlist.NewService(d)
		anaUser := f.user()
		ana := f.professional("Dra. Ana", anaUser)
		bruno := f.professional("Dr. Bruno", "")
		patient := f.patient("Carla Dias", "")
		recep := f.principal(kernel.RoleReceptionist, f.user())
		forAna, err := s.Create(ctx, recep, june2030(patient, &ana))
		require.NoError(t, err)
		forAny, err := s.Create(ctx, recep, june2030(patient, nil))
		require.NoError(t, err)
		forBruno, err := s.Create(ctx, recep, june2030(patient, &bruno))
		require.NoError(t, err)

		pro := f.principal(kernel.RoleProfessional, anaUser)
		page, err := s.List(ctx, pro, waitlist.ListFilter{})
		require.NoError(t, err)
		require.Equal(t, []string{forAna.ID, forAny.ID}, ids(page.Items), "a professional sees their own entries and those for any")
		page, err = s.List(ctx, pro, waitlist.ListFilter{ProfessionalID: ana})
		require.NoError(t, err)
		require.Equal(t, []string{forAna.ID, forAny.ID}, ids(page.Items))
		_, err = s.Offers(ctx, pro, forAny.ID)
		require.NoError(t, err)

		unlinked := f.principal(kernel.RoleProfessional, f.user())
		page, err = s.List(ctx, unlinked, waitlist.ListFilter{})
		require.NoError(t, err)
		require.Equal(t, []string{forAny.ID}, ids(page.Items), "a professional without a profile sees the entries for any")

		financial := f.principal(kernel.RoleFinancial, f.user())
		forbidden := []struct {
			name string
			call func() error
		}{
			{"a professional filtering on another", func() error {
				_, err := s.List(ctx, pro, waitlist.ListFilter{ProfessionalID: bruno})
				return err
			}},
			{"a professional reading another's offers", func() error { _, err := s.Offers(ctx, pro, forBruno.ID); return err }},
			{"a professional adding", func() error { _, err := s.Create(ctx, pro, june2030(patient, &ana)); return err }},
			{"a professional removing", func() error { return s.Remove(ctx, pro, forAna.ID) }},
			{"financial listing", func() error { _, err := s.List(ctx, financial, waitlist.ListFilter{}); return err }},
			{"financial reading offers", func() error { _, err := s.Offers(ctx, financial, forAny.ID); return err }},
			{"financial adding", func() error { _, err := s.Create(ctx, financial, june2030(patient, nil)); return err }},
			{"financial removing", func() error { return s.Remove(ctx, financial, forAny.ID) }},
		}
		for _, tt := range forbidden {
			require.Equal(t, apperr.Forbidden, apperr.CodeOf(tt.call()), tt.name)
		}
	})
}

func TestRemoveExpiresOpenOffersAndIsAudited(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		b := newSlot(t, d, "America/Sao_Paulo", slotStart, slotEnd)
		s := waitlist.NewService(d)
		admin := b.principal(kernel.RoleAdmin, "")
		e, err := s.Create(ctx, admin, june2030(b.patient, &b.prof))
		require.NoError(t, err)
		require.NoError(t, work(t, waitlist.NewSlotFreedWorker(d), b.args))
		offers, err := s.Offers(ctx, admin, e.ID)
		require.NoError(t, err)
		require.Len(t, offers, 1)
		require.Equal(t, waitlist.OfferPending, offers[0].Status)
		require.Equal(t, "Dra. Ana", offers[0].ProfessionalName)
		require.Equal(t, "2030-06-10T09:00:00-03:00", offers[0].StartsAt.Format("2006-01-02T15:04:05Z07:00"), "in the clinic's time zone")
		page, err := s.List(ctx, admin, waitlist.ListFilter{})
		require.NoError(t, err)
		require.Equal(t, waitlist.StatusOffered, page.Items[0].Status, "offered entries stay listed")

		require.NoError(t, s.Remove(ctx, admin, e.ID))
		require.Equal(t, apperr.NotFound, apperr.CodeOf(s.Remove(ctx, admin, e.ID)), "removing twice")
		require.Equal(t, "removed", b.status(e.ID))
		offers, err = s.Offers(ctx, admin, e.ID)
		require.NoError(t, err, "the offers of a removed entry stay readable")
		require.Equal(t, waitlist.OfferExpired, offers[0].Status)

		logged := b.audit("waitlist_entry")
		require.Len(t, logged, 2)
		require.Equal(t, []string{"create", "delete"}, []string{logged[0].action, logged[1].action})
		for _, a := range logged {
			require.Equal(t, e.ID, a.entityID)
			require.Equal(t, b.patient, a.patientID.String)
		}

		// A booked entry cannot be removed.
		booked := b.entry(entryRow{patientID: b.patient, from: "2030-06-01", to: "2030-06-30", status: "booked"})
		require.Equal(t, apperr.Conflict, apperr.CodeOf(s.Remove(ctx, admin, booked)))
	})
}
