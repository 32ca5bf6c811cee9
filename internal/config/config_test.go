package config_test

import (
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/config"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestDefaultsNeedNothing(t *testing.T) {
	t.Parallel()
	c, err := config.LoadFrom(env(nil))
	require.NoError(t, err)
	require.Equal(t, ":8080", c.Addr)
	require.Equal(t, "", c.DatabaseURL)
	require.Equal(t, "db", c.Session())
	require.Equal(t, "memory", c.Cache())
	require.Equal(t, "memory", c.RateLimit())
	require.Equal(t, "memory", c.PubSub())
	require.Equal(t, int64(1<<20), c.MaxBodyBytes)
	require.Equal(t, 10, c.JobWorkers)
	require.Equal(t, 10*time.Second, c.RequestTimeout)
	require.Equal(t, config.Rate{N: 10, Period: time.Minute}, c.RateLoginEmail)
	require.False(t, c.SecureCookies())
}

func TestRedisURLMovesSharedSubsystems(t *testing.T) {
	t.Parallel()
	c, err := config.LoadFrom(env(map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/0", "BASE_URL": "https://clinic.example"}))
	require.NoError(t, err)
	require.Equal(t, "redis", c.Session())
	require.Equal(t, "redis", c.Cache())
	require.Equal(t, "redis", c.RateLimit())
	require.Equal(t, "redis", c.PubSub())
	require.True(t, c.SecureCookies())
}

func TestInvalidValuesNameVariableAndValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"bad database url", map[string]string{"DATABASE_URL": "mysql://x"}, []string{"DATABASE_URL=(secret)", "postgres://"}},
		{"bad redis url", map[string]string{"REDIS_URL": "http://x"}, []string{"REDIS_URL=(secret)", "redis://"}},
		{"unknown backend", map[string]string{"SESSION_BACKEND": "mongo"}, []string{`SESSION_BACKEND="mongo"`, "memory, db, redis"}},
		{"unknown cache backend", map[string]string{"CACHE_BACKEND": "memcached"}, []string{`CACHE_BACKEND="memcached"`}},
		{"unparsable duration", map[string]string{"SESSION_IDLE_TIMEOUT": "ten minutes"}, []string{`SESSION_IDLE_TIMEOUT="ten minutes"`, "duration"}},
		{"negative duration", map[string]string{"SHUTDOWN_TIMEOUT": "-1s"}, []string{`SHUTDOWN_TIMEOUT="-1s"`}},
		{"bad rate", map[string]string{"RATE_LIMIT_LOGIN_IP": "lots"}, []string{`RATE_LIMIT_LOGIN_IP="lots"`, "N/DURATION"}},
		{"bad port", map[string]string{"ADDR": "localhost"}, []string{`ADDR="localhost"`}},
		{"bad base url", map[string]string{"BASE_URL": "clinic.example"}, []string{`BASE_URL="clinic.example"`}},
		{"bad bool", map[string]string{"TRUST_PROXY": "maybe"}, []string{`TRUST_PROXY="maybe"`, "true or false"}},
		{"bad log level", map[string]string{"LOG_LEVEL": "loud"}, []string{`LOG_LEVEL="loud"`}},
		{"redis backend without redis", map[string]string{"CACHE_BACKEND": "redis"}, []string{`CACHE_BACKEND="redis"`, "REDIS_URL"}},
		{"unknown pubsub backend", map[string]string{"PUBSUB_BACKEND": "nats"}, []string{`PUBSUB_BACKEND="nats"`, "memory, redis"}},
		{"redis pubsub without redis", map[string]string{"PUBSUB_BACKEND": "redis"}, []string{`PUBSUB_BACKEND="redis"`, "REDIS_URL"}},
		{"s3 without endpoint", map[string]string{"FILES_URL": "s3://bucket"}, []string{`FILES_URL="s3://bucket"`, "S3_ENDPOINT"}},
		{"unparsable request timeout", map[string]string{"REQUEST_TIMEOUT": "soon"}, []string{`REQUEST_TIMEOUT="soon"`, "duration"}},
		{"zero request timeout", map[string]string{"REQUEST_TIMEOUT": "0s"}, []string{`REQUEST_TIMEOUT="0s"`, "positive"}},
		{"request timeout beyond shutdown timeout", map[string]string{"REQUEST_TIMEOUT": "30s"}, []string{`REQUEST_TIMEOUT="30s"`, "SHUTDOWN_TIMEOUT (15s)"}},
		{"negative workers", map[string]string{"WORKERS": "-2"}, []string{`WORKERS="-2"`}},
		{"smtp url of another scheme", map[string]string{"SMTP_URL": "http://mail.example"}, []string{"SMTP_URL=(secret)", "smtp://"}},
		{"smtp url with an unknown tls", map[string]string{"SMTP_URL": "smtp://mail.example?tls=maybe"}, []string{"SMTP_URL=(secret)", "tls="}},
		{"bad mail from", map[string]string{"MAIL_FROM": "clinic"}, []string{`MAIL_FROM="clinic"`, "address"}},
		{"unknown worker queue", map[string]string{"WORKER_QUEUES": "ocr,email"}, []string{`WORKER_QUEUES="ocr,email"`, `unknown queue "email"`, "reminders, ocr, maintenance"}},
		{"bad metrics address", map[string]string{"METRICS_ADDR": "9100"}, []string{`METRICS_ADDR="9100"`}},
		{"two errors at once", map[string]string{"WORKERS": "x", "MAX_BODY_BYTES": "0"}, []string{`WORKERS="x"`, `MAX_BODY_BYTES="0"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.LoadFrom(env(tt.env))
			require.Error(t, err)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestSecretFromFile(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "db")
	require.NoError(t, os.WriteFile(f, []byte("postgres://u:p@h/db\n"), 0o600))
	c, err := config.LoadFrom(env(map[string]string{"DATABASE_URL_FILE": f}))
	require.NoError(t, err)
	require.Equal(t, "postgres://u:p@h/db", c.DatabaseURL)

	_, err = config.LoadFrom(env(map[string]string{"DATABASE_URL_FILE": f, "DATABASE_URL": "postgres://x/y"}))
	require.ErrorContains(t, err, "both set")

	_, err = config.LoadFrom(env(map[string]string{"DATABASE_URL_FILE": filepath.Join(t.TempDir(), "missing")}))
	require.ErrorContains(t, err, "DATABASE_URL_FILE=")
}

func TestReadmeDocumentsEveryVariable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	readme := string(b)
	for _, v := range config.Vars {
		require.True(t, strings.Contains(readme, "`"+v.Name+"`"), "README.md does not document %s", v.Name)
	}
}

func TestSecretKey(t *testing.T) {
	t.Parallel()
	raw := make([]byte, 32)
	for i := range raw {
		raw[i] = byte(0xa0 + i)
	}
	b64 := base64.StdEncoding.EncodeToString(raw)
	hexKey := hex.EncodeToString(raw)
	other := base64.StdEncoding.EncodeToString(append([]byte{1}, raw[1:]...))
	keyFile := func(content string) string {
		f := filepath.Join(t.TempDir(), "secret")
		require.NoError(t, os.WriteFile(f, []byte(content), 0o600))
		return f
	}
	tests := []struct {
		name     string
		env      map[string]string
		wantKey  bool
		wantPrev bool
		source   string
	}{
		{"unset: generated at start", nil, false, false, "SECRET_KEY"},
		{"base64", map[string]string{"SECRET_KEY": b64}, true, false, "SECRET_KEY"},
		{"hex", map[string]string{"SECRET_KEY": hexKey}, true, false, "SECRET_KEY"},
		{"from a file with a trailing newline", map[string]string{"SECRET_KEY_FILE": keyFile(b64 + "\n")}, true, false, "SECRET_KEY_FILE"},
		{"with the previous key", map[string]string{"SECRET_KEY": b64, "SECRET_KEY_PREVIOUS": other}, true, true, "SECRET_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.LoadFrom(env(tt.env))
			require.NoError(t, err)
			require.Equal(t, tt.wantKey, !c.SecretKey.IsZero())
			if tt.wantKey {
				require.Equal(t, raw, c.SecretKey[:])
			}
			require.Equal(t, tt.wantPrev, !c.SecretKeyPrevious.IsZero())
			require.Equal(t, tt.source, c.Source("SECRET_KEY"))
		})
	}
}

func TestSecretKeyRefusedWithoutItsValue(t *testing.T) {
	t.Parallel()
	const bad = "hunter2-is-not-a-key"
	f := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(f, []byte(bad+"\n"), 0o600))
	empty := filepath.Join(t.TempDir(), "empty")
	require.NoError(t, os.WriteFile(empty, []byte("\n"), 0o600))
	key := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"not a key", map[string]string{"SECRET_KEY": bad}, []string{"SECRET_KEY=(secret)", "base64 (44 characters) or hex (64 characters)"}},
		{"too short", map[string]string{"SECRET_KEY": "c2hvcnQ="}, []string{"SECRET_KEY=(secret)", "decodes to 5 bytes"}},
		{"not a key, in the file", map[string]string{"SECRET_KEY_FILE": f}, []string{"SECRET_KEY_FILE=(secret)", "base64"}},
		{"empty file", map[string]string{"SECRET_KEY_FILE": empty}, []string{"SECRET_KEY_FILE=", "empty"}},
		{"both set", map[string]string{"SECRET_KEY_FILE": f, "SECRET_KEY": key}, []string{"both set"}},
		{"bad previous key", map[string]string{"SECRET_KEY": key, "SECRET_KEY_PREVIOUS": bad}, []string{"SECRET_KEY_PREVIOUS=(secret)"}},
		{"previous without a key", map[string]string{"SECRET_KEY_PREVIOUS": key}, []string{"SECRET_KEY_PREVIOUS=(secret)", "needs SECRET_KEY"}},
		{"previous equal to the key", map[string]string{"SECRET_KEY": key, "SECRET_KEY_PREVIOUS": key}, []string{"SECRET_KEY_PREVIOUS=(secret)", "same key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.LoadFrom(env(tt.env))
			require.Error(t, err)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
			require.NotContains(t, err.Error(), "hunter2")
			require.NotContains(t, err.Error(), key)
		})
	}
}

func TestSecretKeyIsASecret(t *testing.T) {
	t.Parallel()
	for _, v := range config.Vars {
		if strings.HasPrefix(v.Name, "SECRET_KEY") {
			require.True(t, v.Secret, "%s is not marked Secret", v.Name)
		}
	}
}

func TestRedisClusterAddrs(t *testing.T) {
	t.Parallel()
	addrs := "10.0.0.1:7001, 10.0.0.2:7002,10.0.0.3:7003"
	tests := []struct {
		name      string
		env       map[string]string
		wantAddrs []string
		wantURL   string
		wantErr   []string
	}{
		{"cluster alone moves the shared subsystems", map[string]string{"REDIS_CLUSTER_ADDRS": addrs},
			[]string{"10.0.0.1:7001", "10.0.0.2:7002", "10.0.0.3:7003"}, "", nil},
		{"credentials and TLS only", map[string]string{"REDIS_CLUSTER_ADDRS": addrs, "REDIS_URL": "rediss://:hunter2@"},
			[]string{"10.0.0.1:7001", "10.0.0.2:7002", "10.0.0.3:7003"}, "rediss://:hunter2@", nil},
		{"url with a host and database 0", map[string]string{"REDIS_CLUSTER_ADDRS": "10.0.0.1:7001", "REDIS_URL": "redis://:hunter2@10.0.0.9:7009/0"},
			[]string{"10.0.0.1:7001"}, "redis://:hunter2@10.0.0.9:7009/0", nil},
		{"address without a port", map[string]string{"REDIS_CLUSTER_ADDRS": "10.0.0.1:7001,10.0.0.2"},
			nil, "", []string{"REDIS_CLUSTER_ADDRS=", `"10.0.0.2": want HOST:PORT`}},
		{"address without a host", map[string]string{"REDIS_CLUSTER_ADDRS": ":7001"},
			nil, "", []string{"REDIS_CLUSTER_ADDRS=", "want HOST:PORT"}},
		{"credentials only, without a cluster", map[string]string{"REDIS_URL": "rediss://:hunter2@"},
			nil, "", []string{"REDIS_URL=(secret)", "no host", "REDIS_CLUSTER_ADDRS"}},
		{"a database other than 0", map[string]string{"REDIS_CLUSTER_ADDRS": addrs, "REDIS_URL": "redis://:hunter2@10.0.0.9:7009/3"},
			nil, "", []string{"REDIS_URL=(secret)", "database other than 0"}},
		{"a query", map[string]string{"REDIS_CLUSTER_ADDRS": addrs, "REDIS_URL": "redis://:hunter2@10.0.0.9:7009?addr=10.0.0.8:7008"},
			nil, "", []string{"REDIS_URL=(secret)", "no ?query"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.LoadFrom(env(tt.env))
			if tt.wantErr != nil {
				require.Error(t, err)
				for _, w := range tt.wantErr {
					require.Contains(t, err.Error(), w)
				}
				require.NotContains(t, err.Error(), "hunter2")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantAddrs, c.RedisClusterAddrs)
			require.Equal(t, tt.wantURL, c.RedisURL)
			require.True(t, c.RedisEnabled())
			for name, got := range map[string]string{"session": c.Session(), "cache": c.Cache(), "rate limit": c.RateLimit(), "pubsub": c.PubSub()} {
				require.Equal(t, "redis", got, "%s backend", name)
			}
		})
	}
}

func TestDatabaseReplicas(t *testing.T) {
	t.Parallel()
	const primary = "postgres://db.example/clinic"
	tests := []struct {
		name    string
		env     map[string]string
		want    []string
		wantErr string
	}{
		{"none by default", map[string]string{"DATABASE_URL": primary}, nil, ""},
		{"two, spaces trimmed", map[string]string{"DATABASE_URL": primary, "DATABASE_REPLICA_URLS": "postgres://r1:5432/clinic, postgresql://r2/clinic?sslmode=require"},
			[]string{"postgres://r1:5432/clinic", "postgresql://r2/clinic?sslmode=require"}, ""},
		{"refused on SQLite", map[string]string{"DATABASE_REPLICA_URLS": "postgres://r1/clinic"}, nil, "read replicas need DATABASE_URL=postgres://"},
		{"refused on a SQLite file", map[string]string{"DATABASE_URL": "sqlite:/tmp/x.db", "DATABASE_REPLICA_URLS": "postgres://r1/clinic"}, nil, "SQLite has none"},
		{"not postgres", map[string]string{"DATABASE_URL": primary, "DATABASE_REPLICA_URLS": "mysql://r1/clinic"}, nil, "DATABASE_REPLICA_URLS=(secret): want comma-separated postgres://"},
		{"bad lag", map[string]string{"DATABASE_URL": primary, "DATABASE_REPLICA_MAX_LAG": "0s"}, nil, `DATABASE_REPLICA_MAX_LAG="0s"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.LoadFrom(env(tc.env))
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				require.NotContains(t, err.Error(), "r1", "the secret URL was echoed")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, c.DatabaseReplicaURLs)
			require.Equal(t, 2*time.Second, c.DatabaseReplicaMaxLag)
		})
	}
}
func TestParseQueues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"", nil, ""},
		{"  ", nil, ""},
		{"ocr", []string{"ocr"}, ""},
		{"reminders, ocr", []string{"reminders", "ocr"}, ""},
		{"maintenance,ocr,maintenance", []string{"maintenance", "ocr"}, ""},
		{"reminders,ocr,maintenance", []string{"reminders", "ocr", "maintenance"}, ""},
		{"messages", nil, `unknown queue "messages" (want reminders, ocr, maintenance)`},
		{"OCR", nil, `unknown queue "OCR"`},
		{"ocr,,reminders", nil, "empty queue name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := config.ParseQueues(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestWorkerQueuesSelectsQueues(t *testing.T) {
	t.Parallel()
	all, err := config.LoadFrom(env(nil))
	require.NoError(t, err)
	some, err := config.LoadFrom(env(map[string]string{"WORKER_QUEUES": "ocr"}))
	require.NoError(t, err)
	for _, q := range config.Queues {
		require.True(t, all.RunsQueue(q), "by default a process runs %s", q)
		require.Equal(t, q == config.QueueOCR, some.RunsQueue(q), "WORKER_QUEUES=ocr and queue %s", q)
	}
}
