// Package redisx builds the one Redis client that every Redis-backed
// subsystem of clinic (sessions, cache, rate limits) shares.
package redisx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"clinic/internal/apperr"
)

// New returns a universal client for rawURL without connecting: the client
// dials lazily and reconnects by itself, so a Redis that is down at start-up
// or goes away later is used again as soon as it comes back.
//
// Accepted forms:
//   - redis://[user:pass@]host:port/db and rediss://… (TLS): one server;
//   - redis://host1:port?addr=host2:port&addr=host3:port: a Redis Cluster;
//   - redis://host1:port?master_name=mymaster[&addr=host2:port]: Sentinel.
func New(rawURL string) (redis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("redis url: scheme %q is not redis:// or rediss://", u.Scheme)
	}
	q := u.Query()
	master := q.Get("master_name")
	extra := q["addr"]
	q.Del("master_name")
	q.Del("addr")
	u.RawQuery = q.Encode()

	opts, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	uo := &redis.UniversalOptions{
		Addrs:           append([]string{opts.Addr}, extra...),
		Username:        opts.Username,
		Password:        opts.Password,
		DB:              opts.DB,
		TLSConfig:       opts.TLSConfig,
		MasterName:      master,
		DialTimeout:     time.Second,
		ReadTimeout:     time.Second,
		WriteTimeout:    time.Second,
		PoolTimeout:     2 * time.Second,
		MaxRetries:      1,
		MinRetryBackoff: 8 * time.Millisecond,
		MaxRetryBackoff: 64 * time.Millisecond,
	}
	if master == "" && len(extra) > 0 {
		// A cluster has no database index.
		uo.DB = 0
		uo.IsClusterMode = true
	}
	return redis.NewUniversalClient(uo), nil
}

// Err maps a Redis failure to a client-facing error: a connection problem
// becomes apperr.Unavailable (503) so that callers fail fast and clearly while
// Redis is away; other errors are returned wrapped as they are.
func Err(op string, err error) error {
	if err == nil {
		return nil
	}
	if IsConnErr(err) {
		return apperr.Wrap(fmt.Errorf("redis %s: %w", op, err), apperr.Unavailable,
			"A required service is temporarily unavailable. Please try again shortly.")
	}
	return fmt.Errorf("redis %s: %w", op, err)
}

// IsConnErr reports whether err means Redis could not be reached.
func IsConnErr(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	if errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout) ||
		errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "connection refused") || strings.Contains(s, "i/o timeout") ||
		strings.Contains(s, "EOF") || strings.Contains(s, "broken pipe") ||
		strings.Contains(s, "LOADING")
}

// QuietLogs sends go-redis's own log lines (a "failed to dial" per attempt
// while Redis is down) to log at debug level, so that an outage shows as one
// clear warning from clinic instead of a flood. It sets a process-wide logger.
func QuietLogs(log *slog.Logger) { redis.SetLogger(slogLogger{log}) }

type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
