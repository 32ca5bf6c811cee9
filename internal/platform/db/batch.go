package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Batch is a list of statements to run together: on PostgreSQL they go to
// the server in one round trip (a pgx batch, prepared and cached per
// connection), on SQLite one after the other. Its ExecContext queues a
// statement instead of running it, so code written for an Execer (such as
// audit.Record) can add to a batch. The zero Batch is empty and ready.
type Batch struct {
	stmts []batchStmt
}

type batchStmt struct {
	query string
	args  []any
}

// ExecContext queues query with args; it runs when the batch is sent. The
// result is not known yet: its methods return an error.
func (b *Batch) ExecContext(_ context.Context, query string, args ...any) (sql.Result, error) {
	b.stmts = append(b.stmts, batchStmt{query: query, args: args})
	return queuedResult{}, nil
}

// Len returns the number of statements queued.
func (b *Batch) Len() int { return len(b.stmts) }

// queuedResult is the result of a statement queued in a Batch.
type queuedResult struct{}

var errQueued = errors.New("db: statement queued in a batch: no result yet")

func (queuedResult) LastInsertId() (int64, error) { return 0, errQueued }
func (queuedResult) RowsAffected() (int64, error) { return 0, errQueued }

// SendBatch runs b's statements in order in one transaction of their own,
// which commits when every statement succeeds; otherwise nothing is written
// and the first failure is returned (it wraps the driver's error, so
// IsUniqueViolation and IsExclusionViolation see it). On PostgreSQL that is
// one round trip: the server runs a batch as one implicit transaction, and
// its commit waits for one WAL flush.
//
// A batch that PostgreSQL rolls back as a deadlock victim is sent again, up
// to batchAttempts times in all: concurrent inserts into one exclusion
// constraint can wait for each other (each finds the other's row before
// either commits), and then the one sent again sees the winner's row as a
// plain violation. Nothing of a rolled-back batch remains, so sending it
// again is safe.
func (d *DB) SendBatch(ctx context.Context, b *Batch) error {
	if b.Len() == 0 {
		return nil
	}
	if d.Pool == nil {
		return d.Tx(ctx, func(tx *sql.Tx) error { return execEach(ctx, tx, b) })
	}
	var err error
	for range batchAttempts {
		if err = sendPgx(ctx, d.Pool, b); !IsDeadlock(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// batchAttempts bounds how many times SendBatch sends a batch that keeps
// being chosen as a deadlock victim.
const batchAttempts = 3

// sender is what sends a pgx batch: a *pgxpool.Pool or a *pgx.Conn.
type sender interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

func sendPgx(ctx context.Context, s sender, b *Batch) error {
	pb := &pgx.Batch{}
	for _, st := range b.stmts {
		pb.Queue(st.query, st.args...)
	}
	res := s.SendBatch(ctx, pb)
	for range b.stmts {
		if _, err := res.Exec(); err != nil {
			_ = res.Close()
			return fmt.Errorf("db: batch: %w", err)
		}
	}
	if err := res.Close(); err != nil {
		return fmt.Errorf("db: batch: %w", err)
	}
	return nil
}

func execEach(ctx context.Context, tx *sql.Tx, b *Batch) error {
	for _, st := range b.stmts {
		if _, err := tx.ExecContext(ctx, st.query, st.args...); err != nil {
			return fmt.Errorf("db: batch: %w", err)
		}
	}
	return nil
}

// BatchTx is a transaction (see TxBatch) that can also send batches.
type BatchTx struct {
	*sql.Tx
	conn *sql.Conn // nil on SQLite
}

// Send runs b's statements in order inside the transaction; on PostgreSQL
// in one round trip. The first failure is returned (the transaction is then
// aborted on PostgreSQL: return the error to roll back).
func (t *BatchTx) Send(ctx context.Context, b *Batch) error {
	if b.Len() == 0 {
		return nil
	}
	if t.conn == nil {
		return execEach(ctx, t.Tx, b)
	}
	return t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("db: batch: connection is a %T, not pgx", dc)
		}
		return sendPgx(ctx, c.Conn(), b)
	})
}

// TxBatch is like Tx, but fn's transaction can also send batches of
// statements (BatchTx.Send).
func (d *DB) TxBatch(ctx context.Context, fn func(tx *BatchTx) error) error {
	if d.Pool == nil {
		return d.Tx(ctx, func(tx *sql.Tx) error { return fn(&BatchTx{Tx: tx}) })
	}
	conn, err := d.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer conn.Close()
	return runTx(ctx, conn, func(tx *sql.Tx) error { return fn(&BatchTx{Tx: tx, conn: conn}) })
}
