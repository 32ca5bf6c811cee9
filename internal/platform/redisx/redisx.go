// Package redisx builds the one Redis client that every Redis-backed
// subsystem of clinic (sessions, cache, rate limits, pub/sub) shares: a
// client of one server, of a Sentinel-managed server, or of a Redis Cluster.
//
// # Redis Cluster: keys and hash slots
//
// A Redis Cluster spreads keys over its masters by hash slot (CRC16 of the
// key, or of the part between the first "{" and "}" of the key, its hash tag,
// when there is one). A command that touches several keys (DEL k1 k2, MGET,
// a Lua script with several KEYS, MULTI/EXEC) fails with CROSSSLOT unless all
// of its keys are in one slot. clinic's backends are written so that this
// never happens, without hash tags:
//
//   - sessions: one string key per session, GET, SET … PXAT and DEL of that
//     one key;
//   - cache: one string key per entry; GET with PTTL of the same key
//     (pipelined, one slot); Delete of several keys sends one DEL per key on
//     a cluster (pipelined, go-redis groups them by node);
//   - rate limits: one key per limited subject, one Lua script with one KEY;
//   - pub/sub and the tiered cache's invalidations: PUBLISH and SUBSCRIBE,
//     which a cluster delivers to subscribers on every node; Publish sends
//     the messages of related channels through one node, the one their
//     subscribers connect to, which keeps the guarantees of one server.
//
// Keys are therefore not hash-tagged, so one clinic's keys spread over every
// master rather than loading one. Code added later that needs several keys in
// one command must put a common hash tag in their names (for example
// "clinic:{session:<id>}:…"), or split the command per key. No backend uses
// KEYS, SCAN or FLUSH; a SCAN on a cluster must run on every master
// (ClusterClient.ForEachMaster), since each one holds only its own slots, as
// the tests' redistest.DeletePrefix does.
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
	uo := universalOptions(opts)
	uo.Addrs = append([]string{opts.Addr}, extra...)
	uo.MasterName = master
	if master == "" && len(extra) > 0 {
		// A cluster has no database index.
		uo.DB = 0
		uo.IsClusterMode = true
	}
	return redis.NewUniversalClient(uo), nil
}

// NewCluster returns a Redis Cluster client, without connecting, that finds
// the cluster's nodes from the seed addresses addrs (host:port; one reachable
// node is enough, listing every master is better) and follows the cluster's
// MOVED and ASK redirections by itself.
//
// rawURL, when not empty, gives what addrs cannot: the username and password
// and TLS (rediss://), as in rediss://:secret@ or redis://user:secret@host:port;
// its host, when it has one, is one more seed. A cluster has only database 0,
// so a URL naming another database is an error.
func NewCluster(addrs []string, rawURL string) (redis.UniversalClient, error) {
	seeds := make([]string, 0, len(addrs)+1)
	for _, a := range addrs {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, fmt.Errorf("redis cluster address %q: want host:port", a)
		}
		seeds = append(seeds, a)
	}
	if len(seeds) == 0 {
		return nil, errors.New("redis cluster: no address given")
	}
	opts := &redis.Options{}
	if rawURL != "" {
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis url: %w", err)
		}
		if u.Scheme != "redis" && u.Scheme != "rediss" {
			return nil, fmt.Errorf("redis url: scheme %q is not redis:// or rediss://", u.Scheme)
		}
		if len(u.Query()) > 0 {
			return nil, errors.New("redis url: with cluster addresses, the URL carries only credentials, TLS and a host (no query)")
		}
		host := u.Host
		if host == "" {
			u.Host = seeds[0] // ParseURL wants one; only its credentials and TLS are used
		}
		if opts, err = redis.ParseURL(u.String()); err != nil {
			return nil, fmt.Errorf("redis url: %w", err)
		}
		if opts.DB != 0 {
			return nil, fmt.Errorf("redis url: database %d: a Redis Cluster has only database 0", opts.DB)
		}
		if host != "" {
			seeds = append(seeds, opts.Addr)
		}
	}
	uo := universalOptions(opts)
	uo.Addrs = seeds
	uo.IsClusterMode = true
	if uo.TLSConfig != nil {
		// ParseURL put the URL's host in ServerName: empty, each node's
		// certificate is checked against the host of its own address.
		uo.TLSConfig.ServerName = ""
	}
	return redis.NewUniversalClient(uo), nil
}

// universalOptions carries the credentials and TLS of opts, with clinic's
// timeouts and retries: short, so that a Redis that is away makes requests
// fail fast.
func universalOptions(opts *redis.Options) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Username:        opts.Username,
		Password:        opts.Password,
		DB:              opts.DB,
		TLSConfig:       opts.TLSConfig,
		DialTimeout:     time.Second,
		ReadTimeout:     time.Second,
		WriteTimeout:    time.Second,
		PoolTimeout:     2 * time.Second,
		MaxRetries:      1,
		MinRetryBackoff: 8 * time.Millisecond,
		MaxRetryBackoff: 64 * time.Millisecond,
	}
}

// Publish sends message on channel with PUBLISH.
//
// A Redis Cluster forwards every PUBLISH to the subscribers of every node,
// over its cluster bus, and go-redis would send each one to any node: two
// messages published one after the other could then arrive swapped, and a
// message published just before a SUBSCRIBE was confirmed on another node
// could still arrive after it. So on a cluster Publish sends it through one
// node, the master of the hash slot of home (a key name: the channel itself,
// or a prefix shared by several channels). A subscriber whose connection is on
// that node too sees the messages as on one server: in order, and none that
// was published before its SUBSCRIBE was confirmed. go-redis opens a cluster
// subscription on the master of its first channel's slot, so subscribing to
// a channel named home first puts it there. On other clients home is unused.
//
// Errors are returned as they come (pass them to Err).
func Publish(ctx context.Context, rdb redis.UniversalClient, home, channel string, message any) error {
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		node, err := cc.MasterForKey(ctx, home)
		if err != nil {
			return err
		}
		return node.Publish(ctx, channel, message).Err()
	}
	return rdb.Publish(ctx, channel, message).Err()
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

// IsConnErr reports whether err means Redis could not be reached, or (on a
// Redis Cluster) cannot serve the key's slot for now.
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
		strings.Contains(s, "LOADING") ||
		// A Redis Cluster that lost a master (no replica took over yet), or
		// whose slots are moving, after go-redis's own retries.
		strings.HasPrefix(s, "CLUSTERDOWN") || strings.HasPrefix(s, "TRYAGAIN")
}

// QuietLogs sends go-redis's own log lines (a "failed to dial" per attempt
// while Redis is down) to log at debug level, so that an outage shows as one
// clear warning from clinic instead of a flood. It sets a process-wide logger.
func QuietLogs(log *slog.Logger) { redis.SetLogger(slogLogger{log}) }

type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
