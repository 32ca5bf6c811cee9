package jobs_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/jobs"
	"clinic/internal/kernel"
	"clinic/internal/kernel/roletest"
	"clinic/internal/platform/queue"
)

// fakeAdmin answers for the queue and counts the calls that reach it.
type fakeAdmin struct{ calls atomic.Int32 }

func (f *fakeAdmin) ListFailed(context.Context, string, int) ([]queue.Job, error) {
	f.calls.Add(1)
	return nil, nil
}

func (f *fakeAdmin) Retry(_ context.Context, _ string, id int64) (queue.Job, error) {
	f.calls.Add(1)
	return queue.Job{}, apperr.New(apperr.NotFound, "Job %d not found.", id)
}

// TestRolesRefusedByTheService: failed jobs are for owners and admins,
// whoever calls the service, and a refused call never reaches the queue.
func TestRolesRefusedByTheService(t *testing.T) {
	t.Parallel()
	admin := &fakeAdmin{}
	svc := jobs.NewService(admin)
	clinicID := kernel.NewID()
	principal := func(r kernel.Role) kernel.Principal {
		return kernel.Principal{UserID: kernel.NewID(), ClinicID: clinicID, Role: r}
	}
	t.Run("roles", func(t *testing.T) {
		roletest.Run(t, principal, []roletest.Case{
			{Name: "list failed jobs", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.Failed(ctx, p, 10)
				return err
			}},
			{Name: "retry a job", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.Retry(ctx, p, 42)
				return err
			}},
		})
	})
	// Two calls for each of the two managing roles.
	require.Equal(t, int32(2*len(roletest.Managers)), admin.calls.Load())
}
