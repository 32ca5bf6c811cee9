package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/schedule"
)

// A user's reads right after their own write see it, through the API of a
// server whose reads go to a replica, even while the replica's replay is
// paused; another user's reads meanwhile come from the (paused) replica,
// which shows they are not all sent to the primary. Resumed, the replica
// serves the write to everyone.
func TestReadYourWritesThroughAReplica(t *testing.T) {
	t.Parallel()
	pg := dbtest.PostgresURL(t)
	in := apptest.New(t, pg, map[string]string{
		"DATABASE_URL":          pg,
		"DATABASE_REPLICA_URLS": dbtest.ReplicaURL(t, pg),
		// Paused, the replica stays within the bound: only the WAL
		// position keeps a user's reads off it.
		"DATABASE_REPLICA_MAX_LAG": "1m",
	})
	require.True(t, in.DB.HasReplicas())
	owner := in.Client(t)
	addr := email("owner")
	clinicID, _ := owner.Signup("Replica Clinic", addr)
	other := in.Client(t)
	require.Equal(t, http.StatusOK, other.Login(addr, password).Status)

	// The replica has everything so far before it is paused.
	ctx := context.Background()
	lsn, err := in.DB.CurrentLSN(ctx)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st := in.DB.Replicas()
		return len(st) == 1 && st[0].Up && st[0].Replay >= lsn
	}, 30*time.Second, 20*time.Millisecond, "the replica never caught up: %+v", in.DB.Replicas())
	resume := dbtest.PauseReplay(t, dbtest.ReplicaURL(t, pg))

	patients := "/api/v1/clinics/" + clinicID + "/patients"
	res := owner.Do("POST", patients, map[string]any{"full_name": "Rafaela Réplica"})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var p struct{ ID string }
	res.Decode(t, &p)
	cookie := false
	for _, c := range res.Header.Values("Set-Cookie") {
		cookie = cookie || len(c) > len("clinic_lsn=") && c[:len("clinic_lsn=")] == "clinic_lsn="
	}
	require.True(t, cookie, "the write's answer set no clinic_lsn cookie: %v", res.Header.Values("Set-Cookie"))

	res = owner.Do("GET", patients+"/"+p.ID, nil)
	require.Equal(t, http.StatusOK, res.Status, "the writer's own read missed the write: %s", res.Body)
	require.Contains(t, string(res.Body), "Rafaela Réplica")
	res = owner.Do("GET", patients+"?q=rafaela", nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	require.Contains(t, string(res.Body), p.ID, "the writer's search missed the write")

	res = other.Do("GET", patients+"/"+p.ID, nil)
	require.Equal(t, http.StatusNotFound, res.Status, "another user's read did not come from the paused replica: %s", res.Body)

	resume()
	require.Eventually(t, func() bool {
		res, err := other.Try("GET", patients+"/"+p.ID, nil)
		return err == nil && res.Status == http.StatusOK
	}, 30*time.Second, 20*time.Millisecond, "the resumed replica never served the write")
	require.True(t, onReplica(t, in.DB), "reads went to the primary once the replica caught up")
}

// The agenda and availability are cached for all the clinic's users: a
// write ends the cached answers, and the next ones are read from a replica
// only once it holds that write, so another user never gets (nor caches) a
// page older than the write, even from a paused replica.
func TestCachedAnswersAreNotOlderThanTheWriteThatEndedThem(t *testing.T) {
	t.Parallel()
	pg := dbtest.PostgresURL(t)
	in := apptest.New(t, pg, map[string]string{
		"DATABASE_URL": pg, "DATABASE_REPLICA_URLS": dbtest.ReplicaURL(t, pg), "DATABASE_REPLICA_MAX_LAG": "1m",
	})
	owner := in.Client(t)
	addr := email("owner")
	clinicID, userID := owner.Signup("Cached Clinic", addr)
	other := in.Client(t)
	require.Equal(t, http.StatusOK, other.Login(addr, password).Status)
	p := kernel.Principal{UserID: userID, ClinicID: clinicID, Role: kernel.RoleOwner}
	ctx := context.Background()
	pr, err := in.Schedule.CreateProfessional(ctx, p, schedule.ProfessionalInput{Name: "Dra. Ana", DefaultDurationMinutes: 30})
	require.NoError(t, err)
	rules := make([]schedule.RuleInput, 7)
	for d := range rules {
		rules[d] = schedule.RuleInput{Weekday: &d, Start: "08:00", End: "12:00"}
	}
	_, err = in.Schedule.SetWorkingHours(ctx, p, pr.ID, rules)
	require.NoError(t, err)
	pa, err := in.Patients.Create(ctx, p, patient.Input{FullName: kernel.Some("Maria Silva")})
	require.NoError(t, err)

	starts := time.Now().UTC().Truncate(24 * time.Hour).Add(48*time.Hour + 12*time.Hour) // 09:00 in São Paulo
	day := starts.Format(time.DateOnly)
	agenda := "/api/v1/clinics/" + clinicID + "/appointments?from=" + day + "&to=" + day
	avail := "/api/v1/clinics/" + clinicID + "/availability?from=" + day + "&to=" + day + "&professional_id=" + pr.ID
	before := other.Do("GET", avail, nil)
	require.Equal(t, http.StatusOK, before.Status, "%s", before.Body)
	res := other.Do("GET", agenda, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)

	lsn, err := in.DB.CurrentLSN(ctx)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st := in.DB.Replicas()
		return len(st) == 1 && st[0].Up && st[0].Replay >= lsn
	}, 30*time.Second, 20*time.Millisecond, "the replica never caught up: %+v", in.DB.Replicas())
	dbtest.PauseReplay(t, dbtest.ReplicaURL(t, pg))

	res = owner.Do("POST", "/api/v1/clinics/"+clinicID+"/appointments", map[string]any{
		"patient_id": pa.ID, "professional_id": pr.ID, "starts_at": starts.Format(time.RFC3339), "duration_minutes": 30,
	})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var booked struct{ ID string }
	res.Decode(t, &booked)

	res = other.Do("GET", agenda, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	require.Contains(t, string(res.Body), booked.ID, "another user's agenda misses the booking")
	after := other.Do("GET", avail, nil)
	require.Equal(t, http.StatusOK, after.Status, "%s", after.Body)
	require.NotEqual(t, string(before.Body), string(after.Body), "another user's availability still offers the booked slot")
}

// onReplica reports whether a read through Reader ran on a replica.
func onReplica(t *testing.T, d *db.DB) bool {
	t.Helper()
	ctx := context.Background()
	var inRecovery bool
	require.NoError(t, d.Reader(ctx).QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&inRecovery))
	return inRecovery
}
