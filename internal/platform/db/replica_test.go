package db_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

// replicaBundle is a primary (a fresh schema of TEST_DATABASE_URL) opened
// with the test replica, and the replica's URL for that schema.
type replicaBundle struct {
	d          *db.DB
	replicaURL string
}

func setupReplica(t *testing.T, maxLag time.Duration, extraReplicas ...string) replicaBundle {
	t.Helper()
	primaryURL := dbtest.PostgresURL(t)
	replicaURL := dbtest.ReplicaURL(t, primaryURL)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := db.Open(ctx, primaryURL, db.Options{MaxConns: 4, ReplicaURLs: append(extraReplicas, replicaURL), ReplicaMaxLag: maxLag})
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	return replicaBundle{d: d, replicaURL: replicaURL}
}

// onReplica reports whether a read through Reader(ctx) ran on a replica.
func onReplica(t *testing.T, d *db.DB, ctx context.Context) bool {
	t.Helper()
	var inRecovery bool
	require.NoError(t, d.Reader(ctx).QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&inRecovery))
	return inRecovery
}

// waitOnReplica waits until reads through Reader(ctx) go to a replica (the
// replica has replayed what they need).
func waitOnReplica(t *testing.T, d *db.DB, ctx context.Context) {
	t.Helper()
	require.Eventually(t, func() bool { return onReplica(t, d, ctx) }, 30*time.Second, 50*time.Millisecond,
		"reads never went to the replica: %+v", d.Replicas())
}

// count reads how many rows of replica_test hold v, through Reader(ctx).
func count(t *testing.T, d *db.DB, ctx context.Context, v string) int {
	t.Helper()
	rows, err := d.Reader(ctx).Query(ctx, `SELECT v FROM replica_test WHERE v = $1`, v)
	require.NoError(t, err)
	n := 0
	for rows.Next() {
		n++
	}
	require.NoError(t, rows.Close())
	return n
}

func TestReaderGoesToAReplicaUnlessTheContextSaysPrimary(t *testing.T) {
	t.Parallel()
	b := setupReplica(t, 0)
	dbtest.ReplayRunning(t)
	ctx := context.Background()
	waitOnReplica(t, b.d, ctx)
	require.False(t, onReplica(t, b.d, db.Primary(ctx)), "db.Primary(ctx) read on a replica")
	rows, err := b.d.Reader(ctx).QueryContext(ctx, `SELECT pg_is_in_recovery() FROM generate_series(1, 3)`)
	require.NoError(t, err)
	for rows.Next() { // database/sql's path too
		var inRecovery bool
		require.NoError(t, rows.Scan(&inRecovery))
		require.True(t, inRecovery)
	}
	require.NoError(t, rows.Close())

	st := b.d.Replicas()
	require.Len(t, st, 1)
	require.True(t, st[0].Up, "%+v", st[0])
	require.NoError(t, st[0].Err)

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(b.d.Collector())
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(fmt.Sprintf(`
# HELP clinic_db_replica_up 1 when the read replica answers as a streaming replica, else 0.
# TYPE clinic_db_replica_up gauge
clinic_db_replica_up{replica=%q} 1
`, st[0].Name)), "clinic_db_replica_up"))
	n, err := testutil.GatherAndCount(reg, "clinic_db_replica_lag_seconds")
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

// A user's read right after their own write sees it: WithMinLSN holds reads
// to the primary until a replica has replayed the write, even one whose
// replay is paused (which, without the requirement, still serves reads
// within the lag bound and misses the write).
func TestReadYourWritesWhileTheReplicaIsPaused(t *testing.T) {
	t.Parallel()
	b := setupReplica(t, time.Minute)
	ctx := context.Background()
	_, err := b.d.ExecContext(ctx, `CREATE TABLE replica_test (v TEXT)`)
	require.NoError(t, err)
	resume := dbtest.PauseReplay(t, b.replicaURL)
	waitOnReplica(t, b.d, ctx) // paused, but within a minute's bound

	_, err = b.d.ExecContext(ctx, `INSERT INTO replica_test (v) VALUES ('mine')`)
	require.NoError(t, err)
	lsn, err := b.d.CurrentLSN(ctx)
	require.NoError(t, err)
	mine := db.WithMinLSN(ctx, lsn)

	require.True(t, onReplica(t, b.d, ctx), "without a requirement the paused replica should still serve")
	require.Equal(t, 0, count(t, b.d, ctx, "mine"), "the paused replica saw a write made after the pause")
	require.False(t, onReplica(t, b.d, mine), "a read needing the write went to the paused replica")
	require.Equal(t, 1, count(t, b.d, mine, "mine"))
	require.Equal(t, 1, count(t, b.d, b.d.Fresh(ctx), "mine"), "Fresh missed a committed write")

	resume()
	waitOnReplica(t, b.d, mine)
	require.Equal(t, 1, count(t, b.d, mine, "mine"))
}

// A replica further behind than the bound is skipped; once it catches up
// it serves again.
func TestLaggingReplicaIsSkippedUntilItCatchesUp(t *testing.T) {
	t.Parallel()
	b := setupReplica(t, time.Second)
	ctx := context.Background()
	_, err := b.d.ExecContext(ctx, `CREATE TABLE replica_test (v TEXT)`)
	require.NoError(t, err)
	resume := dbtest.PauseReplay(t, b.replicaURL)
	// Writes move the primary on while the replica stands still.
	require.Eventually(t, func() bool {
		_, err := b.d.ExecContext(ctx, `INSERT INTO replica_test (v) VALUES ('later')`)
		require.NoError(t, err)
		return !onReplica(t, b.d, ctx)
	}, 30*time.Second, 50*time.Millisecond, "the paused replica kept serving reads: %+v", b.d.Replicas())
	st := b.d.Replicas()[0]
	require.True(t, st.Up, "a lagging replica is up, only skipped: %+v", st)
	require.Greater(t, st.Lag, time.Second)

	resume()
	waitOnReplica(t, b.d, ctx)
	require.Equal(t, 0, count(t, b.d, db.Primary(ctx), "none"))
}

// A replica that does not answer is skipped without errors: reads go to
// the other replica, or to the primary when none is left.
func TestReplicaDownReadsElsewhere(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close()) // nothing listens there now
	down := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/clinic_test?sslmode=disable&connect_timeout=2", port)

	t.Run("only replica down", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		d, err := db.Open(ctx, dbtest.PostgresURL(t), db.Options{MaxConns: 2, ReplicaURLs: []string{down}})
		require.NoError(t, err, "a replica that is down must not stop Open")
		t.Cleanup(func() { _ = d.Close() })
		require.Error(t, neverOnItsReplica(t, d, ctx))
	})
	t.Run("one of two down", func(t *testing.T) {
		t.Parallel()
		b := setupReplica(t, 0, down)
		dbtest.ReplayRunning(t)
		ctx := context.Background()
		waitOnReplica(t, b.d, ctx)
		for range 10 { // the turns would land on the down one half the time
			require.True(t, onReplica(t, b.d, ctx))
		}
	})
}

// A replica URL naming another database of the replica (a slip in
// DATABASE_REPLICA_URLS) would find other tables, or none: it is never used,
// and its status says why.
func TestReplicaOfAnotherDatabaseIsNotUsed(t *testing.T) {
	t.Parallel()
	primaryURL := dbtest.PostgresURL(t)
	u, err := url.Parse(dbtest.ReplicaURL(t, primaryURL))
	require.NoError(t, err)
	u.Path = "/postgres"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := db.Open(ctx, primaryURL, db.Options{MaxConns: 2, ReplicaURLs: []string{u.String()}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	require.ErrorContains(t, neverOnItsReplica(t, d, ctx), `its database is "postgres"`)
}

// neverOnItsReplica checks that reads through d, opened with one replica,
// never go to it and that its status says it is not up; it returns the
// status's error.
func neverOnItsReplica(t *testing.T, d *db.DB, ctx context.Context) error {
	t.Helper()
	for range 10 {
		require.False(t, onReplica(t, d, ctx), "a read went to the replica")
	}
	st := d.Replicas()
	require.Len(t, st, 1)
	require.False(t, st[0].Up)
	return st[0].Err
}

func TestReplicasNeedPostgreSQL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, err := db.Open(ctx, dbtest.SQLiteURL(t), db.Options{ReplicaURLs: []string{"postgres://127.0.0.1:1/x"}})
	require.ErrorContains(t, err, "read replicas need PostgreSQL")
}

func TestParseLSN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want db.LSN
		ok   bool
	}{
		{"0/0", 0, true},
		{"0/4000028", 0x4000028, true},
		{"16/B374D848", 0x16_B374D848, true},
		{"FFFFFFFF/FFFFFFFF", ^db.LSN(0), true},
		{"", 0, false},
		{"16", 0, false},
		{"1/G", 0, false},
		{"100000000/0", 0, false},
	} {
		got, err := db.ParseLSN(tc.in)
		if !tc.ok {
			require.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
		require.Equal(t, tc.in, got.String())
	}
}

// proxy forwards TCP connections to target until closed; Close also cuts
// the connections it carries, as a replica that dies does.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

// startProxy listens on addr (127.0.0.1:0 for any port).
func startProxy(t *testing.T, addr, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	p := &proxy{ln: ln, target: target}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); _ = u.Close() }()
			go func() { _, _ = io.Copy(c, u); _ = c.Close() }()
		}
	}()
	t.Cleanup(p.Close)
	return p
}

func (p *proxy) Close() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// A replica that dies between two polls costs no error: the reads sent to
// it run on the primary.
func TestReplicaLostBetweenPollsReadsOnThePrimary(t *testing.T) {
	t.Parallel()
	primaryURL := dbtest.PostgresURL(t)
	replicaURL, err := url.Parse(dbtest.ReplicaURL(t, primaryURL))
	require.NoError(t, err)
	dbtest.ReplayRunning(t)
	p := startProxy(t, "127.0.0.1:0", replicaURL.Host)
	replicaURL.Host = p.ln.Addr().String()
	ctx := context.Background()
	d, err := db.Open(ctx, primaryURL, db.Options{MaxConns: 4, ReplicaURLs: []string{replicaURL.String()}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	waitOnReplica(t, d, ctx)

	for _, read := range []struct {
		name string
		run  func(q db.Querier) (bool, error)
	}{
		{"Query", func(q db.Querier) (bool, error) {
			rows, err := q.Query(ctx, `SELECT pg_is_in_recovery()`)
			if err != nil {
				return false, err
			}
			var v bool
			rows.Next()
			err = rows.Scan(&v)
			return v, errors.Join(err, rows.Close())
		}},
		{"QueryContext", func(q db.Querier) (bool, error) {
			rows, err := q.QueryContext(ctx, `SELECT pg_is_in_recovery()`)
			if err != nil {
				return false, err
			}
			var v bool
			rows.Next()
			err = rows.Scan(&v)
			return v, errors.Join(err, rows.Close())
		}},
		{"QueryRow", func(q db.Querier) (bool, error) {
			var v bool
			err := q.QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&v)
			return v, err
		}},
	} {
		waitOnReplica(t, d, ctx)
		q := d.Reader(ctx) // the replica, still up as far as the poll knows
		p.Close()
		inRecovery, err := read.run(q)
		require.NoError(t, err, read.name)
		require.False(t, inRecovery, "%s: read on a replica that is gone", read.name)
		require.False(t, onReplica(t, d, ctx), "%s: the lost replica was picked again", read.name)
		p = startProxy(t, p.ln.Addr().String(), p.target) // back up
	}
}
