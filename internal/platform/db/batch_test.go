package db_test

import (
	"context"
	"testing"

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
