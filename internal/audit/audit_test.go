package audit_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

func TestEntriesAreAppendOnlyAndScopedByClinic(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, id := range []string{"0190a1b2-0000-7000-8000-00000000000a", "0190a1b2-0000-7000-8000-00000000000b"} {
			_, err := d.ExecContext(ctx, `INSERT INTO clinics (id, name, slug, created_at) VALUES ($1, 'C', $2, $3)`, id, id, db.Time(time.Now()))
			require.NoError(t, err)
		}
		a, b := "0190a1b2-0000-7000-8000-00000000000a", "0190a1b2-0000-7000-8000-00000000000b"
		actx := audit.WithActor(ctx, audit.Actor{ClinicID: a, UserID: "0190a1b2-0000-7000-8000-0000000000aa", IP: "10.0.0.1", RequestID: "r1"})
		for range 5 {
			require.NoError(t, audit.Record(actx, d, a, audit.ActionRead, "patient", "p", "0190a1b2-0000-7000-8000-0000000000cc"))
		}
		require.NoError(t, audit.Record(actx, d, b, audit.ActionCreate, "patient", "q", ""))

		svc := audit.NewService(d)
		page, err := svc.List(ctx, kernel.Principal{ClinicID: a, Role: kernel.RoleAdmin}, audit.Filter{Limit: 3})
		require.NoError(t, err)
		require.Len(t, page.Entries, 3)
		require.NotEmpty(t, page.NextCursor)
		require.Equal(t, "10.0.0.1", page.Entries[0].IP)
		require.Equal(t, "r1", page.Entries[0].RequestID)
		next, err := svc.List(ctx, kernel.Principal{ClinicID: a, Role: kernel.RoleAdmin}, audit.Filter{Limit: 3, Cursor: page.NextCursor})
		require.NoError(t, err)
		require.Len(t, next.Entries, 2, "the other clinic's entry is not listed")
		require.Empty(t, next.NextCursor)
		// The cursor is opaque (kernel.EncodeCursor), as every list's: a bare
		// id, a limit out of range are refused.
		for _, f := range []audit.Filter{{Cursor: strconv.FormatInt(page.Entries[2].ID, 10)}, {Cursor: "@@"}, {Limit: 201}, {Limit: -1}} {
			_, err := svc.List(ctx, kernel.Principal{ClinicID: a, Role: kernel.RoleAdmin}, f)
			require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "%+v", f)
		}
		byPatient, err := svc.List(ctx, kernel.Principal{ClinicID: b, Role: kernel.RoleOwner}, audit.Filter{PatientID: "0190a1b2-0000-7000-8000-0000000000cc"})
		require.NoError(t, err)
		require.Empty(t, byPatient.Entries)

		_, err = d.ExecContext(ctx, `UPDATE audit_log SET action = 'x'`)
		require.ErrorContains(t, err, "append-only")
		_, err = d.ExecContext(ctx, `DELETE FROM audit_log`)
		require.ErrorContains(t, err, "append-only")
	})
}
