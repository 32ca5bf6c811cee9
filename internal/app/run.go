package app

import (
	"context"
	"fmt"
	"net"
	"time"

	"clinic/internal/config"
	"clinic/internal/platform/db"
)

// Run serves HTTP on ln (when ln is not nil) and runs the job workers (when
// workers is true) until ctx is done, then stops both gracefully.
func (a *App) Run(ctx context.Context, ln net.Listener, workers bool) error {
	if ln == nil {
		a.Log.Info("worker: running", "http", "off")
		<-ctx.Done()
		return nil
	}
	return a.Serve(ctx, ln)
}

// MigrationRow is one line of `clinic migrate status`.
type MigrationRow struct {
	Version   string
	Name      string
	AppliedAt string
}

// MigrateUp applies pending migrations and returns how many it applied.
func MigrateUp(ctx context.Context, cfg config.Config) (int, error) {
	d, err := db.Open(ctx, cfg.DatabaseURL, db.Options{MaxConns: 2})
	if err != nil {
		return 0, err
	}
	defer d.Close()
	applied, err := d.Migrate(ctx)
	return len(applied), err
}

// MigrateStatus lists every migration and when it was applied.
func MigrateStatus(ctx context.Context, cfg config.Config) ([]MigrationRow, error) {
	d, err := db.Open(ctx, cfg.DatabaseURL, db.Options{MaxConns: 2})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	st, err := d.MigrationStatus(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]MigrationRow, 0, len(st))
	for _, s := range st {
		at := "pending"
		if !s.AppliedAt.IsZero() {
			at = s.AppliedAt.UTC().Format(time.RFC3339)
		}
		rows = append(rows, MigrationRow{Version: fmt.Sprintf("%04d", s.Version), Name: s.Name, AppliedAt: at})
	}
	return rows, nil
}
