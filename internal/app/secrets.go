package app

import (
	"context"
	"log/slog"
	"path/filepath"

	"clinic/internal/config"
	"clinic/internal/platform/db"
	"clinic/internal/platform/secret"
)

// openSecrets builds the keyring from SECRET_KEY or, when it is unset, from
// secret.key in the data directory (the SQLite file's, else ./data),
// generated on first start. It logs one line saying which. A generated key
// on PostgreSQL or with Redis, where several servers are likely, is a
// warning: each machine would generate its own.
func openSecrets(ctx context.Context, cfg config.Config, d *db.DB, log *slog.Logger) (*secret.Keyring, error) {
	dir := filepath.Dir(db.DefaultSQLitePath)
	if d.Dialect == db.SQLite && d.Path != ":memory:" {
		dir = filepath.Dir(d.Path)
	}
	kr, src, err := secret.Load(secret.Config{Key: cfg.SecretKey, Previous: cfg.SecretKeyPrevious, Dir: dir})
	if err != nil {
		return nil, err
	}
	if src.Path == "" {
		log.Info("secret: key loaded from "+cfg.Source("SECRET_KEY"), "previous_key", !cfg.SecretKeyPrevious.IsZero())
		return kr, nil
	}
	msg := "secret: key loaded from file"
	if src.Generated {
		msg = "secret: key generated"
	}
	level := slog.LevelInfo
	if d.Dialect != db.SQLite || cfg.RedisEnabled() {
		level = slog.LevelWarn
	}
	log.Log(ctx, level, msg+" (embedded)", "path", src.Path, "to_share", "set SECRET_KEY on every server to share it")
	return kr, nil
}
