package session_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/redisx"
	"clinic/internal/platform/redisx/redistest"
	"clinic/internal/platform/session"
	"clinic/internal/platform/session/sessiontest"
	"clinic/internal/platform/testenv"
)

func TestMemory(t *testing.T) {
	t.Parallel()
	sessiontest.Run(t, func(t *testing.T) session.Store {
		// No janitor: the contract counts what DeleteExpired removes.
		return session.NewMemory(0)
	})
}

func TestDB(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		sessiontest.Run(t, func(t *testing.T) session.Store { return session.NewDB(dbtest.SQLite(t)) })
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		sessiontest.Run(t, func(t *testing.T) session.Store { return session.NewDB(dbtest.Postgres(t)) })
	})
}

func TestDBShared(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		sessiontest.RunShared(t, func(t *testing.T) (session.Store, session.Store) {
			// Two servers: two connection pools on one database.
			return session.NewDB(openDB(t, url)), session.NewDB(openDB(t, url))
		})
	})
}

func TestRedis(t *testing.T) {
	t.Parallel()
	sessiontest.Run(t, func(t *testing.T) session.Store {
		return session.NewRedis(redisClient(t), redisPrefix(t))
	})
}

func TestRedisShared(t *testing.T) {
	t.Parallel()
	sessiontest.RunShared(t, func(t *testing.T) (session.Store, session.Store) {
		prefix := redisPrefix(t)
		return session.NewRedis(redisClient(t), prefix), session.NewRedis(redisClient(t), prefix)
	})
}

// TestRedisCluster runs the contract on a Redis Cluster: each session is
// one key, so every command stays in one slot wherever the key lands.
func TestRedisCluster(t *testing.T) {
	t.Parallel()
	rdb := redistest.Cluster(t)
	sessiontest.Run(t, func(t *testing.T) session.Store {
		return session.NewRedis(rdb, clusterPrefix(t, rdb))
	})
}

func TestRedisClusterShared(t *testing.T) {
	t.Parallel()
	raw := redistest.Cluster(t)
	sessiontest.RunShared(t, func(t *testing.T) (session.Store, session.Store) {
		prefix := clusterPrefix(t, raw)
		return session.NewRedis(redistest.Cluster(t), prefix), session.NewRedis(redistest.Cluster(t), prefix)
	})
}

func BenchmarkFind(b *testing.B) {
	data := make([]byte, 512)
	stores := []struct {
		name string
		new  func(b *testing.B) session.Store
	}{
		{"memory", func(*testing.B) session.Store { return session.NewMemory(0) }},
		{"db-sqlite", func(b *testing.B) session.Store { return session.NewDB(dbtest.SQLite(b)) }},
		{"redis", func(b *testing.B) session.Store { return session.NewRedis(redisClient(b), redisPrefix(b)) }},
	}
	for _, s := range stores {
		b.Run(s.name, func(b *testing.B) {
			st := s.new(b)
			ctx := b.Context()
			require.NoError(b, st.Save(ctx, "bench", data, time.Now().Add(time.Hour)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := st.Find(ctx, "bench"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// openDB opens and migrates the database at url, closing it when t ends.
func openDB(t *testing.T, url string) *db.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	d, err := db.Open(ctx, url, db.Options{MaxConns: 4})
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	_, err = d.Migrate(ctx)
	require.NoError(t, err)
	return d
}

// redisClient returns a client for TEST_REDIS_URL (skipping without it),
// closed when tb ends.
func redisClient(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	rdb, err := redisx.New(testenv.RedisURL(tb))
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = rdb.Close() })
	require.NoError(tb, rdb.Ping(tb.Context()).Err(), "Redis at TEST_REDIS_URL is unreachable")
	return rdb
}

// redisPrefix returns a key prefix no other test uses and deletes its keys
// when tb ends.
func redisPrefix(tb testing.TB) string {
	tb.Helper()
	prefix := testenv.RandomName("test:session:") + ":"
	tb.Cleanup(func() {
		rdb, err := redisx.New(testenv.RedisURL(tb))
		if err != nil {
			return
		}
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = redistest.DeletePrefix(ctx, rdb, prefix)
	})
	return prefix
}

// clusterPrefix returns a key prefix no other test uses and deletes its keys
// from every master of the cluster rdb (which must outlive t) when t ends.
func clusterPrefix(t *testing.T, rdb redis.UniversalClient) string {
	t.Helper()
	prefix := testenv.RandomName("test:session:") + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = redistest.DeletePrefix(ctx, rdb, prefix)
	})
	return prefix
}

// countingWatcher is a watching store that counts Finds.
type countingWatcher struct {
	session.Store
	finds atomic.Int64
}

func (c *countingWatcher) Find(ctx context.Context, key string) ([]byte, error) {
	c.finds.Add(1)
	return c.Store.Find(ctx, key)
}

func (c *countingWatcher) Watch(ctx context.Context, deleted func(string), live func(bool)) {
	c.Store.(session.Watcher).Watch(ctx, deleted, live)
}

// Two servers on one PostgreSQL database: each keeps the sessions it reads
// in memory, and a logout on one is refused by the other as soon as the
// notification arrives.
func TestManagersOnPostgresRefuseSessionEndedOnAnotherServer(t *testing.T) {
	t.Parallel()
	url := dbtest.PostgresURL(t)
	cfg := session.ManagerConfig{IdleTimeout: time.Hour, AbsoluteTimeout: 24 * time.Hour}
	a := session.NewManager(session.NewDB(openDB(t, url)), cfg)
	t.Cleanup(func() { _ = a.Close() })
	storeB := &countingWatcher{Store: session.NewDB(openDB(t, url))}
	b := session.NewManager(storeB, cfg)
	t.Cleanup(func() { _ = b.Close() })
	ctx := t.Context()

	token, _, err := a.Create(ctx, "u1")
	require.NoError(t, err)
	// b holds the session once it has read it with its watcher listening
	// (until then it reads the store every time).
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := b.Load(ctx, token)
		require.NoError(t, err)
		require.Equal(t, "u1", d.UserID)
		before := storeB.finds.Load()
		_, err = b.Load(ctx, token)
		require.NoError(t, err)
		if storeB.finds.Load() == before {
			break // served from memory
		}
		if time.Now().After(deadline) {
			t.Fatal("the session is never served from memory")
		}
		time.Sleep(10 * time.Millisecond)
	}

	require.NoError(t, a.Destroy(ctx, token))
	deadline = time.Now().Add(10 * time.Second)
	for {
		_, err := b.Load(ctx, token)
		if session.IsNotFound(err) {
			break
		}
		require.NoError(t, err)
		if time.Now().After(deadline) {
			t.Fatal("the other server still accepts the session 10 s after the logout")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// And for good: a later Load does not find it either.
	_, err = b.Load(ctx, token)
	require.ErrorIs(t, err, session.ErrNotFound)
}
