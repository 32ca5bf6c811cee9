package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"

	"clinic/internal/backup"
	"clinic/internal/config"
	"clinic/internal/platform/blob"
	"clinic/internal/platform/db"
)

// Backup writes one backup of cfg's database and file store to dest (a
// directory, or the archive's path) and returns the archive's path: the
// command `clinic backup`.
func Backup(ctx context.Context, cfg config.Config, log *slog.Logger, dest string) (string, backup.Manifest, error) {
	d, err := db.Open(ctx, cfg.DatabaseURL, db.Options{MaxConns: 2})
	if err != nil {
		return "", backup.Manifest{}, err
	}
	defer d.Close()
	files, err := blob.New(ctx, filesConfig(cfg))
	if err != nil {
		return "", backup.Manifest{}, fmt.Errorf("FILES_URL: %w", err)
	}
	return backup.Create(ctx, dest, backup.Source{DB: d, URL: cfg.DatabaseURL, Files: files}, backup.Options{Log: log})
}

// Restore restores the backup at path into cfg's (empty) database and file
// store: the command `clinic restore`. See backup.Restore for what it
// checks first.
func Restore(ctx context.Context, cfg config.Config, log *slog.Logger, path string) (backup.Manifest, error) {
	files, err := blob.New(ctx, filesConfig(cfg))
	if err != nil {
		return backup.Manifest{}, fmt.Errorf("FILES_URL: %w", err)
	}
	return backup.Restore(ctx, path, backup.Target{DatabaseURL: cfg.DatabaseURL, Files: files}, backup.Options{Log: log})
}

func filesConfig(cfg config.Config) blob.Config {
	return blob.Config{
		URL: cfg.FilesURL, S3Endpoint: cfg.S3Endpoint, S3Region: cfg.S3Region,
		S3AccessKeyID: cfg.S3AccessKeyID, S3SecretAccessKey: cfg.S3SecretAccessKey, S3PathStyle: cfg.S3PathStyle,
	}
}

// backupArgs is the periodic backup (BACKUP_DIR). River's leader enqueues
// it once per BACKUP_INTERVAL for the whole deployment, unique per
// interval, so one worker takes each backup.
type backupArgs struct{}

// Kind implements river.JobArgs.
func (backupArgs) Kind() string { return "backup" }

type backupWorker struct {
	river.WorkerDefaults[backupArgs]
	cfg   config.Config
	db    *db.DB
	files blob.Store
	log   *slog.Logger
}

// Timeout lets a backup run longer than other jobs, but not so long that
// the queue takes it for a dead worker's and runs it twice.
func (w *backupWorker) Timeout(*river.Job[backupArgs]) time.Duration {
	return max(w.cfg.JobTimeout, w.cfg.JobRescueAfter*9/10)
}

// Work takes a backup into BACKUP_DIR, then deletes all but the newest
// BACKUP_KEEP.
func (w *backupWorker) Work(ctx context.Context, _ *river.Job[backupArgs]) error {
	if w.cfg.BackupDir == "" {
		// Enqueued by a process with BACKUP_DIR; retried, perhaps on another worker.
		return errors.New("backup: BACKUP_DIR is not set in this worker process: set it on every worker")
	}
	path, m, err := backup.Create(ctx, w.cfg.BackupDir+string(filepath.Separator),
		backup.Source{DB: w.db, URL: w.cfg.DatabaseURL, Files: w.files}, backup.Options{Log: w.log})
	if err != nil {
		return err
	}
	deleted, err := backup.Prune(w.cfg.BackupDir, w.cfg.BackupKeep)
	if err != nil {
		return err
	}
	w.log.Info("backup: periodic backup written", "path", path, "schema_version", m.SchemaVersion,
		"files", m.FileCount, "file_bytes", m.FileBytes, "deleted_old", len(deleted))
	return nil
}

// backupJob is the periodic backup, nil when BACKUP_DIR is empty. It also
// runs at start when none ran in the current interval (River's uniqueness
// by period), so restarts more frequent than the interval do not skip it.
func backupJob(cfg config.Config) *river.PeriodicJob {
	if cfg.BackupDir == "" {
		return nil
	}
	return river.NewPeriodicJob(river.PeriodicInterval(cfg.BackupInterval), func() (river.JobArgs, *river.InsertOpts) {
		return backupArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: cfg.BackupInterval}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// logBackups says at start-up whether periodic backups are on, and where.
func logBackups(log *slog.Logger, cfg config.Config) {
	if cfg.BackupDir == "" {
		log.Info("backups: periodic backups off", "to_enable", "set BACKUP_DIR (and BACKUP_INTERVAL, BACKUP_KEEP); `clinic backup` takes one at any time")
		return
	}
	dir, err := filepath.Abs(cfg.BackupDir)
	if err != nil {
		dir = cfg.BackupDir
	}
	keep := fmt.Sprintf("keeping the newest %d", cfg.BackupKeep)
	if cfg.BackupKeep == 0 {
		keep = "keeping all"
	}
	where := "taken by one worker of the deployment"
	if cfg.JobWorkers == 0 {
		where = "taken by the worker processes (none in this one: WORKERS=0)"
	}
	log.Info(fmt.Sprintf("backups: every %s into %s, %s, %s", cfg.BackupInterval, dir, keep, where), "dir", dir)
}
