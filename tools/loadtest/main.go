// Command loadtest measures clinic's hot paths with wrk against a real
// PostgreSQL, next to a bare net/http + pgx handler doing the same query:
//
//	go run ./tools/loadtest            # needs wrk (apt-get install wrk) and PostgreSQL
//
// It creates a schema of its own in LOADTEST_DATABASE_URL (default: the local
// test database), seeds a demo clinic, and prints requests/s and p99 for:
// the bare agenda handler, clinic's authenticated agenda list (session +
// membership + cached page), the same list with its cache bypassed (every
// request asks for a page the cache does not hold, as after a write), and
// bookings of distinct slots (references, then one batch: insert, event and
// audit in one implicit transaction). Beside them it prints what
// pgbench -N -c CONNS -j 2 -T DURATION -M prepared (scale 10, in a scratch
// database it initialises and drops) does on the same machine in the same
// run: the ceiling of a five-statement write transaction. The schema is
// dropped at the end.
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"

	"clinic/internal/app"
	"clinic/internal/config"
	"clinic/internal/demo"
)

func main() {
	duration := flag.Duration("d", 10*time.Second, "duration of each wrk run")
	conns := flag.Int("c", 64, "wrk connections")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of one run to this file")
	flag.StringVar(&profileRun, "profile", "agenda", "the run to profile: bare, agenda, uncached or booking")
	flag.BoolVar(&skipPgbench, "no-pgbench", false, "skip the pgbench run")
	flag.IntVar(&poolSize, "pool", 0, "the server's PostgreSQL pool size (0: the server's default)")
	flag.BoolVar(&keepSchema, "keep", false, "keep the schema at the end (for EXPLAIN and friends)")
	flag.StringVar(&onlyRuns, "runs", "bare,agenda,uncached,booking", "the runs to make, comma-separated (the bare handler is always run: the others are compared to it)")
	flag.Parse()
	if err := run(*duration, *conns); err != nil {
		log.Fatal(err)
	}
}

var (
	cpuProfile, profileRun  string
	onlyRuns                string
	poolSize                int
	skipPgbench, keepSchema bool
)

func run(duration time.Duration, conns int) error {
	ctx := context.Background()
	base := cmp.Or(os.Getenv("LOADTEST_DATABASE_URL"), "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	schema := "loadtest_" + randomHex(4)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	if keepSchema {
		defer fmt.Fprintf(os.Stderr, "schema %s kept\n", schema)
	} else {
		defer admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE") //nolint:errcheck
	}
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema+",public")
	// The server's and the bare handler's connections carry the schema's
	// name, so that the CPU of their PostgreSQL backends can be told apart
	// from other users of the same server (see cpuNow).
	q.Set("application_name", schema)
	u.RawQuery = q.Encode()
	dbURL := u.String()

	env := map[string]string{"RATE_LIMIT_API_CLINIC": "100000000/1m", "RATE_LIMIT_LOGIN_IP": "1000/1m", "WORKERS": "0", "LOG_LEVEL": "warn",
		// LOADTEST_REDIS_URL runs the shared-backend configuration (sessions,
		// cache and limits in Redis), as several servers would.
		"REDIS_URL": os.Getenv("LOADTEST_REDIS_URL"), "REDIS_PREFIX": "loadtest:" + randomHex(4) + ":"}
	cfg, err := config.LoadFrom(func(k string) string { return env[k] })
	if err != nil {
		return err
	}
	cfg.DatabaseURL = dbURL
	if poolSize > 0 {
		cfg.DatabaseURL += "&pool_max_conns=" + strconv.Itoa(poolSize)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(sctx, ln) }()
	defer func() { stop(); <-done }() // runs before a.Close: the server stops first
	clinicURL := "http://" + ln.Addr().String()

	fmt.Fprintln(os.Stderr, "seeding a demo clinic…")
	res, err := demo.Seed(ctx, demo.Services{Accounts: a.Accounts, Patients: a.Patients, Schedule: a.Schedule, Appointments: a.Appointments},
		demo.Options{Patients: 300, Days: 21, Fill: 0.25, Seed: 7})
	if err != nil {
		return err
	}
	day, count, err := busiestDay(ctx, admin, schema, res.ClinicID)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "agenda day %s has %d appointments\n", day.Format(time.DateOnly), count)

	cookie, err := login(clinicURL, res.Email, res.Password)
	if err != nil {
		return err
	}
	from, to := day.Format(time.RFC3339), day.AddDate(0, 0, 1).Format(time.RFC3339)
	listPath := fmt.Sprintf("/api/v1/clinics/%s/appointments?from=%s&to=%s", res.ClinicID, url.QueryEscape(from), url.QueryEscape(to))

	// The bare handler: net/http + pgx, one indexed query, JSON out.
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	bareLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	bare := &http.Server{Handler: bareHandler(pool, res.ClinicID, day)}
	go bare.Serve(bareLn) //nolint:errcheck
	defer bare.Close()

	dir, err := os.MkdirTemp("", "loadtest")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bookLua, err := bookingScript(dir, ctx, admin, schema, res.ClinicID, cookie)
	if err != nil {
		return err
	}

	uncachedLua, err := uncachedScript(dir, listPath, day, cookie)
	if err != nil {
		return err
	}

	results := map[string]result{}
	runs := []struct {
		key, name string
		args      []string
	}{
		{"bare", "bare handler (net/http + pgx, 1 query)", []string{"http://" + bareLn.Addr().String() + "/"}},
		{"agenda", "clinic agenda list, cached (session + membership + cached page)", []string{"-H", "Cookie: clinic_session=" + cookie, "-H", "Accept-Encoding: gzip", clinicURL + listPath}},
		{"uncached", "clinic agenda list, cache bypassed (session + membership + query + encode + gzip + store)", []string{"-s", uncachedLua, clinicURL}},
		{"booking", "clinic booking, distinct slots (references + one batch: insert, event, audit)", []string{"-s", bookLua, clinicURL + "/api/v1/clinics/" + res.ClinicID + "/appointments"}},
	}
	want := map[string]bool{"bare": true}
	for k := range strings.SplitSeq(onlyRuns, ",") {
		want[strings.TrimSpace(k)] = true
	}
	runs = slices.DeleteFunc(runs, func(c struct {
		key, name string
		args      []string
	}) bool {
		return !want[c.key]
	})
	for _, c := range runs {
		profile := cpuProfile != "" && c.key == profileRun
		if profile {
			f, err := os.Create(cpuProfile)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
		}
		before := cpuNow(ctx, admin, schema)
		r, err := runWrk(c.name, duration, conns, c.args)
		if profile {
			pprof.StopCPUProfile()
		}
		if err != nil {
			return err
		}
		wrkCPU := r.cpu.wrk
		r.cpu = cpuNow(ctx, admin, schema).sub(before)
		r.cpu.wrk = wrkCPU
		results[c.key] = r
	}
	var bench pgbenchResult
	if !skipPgbench {
		// Last, when the server is idle: pgbench gets the machine alone.
		if bench, err = runPgbench(ctx, admin, base, conns, duration); err != nil {
			return err
		}
	}
	fmt.Printf("\n| what | req/s | p50 | p99 | non-2xx | CPU/req: server | PostgreSQL | wrk |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range runs {
		r := results[c.key]
		fmt.Printf("| %s | %.0f | %s | %s | %d | %s | %s | %s |\n", r.name, r.rps, r.p50, r.p99, r.non2xx,
			r.perRequest(r.cpu.self), r.perRequest(r.cpu.postgres), r.perRequest(r.cpu.wrk))
	}
	if !skipPgbench {
		fmt.Printf("| pgbench -N -c %d -j 2 -T %d -M prepared (scale 10), tps | %.0f | | | | | | |\n", conns, int(duration.Seconds()), bench.tps)
	}
	bareRPS := results["bare"].rps
	fmt.Println()
	if want["agenda"] {
		fmt.Printf("agenda list, cached: %.0f%% of the bare handler\n", 100*results["agenda"].rps/bareRPS)
	}
	if want["uncached"] {
		fmt.Printf("agenda list, cache bypassed: %.0f%% of the bare handler\n", 100*results["uncached"].rps/bareRPS)
	}
	if !skipPgbench && want["booking"] {
		fmt.Printf("bookings: %.0f%% of pgbench -N (%.0f tps, average latency %s ms)\n", 100*results["booking"].rps/bench.tps, bench.tps, bench.latency)
	}
	return nil
}

// luaThreads numbers wrk's threads (id, from 0) and gives each a request
// counter, so that each thread walks its own distinct requests.
const luaThreads = `
local nthreads = 0
function setup(thread)
  thread:set("id", nthreads)
  nthreads = nthreads + 1
end
function init(args)
  counter = 0
end
`

// uncachedScript writes a wrk Lua script that asks for the agenda day with
// a start moved by a millisecond more each request (and per thread), so the
// agenda cache never holds the page asked for: every request runs the query,
// encodes, compresses and stores the page, as the first request after a
// write does. The first minutes of the day hold no appointment, so every
// page has the same items.
func uncachedScript(dir, listPath string, day time.Time, cookie string) (string, error) {
	base, _, _ := strings.Cut(listPath, "?")
	to := day.AddDate(0, 0, 1).Format(time.RFC3339)
	_, offset, _ := strings.Cut(day.Format(time.RFC3339), "T00:00:00")
	script := luaThreads + fmt.Sprintf(`
request = function()
  counter = counter + 1
  local ms = id * 500000 + counter
  local from = string.format("%sT00:%%02d:%%02d.%%03d%s", math.floor(ms / 60000) %% 60, math.floor(ms / 1000) %% 60, ms %% 1000)
  local path = "%s?from=" .. from:gsub("%%+", "%%%%2B") .. "&to=%s"
  return wrk.format("GET", path, {["Cookie"]="clinic_session=%s", ["Accept-Encoding"]="gzip"})
end
`, day.Format(time.DateOnly), offset, base, url.QueryEscape(to), cookie)
	p := filepath.Join(dir, "uncached.lua")
	return p, os.WriteFile(p, []byte(script), 0o600)
}

type pgbenchResult struct {
	tps     float64
	latency string // average, ms
}

var (
	reTPS     = regexp.MustCompile(`tps = ([\d.]+)`)
	reLatency = regexp.MustCompile(`latency average = ([\d.]+) ms`)
)

// runPgbench initialises pgbench's tables (scale 10) in a scratch database
// and runs pgbench -N -c conns -j 2 -T duration -M prepared against it: the
// simple-update transaction (BEGIN, UPDATE, SELECT, INSERT, END; no hot
// rows) on the same server.
func runPgbench(ctx context.Context, admin *sql.DB, base string, conns int, duration time.Duration) (pgbenchResult, error) {
	name := "loadtest_pgbench_" + randomHex(4)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return pgbenchResult{}, fmt.Errorf("pgbench: create database: %w", err)
	}
	defer admin.ExecContext(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)") //nolint:errcheck
	u, err := url.Parse(base)
	if err != nil {
		return pgbenchResult{}, err
	}
	env := append(os.Environ(), "PGHOST="+u.Hostname(), "PGPORT="+cmp.Or(u.Port(), "5432"), "PGDATABASE="+name,
		"PGSSLMODE="+cmp.Or(u.Query().Get("sslmode"), "prefer"))
	if u.User != nil {
		env = append(env, "PGUSER="+u.User.Username())
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
		}
	}
	pgbench := func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, "pgbench", args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("pgbench %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return out, nil
	}
	fmt.Fprintln(os.Stderr, "pgbench: initialising scale 10…")
	if _, err := pgbench("-i", "-s", "10", "-q"); err != nil {
		return pgbenchResult{}, err
	}
	fmt.Fprintf(os.Stderr, "pgbench -N -c %d -j 2 -T %d -M prepared…\n", conns, int(duration.Seconds()))
	out, err := pgbench("-N", "-c", strconv.Itoa(conns), "-j", "2", "-T", strconv.Itoa(int(duration.Seconds())), "-M", "prepared")
	if err != nil {
		return pgbenchResult{}, err
	}
	var r pgbenchResult
	if m := reTPS.FindSubmatch(out); m != nil {
		fmt.Sscanf(string(m[1]), "%f", &r.tps)
	}
	if m := reLatency.FindSubmatch(out); m != nil {
		r.latency = string(m[1])
	}
	if r.tps == 0 {
		return pgbenchResult{}, fmt.Errorf("pgbench: no tps in its output:\n%s", out)
	}
	return r, nil
}

func bareHandler(pool *pgxpool.Pool, clinicID string, day time.Time) http.Handler {
	type row struct {
		ID, PatientID, ProfessionalID, Status, Procedure string
		StartsAt, EndsAt                                 time.Time
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows, err := pool.Query(r.Context(), `SELECT id::text, patient_id::text, professional_id::text, status, procedure, starts_at, ends_at
			FROM appointments WHERE clinic_id = $1 AND starts_at >= $2 AND starts_at < $3 ORDER BY starts_at`, clinicID, day, day.AddDate(0, 0, 1))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer rows.Close()
		var out []row
		for rows.Next() {
			var x row
			if err := rows.Scan(&x.ID, &x.PatientID, &x.ProfessionalID, &x.Status, &x.Procedure, &x.StartsAt, &x.EndsAt); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			out = append(out, x)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"items": out})
	})
}

func busiestDay(ctx context.Context, db *sql.DB, schema, clinicID string) (time.Time, int, error) {
	// The local day (São Paulo) whose count is closest to 20.
	rows, err := db.QueryContext(ctx, `SELECT (starts_at AT TIME ZONE 'America/Sao_Paulo')::date AS d, COUNT(*) FROM `+schema+`.appointments
		WHERE clinic_id = $1 GROUP BY d ORDER BY abs(COUNT(*) - 20), d LIMIT 1`, clinicID)
	if err != nil {
		return time.Time{}, 0, err
	}
	defer rows.Close()
	if !rows.Next() {
		return time.Time{}, 0, fmt.Errorf("no appointments seeded")
	}
	var d time.Time
	var n int
	if err := rows.Scan(&d, &n); err != nil {
		return time.Time{}, 0, err
	}
	loc, _ := time.LoadLocation("America/Sao_Paulo")
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc), n, rows.Err()
}

func login(base, email, password string) (string, error) {
	body := fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)
	res, err := http.Post(base+"/api/v1/login", "application/json", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	for _, c := range res.Cookies() {
		if c.Name == "clinic_session" {
			return c.Value, nil
		}
	}
	return "", fmt.Errorf("login: no session cookie (status %d)", res.StatusCode)
}

// bookingScript writes a wrk Lua script that books a new, never-overlapping
// slot per request: each wrk thread walks its own professional's future
// far from the demo data.
func bookingScript(dir string, ctx context.Context, db *sql.DB, schema, clinicID, cookie string) (string, error) {
	var patientID string
	if err := db.QueryRowContext(ctx, `SELECT id::text FROM `+schema+`.patients WHERE clinic_id = $1 LIMIT 1`, clinicID).Scan(&patientID); err != nil {
		return "", err
	}
	rows, err := db.QueryContext(ctx, `SELECT id::text FROM `+schema+`.professionals WHERE clinic_id = $1 ORDER BY name`, clinicID)
	if err != nil {
		return "", err
	}
	var pros []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", err
		}
		pros = append(pros, `"`+id+`"`)
	}
	rows.Close()
	start := time.Now().AddDate(2, 0, 0).Truncate(24 * time.Hour).Unix()
	script := luaThreads + fmt.Sprintf(`
local pros = {%s}
request = function()
  counter = counter + 1
  local pro = pros[(id %% #pros) + 1]
  local t = %d + (id * 10000000) + counter * 1800
  local body = string.format('{"patient_id":"%s","professional_id":"%%s","starts_at":"%%s","duration_minutes":30,"override_working_hours":true}',
    pro, os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ", t))
  return wrk.format("POST", nil, {["Content-Type"]="application/json", ["Cookie"]="clinic_session=%s"}, body)
end
`, strings.Join(pros, ","), start, patientID, cookie)
	p := filepath.Join(dir, "book.lua")
	return p, os.WriteFile(p, []byte(script), 0o600)
}

type result struct {
	name     string
	rps      float64
	p50, p99 string
	non2xx   int
	cpu      cpuTimes
	seconds  float64 // the run's duration
}

// perRequest returns CPU time t spent over the run per request.
func (r result) perRequest(t time.Duration) string {
	if r.rps == 0 || t == 0 {
		return ""
	}
	return fmt.Sprintf("%.0f µs", float64(t.Microseconds())/(r.rps*r.seconds))
}

var (
	reRPS    = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reP50    = regexp.MustCompile(`\n\s+50%\s+(\S+)`)
	reP99    = regexp.MustCompile(`\n\s+99%\s+(\S+)`)
	reNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

func runWrk(name string, d time.Duration, conns int, args []string) (result, error) {
	fmt.Fprintf(os.Stderr, "wrk: %s…\n", name)
	all := append([]string{"-t2", fmt.Sprintf("-c%d", conns), "-d" + d.String(), "--latency"}, args...)
	cmd := exec.Command("wrk", all...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	r := result{name: name, seconds: d.Seconds()}
	r.cpu.wrk = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if m := reRPS.FindSubmatch(out); m != nil {
		fmt.Sscanf(string(m[1]), "%f", &r.rps)
	}
	if m := reP50.FindSubmatch(out); m != nil {
		r.p50 = string(m[1])
	}
	if m := reP99.FindSubmatch(out); m != nil {
		r.p99 = string(m[1])
	}
	if m := reNon2xx.FindSubmatch(out); m != nil {
		fmt.Sscanf(string(m[1]), "%d", &r.non2xx)
	}
	return r, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
