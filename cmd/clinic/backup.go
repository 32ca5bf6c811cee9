package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"clinic/internal/app"
	"clinic/internal/config"
)

// backupCmd is `clinic backup [-o DIR|FILE]`.
func backupCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", cmp.Or(cfg.BackupDir, "."), "directory to write the backup into (named clinic-backup-TIME.tar.gz), or the archive's file name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("backup: unexpected argument %q (usage: clinic backup [-o DIR|FILE])", fs.Arg(0))
	}
	path, m, err := app.Backup(ctx, cfg, log, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Backup written: %s\n  %s database at schema version %d, %d files (%d bytes)\n", path, m.Engine, m.SchemaVersion, m.FileCount, m.FileBytes)
	return nil
}

// restoreCmd is `clinic restore FILE`.
func restoreCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("restore: name one backup file (usage: clinic restore FILE)")
	}
	m, err := app.Restore(ctx, cfg, log, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Restored %s: %s database at schema version %d (taken %s), %d files (%d bytes).\n  Start the server on the same DATABASE_URL and FILES_URL: clinic serve\n",
		fs.Arg(0), m.Engine, m.SchemaVersion, m.CreatedAt.Format("2006-01-02 15:04:05 MST"), m.FileCount, m.FileBytes)
	return nil
}
