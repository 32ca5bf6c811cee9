package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuTimes is CPU time (user + system) used by this process (the server),
// by the PostgreSQL backends serving it and the bare handler (Linux's
// /proc; zero elsewhere; PostgreSQL's own background processes, such as
// the WAL writer, are left out) and by wrk (from its exit status).
type cpuTimes struct {
	self, postgres, wrk time.Duration
	// backends is the CPU time of each backend by process id.
	backends map[int]time.Duration
}

// sub returns a - b. A backend's time counts from b (from zero for a
// backend that b does not know); a backend gone before a is left out.
func (a cpuTimes) sub(b cpuTimes) cpuTimes {
	d := cpuTimes{self: a.self - b.self, wrk: a.wrk - b.wrk}
	for pid, t := range a.backends {
		d.postgres += t - b.backends[pid]
	}
	return d
}

// clockTick is USER_HZ, the unit of /proc/PID/stat's times (100 on every
// Linux of note).
const clockTick = 100

// cpuNow returns the CPU time used so far by this process and by the
// PostgreSQL backends whose application_name is app (wrk's is read when it
// exits). The backends must run on this machine.
func cpuNow(ctx context.Context, admin *sql.DB, app string) cpuTimes {
	t := cpuTimes{backends: map[int]time.Duration{}}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		t.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	rows, err := admin.QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, app)
	if err != nil {
		return t
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || s[open+1:end] != "postgres" {
			continue
		}
		// Fields after the command: state is field 3; utime and stime
		// are fields 14 and 15.
		f := strings.Fields(s[end+1:])
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		k, _ := strconv.ParseInt(f[12], 10, 64)
		t.backends[pid] = time.Duration(u+k) * time.Second / clockTick
	}
	return t
}
