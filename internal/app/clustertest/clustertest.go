// Package clustertest brings up a whole clinic cluster on this machine for a
// test, through scripts/cluster.sh itself: nginx in front of three
// `clinic serve` processes and two `clinic worker` processes, on a schema of
// TEST_DATABASE_URL and a key prefix of TEST_REDIS_URL. The test talks to
// it over HTTP only, as a browser or an API client would, and may SIGKILL any
// of its processes.
//
// It needs TEST_DATABASE_URL, TEST_REDIS_URL and TEST_NGINX (the nginx
// binary, Debian package nginx): without them the test is skipped, and under
// CI=true it fails.
package clustertest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

// Proc is one process of the cluster, as the script's pids file lists it.
type Proc struct {
	// Name is server1…, worker1… or nginx.
	Name string
	PID  int
	// Addr is the host:port it listens on ("" for a worker).
	Addr string
}

// Cluster is a running cluster.
type Cluster struct {
	// URL is nginx's address (http://127.0.0.1:port), the cluster's
	// BASE_URL.
	URL string
	// DatabaseURL is the PostgreSQL URL every process uses.
	DatabaseURL string
	// Dir is the script's CLUSTER_DIR.
	Dir string
	// Procs are the processes the script started, in its order.
	Procs []Proc

	script string
	env    []string
}

// Up starts a cluster with env added to every process's environment (over
// the script's and clinic's defaults), and stops it (scripts/cluster.sh
// down) when the test ends.
func Up(t testing.TB, env map[string]string) *Cluster {
	t.Helper()
	nginx := testenv.Nginx(t)
	redisURL := testenv.RedisURL(t)
	dbURL := dbtest.PostgresURL(t)
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	c := &Cluster{Dir: filepath.Join(t.TempDir(), "cluster"), DatabaseURL: dbURL,
		script: filepath.Join(root, "scripts", "cluster.sh")}
	vars := map[string]string{
		"CLUSTER_DIR": c.Dir, "NGINX_BIN": nginx,
		"DATABASE_URL": dbURL, "REDIS_URL": redisURL, "REDIS_PREFIX": testenv.RandomName("cluster") + ":",
		"LOG_FORMAT": "text", "LOG_LEVEL": "info",
	}
	for k, v := range env {
		vars[k] = v
	}
	c.env = os.Environ()
	for k, v := range vars {
		c.env = append(c.env, k+"="+v)
	}
	t.Cleanup(func() {
		if t.Failed() {
			c.dumpLogs(t)
		}
		if out, err := c.run("down"); err != nil {
			t.Errorf("clustertest: cluster.sh down: %v\n%s", err, out)
		}
	})
	out, err := c.run("up")
	if err != nil {
		t.Fatalf("clustertest: cluster.sh up: %v\n%s", err, out)
	}
	if err := c.readPids(); err != nil {
		t.Fatalf("clustertest: %v\ncluster.sh up said:\n%s", err, out)
	}
	nginxProc, ok := c.Proc("nginx")
	if !ok {
		t.Fatalf("clustertest: cluster.sh up started no nginx:\n%s", out)
	}
	c.URL = "http://" + nginxProc.Addr
	t.Logf("clustertest: cluster at %s:\n%s", c.URL, out)
	return c
}

// scriptTimeout bounds one run of the script (up builds the binary).
const scriptTimeout = 4 * time.Minute

// run runs the script with the cluster's environment.
func (c *Cluster) run(cmd string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	sh := exec.CommandContext(ctx, "bash", c.script, cmd)
	sh.Env = c.env
	sh.WaitDelay = 5 * time.Second
	out, err := sh.CombinedOutput()
	return string(out), err
}

func (c *Cluster) readPids() error {
	f, err := os.Open(filepath.Join(c.Dir, "pids"))
	if err != nil {
		return fmt.Errorf("read pids: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			return fmt.Errorf("pids: bad line %q", sc.Text())
		}
		pid, err := strconv.Atoi(fields[1])
		if err != nil {
			return fmt.Errorf("pids: bad line %q: %w", sc.Text(), err)
		}
		p := Proc{Name: fields[0], PID: pid, Addr: fields[2]}
		if p.Addr == "-" {
			p.Addr = ""
		}
		c.Procs = append(c.Procs, p)
	}
	return sc.Err()
}

// Proc returns the process named name.
func (c *Cluster) Proc(name string) (Proc, bool) {
	for _, p := range c.Procs {
		if p.Name == name {
			return p, true
		}
	}
	return Proc{}, false
}

// Servers returns the `clinic serve` processes.
func (c *Cluster) Servers() []Proc { return c.named("server") }

// Workers returns the `clinic worker` processes.
func (c *Cluster) Workers() []Proc { return c.named("worker") }

func (c *Cluster) named(prefix string) []Proc {
	var out []Proc
	for _, p := range c.Procs {
		if strings.HasPrefix(p.Name, prefix) {
			out = append(out, p)
		}
	}
	return out
}

// Kill sends SIGKILL to the process named name and waits until it is gone
// (it is not this process's child: the script started it).
func (c *Cluster) Kill(t testing.TB, name string) {
	t.Helper()
	p, ok := c.Proc(name)
	if !ok {
		t.Fatalf("clustertest: no process %s", name)
	}
	if err := syscall.Kill(p.PID, syscall.SIGKILL); err != nil {
		t.Fatalf("clustertest: kill %s (%d): %v", name, p.PID, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for gone(p.PID) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("clustertest: %s (%d) still runs 10s after SIGKILL", name, p.PID)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// gone returns nil while pid runs (a zombie counts as gone).
func gone(pid int) error {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return err
	}
	// The state follows the command name in parentheses.
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && b[i+2] == 'Z' {
		return fmt.Errorf("zombie")
	}
	return nil
}

// Status returns what `cluster.sh status` prints (it exits non-zero when a
// process is down, which is not an error here).
func (c *Cluster) Status(t testing.TB) string {
	t.Helper()
	out, err := c.run("status")
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Fatalf("clustertest: cluster.sh status: %v\n%s", err, out)
	}
	return out
}

// Log returns the log of the process named name so far.
func (c *Cluster) Log(name string) string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, "logs", name+".log"))
	return string(b)
}

// dumpLogs logs the end of every process's log, for a failed test.
func (c *Cluster) dumpLogs(t testing.TB) {
	t.Helper()
	for _, p := range append(c.Procs, Proc{Name: "nginx-error"}) {
		log := c.Log(p.Name)
		if len(log) > 8000 {
			log = "…" + log[len(log)-8000:]
		}
		t.Logf("clustertest: %s's log:\n%s", p.Name, log)
	}
}
