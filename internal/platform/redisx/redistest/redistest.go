// Package redistest gives tests clients of the real Redis servers named by
// the environment (see package testenv): one server (TEST_REDIS_URL) or a
// Redis Cluster (TEST_REDIS_CLUSTER_ADDRS), so that a contract suite can run
// against both.
package redistest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"clinic/internal/platform/redisx"
	"clinic/internal/platform/testenv"
)

// Client returns a client of the server at TEST_REDIS_URL, made by
// redisx.New and closed when tb ends. It skips tb (fails it under CI=true)
// when the variable is unset and fails it when the server does not answer.
func Client(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	rdb, err := redisx.New(testenv.RedisURL(tb))
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = rdb.Close() })
	require.NoError(tb, rdb.Ping(tb.Context()).Err(), "Redis at TEST_REDIS_URL is unreachable")
	return rdb
}

// Cluster returns a client of the Redis Cluster at TEST_REDIS_CLUSTER_ADDRS,
// made by redisx.NewCluster (as clinic makes it from REDIS_CLUSTER_ADDRS) and
// closed when tb ends. It skips tb (fails it under CI=true) when the variable
// is unset, and fails it unless every master answers and the cluster has
// more than one master, so that keys really spread over several nodes.
func Cluster(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	rdb, err := redisx.NewCluster(testenv.RedisClusterAddrs(tb), "")
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = rdb.Close() })
	cc, ok := rdb.(*redis.ClusterClient)
	require.True(tb, ok, "redisx.NewCluster returned a %T, not a *redis.ClusterClient", rdb)
	ctx, cancel := context.WithTimeout(tb.Context(), 10*time.Second)
	defer cancel()
	masters, err := Masters(ctx, cc)
	require.NoError(tb, err, "Redis Cluster at TEST_REDIS_CLUSTER_ADDRS is unreachable")
	require.Greater(tb, len(masters), 1, "the Redis Cluster at TEST_REDIS_CLUSTER_ADDRS has one master: keys would not spread")
	return rdb
}

// Masters returns the address of every master of cc that answers a PING; an
// error if one does not.
func Masters(ctx context.Context, cc *redis.ClusterClient) ([]string, error) {
	var mu sync.Mutex // ForEachMaster calls fn on every master at once
	var addrs []string
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		if err := c.Ping(ctx).Err(); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		addrs = append(addrs, c.Options().Addr)
		return nil
	})
	return addrs, err
}

// DeletePrefix deletes every key of rdb that starts with prefix (a prefix
// without glob characters) and returns how many it deleted. On a cluster it
// scans every master, each of which holds only its own slots, and deletes key
// by key, since the keys found are in different slots.
func DeletePrefix(ctx context.Context, rdb redis.UniversalClient, prefix string) (int, error) {
	scan := func(ctx context.Context, c redis.Cmdable) (int, error) {
		n := 0
		iter := c.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			if err := c.Del(ctx, iter.Val()).Err(); err != nil {
				return n, err
			}
			n++
		}
		return n, iter.Err()
	}
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		return scan(ctx, rdb)
	}
	var total atomic.Int64 // ForEachMaster calls fn on every master at once
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		n, err := scan(ctx, c)
		total.Add(int64(n))
		return err
	})
	return int(total.Load()), err
}
