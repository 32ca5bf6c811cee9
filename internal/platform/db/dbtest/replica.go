package dbtest

import (
	"context"
	"database/sql"
	"net/url"
	"testing"
	"time"

	"clinic/internal/platform/db"
	"clinic/internal/platform/testenv"
)

// replayLockKey is the advisory lock (on the primary) that orders the tests
// of every package around the one replica's replay: tests that pause it
// hold it exclusively, tests that need it running hold it shared.
const replayLockKey = 7_313_013

// ReplicaURL returns TEST_DATABASE_REPLICA_URL (a streaming replica of
// TEST_DATABASE_URL, see .ci/start-pg-replica.sh) with the search_path of
// primaryURL, so that it reads the schema primaryURL writes. It skips (fails
// under CI) when the variable is unset.
func ReplicaURL(t testing.TB, primaryURL string) string {
	t.Helper()
	raw := testenv.Require(t, "TEST_DATABASE_REPLICA_URL", "a streaming replica of TEST_DATABASE_URL (.ci/start-pg-replica.sh)")
	p, err := url.Parse(primaryURL)
	if err != nil {
		t.Fatalf("dbtest: parse %s: %v", db.Redact(primaryURL), err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("dbtest: parse TEST_DATABASE_REPLICA_URL: %v", err)
	}
	q := u.Query()
	if sp := p.Query().Get("search_path"); sp != "" {
		q.Set("search_path", sp)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// ReplayRunning keeps the replica's replay running until the test ends: no
// test (of any package) pauses it meanwhile (see PauseReplay).
func ReplayRunning(t testing.TB) {
	t.Helper()
	replayLock(t, `SELECT pg_advisory_lock_shared($1)`)
}

// PauseReplay pauses the replica's WAL replay (pg_wal_replay_pause), so
// that it falls behind the primary on purpose, until resume is called or the
// test ends. Tests that pause take turns: while one has it paused, others
// wait here.
func PauseReplay(t testing.TB, replicaURL string) (resume func()) {
	t.Helper()
	replayLock(t, `SELECT pg_advisory_lock($1)`)
	r, err := sql.Open("pgx", replicaURL)
	if err != nil {
		t.Fatalf("dbtest: open replica: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	exec := func(q string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := r.ExecContext(ctx, q); err != nil {
			t.Errorf("dbtest: replica: %s: %v", q, err)
		}
	}
	exec(`SELECT pg_wal_replay_pause()`)
	resumed := false
	resume = func() {
		if !resumed {
			resumed = true
			exec(`SELECT pg_wal_replay_resume()`)
		}
	}
	t.Cleanup(resume)
	return resume
}

// replayLock takes an advisory lock on the primary with lockQuery, on a
// connection of its own held (and so the lock) until the test ends.
func replayLock(t testing.TB, lockQuery string) {
	t.Helper()
	admin, err := sql.Open("pgx", testenv.DatabaseURL(t))
	if err != nil {
		t.Fatalf("dbtest: open primary: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := admin.Conn(ctx)
	if err != nil {
		_ = admin.Close()
		t.Fatalf("dbtest: connect to the primary: %v", err)
	}
	if _, err := conn.ExecContext(ctx, lockQuery, replayLockKey); err != nil {
		_ = conn.Close()
		_ = admin.Close()
		t.Fatalf("dbtest: replay lock: %v", err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		_ = admin.Close() // ends the session, which releases the lock
	})
}
