package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// Querier reads: what Reader returns, the primary (*DB) or a replica. Its
// methods are those of *DB (QueryContext, QueryRowContext, and Query and
// QueryRow of direct.go); it has no Exec and no transactions.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

var _ Querier = (*DB)(nil)

// LSN is a PostgreSQL WAL position (pg_lsn), comparable as a number.
type LSN uint64

// ParseLSN parses the text form of a pg_lsn, such as 16/B374D848.
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if ok {
		h, err1 := strconv.ParseUint(hi, 16, 32)
		l, err2 := strconv.ParseUint(lo, 16, 32)
		if err1 == nil && err2 == nil {
			return LSN(h<<32 | l), nil
		}
	}
	return 0, fmt.Errorf("db: malformed LSN %q", s)
}

// String formats l as PostgreSQL does (16/B374D848).
func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint64(l)>>32, uint64(l)&0xffffffff) }

// Replica defaults.
const (
	// DefaultReplicaMaxLag is how far behind the primary a replica may be
	// and still serve reads.
	DefaultReplicaMaxLag = 2 * time.Second
	// replicaPollInterval is how often each replica's health and position
	// are read.
	replicaPollInterval = 250 * time.Millisecond
)

type ctxKey int

const (
	ctxPrimary ctxKey = iota
	ctxMinLSN
)

// Primary returns a context whose reads through Reader go to the primary.
func Primary(ctx context.Context) context.Context { return context.WithValue(ctx, ctxPrimary, true) }

// WithMinLSN returns a context whose reads through Reader go to a replica
// only once it has replayed the primary's WAL up to lsn (so they see every
// write committed before lsn was read), else to the primary. The greater
// of two requirements holds.
func WithMinLSN(ctx context.Context, lsn LSN) context.Context {
	if old, ok := ctx.Value(ctxMinLSN).(LSN); ok && old >= lsn {
		return ctx
	}
	return context.WithValue(ctx, ctxMinLSN, lsn)
}

// replica is one streaming replica and what the last poll learnt of it.
type replica struct {
	db   *DB
	name string // host:port, for logs and metrics
	// state is the last poll's *replicaState (nil before the first).
	state atomic.Pointer[replicaState]
}

type replicaState struct {
	up bool
	// replay is the WAL position the replica has replayed.
	replay LSN
	// freshAt is the latest time the replica was known to hold everything
	// the primary had committed then (zero: never).
	freshAt time.Time
	err     error
}

// replicaSet routes reads among the replicas of a primary.
type replicaSet struct {
	primary  *DB
	replicas []*replica
	maxLag   time.Duration
	database string // the primary's current_database()
	next     atomic.Uint32
	stop     context.CancelFunc
	done     chan struct{}

	mu sync.Mutex
	// samples are the primary's recent positions, oldest first.
	samples []lsnSample
}

type lsnSample struct {
	at  time.Time
	lsn LSN
}

// openReplicas opens a pool per replica URL, without connecting (a replica
// that is down at start-up is skipped until it answers), and starts polling.
func openReplicas(primary *DB, urls []string, maxLag time.Duration, opts Options) (*replicaSet, error) {
	if maxLag <= 0 {
		maxLag = DefaultReplicaMaxLag
	}
	rs := &replicaSet{primary: primary, maxLag: maxLag, done: make(chan struct{})}
	// The primary's database name, which each replica's must match (empty
	// when it cannot be read now: the replicas are then not checked).
	_ = primary.Pool.QueryRow(context.Background(), `SELECT current_database()`).Scan(&rs.database)
	for _, raw := range urls {
		cfg, err := poolConfig(raw, opts)
		if err != nil {
			rs.closePools()
			return nil, err
		}
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			rs.closePools()
			return nil, fmt.Errorf("db: replica %s: %w", Redact(raw), err)
		}
		name := Redact(raw)
		if u, err := url.Parse(raw); err == nil {
			name = u.Host
		}
		rs.replicas = append(rs.replicas, &replica{db: &DB{DB: stdlib.OpenDBFromPool(pool), Dialect: Postgres, Pool: pool}, name: name})
	}
	ctx, cancel := context.WithCancel(context.Background())
	rs.stop = cancel
	rs.poll(ctx) // the first answer before Open returns
	go rs.run(ctx)
	return rs, nil
}

func (rs *replicaSet) run(ctx context.Context) {
	defer close(rs.done)
	t := time.NewTicker(replicaPollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rs.poll(ctx)
		}
	}
}

// poll reads the primary's position, then each replica's: a replica that
// has replayed at least what the primary had at some sample holds every
// write committed before that sample was taken.
func (rs *replicaSet) poll(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 4*replicaPollInterval)
	defer cancel()
	now := time.Now()
	if lsn, err := currentLSN(ctx, rs.primary); err == nil {
		rs.mu.Lock()
		rs.samples = append(rs.samples, lsnSample{at: now, lsn: lsn})
		// Samples older than the bound cannot make a replica fresh enough.
		i := 0
		for i < len(rs.samples)-1 && now.Sub(rs.samples[i].at) > rs.maxLag+replicaPollInterval {
			i++
		}
		rs.samples = rs.samples[i:]
		rs.mu.Unlock()
	}
	var wg sync.WaitGroup
	for _, r := range rs.replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs.pollReplica(ctx, r)
		}()
	}
	wg.Wait()
}

func (rs *replicaSet) pollReplica(ctx context.Context, r *replica) {
	var prev replicaState
	if p := r.state.Load(); p != nil {
		prev = *p
	}
	var inRecovery bool
	var replay sql.NullString
	var database string
	err := r.db.Pool.QueryRow(ctx, `SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, current_database()`).Scan(&inRecovery, &replay, &database)
	if err == nil && (!inRecovery || !replay.Valid) {
		err = errors.New("not a streaming replica (pg_is_in_recovery() is false)")
	}
	if err == nil && rs.database != "" && database != rs.database {
		// A streaming replica holds every database of its primary under
		// the same names: another name is a misconfigured URL, whose
		// reads would find other tables (or none).
		err = fmt.Errorf("its database is %q, not the primary's %q: DATABASE_REPLICA_URLS must name the same database", database, rs.database)
	}
	var lsn LSN
	if err == nil {
		lsn, err = ParseLSN(replay.String)
	}
	if err != nil {
		r.state.Store(&replicaState{freshAt: prev.freshAt, err: err})
		return
	}
	st := replicaState{up: true, replay: lsn, freshAt: prev.freshAt}
	rs.mu.Lock()
	for i := len(rs.samples) - 1; i >= 0; i-- {
		if rs.samples[i].lsn <= lsn {
			if rs.samples[i].at.After(st.freshAt) {
				st.freshAt = rs.samples[i].at
			}
			break
		}
	}
	rs.mu.Unlock()
	r.state.Store(&st)
}

// usable reports whether r may serve a read that needs WAL up to min.
func (rs *replicaSet) usable(r *replica, min LSN, now time.Time) bool {
	st := r.state.Load()
	return st != nil && st.up && st.replay >= min && now.Sub(st.freshAt) <= rs.maxLag
}

// pick returns a usable replica, taking turns, or nil.
func (rs *replicaSet) pick(min LSN) *replica {
	now := time.Now()
	n := len(rs.replicas)
	start := int(rs.next.Add(1))
	for i := range n {
		if r := rs.replicas[(start+i)%n]; rs.usable(r, min, now) {
			return r
		}
	}
	return nil
}

// markDown records that a query on r could not reach it: no read goes
// there until the next poll finds it up.
func (r *replica) markDown(err error) {
	prev := r.state.Load()
	st := replicaState{err: err}
	if prev != nil {
		st.freshAt = prev.freshAt
	}
	r.state.Store(&st)
}

func (rs *replicaSet) close() {
	rs.stop()
	<-rs.done
	rs.closePools()
}

func (rs *replicaSet) closePools() {
	for _, r := range rs.replicas {
		_ = r.db.Close()
	}
}

func currentLSN(ctx context.Context, d *DB) (LSN, error) {
	var s string
	if err := d.Pool.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&s); err != nil {
		return 0, fmt.Errorf("db: read the primary's WAL position: %w", err)
	}
	return ParseLSN(s)
}

// HasReplicas reports whether reads may go to replicas
// (DATABASE_REPLICA_URLS).
func (db *DB) HasReplicas() bool { return db.replicas != nil }

// Reader returns where a read outside a transaction should go: a replica
// that is up, at most the replica lag bound behind the primary, and caught
// up with the context's WithMinLSN; the primary itself when there is none,
// without replicas, or when ctx says Primary. A read that cannot reach the
// replica it was sent to (down since the last poll) runs on the primary
// instead, and the replica is skipped until the next poll finds it up
// (Query, QueryRow and QueryContext; QueryRowContext's *sql.Row cannot, so
// its Scan returns the error).
func (db *DB) Reader(ctx context.Context) Querier {
	if db.replicas == nil {
		return db
	}
	if p, _ := ctx.Value(ctxPrimary).(bool); p {
		return db
	}
	min, _ := ctx.Value(ctxMinLSN).(LSN)
	r := db.replicas.pick(min)
	if r == nil {
		return db
	}
	return replicaReader{r: r, primary: db}
}

// CurrentLSN returns the primary's current WAL position: every write
// committed before the call is at or before it.
func (db *DB) CurrentLSN(ctx context.Context) (LSN, error) {
	if db.Pool == nil {
		return 0, errors.New("db: WAL positions are PostgreSQL's")
	}
	return currentLSN(ctx, db)
}

// Fresh returns a context whose reads through Reader see every write
// committed before the call, on any replica: for a read whose answer is
// cached for others (the primary's position is read, one round trip; on
// failure the reads go to the primary). Without replicas it returns ctx.
func (db *DB) Fresh(ctx context.Context) context.Context {
	if db.replicas == nil {
		return ctx
	}
	if db.replicas.pick(0) == nil {
		return Primary(ctx) // no replica could serve: spare the round trip
	}
	lsn, err := db.CurrentLSN(ctx)
	if err != nil {
		return Primary(ctx)
	}
	return WithMinLSN(ctx, lsn)
}

// replicaReader reads on a replica, falling back to the primary when the
// replica cannot be reached.
type replicaReader struct {
	r       *replica
	primary *DB
}

// failedOver reports whether a read that failed with err on a replica
// should run on the primary instead: when the replica could not be reached
// or the connection broke (not when the server answered with an error, nor
// when the caller's context ended). A read has no effect, so running it
// again is harmless.
func failedOver(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, driver.ErrBadConn)
}

func (q replicaReader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := q.r.db.QueryContext(ctx, query, args...)
	if failedOver(ctx, err) {
		q.r.markDown(err)
		return q.primary.QueryContext(ctx, query, args...)
	}
	return rows, err
}

// QueryRowContext has no fallback: a *sql.Row's error comes with its Scan.
func (q replicaReader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return q.r.db.QueryRowContext(ctx, query, args...)
}

func (q replicaReader) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := q.r.db.Query(ctx, query, args...)
	if failedOver(ctx, err) {
		q.r.markDown(err)
		return q.primary.Query(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	return &fallbackRows{Rows: rows, q: q, ctx: ctx, query: query, args: args}, nil
}

// fallbackRows are a replica's rows that, when the replica fails before
// the first row (pgx reports a lost connection there, not from Query), are
// read on the primary instead.
type fallbackRows struct {
	Rows
	q     replicaReader
	ctx   context.Context
	query string
	args  []any
	begun bool
}

func (r *fallbackRows) Next() bool {
	if r.begun {
		return r.Rows.Next()
	}
	r.begun = true
	if r.Rows.Next() {
		return true
	}
	err := r.Rows.Err()
	if !failedOver(r.ctx, err) {
		return false
	}
	_ = r.Rows.Close()
	r.q.r.markDown(err)
	rows, perr := r.q.primary.Query(r.ctx, r.query, r.args...)
	if perr != nil {
		r.Rows = errRows{perr}
		return false
	}
	r.Rows = rows
	return r.Rows.Next()
}

// errRows are no rows and an error.
type errRows struct{ err error }

func (errRows) Next() bool          { return false }
func (r errRows) Scan(...any) error { return r.err }
func (r errRows) Err() error        { return r.err }
func (r errRows) Close() error      { return r.err }

func (q replicaReader) QueryRow(ctx context.Context, query string, args ...any) Row {
	return fallbackRow{q: q, ctx: ctx, query: query, args: args, row: q.r.db.QueryRow(ctx, query, args...)}
}

// fallbackRow is a replica's row that its Scan reads on the primary when
// the replica could not answer.
type fallbackRow struct {
	q     replicaReader
	ctx   context.Context
	query string
	args  []any
	row   Row
}

func (r fallbackRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if failedOver(r.ctx, err) {
		r.q.r.markDown(err)
		return r.q.primary.QueryRow(r.ctx, r.query, r.args...).Scan(dest...)
	}
	return err
}

// ReplicaStatus is what the last poll learnt of one replica.
type ReplicaStatus struct {
	// Name is the replica's host:port.
	Name string
	// Up is true when the replica answered as a streaming replica.
	Up bool
	// Lag is how long ago the replica was last known to hold everything
	// the primary had committed (-1: never).
	Lag time.Duration
	// Replay is the WAL position the replica has replayed.
	Replay LSN
	// Err is why the replica is down (nil when up).
	Err error
}

// Replicas returns the status of each replica, in DATABASE_REPLICA_URLS'
// order (none without replicas).
func (db *DB) Replicas() []ReplicaStatus {
	if db.replicas == nil {
		return nil
	}
	now := time.Now()
	out := make([]ReplicaStatus, 0, len(db.replicas.replicas))
	for _, r := range db.replicas.replicas {
		s := ReplicaStatus{Name: r.name, Lag: -1}
		if st := r.state.Load(); st != nil {
			s.Up, s.Replay, s.Err = st.up, st.replay, st.err
			if !st.freshAt.IsZero() {
				s.Lag = now.Sub(st.freshAt)
			}
		}
		out = append(out, s)
	}
	return out
}
