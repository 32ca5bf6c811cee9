// Package db opens clinic's SQL database, SQLite (embedded default) or
// PostgreSQL, behind one *sql.DB, and applies the embedded migrations.
//
// Queries are written once with $1, $2… placeholders, which both engines
// accept. Times are stored in UTC (see Time).
//
// # Read replicas
//
// On PostgreSQL, Options.ReplicaURLs (DATABASE_REPLICA_URLS) names
// streaming replicas; DB.Reader picks where a read outside a transaction
// goes. A background poll (every 250 ms) reads the primary's
// pg_current_wal_lsn() and each replica's pg_is_in_recovery() and
// pg_last_wal_replay_lsn(): a replica that has replayed what the primary had
// at time t holds every write committed before t, and its lag is the time
// since the latest such t. A replica that is down, not in recovery, or
// lagging more than Options.ReplicaMaxLag is skipped; with none left, reads
// go to the primary. No query pays for the checks.
//
// Read-your-writes is exact, by WAL position rather than by time: after a
// request that wrote, the HTTP layer reads the primary's position
// (CurrentLSN) and gives it back to the user (a cookie); the user's next
// requests carry it in their context (WithMinLSN), and Reader uses a replica
// only once its replayed position is at or past it, so a user always sees
// their own writes, even on a replica that lags or is paused. Primary sends
// a context's reads to the primary outright. A read whose answer is cached
// for everyone uses Fresh (the primary's position now), so a cache never
// keeps a page older than the write that invalidated it.
//
// Tables: schema_migrations.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names a database engine.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database. It embeds *sql.DB for queries; Pool is the
// underlying pgx pool on PostgreSQL (nil on SQLite) for users that need pgx
// directly, such as the job queue.
type DB struct {
	*sql.DB
	Dialect Dialect
	Pool    *pgxpool.Pool
	// Path is the SQLite file path (empty on PostgreSQL).
	Path string
	// replicas are the read replicas (nil: none; see Reader).
	replicas *replicaSet
}

// Options tunes Open.
type Options struct {
	// MaxConns bounds the connection pool (0 picks a default per engine).
	MaxConns int
	// StatementTimeout, when above 0, is the statement_timeout of every
	// PostgreSQL connection of the pool: no statement runs longer, whatever
	// its caller's context says (a statement_timeout in the URL wins). SQLite
	// has no equivalent; there the caller's context deadline interrupts the
	// statement, including a wait for the write lock.
	StatementTimeout time.Duration
	// Tracer sees every query and batch sent to PostgreSQL (nil: none); a
	// pgx.BatchTracer sees batches too. Ignored on SQLite.
	Tracer pgx.QueryTracer
	// ReplicaURLs are PostgreSQL streaming replicas of the primary that
	// Reader sends reads to (see replica.go); refused on SQLite.
	ReplicaURLs []string
	// ReplicaMaxLag is how far behind the primary a replica may be and
	// still serve reads (0: DefaultReplicaMaxLag).
	ReplicaMaxLag time.Duration
}

// DefaultSQLitePath is where the embedded database lives when no URL is set.
const DefaultSQLitePath = "./data/clinic.db"

// Open opens the database named by rawURL: "" or sqlite:PATH / file:PATH for
// SQLite, postgres:// or postgresql:// for PostgreSQL. It pings the database
// before returning.
func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	switch {
	case rawURL == "":
		return openSQLite(ctx, DefaultSQLitePath, opts)
	case strings.HasPrefix(rawURL, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//"), opts)
	case strings.HasPrefix(rawURL, "file:"):
		return openSQLite(ctx, strings.TrimPrefix(strings.TrimPrefix(rawURL, "file:"), "//"), opts)
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL, opts)
	default:
		return nil, fmt.Errorf("db: unsupported database URL scheme in %q (want postgres:// or sqlite:PATH)", Redact(rawURL))
	}
}

func openSQLite(ctx context.Context, path string, opts Options) (*DB, error) {
	if len(opts.ReplicaURLs) > 0 {
		return nil, errors.New("db: read replicas need PostgreSQL (DATABASE_URL=postgres://…)")
	}
	if path == "" {
		path = DefaultSQLitePath
	}
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("db: create directory for %s: %w", path, err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Every transaction takes the write lock at BEGIN, so a transaction that
	// reads then writes never fails with SQLITE_BUSY half-way: writers queue
	// on the busy timeout instead, which makes check-then-insert atomic.
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	dsn := "file:" + path + "?" + q.Encode()
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	n := opts.MaxConns
	if n == 0 {
		n = max(4, runtime.GOMAXPROCS(0)*2)
	}
	sdb.SetMaxOpenConns(n)
	sdb.SetMaxIdleConns(n)
	sdb.SetConnMaxIdleTime(0)
	if err := sdb.PingContext(ctx); err != nil {
		_ = sdb.Close()
		return nil, fmt.Errorf("db: ping sqlite %s: %w", path, err)
	}
	return &DB{DB: sdb, Dialect: SQLite, Path: path}, nil
}

func openPostgres(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	cfg, err := poolConfig(rawURL, opts)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: connect postgres %s: %w", Redact(rawURL), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: ping postgres %s: %w", Redact(rawURL), err)
	}
	sdb := stdlib.OpenDBFromPool(pool)
	d := &DB{DB: sdb, Dialect: Postgres, Pool: pool}
	if len(opts.ReplicaURLs) > 0 {
		if d.replicas, err = openReplicas(d, opts.ReplicaURLs, opts.ReplicaMaxLag, opts); err != nil {
			_ = d.Close()
			return nil, err
		}
	}
	return d, nil
}

// poolConfig is the pgx pool configuration of rawURL with opts.
func poolConfig(rawURL string, opts Options) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("db: parse postgres url %s: %w", Redact(rawURL), err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = int32(opts.MaxConns)
	} else if !strings.Contains(rawURL, "pool_max_conns") {
		// At least 16: on a small machine, a busy server's requests would
		// otherwise queue for connections while PostgreSQL waits for WAL
		// flushes (bookings/s on two cores: 16 did 10-100 % more than 8 in
		// noisy runs, the same in quiet ones, for less CPU per booking).
		// pool_max_conns in the URL sets it.
		cfg.MaxConns = int32(max(16, runtime.GOMAXPROCS(0)*4))
	}
	if _, set := cfg.ConnConfig.RuntimeParams["statement_timeout"]; !set && opts.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(max(opts.StatementTimeout.Milliseconds(), 1), 10)
	}
	// When a caller's context ends mid-statement, ask the server to cancel the
	// statement (instead of pgx's default of dropping the connection, which
	// leaves the server running it): the statement stops at once, even while
	// it waits for a lock, and the connection goes back to the pool in a
	// usable state. The deadline is the fallback for a server that does not
	// answer the cancel request.
	cfg.ConnConfig.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 2 * time.Second}
	}
	if opts.Tracer != nil {
		cfg.ConnConfig.Tracer = opts.Tracer
	}
	return cfg, nil
}

// Close closes the database and, on PostgreSQL, its pool and replicas.
func (db *DB) Close() error {
	if db.replicas != nil {
		db.replicas.close()
	}
	err := db.DB.Close()
	if db.Pool != nil {
		db.Pool.Close()
	}
	return err
}

// Tx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise (also on panic).
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return runTx(ctx, db.DB, fn)
}

// beginner is a *sql.DB or *sql.Conn.
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

func runTx(ctx context.Context, b beginner, fn func(tx *sql.Tx) error) (err error) {
	tx, err := b.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// Time normalises t for storage: UTC, microsecond precision (what PostgreSQL
// keeps), so that both engines return what was written and SQLite's text
// timestamps sort in time order.
func Time(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// IsUniqueViolation reports whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		c := sqErr.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY ||
			(c&0xff == sqlite3.SQLITE_CONSTRAINT && strings.Contains(sqErr.Error(), "UNIQUE constraint failed"))
	}
	return false
}

// IsExclusionViolation reports whether err is a PostgreSQL exclusion
// constraint violation (23P01).
func IsExclusionViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23P01"
}

// IsDeadlock reports whether err is PostgreSQL's deadlock_detected
// (40P01): the transaction was rolled back to break a cycle of waits.
func IsDeadlock(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "40P01"
}

// IsCanceled reports whether the database cancelled the statement
// (PostgreSQL 57014: statement_timeout, or the cancel request sent when the
// caller's context ended).
func IsCanceled(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "57014"
}

// ConstraintName returns the name of the violated constraint, when the engine
// reports it (PostgreSQL only).
func ConstraintName(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.ConstraintName
	}
	return ""
}

// Redact hides the password of a database URL for logs and messages.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return rawURL
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
