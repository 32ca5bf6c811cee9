package appointment

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

func TestCountIsTheListByStatus(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		b.book(t, b.profID, "", b.at(0, 9, 0), 30)
		own := b.book(t, b.profID, "", b.at(0, 10, 0), 30)
		b.book(t, b.prof2ID, "", b.at(0, 9, 0), 30)
		cancelled := b.book(t, b.prof2ID, "", b.at(0, 11, 0), 30)
		b.book(t, b.prof2ID, "", b.at(1, 9, 0), 30) // another day
		_, err := b.svc.SetStatus(ctx, b.receptionist, cancelled.ID, StatusInput{Status: StatusCancelled})
		require.NoError(t, err)
		_, err = b.svc.SetStatus(ctx, b.receptionist, own.ID, StatusInput{Status: StatusConfirmed})
		require.NoError(t, err)
		day := ListFilter{From: b.at(0, 0, 0), To: b.at(1, 0, 0)}

		for _, tc := range []struct {
			name string
			p    kernel.Principal
			f    ListFilter
			want Counts
		}{
			{"the day", b.owner, day, Counts{StatusScheduled: 2, StatusConfirmed: 1, StatusCancelled: 1}},
			{"two days", b.owner, ListFilter{From: b.at(0, 0, 0), To: b.at(2, 0, 0)}, Counts{StatusScheduled: 3, StatusConfirmed: 1, StatusCancelled: 1}},
			{"one professional", b.owner, ListFilter{From: day.From, To: day.To, ProfessionalID: b.prof2ID}, Counts{StatusScheduled: 1, StatusCancelled: 1}},
			{"statuses", b.owner, ListFilter{From: day.From, To: day.To, Statuses: []Status{StatusCancelled}}, Counts{StatusCancelled: 1}},
			{"a professional counts their own", b.professional, day, Counts{StatusScheduled: 1, StatusConfirmed: 1}},
			{"a token is no professional", kernel.Principal{TokenID: kernel.NewID(), ClinicID: b.clinicID, Role: kernel.RoleProfessional}, day, Counts{}},
			{"another clinic", kernel.Principal{UserID: b.owner.UserID, ClinicID: b.otherClinicID, Role: kernel.RoleOwner}, day, Counts{}},
		} {
			got, err := b.svc.Count(ctx, tc.p, tc.f)
			require.NoError(t, err, tc.name)
			require.Equal(t, tc.want, got, tc.name)
			page, err := b.svc.List(ctx, tc.p, tc.f)
			require.NoError(t, err, tc.name)
			require.Len(t, page.Items, got.Total(), "%s: the count is the list's length", tc.name)
		}
		c, err := b.svc.Count(ctx, b.owner, day)
		require.NoError(t, err)
		require.Equal(t, 3, c.Total(StatusScheduled, StatusConfirmed))

		_, err = b.svc.Count(ctx, b.owner, ListFilter{From: day.To, To: day.From})
		requireCode(t, err, apperr.Invalid)
	})
}
