package redisx_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/platform/redisx"
	"clinic/internal/platform/redisx/redistest"
	"clinic/internal/platform/testenv"
)

func TestErrMakesUnreachableRedisUnavailable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		err         error
		unavailable bool
	}{
		{"connection refused", errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), true},
		{"pool timeout", redis.ErrPoolTimeout, true},
		{"cluster lost a master", errors.New("CLUSTERDOWN The cluster is down"), true},
		{"slot moving", errors.New("TRYAGAIN Multiple keys request during rehashing of slot"), true},
		{"keys in different slots", errors.New("CROSSSLOT Keys in request don't hash to the same slot"), false},
		{"wrong type", errors.New("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.unavailable, redisx.IsConnErr(tt.err))
			want := apperr.Internal
			if tt.unavailable {
				want = apperr.Unavailable
			}
			err := redisx.Err("GET", tt.err)
			require.Equal(t, want, apperr.CodeOf(err), "%v", err)
			require.ErrorIs(t, err, tt.err)
		})
	}
}

func TestNewPicksTheClientByURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		url         string
		wantCluster bool
		wantErr     string
	}{
		{"one server", "redis://127.0.0.1:6379/2", false, ""},
		{"tls", "rediss://:secret@redis.example:6380/0", false, ""},
		{"cluster by extra addresses", "redis://10.0.0.1:7001?addr=10.0.0.2:7002&addr=10.0.0.3:7003", true, ""},
		{"sentinel", "redis://10.0.0.1:26379?master_name=mymaster", false, ""},
		{"another scheme", "http://127.0.0.1:6379", false, `scheme "http"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rdb, err := redisx.New(tt.url)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			t.Cleanup(func() { _ = rdb.Close() })
			_, cluster := rdb.(*redis.ClusterClient)
			require.Equal(t, tt.wantCluster, cluster, "client %T", rdb)
		})
	}
}

func TestNewClusterTakesNodesFromAddrsAndCredentialsFromTheURL(t *testing.T) {
	t.Parallel()
	addrs := []string{"10.0.0.1:7001", " 10.0.0.2:7002", ""}
	tests := []struct {
		name      string
		addrs     []string
		url       string
		wantAddrs []string
		wantUser  string
		wantPass  string
		wantTLS   bool
		wantErr   string
	}{
		{"addresses only", addrs, "", []string{"10.0.0.1:7001", "10.0.0.2:7002"}, "", "", false, ""},
		{"password and tls, no host", addrs, "rediss://:secret@", []string{"10.0.0.1:7001", "10.0.0.2:7002"}, "", "secret", true, ""},
		{"user, and a host as one more node", addrs, "redis://app:secret@10.0.0.9:7009/0", []string{"10.0.0.1:7001", "10.0.0.2:7002", "10.0.0.9:7009"}, "app", "secret", false, ""},
		{"no address", []string{" "}, "", nil, "", "", false, "no address"},
		{"address without a port", []string{"10.0.0.1"}, "", nil, "", "", false, `"10.0.0.1": want host:port`},
		{"a database other than 0", addrs, "redis://:secret@/3", nil, "", "", false, "only database 0"},
		{"a query", addrs, "redis://10.0.0.9:7009?addr=10.0.0.8:7008", nil, "", "", false, "no query"},
		{"another scheme", addrs, "http://10.0.0.9", nil, "", "", false, `scheme "http"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rdb, err := redisx.NewCluster(tt.addrs, tt.url)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.Nil(t, rdb)
				return
			}
			require.NoError(t, err)
			t.Cleanup(func() { _ = rdb.Close() })
			cc, ok := rdb.(*redis.ClusterClient)
			require.True(t, ok, "client %T", rdb)
			o := cc.Options()
			require.Equal(t, tt.wantAddrs, o.Addrs)
			require.Equal(t, tt.wantUser, o.Username)
			require.Equal(t, tt.wantPass, o.Password)
			require.Equal(t, tt.wantTLS, o.TLSConfig != nil)
			if o.TLSConfig != nil {
				require.Empty(t, o.TLSConfig.ServerName, "each node is checked against its own host")
			}
		})
	}
}

// TestClusterSpreadsKeysOverEveryMaster shows, on the real cluster, what the
// backends are written for: keys of one prefix land on several masters, a
// DEL of keys in different slots fails with CROSSSLOT, and a SCAN must visit
// every master to find them all.
func TestClusterSpreadsKeysOverEveryMaster(t *testing.T) {
	t.Parallel()
	rdb := redistest.Cluster(t)
	ctx := t.Context()
	prefix := testenv.RandomName("test:redisx:") + ":"
	const n = 50
	for i := range n {
		require.NoError(t, rdb.Set(ctx, fmt.Sprintf("%s%d", prefix, i), "v", 0).Err())
	}

	cc := rdb.(*redis.ClusterClient)
	masters, err := redistest.Masters(ctx, cc)
	require.NoError(t, err)
	holding := 0
	for _, addr := range masters {
		c := redis.NewClient(&redis.Options{Addr: addr})
		keys, err := c.Keys(ctx, prefix+"*").Result()
		_ = c.Close()
		require.NoError(t, err)
		if len(keys) > 0 {
			holding++
		}
	}
	require.Greater(t, holding, 1, "%d keys of one prefix on one master only", n)

	err = rdb.Del(ctx, prefix+"0", prefix+"1", prefix+"2", prefix+"3").Err()
	require.ErrorContains(t, err, "CROSSSLOT", "keys of different slots in one DEL")
	require.NoError(t, rdb.Del(ctx, "{"+prefix+"}a", "{"+prefix+"}b").Err(), "one hash tag, one slot")

	deleted, err := redistest.DeletePrefix(ctx, rdb, prefix)
	require.NoError(t, err)
	require.Equal(t, n, deleted)
	left, err := redistest.DeletePrefix(ctx, rdb, prefix)
	require.NoError(t, err)
	require.Zero(t, left)
}
