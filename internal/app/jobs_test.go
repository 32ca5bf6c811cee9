package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"clinic/internal/app"
	"clinic/internal/app/apptest"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/queue"
)

// failingArgs is a job that always fails.
type failingArgs struct{ N int }

func (failingArgs) Kind() string { return "test_always_fails" }

type failingWorker struct {
	river.WorkerDefaults[failingArgs]
}

func (failingWorker) Work(context.Context, *river.Job[failingArgs]) error {
	return errors.New("the partner system refused the request")
}

func TestFailedJobsAdminAPI(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		in := apptest.Start(t, apptest.Config(t, url, nil), app.WithWorkers(func(w *river.Workers) {
			river.AddWorker(w, failingWorker{})
		}))
		owner := in.Client(t)
		clinicID, _ := owner.Signup("Clinic", email("owner"))
		other := in.Client(t)
		otherID, _ := other.Signup("Other", email("other"))

		res, err := in.Queue.Insert(context.Background(), failingArgs{N: 1}, queue.WithClinic(&river.InsertOpts{MaxAttempts: 1}, clinicID))
		require.NoError(t, err)
		jobID := res.Job.ID

		var items []struct {
			ID     int64
			Kind   string
			State  string
			Errors []struct{ Message string }
		}
		require.EventuallyWithT(t, func(ct *assert.CollectT) {
			r, err := owner.Try("GET", "/api/v1/clinics/"+clinicID+"/jobs/failed", nil)
			require.NoError(ct, err)
			require.Equal(ct, http.StatusOK, r.Status, "%s", r.Body)
			var body struct {
				Items []struct {
					ID     int64
					Kind   string
					State  string
					Errors []struct{ Message string }
				}
			}
			require.NoError(ct, json.Unmarshal(r.Body, &body), "body: %s", r.Body)
			items = body.Items
			assert.True(ct, len(items) == 1 && items[0].State == "discarded", "failed jobs: %s", r.Body)
		}, 20*time.Second, 100*time.Millisecond)
		require.Equal(t, jobID, items[0].ID)
		require.Equal(t, "test_always_fails", items[0].Kind)
		require.NotEmpty(t, items[0].Errors)
		require.Contains(t, items[0].Errors[0].Message, "partner system refused")

		r := other.Do("GET", "/api/v1/clinics/"+otherID+"/jobs/failed", nil)
		require.Equal(t, http.StatusOK, r.Status)
		require.NotContains(t, string(r.Body), "test_always_fails", "another clinic's jobs are not listed")
		path := fmt.Sprintf("/api/v1/clinics/%s/jobs/%d/retry", otherID, jobID)
		require.Equal(t, http.StatusNotFound, other.Do("POST", path, nil).Status)

		recep := email("recep")
		require.Equal(t, http.StatusCreated, owner.Do("POST", "/api/v1/clinics/"+clinicID+"/users", map[string]any{"email": recep, "name": "R", "role": "receptionist", "password": password}).Status)
		rc := in.Client(t)
		require.Equal(t, http.StatusOK, rc.Login(recep, password).Status)
		require.Equal(t, http.StatusForbidden, rc.Do("GET", "/api/v1/clinics/"+clinicID+"/jobs/failed", nil).Status)

		path = fmt.Sprintf("/api/v1/clinics/%s/jobs/%d/retry", clinicID, jobID)
		r = owner.Do("POST", path, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		require.Equal(t, "available", r.JSON(t)["state"])
		require.Equal(t, http.StatusNotFound, owner.Do("POST", "/api/v1/clinics/"+clinicID+"/jobs/999999999/retry", nil).Status)
	})
}
