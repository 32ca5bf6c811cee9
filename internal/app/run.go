package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"clinic/internal/config"
	"clinic/internal/platform/db"
	"clinic/internal/platform/queue"
)

// Run serves HTTP on ln (when ln is not nil) and runs the job workers (when
// WORKERS > 0) until ctx is done, then stops both gracefully: HTTP first
// (in-flight requests finish), then the workers (running jobs finish within
// SHUTDOWN_TIMEOUT; the rest are released to another worker).
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	if a.Config.JobWorkers > 0 {
		if err := a.Queue.Start(ctx); err != nil {
			return err
		}
	}
	var err error
	if ln == nil {
		a.Log.Info("worker: running jobs only", "http", "off")
		<-ctx.Done()
	} else {
		err = a.Serve(ctx, ln)
	}
	if a.Config.JobWorkers > 0 {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.Config.ShutdownTimeout+5*time.Second)
		defer cancel()
		if serr := a.Queue.Stop(sctx); serr != nil && err == nil {
			err = serr
		}
	}
	return err
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
	if err != nil {
		return len(applied), err
	}
	river, err := queue.Migrate(ctx, d)
	return len(applied) + len(river), err
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
	rs, err := queue.MigrationStatus(ctx, d)
	if err != nil {
		return nil, err
	}
	for _, s := range rs {
		at := "pending"
		if s.Applied {
			at = "applied"
		}
		rows = append(rows, MigrationRow{Version: fmt.Sprintf("river-%03d", s.Version), Name: "river " + s.Name, AppliedAt: at})
	}
	return rows, nil
}

// RunWorker runs the job workers like Run without HTTP, and, when ops is not
// nil, serves the operations endpoints (GET /metrics, /healthz, /readyz) on
// it until ctx is done, so that Prometheus scrapes the worker too.
func (a *App) RunWorker(ctx context.Context, ops net.Listener) error {
	if ops == nil {
		return a.Run(ctx, nil)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/metrics", "/healthz", "/readyz":
				a.API.ServeHTTP(w, r)
			default:
				http.NotFound(w, r)
			}
		}),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ops) }()
	a.Log.Info("worker: operations endpoints listening", "addr", ops.Addr().String(), "paths", "/metrics /healthz /readyz")
	err := a.Run(ctx, nil)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil && err == nil {
		err = fmt.Errorf("worker: operations endpoints: shutdown: %w", serr)
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = fmt.Errorf("worker: operations endpoints: %w", serr)
	}
	return err
}
