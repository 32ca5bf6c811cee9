// Package testenv gives integration tests the addresses of the real services
// they run against (PostgreSQL, Redis, a Redis Cluster, S3) from the
// environment.
//
// When a variable is unset a test is skipped with a message naming it, except
// under CI=true, where the test fails instead: CI must never pass by skipping.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// CI reports whether tests run under CI (CI=true).
func CI() bool { return os.Getenv("CI") == "true" }

// Require returns the value of the environment variable name, or skips the
// test (fails it under CI=true) when it is unset.
func Require(t testing.TB, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if CI() {
			t.Fatalf("%s is not set: %s is required under CI=true", name, what)
		}
		t.Skipf("%s is not set: skipping test that needs %s", name, what)
	}
	return v
}

// DatabaseURL returns TEST_DATABASE_URL (a PostgreSQL URL).
func DatabaseURL(t testing.TB) string {
	t.Helper()
	return Require(t, "TEST_DATABASE_URL", "PostgreSQL")
}

// RedisURL returns TEST_REDIS_URL.
func RedisURL(t testing.TB) string {
	t.Helper()
	return Require(t, "TEST_REDIS_URL", "Redis")
}

// RedisClusterAddrs returns the seed addresses (host:port) in
// TEST_REDIS_CLUSTER_ADDRS, a comma-separated list naming the nodes of a Redis
// Cluster of three masters (.ci/start-redis-cluster.sh starts one).
func RedisClusterAddrs(t testing.TB) []string {
	t.Helper()
	v := Require(t, "TEST_REDIS_CLUSTER_ADDRS", "a Redis Cluster")
	var addrs []string
	for _, a := range strings.Split(v, ",") {
		if a = strings.TrimSpace(a); a != "" {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		t.Fatalf("TEST_REDIS_CLUSTER_ADDRS=%q names no address", v)
	}
	return addrs
}

// RandomName returns prefix followed by 12 random hex characters, for a
// schema, key prefix or bucket that no other test uses.
func RandomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Nginx returns TEST_NGINX, the path of the nginx binary (Debian package
// nginx) for the tests that put it in front of several servers.
func Nginx(t testing.TB) string {
	t.Helper()
	return Require(t, "TEST_NGINX", "nginx")
}
