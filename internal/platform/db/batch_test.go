package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

func TestBatchCommitsAllOrNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_, err := d.ExecContext(ctx, `CREATE TABLE batch_test (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
		require.NoError(t, err)
		count := func() int {
			var n int
			require.NoError(t, d.QueryRowContext(ctx, `SELECT COUNT(*) FROM batch_test`).Scan(&n))
			return n
		}
		send := func(ids ...int) error {
			var b db.Batch
			for _, id := range ids {
				_, err := b.ExecContext(ctx, `INSERT INTO batch_test (id, v) VALUES ($1, $2)`, id, "x")
				require.NoError(t, err)
			}
			return d.SendBatch(ctx, &b)
		}
		require.NoError(t, send(1, 2))
		require.Equal(t, 2, count())

		err = send(3, 1, 4) // 1 is taken: nothing of this batch is written
		require.True(t, db.IsUniqueViolation(err), "err: %v", err)
		require.Equal(t, 2, count())

		// Inside a transaction, a batch is part of it.
		err = d.TxBatch(ctx, func(tx *db.BatchTx) error {
			var b db.Batch
			_, _ = b.ExecContext(ctx, `INSERT INTO batch_test (id, v) VALUES ($1, $2)`, 5, "y")
			_, _ = b.ExecContext(ctx, `UPDATE batch_test SET v = $1 WHERE id = $2`, "z", 1)
			if err := tx.Send(ctx, &b); err != nil {
				return err
			}
			var v string
			if err := tx.QueryRowContext(ctx, `SELECT v FROM batch_test WHERE id = 1`).Scan(&v); err != nil {
				return err
			}
			require.Equal(t, "z", v)
			return context.Canceled // roll back
		})
		require.ErrorIs(t, err, context.Canceled)
		require.Equal(t, 2, count())
	})
}

// A batch chosen as a deadlock victim is sent again and commits once the
// other transaction is done.
func TestSendBatchRetriesDeadlockVictim(t *testing.T) {
	t.Parallel()
	d := dbtest.Postgres(t)
	ctx := context.Background()
	_, err := d.ExecContext(ctx, `CREATE TABLE deadlock_test (id INTEGER PRIMARY KEY, v INTEGER NOT NULL);
		INSERT INTO deadlock_test VALUES (1, 0), (2, 0)`)
	require.NoError(t, err)

	// The other transaction holds row 2, and will ask for row 1 once the
	// batch (row 1, then row 2) waits for row 2.
	tx, err := d.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback() //nolint:errcheck
	_, err = tx.ExecContext(ctx, `UPDATE deadlock_test SET v = v + 10 WHERE id = 2`)
	require.NoError(t, err)

	var b db.Batch
	_, _ = b.ExecContext(ctx, `UPDATE deadlock_test SET v = v + 1 WHERE id = 1`)
	_, _ = b.ExecContext(ctx, `UPDATE deadlock_test SET v = v + 1 WHERE id = 2`)
	sent := make(chan error, 1)
	go func() { sent <- d.SendBatch(ctx, &b) }()
	// Wait until the batch waits for row 2.
	for {
		var n int
		require.NoError(t, d.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'`).Scan(&n))
		if n > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Row 1 is the batch's: a cycle, which PostgreSQL breaks by rolling
	// one side back (after deadlock_timeout). Either side may be chosen:
	// when it is this one, the batch goes on.
	_, txErr := tx.ExecContext(ctx, `UPDATE deadlock_test SET v = v + 10 WHERE id = 1`)
	if txErr == nil {
		require.NoError(t, tx.Commit())
	} else {
		require.True(t, db.IsDeadlock(txErr), "err: %v", txErr)
		require.NoError(t, tx.Rollback())
	}
	require.NoError(t, <-sent)
	var v1, v2 int
	require.NoError(t, d.QueryRowContext(ctx, `SELECT (SELECT v FROM deadlock_test WHERE id = 1), (SELECT v FROM deadlock_test WHERE id = 2)`).Scan(&v1, &v2))
	if txErr == nil {
		require.Equal(t, []int{11, 11}, []int{v1, v2}, "both committed: the batch after being sent again")
	} else {
		require.Equal(t, []int{1, 1}, []int{v1, v2}, "only the batch committed")
	}
}
