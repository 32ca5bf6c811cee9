package queue

import (
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// openPostgres sets up two River clients on the same tables: an insert-only
// one on riverdatabasesql, so that jobs can be inserted in the caller's
// *sql.Tx and administered, and, with RunWorkers, a working one on riverpgxv5
// over the pgx pool, which listens for inserts with LISTEN/NOTIFY (the
// insert-only client notifies in the inserting transaction, so the
// notification is delivered on commit).
func (q *Queue) openPostgres(base *river.Config) error {
	if q.d.Pool == nil {
		return errors.New("queue postgres: database has no pgx pool")
	}
	client, err := river.NewClient(riverdatabasesql.New(q.d.DB), base)
	if err != nil {
		return fmt.Errorf("queue postgres: new insert client: %w", err)
	}
	q.client = client
	if q.cfg.RunWorkers {
		worker, err := river.NewClient(riverpgxv5.New(q.d.Pool), q.workingConfig(base))
		if err != nil {
			return fmt.Errorf("queue postgres: new worker client: %w", err)
		}
		q.worker = worker
	}
	return nil
}
