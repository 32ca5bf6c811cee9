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
// the WAL writer, are left out) and by wrk (from its exit status). Divided by the requests of a run, it
// shows what a request costs each of them, which moves less than the
// request rate on a shared machine.
type cpuTimes struct {
	self, postgres, wrk time.Duration
}

func (a cpuTimes) sub(b cpuTimes) cpuTimes {
	return cpuTimes{self: a.self - b.self, postgres: a.postgres - b.postgres, wrk: a.wrk - b.wrk}
}

// clockTick is USER_HZ, the unit of /proc/PID/stat's times (100 on every
// Linux of note).
const clockTick = 100

// cpuNow returns the CPU time used so far by this process and by the
// PostgreSQL backends whose application_name is app (wrk's is read when it
// exits). The backends must run on this machine.
func cpuNow(ctx context.Context, admin *sql.DB, app string) cpuTimes {
	var t cpuTimes
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
		if open < 0 || end < open {
			continue
		}
		comm := s[open+1 : end]
		if comm != "postgres" {
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
		t.postgres += time.Duration(u+k) * time.Second / clockTick
	}
	return t
}
