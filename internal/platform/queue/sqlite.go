package queue

import (
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// openSQLite sets up one River client on the riversqlite driver over the
// database's *sql.DB: it inserts (also in callers' transactions), administers
// and, with RunWorkers, works jobs. SQLite has no LISTEN/NOTIFY; River's
// driver polls a notification table instead.
func (q *Queue) openSQLite(base *river.Config) error {
	cfg := base
	if q.cfg.RunWorkers {
		cfg = q.workingConfig(base)
	}
	client, err := river.NewClient(riversqlite.New(q.d.DB), cfg)
	if err != nil {
		return fmt.Errorf("queue sqlite: new client: %w", err)
	}
	q.client = client
	if q.cfg.RunWorkers {
		q.worker = client
	}
	return nil
}
